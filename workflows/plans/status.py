"""What a person needs to know about where a plan stands, read from Wagtail's records.

Approvals are Wagtail ``TaskState`` rows: each names who finished it, when, and
the revision it was on, so "agreed by whom, when, which revision" is never a
copy that could drift from the workflow history.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

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
        each) and ``approvals`` (those present, in order), or ``None`` when the
        plan was never agreed.
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
    # Both approvals in order, for the comments each may carry.
    result["approvals"] = [s for s in (result["specialist"], result["school"]) if s]
    return result


def person(user) -> str:
    """A user's name as people read it, or "Someone" for a deleted account."""
    return (user.get_full_name() or user.get_username()) if user else "Someone"


def task_state_words(state) -> str:
    """What a plan's task state means, in the programme's words, not Wagtail's.

    Wagtail says "Approved", "Rejected", "Cancelled", "In progress"; a specialist
    signs a plan off, a school approves it or asks for changes, and an approval
    overtaken by a change (or withdrawn by the specialist) is withdrawn.
    """
    specialist = is_sign_off(state.task)
    return {
        TaskState.STATUS_APPROVED: "Signed off" if specialist else "Approved",
        TaskState.STATUS_REJECTED: "Changes requested",
        TaskState.STATUS_CANCELLED: "Approval withdrawn",
        TaskState.STATUS_SKIPPED: "Not needed",
        TaskState.STATUS_IN_PROGRESS: (
            "Awaiting the specialist's sign-off" if specialist else "Awaiting approval"
        ),
    }.get(state.status, "Not started")


def is_sign_off(task) -> bool:
    """Whether ``task`` (any ``Task`` row) is the specialist's sign-off, without a query.

    ``task.specific`` would cost a query per task state listed; the task's own
    content type says the same, and Django caches content types.
    """
    if isinstance(task, SpecialistSignOffTask):
        return True
    return task.content_type_id == ContentType.objects.get_for_model(SpecialistSignOffTask).pk


def task_words(task, status) -> str:
    """``task_state_words`` for a task and a bare status (Wagtail's task listings)."""
    if status is None:
        return "Not started"
    return task_state_words(_Bare(task=task, status=status))


class _Bare:
    def __init__(self, task, status):
        self.task, self.status = task, status


def workflow_state_words(workflow_state, changes_requested=False) -> str:
    """What one round of approval came to, in the programme's words.

    "Request changes" cancels the round (see ``workflows.plans.signals``), so a
    cancelled round with a task state that asked for changes reads "Changes
    requested"; one cancelled otherwise (a content change restarted it, or the
    specialist withdrew it) reads "Approval withdrawn".
    """
    status = workflow_state.status
    if status == WorkflowState.STATUS_APPROVED:
        return "Agreed"
    if status == WorkflowState.STATUS_IN_PROGRESS:
        return "Awaiting approval"
    if status == WorkflowState.STATUS_NEEDS_CHANGES or changes_requested:
        return "Changes requested"
    return "Approval withdrawn"


def describe(state) -> str:
    """One finished task state as a line on the plan: "Changes requested by Ann Head on 3 Dec 2026"."""
    words = f"{task_state_words(state)} by {person(state.finished_by)}"
    if state.finished_at:
        words += f" on {date_format(timezone.localtime(state.finished_at), 'j M Y')}"
    return words


def approval_record(plan, limit=10):
    """The latest sign-offs, approvals and requests for changes on ``plan``, newest first.

    Each comes with its comment, so what the school or the specialist said stays
    on the plan after the email. One query.

    :returns: a list of finished ``TaskState`` rows, each with ``words`` ("Approved
        by Ann Head on 3 Dec 2026").
    """
    if not plan.pk:
        return []
    states = list(
        _task_states(plan)
        .filter(status__in=[TaskState.STATUS_APPROVED, TaskState.STATUS_REJECTED])
        .exclude(finished_at__isnull=True)
        .order_by("-finished_at", "-pk")[:limit]
    )
    for state in states:
        state.words = describe(state)
    return states


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
    from workflows.plans.models import PlanState

    return Q(**{f"{prefix}live": True}) & ~Q(**{f"{prefix}state": PlanState.CLOSED})


def plan_status(plan, user=None):
    """Return the context the status panel, inspect and print views show.

    :param user: who reads it; with a user, the plans this one carried over from
        and to are linked where that user may open them.
    """
    from workflows.plans.models import PlanState

    context = {"plan": plan, "state_label": plan.status_label() if plan.pk else ""}
    if not plan.pk:
        return context
    if user is not None:
        context["lineage"] = lineage(plan, user)
    context["agreement"] = agreed = agreement(plan)
    if agreed and agreed["school"] and agreed["school"].revision:
        # "the version of 3 Dec": the day the agreed version was written, never its number.
        context["agreed_version_on"] = agreed["school"].revision.created_at
    if plan.state == PlanState.CHANGES_REQUESTED:
        context["change_request"] = latest_change_request(plan)
    if plan.in_force:
        context["track_url"] = reverse("wagtailsnippets_workflows_actionplan:track", args=[plan.pk])
        # Named in the editor's notice: who approves a change to what was agreed.
        context["specialist_name"] = (
            plan.specialist.get_full_name() or plan.specialist.get_username()
        )
    return context


def lineage(plan, user) -> list[dict]:
    """The plans ``plan`` carried over from and to, as links for ``user`` (those they may see).

    A plan carried over keeps its link to last year's (``previous_plan``); last
    year's names the plans that carried on from it. At most one query: a plan of the
    same school in a group the user no longer leads is left out, not linked to a 404.
    """
    from workflows.models import ActionPlan
    from workflows.permissions import visible
    from workflows.plans.models import PlanState

    if not plan.previous_plan_id and plan.state != PlanState.CLOSED:
        return []  # carrying over closes the old plan: only a closed plan has next ones
    related = Q(previous_plan=plan.pk)
    if plan.previous_plan_id:
        related |= Q(pk=plan.previous_plan_id)
    rows = visible(user, ActionPlan.objects.filter(related)).values_list(
        "pk", "title", "academic_year"
    )
    return [
        {
            "label": "Carried over from" if pk == plan.previous_plan_id else "Carried over to",
            "title": title,
            "academic_year": academic_year,
            "url": reverse("wagtailsnippets_workflows_actionplan:inspect", args=[pk]),
        }
        for pk, title, academic_year in rows
    ]


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
    from workflows.plans.models import ActionStatus

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
