"""Give each PD role the Django model permissions it needs.

The roles exist since ``0001_roles`` with admin access only. What each may *do*
is granted here as ordinary model permissions, so an administrator sees and tunes
them in Wagtail's group screens; *which* records each sees is the scope in
``workflows.permissions``, not a permission.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Copied, not imported, so the migration keeps its meaning when the code changes.
PD_MODELS = (
    "school",
    "workgroup",
    "enrolment",
    "participant",
    "application",
    "applicationparticipant",
    "meeting",
    "attendance",
    "visit",
)
ROLE_PERMISSIONS = {
    "Hub leads": dict.fromkeys(PD_MODELS, ("add", "change", "delete", "view")),
    "Mastery Specialists": {
        "school": ("view",),
        "workgroup": ("view", "change"),
        "enrolment": ("view",),
        "participant": ("add", "change", "view"),
        "meeting": ("add", "change", "view"),
        "attendance": ("add", "change", "view"),
        "visit": ("add", "change", "view"),
    },
    "School leaders": {
        "school": ("view",),
        "enrolment": ("view",),
        "application": ("view",),
    },
}


def _codenames(role):
    return [
        f"{action}_{model}"
        for model, actions in ROLE_PERMISSIONS[role].items()
        for action in actions
    ]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure ours exist now.
    app_config = apps.get_app_config("workflows")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in ROLE_PERMISSIONS:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="workflows", codename__in=_codenames(role)
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="workflows", codename__in=_codenames(group.name)
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0003_meetings_cluster_and_help_texts"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
