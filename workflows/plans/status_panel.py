"""A read-only panel at the top of the plan's edit form: where the plan stands.

It shows the agreement ("Agreed by X (specialist) on ... and Y (school) on ...")
or the comment that asked for changes, read from Wagtail's task states. On a
plan with an agreed version it says, before anything is saved, that saving a
change to what was agreed sends the plan for both approvals again, and links to
"Track progress" for the tracking that needs no approval.
"""

from wagtail.admin.panels import Panel


class PlanStatusPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "workflows/plans/status.html"

        def get_context_data(self, parent_context=None):
            from workflows.plans.status import plan_status
            from workflows.plans.tracking import can_track

            context = super().get_context_data(parent_context)
            context.update(plan_status(self.instance))
            context["in_editor"] = True
            context["can_track"] = bool(
                self.instance.pk and self.request and can_track(self.instance, self.request.user)
            )
            return context
