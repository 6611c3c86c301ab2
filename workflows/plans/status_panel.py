"""A read-only panel at the top of the plan's edit form: where the plan stands.

It shows the agreement ("Agreed by X (specialist) on ... and Y (school) on ...")
or the comment that asked for changes, read from Wagtail's task states.
"""

from wagtail.admin.panels import Panel


class PlanStatusPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "workflows/plans/status.html"

        def get_context_data(self, parent_context=None):
            from workflows.plans.status import plan_status

            context = super().get_context_data(parent_context)
            context.update(plan_status(self.instance))
            return context
