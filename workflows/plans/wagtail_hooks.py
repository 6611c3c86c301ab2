"""Admin registration of action plans, their workflow tasks, history and dashboard.

What Wagtail offers for scoping, and where each piece of it is used:

* ``register_snippet`` with :class:`ActionPlanViewSet`: scoped listing, scoped
  object views and a scoped chooser (see ``viewsets``), listed in the hub's
  "Professional development" menu through its ``register_pd_menu_item`` hook;
* ``register_log_actions``: plans log into :class:`ActionPlanLogEntry`, whose
  ``viewable_by_user`` is scoped, so the site history report and each plan's
  history show only plans the user may see;
* ``construct_homepage_panels``: our fixed-cost panels replace Wagtail's
  "awaiting your review" panels for PD users.

The Workflows and Workflow tasks reports are narrowed to visible plans by their
scoped subclasses in ``workflows.audit.reports``.
"""

import copy

from wagtail import hooks
from wagtail.snippets.action_menu import (
    CancelWorkflowMenuItem,
    LockedMenuItem,
    PublishMenuItem,
    RestartWorkflowMenuItem,
    SubmitForModerationMenuItem,
    WorkflowMenuItem,
)
from wagtail.snippets.models import register_snippet

from workflows.models import ActionPlan, FocusArea
from workflows.permissions import is_hub_lead, is_school_leader, is_specialist
from workflows.plans import panels, tracking
from workflows.plans.models import ActionPlanLogEntry, PlanState
from workflows.plans.tasks import user_can_cancel
from workflows.plans.viewsets import ActionPlanViewSet, FocusAreaViewSet

register_snippet(ActionPlanViewSet)
register_snippet(FocusAreaViewSet)


@hooks.register("register_pd_menu_item")
def action_plans_menu_item():
    """List plans in the hub's "Professional development" menu (workflows/admin)."""
    viewset = ActionPlan.snippet_viewset
    viewset.menu_item_is_registered = True
    return viewset.get_menu_item(order=12)


@hooks.register("register_pd_menu_item")
def focus_areas_menu_item():
    viewset = FocusArea.snippet_viewset
    viewset.menu_item_is_registered = True
    return viewset.get_menu_item(order=90)


@hooks.register("register_log_actions")
def register_plan_log_actions(actions):
    actions.register_model(ActionPlan, ActionPlanLogEntry)
    actions.register_action("workflows.plan_reviewed", "Review plan", "Termly review recorded")
    actions.register_action("workflows.plan_closed", "Close plan", "Plan closed and carried over")
    actions.register_action("workflows.plan_tracked")(tracking.TrackedLogFormatter)


@hooks.register("construct_homepage_panels")
def plan_panels(request, panel_list):
    user = request.user
    if not (is_hub_lead(user) or is_specialist(user) or is_school_leader(user)):
        return
    # Wagtail's own moderation panels cost a query per item; ours cost a fixed few.
    panel_list[:] = [
        panel
        for panel in panel_list
        if getattr(panel, "name", "")
        not in {"workflow_objects_to_moderate", "user_objects_in_workflow_moderation"}
    ]
    if is_specialist(user) and not is_hub_lead(user):
        # One to-do holds what waits on a specialist, overdue actions included.
        panel_list.append(panels.SpecialistTodoPanel(user))
    else:
        panel_list.extend([panels.PlansAwaitingPanel(user), panels.OverdueActionsPanel(user)])
    if is_hub_lead(user) or is_specialist(user):
        panel_list.append(panels.PlansOverviewPanel(user))


class SendForApprovalMenuItem(SubmitForModerationMenuItem):
    """Wagtail's "Submit to Action plan approval", in the words of the people who use it.

    Wagtail builds its label from the workflow's name ("Submit to …", "Resubmit
    to Specialist sign-off") in ``get_context_data``, so a label set on the item
    would be overwritten; this item words it once for every case.
    """

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        instance = parent_context.get("instance")
        if instance is not None and instance.state == PlanState.CHANGES_REQUESTED:
            context["label"] = "Resend for approval"
        elif instance is not None and instance.live:
            context["label"] = "Send changes for approval"
        else:
            context["label"] = "Send for approval"
        return context


class WaitingMenuItem(LockedMenuItem):
    """The disabled footer button of a plan locked by its approval: what it waits for."""

    template_name = "workflows/plans/action_menu/waiting.html"

    def __init__(self, label, order=None):
        super().__init__(order=order)
        self.label = label


# Wagtail's labels for the other workflow items of the footer, in domain words.
FOOTER_LABELS = {
    CancelWorkflowMenuItem: "Withdraw from approval",
    RestartWorkflowMenuItem: "Send for approval again",
    PublishMenuItem: "Agree without approval",
}


@hooks.register("construct_snippet_action_menu")
def plan_action_menu(menu_items, request, context):
    """Fit the plan editor's footer to the plan's approval rules and words.

    * "Cancel workflow" only for the plan's specialist or a hub lead (the edit
      view refuses the action to anyone else too);
    * the task's own labels: Wagtail appends "and Publish" to an approve action
      at the last task, whatever the task calls it; a school leader approves the
      plan, and publishing is Wagtail's word for what follows;
    * "Send for approval", "Withdraw from approval": never "Submit to Action plan
      approval", "Cancel workflow" or "moderation".
    """
    instance = context.get("instance")
    model = context.get("model")
    if not (model is ActionPlan or isinstance(instance, ActionPlan)):
        return
    if context.get("view") not in ("create", "edit"):
        return
    task = instance.current_workflow_task if instance is not None else None
    labels = {}
    if task is not None:
        labels = {
            (name, modal): label
            for name, label, modal in task.specific.get_actions(instance, request.user)
        }
    can_cancel = instance is not None and user_can_cancel(instance, request.user)
    kept = []
    for item in menu_items:
        if isinstance(item, CancelWorkflowMenuItem) and not can_cancel:
            continue
        if type(item) is SubmitForModerationMenuItem:
            item = SendForApprovalMenuItem(order=item.order)
        elif type(item) is LockedMenuItem and task is not None:
            # Locked by the approval in progress, not by a person: say what it waits for.
            item = WaitingMenuItem(f"Waiting for {task.name.lower()}", order=item.order)
        elif type(item) in FOOTER_LABELS:
            # Wagtail's base items are shared by every request: relabel a copy.
            item = copy.copy(item)
            item.label = FOOTER_LABELS[type(item)]
        elif isinstance(item, WorkflowMenuItem):
            item.label = labels.get((item.name, item.launch_modal), item.label)
        kept.append(item)
    menu_items[:] = kept
