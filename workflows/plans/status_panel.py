"""A read-only panel at the top of the plan's edit form: where the plan stands.

It shows the agreement ("Agreed by X (specialist) on ... and Y (school) on ...")
or the comment that asked for changes, read from Wagtail's task states. On a
plan with an agreed version it says, before anything is saved, that saving a
change to what was agreed sends the plan for both approvals again, and links to
"Track progress" for the tracking that needs no approval.
"""

from wagtail.admin.panels import Panel
from wagtail.snippets.side_panels import SnippetStatusSidePanel


class PlanStatusPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "workflows/plans/status.html"

        def get_context_data(self, parent_context=None):
            from workflows.plans.status import plan_status
            from workflows.plans.tracking import can_track

            context = super().get_context_data(parent_context)
            context.update(plan_status(self.instance, self.request.user if self.request else None))
            context["in_editor"] = True
            context["can_track"] = bool(
                self.instance.pk and self.request and can_track(self.instance, self.request.user)
            )
            return context


class PlanStatusSidePanel(SnippetStatusSidePanel):
    """The editor's Status side panel, saying where the plan stands in domain words.

    Wagtail's panel speaks of "Live", "In Moderation", "Sent to School leader
    approval" and offers a lock toggle and a usage count; specialists and school
    leaders read "Agreed; changes awaiting school approval" and who it waits on.
    Locking stays for hub leads, who sort out plans edited at the same time.
    """

    template_name = "workflows/plans/side_panel/status.html"

    def get_status_templates(self, context):
        from workflows.permissions import is_hub_lead

        templates = ["workflows/plans/side_panel/plan.html"]
        if self.locking_enabled and is_hub_lead(self.request.user):
            templates.append("wagtailadmin/shared/side_panels/includes/status/locked.html")
        return templates

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        plan = self.object
        context["plan"] = plan
        context["state_label"] = plan.status_label() if plan.pk else "New plan, not yet saved"
        workflow_state = plan.current_workflow_state if plan.pk else None
        if workflow_state is not None and workflow_state.current_task_state is not None:
            context["waiting_on"] = workflow_state.current_task_state.task.name
            context["sent_at"] = workflow_state.created_at
            context["sent_by"] = workflow_state.requested_by
        return context
