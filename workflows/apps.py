from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    """The professional development domain: schools, applications, Work Groups,
    visits, action plans and the Wagtail Workflow tasks that approve them."""

    name = "workflows"
    verbose_name = "Professional development"

    def ready(self):
        from workflows.permissions import register_scoped_policies

        # One policy per PD model; Wagtail's views, choosers and bulk actions look
        # them up by model. A model without a declared scope stops start-up here.
        register_scoped_policies()

        # Documents: Wagtail's collection policy, minus other schools' PD attachments.
        from workflows.documents import register_document_policy

        register_document_policy()
