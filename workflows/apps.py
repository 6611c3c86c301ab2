from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    """The professional development domain: schools, applications, Work Groups,
    visits, action plans and the Wagtail Workflow tasks that approve them."""

    name = "workflows"
    verbose_name = "Professional development"
