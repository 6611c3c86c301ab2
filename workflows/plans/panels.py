"""Dashboard panels for plans, each costing a fixed number of queries.

Wagtail's "awaiting your review" panel asks every task about every object in
moderation (a query or more per item); these panels ask the database once per
list (plus once for its total), whatever the number of plans, and the overview
groups its counts in the database.
"""

from django.db.models import Count, Q, Window
from django.urls import reverse
from django.utils import timezone

from wagtail.admin.ui.components import Component

from workflows.models import Action, ActionPlan
from workflows.models.action_plans import PlanState
from workflows.permissions import is_hub_lead, scope_for, visible
from workflows.plans.charts import stacked_bars
from workflows.plans.status import current_status_expression, overdue_expression, overdue_q

LIST_LIMIT = 10
LIVE_STATES = [PlanState.AGREED, PlanState.IN_PROGRESS]


def awaiting_q(user) -> Q:
    """The plans waiting on ``user``: the specialist's sign-offs, the leader's approvals.

    A hub lead acts on none of them, but sees every plan waiting on anyone.
    """
    if is_hub_lead(user):
        return Q(state__in=[PlanState.AWAITING_SPECIALIST, PlanState.AWAITING_SCHOOL])
    scope = scope_for(user)
    q = Q(pk__in=[])
    if scope.specialist:
        q |= Q(state=PlanState.AWAITING_SPECIALIST, specialist=user)
    if scope.leader:
        q |= Q(state=PlanState.AWAITING_SCHOOL, school__in=scope.led_school_ids)
    return q


def overdue_actions(user, today=None):
    """The open actions past their due date on the agreed plans ``user`` may see."""
    today = today or timezone.localdate()
    plans = visible(user, ActionPlan.objects.filter(state__in=LIVE_STATES))
    return (
        Action.objects.filter(plan__in=plans.values("pk"))
        .annotate(current_status=current_status_expression())
        .filter(overdue_q(today))
    )


def first_with_total(queryset, limit=LIST_LIMIT):
    """Return the first ``limit`` rows and the total, in one query.

    ``COUNT(*) OVER ()`` is computed before ``LIMIT``, so every row carries the
    total; no second ``COUNT`` query, whether there are 5 rows or 5,000.
    """
    rows = list(queryset.annotate(total_rows=Window(Count("pk")))[:limit])
    return rows, (rows[0].total_rows if rows else 0)


class PlansAwaitingPanel(Component):
    name = "plans_awaiting_approval"
    order = 90
    template_name = "workflows/plans/panels/awaiting.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        plans = visible(self.user, ActionPlan.objects.filter(awaiting_q(self.user)))
        items, total = first_with_total(
            plans.select_related("school", "enrolment__work_group").order_by("updated_at")
        )
        for plan in items:
            plan.edit_url = reverse("wagtailsnippets_workflows_actionplan:edit", args=[plan.pk])
        return {
            "plans": items,
            "total": total,
            "hub_lead": is_hub_lead(self.user),
            "list_url": reverse("wagtailsnippets_workflows_actionplan:list"),
        }


class OverdueActionsPanel(Component):
    name = "overdue_actions"
    order = 91
    template_name = "workflows/plans/panels/overdue.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        items, total = first_with_total(
            overdue_actions(self.user).select_related("plan__school").order_by("due_on", "pk")
        )
        for action in items:
            action.plan_url = reverse(
                "wagtailsnippets_workflows_actionplan:inspect", args=[action.plan_id]
            )
        return {"actions": items, "total": total}


STATE_COLOURS = {
    PlanState.DRAFT: "#767676",
    PlanState.AWAITING_SPECIALIST: "#8a5a00",
    PlanState.AWAITING_SCHOOL: "#b35c00",
    PlanState.CHANGES_REQUESTED: "#b3261e",
    PlanState.AGREED: "#1d6b3a",
    PlanState.IN_PROGRESS: "#0b5cad",
    PlanState.CLOSED: "#3d3d3d",
}
ACTION_BUCKETS = [
    ("on_track", "On track", "#1d6b3a"),
    ("at_risk", "At risk", "#8a5a00"),
    ("off_track", "Off track", "#b3261e"),
    ("done", "Done", "#0b5cad"),
    ("overdue", "Overdue", "#5b2a86"),
    ("not_started", "Not started", "#767676"),
]


def overview(user, today=None):
    """Count schools by plan state per group, and actions by status per group and year.

    :returns: a dict of chart-ready rows; two grouped queries in all.
    """
    plans = visible(user, ActionPlan.objects.all())
    state_counts, groups = {}, {}
    for row in plans.values(
        "enrolment__work_group_id", "enrolment__work_group__code", "state"
    ).annotate(schools=Count("school", distinct=True)):
        code = row["enrolment__work_group__code"]
        state_counts.setdefault(code, {})[row["state"]] = row["schools"]
        groups[code] = reverse(
            "wagtailsnippets_workflows_actionplan:work_group",
            args=[row["enrolment__work_group_id"]],
        )
    action_counts = {}
    actions = (
        Action.objects.filter(plan__in=plans.filter(state__in=LIVE_STATES).values("pk"))
        .annotate(current_status=current_status_expression())
        .annotate(bucket=overdue_expression(today))
        .values("plan__enrolment__work_group__code", "plan__academic_year", "bucket")
        .annotate(n=Count("pk"))
    )
    for row in actions:
        key = f"{row['plan__enrolment__work_group__code']} {row['plan__academic_year']}"
        action_counts.setdefault(key, {})[row["bucket"]] = row["n"]
    state_series = [(value, label, STATE_COLOURS[value]) for value, label in PlanState.choices]
    return {
        "states": stacked_bars(sorted(state_counts.items()), state_series),
        "actions": stacked_bars(sorted(action_counts.items()), ACTION_BUCKETS),
        "groups": sorted(groups.items()),
    }


class PlansOverviewPanel(Component):
    name = "plans_overview"
    order = 92
    template_name = "workflows/plans/panels/overview.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        return overview(self.user)
