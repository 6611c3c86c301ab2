"""Seed what action plans need to work: the focus-area vocabularies, the approval
Workflow (specialist sign-off, then school leader approval) assigned to the
ActionPlan model, and the roles' permissions on plans.

Nobody holds "publish" on plans: a plan becomes agreed only when the Workflow's
last task is approved, so no one can skip the two sign-offs.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Copied, not imported, so the migration keeps its meaning when the code changes.
FOCUS_AREAS = {
    "big_idea": [
        "Coherence",
        "Representation and Structure",
        "Mathematical Thinking",
        "Fluency",
        "Variation",
    ],
    "embedding": [
        "Systems and culture",
        "School and subject leadership",
        "Subject knowledge",
        "Lesson design",
        "In-school professional development",
    ],
    "sustaining": ["Leadership", "Collaborative planning", "Subject knowledge"],
    "readiness": [
        "Shared vision and culture",
        "Belief that every child can achieve",
        "Positive mindset among staff",
        "Subject knowledge of teachers and TAs",
        "Systems that maximise learning",
        "Arithmetic proficiency",
        "Valued ongoing staff development",
    ],
}
WORKFLOW_NAME = "Action plan approval"
ROLE_PERMISSIONS = {
    "Hub leads": {
        "actionplan": ("add", "change", "delete", "view", "lock", "unlock"),
        "focusarea": ("add", "change", "delete", "view"),
        "planreview": ("add", "change", "delete", "view"),
    },
    "Mastery Specialists": {
        "actionplan": ("add", "change", "view", "lock"),
        "focusarea": ("view",),
        "planreview": ("add", "change", "view"),
    },
    "School leaders": {
        "actionplan": ("change", "view", "lock"),
        "focusarea": ("view",),
        "planreview": ("view",),
    },
}
EXTRA_PERMISSIONS = {"lock": "Can lock", "unlock": "Can unlock", "publish": "Can publish"}


def seed(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")

    FocusArea = apps.get_model("workflows", "FocusArea")
    for kind, names in FOCUS_AREAS.items():
        for position, name in enumerate(names):
            FocusArea.objects.get_or_create(kind=kind, name=name, defaults={"sort_order": position})

    # Permissions are normally created after all migrations ran; make sure ours exist now.
    app_config = apps.get_app_config("workflows")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    plan_type, _ = ContentType.objects.get_or_create(app_label="workflows", model="actionplan")
    for action, label in EXTRA_PERMISSIONS.items():
        Permission.objects.get_or_create(
            content_type=plan_type,
            codename=f"{action}_actionplan",
            defaults={"name": f"{label} action plan"},
        )
    for role, models in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        codenames = [f"{action}_{model}" for model, actions in models.items() for action in actions]
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="workflows", codename__in=codenames)
        )

    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    workflow, created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if created:
        for position, (model, name) in enumerate(
            [
                ("specialistsignofftask", "Specialist sign-off"),
                ("schoolleaderapprovaltask", "School leader approval"),
            ]
        ):
            task_type, _ = ContentType.objects.get_or_create(app_label="workflows", model=model)
            task = apps.get_model("workflows", model).objects.create(
                name=name, content_type=task_type, active=True
            )
            WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=position)
    WorkflowContentType.objects.get_or_create(
        content_type=plan_type, defaults={"workflow": workflow}
    )


def unseed(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=WORKFLOW_NAME).delete()
    apps.get_model("workflows", "FocusArea").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0005_action_plans"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
