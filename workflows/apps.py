from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    """The professional development domain: schools, applications, Work Groups,
    visits, action plans and the Wagtail Workflow tasks that approve them."""

    name = "workflows"
    verbose_name = "Professional development"

    def ready(self):
        from wagtail.permissions import register_permission_policy

        from workflows import models
        from workflows.permissions import ScopedPermissionPolicy

        # One policy per PD model; Wagtail's views and choosers look them up here.
        for model_name in models.__all__:
            model = getattr(models, model_name)
            register_permission_policy(model, ScopedPermissionPolicy(model))

        # Documents: Wagtail's collection policy, minus other schools' PD attachments.
        from workflows.documents import register_document_policy

        register_document_policy()
