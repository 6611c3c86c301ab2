"""Let Wagtail's "Editors" group add, change, delete and choose video testimonials.

Editors write programme pages; without these permissions the testimonial block's
chooser would be empty for them. Permissions for a new model only exist after
``post_migrate``, so this migration creates them first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ACTIONS = ("add", "change", "delete", "view")


def grant(apps, schema_editor):
    app_config = apps.get_app_config("programmes")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.filter(name="Editors").first()
    if editors is None:
        return
    editors.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="programmes",
            codename__in=[f"{action}_videotestimonial" for action in ACTIONS],
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        editors.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="programmes",
                codename__in=[f"{action}_videotestimonial" for action in ACTIONS],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0003_programme_content_and_video_testimonials"),
        ("wagtailcore", "0002_initial_data"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
