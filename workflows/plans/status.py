"""What a person needs to know about where a plan stands, read from Wagtail's records.

Approvals are Wagtail ``TaskState`` rows: each names who finished it, when, and
the revision it was on, so "agreed by whom, when, which revision" is never a
copy that could drift from the workflow history.
"""

from django.db.models import Case, CharField, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from wagtail.models import TaskState, WorkflowState

from workflows.plans.tasks import SchoolLeaderApprovalTask, SpecialistSignOffTask


def _task_states(plan):
    return TaskState.objects.filter(
        workflow_state__base_content_type=plan.get_base_content_type(),
        workflow_state__object_id=str(plan.pk),
    ).select_related("finished_by", "revision", "task", "workflow_state")


def agreement(plan):
    """Return the approvals of the last workflow that agreed ``plan``.

    :returns: a dict with ``specialist`` and ``school`` task states (or ``None``
        each), or ``None`` when the plan was never agreed.
    """
    if not plan.pk:
        return None
    last = (
        WorkflowState.objects.filter(
            base_content_type=plan.get_base_content_type(),
            object_id=str(plan.pk),
            status=WorkflowState.STATUS_APPROVED,
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if last is None:
        return None
    result = {"specialist": None, "school": None, "workflow_state": last}
    for state in _task_states(plan).filter(workflow_state=last, status=TaskState.STATUS_APPROVED):
        task = state.task.specific
        if isinstance(task, SpecialistSignOffTask):
            result["specialist"] = state
        elif isinstance(task, SchoolLeaderApprovalTask):
            result["school"] = state
    return result


def latest_change_request(plan):
    """Return the rejected task state that sent the plan back, or ``None``."""
    if not plan.pk:
        return None
    return (
        _task_states(plan)
        .filter(status=TaskState.STATUS_REJECTED)
        .order_by("-finished_at", "-pk")
        .first()
    )


def in_force_q(prefix="") -> Q:
    """The plans whose agreed version counts: live (agreed once) and not closed.

    A change to an agreed plan waits for approval as a revision, while the live
    rows stay the agreed version; so a plan counts here whatever its ``state``
    says about the change in approval (awaiting sign-off, changes requested).
    Dashboards, charts, reminders and the termly review all use this rule.

    :param prefix: the path to the plan, such as ``"plan__"`` on actions.
    """
    from workflows.models.action_plans import PlanState

    return Q(**{f"{prefix}live": True}) & ~Q(**{f"{prefix}state": PlanState.CLOSED})


def plan_status(plan):
    """Return the context the status panel, inspect and print views show."""
    from workflows.models.action_plans import PlanState

    context = {"plan": plan, "state_label": plan.status_label() if plan.pk else ""}
    if not plan.pk:
        return context
    context["agreement"] = agreement(plan)
    if plan.state == PlanState.CHANGES_REQUESTED:
        context["change_request"] = latest_change_request(plan)
    if plan.in_force:
        context["track_url"] = reverse("wagtailsnippets_workflows_actionplan:track", args=[plan.pk])
        # Named in the editor's notice: who approves a change to what was agreed.
        context["specialist_name"] = (
            plan.specialist.get_full_name() or plan.specialist.get_username()
        )
    return context


def current_status_expression():
    """The status of an action now: the live row's tracked ``status``.

    Tracking (the "Track progress" view) and termly reviews both write the live
    row's status, so the latest of them counts; each review also keeps the
    statuses it recorded, as history. Kept as an expression so callers
    ``annotate(current_status=...)`` the same way whatever it is computed from.
    """
    return F("status")


def is_overdue(due_on, current_status, today=None) -> bool:
    """The one definition of overdue: due before today and not done.

    ``overdue_q`` says the same in SQL; the dashboard, print view, CSV and
    reminders all use one or the other.
    """
    today = today or timezone.localdate()
    return bool(due_on and due_on < today and current_status != "done")


def overdue_q(today=None) -> Q:
    """``is_overdue`` as a filter on actions annotated with ``current_status``."""
    today = today or timezone.localdate()
    return Q(due_on__lt=today) & ~Q(current_status="done")


def status_label(action, today=None) -> str:
    """The action's current status as people read it, saying "Overdue" when it is."""
    from workflows.models.action_plans import ActionStatus

    label = ActionStatus(action.current_status).label
    if is_overdue(action.due_on, action.current_status, today):
        return f"Overdue ({label})"
    return label


def overdue_expression(today=None):
    """``"overdue"`` for an open action past its due date, else its current status."""
    return Case(
        When(overdue_q(today), then=Value("overdue")),
        default=F("current_status"),
        output_field=CharField(),
    )
