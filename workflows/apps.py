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

        # Messages to a group are read by rights the roles already hold (no permissions of their own).
        from workflows.groups.policy import register_message_policy

        register_message_policy()

        # Documents: Wagtail's collection policy, minus other schools' PD attachments.
        from workflows.documents.private import register_document_policy

        register_document_policy()
