"""Dashboard panels for plans, each costing a fixed number of queries.

Wagtail's "awaiting your review" panel asks every task about every object in
moderation (a query or more per item); these panels ask the database once per
list (plus once for its total), whatever the number of plans, and the overview
groups its counts in the database.
"""

from functools import partial

from django.db.models import BooleanField, Case, Count, Q, Value, When, Window
from django.urls import reverse
from django.utils import timezone

from wagtail.admin.ui.components import Component

from workflows.models import Action, ActionPlan
from workflows.models.action_plans import PlanState
from workflows.permissions import is_hub_lead, scope_for, visible
from workflows.plans.charts import stacked_bars
from workflows.plans.status import (
    current_status_expression,
    in_force_q,
    overdue_expression,
    overdue_q,
)

LIST_LIMIT = 10


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
    """The open actions past their due date on the agreed plans ``user`` may see.

    An agreed plan counts while a change to it awaits approval (``in_force_q``):
    its live rows are still the agreed version.
    """
    today = today or timezone.localdate()
    plans = visible(user, ActionPlan.objects.filter(in_force_q()))
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
            # A plan awaiting the school opens on its read page, where a leader approves it.
            view = "inspect" if plan.state == PlanState.AWAITING_SCHOOL else "edit"
            plan.edit_url = reverse(f"wagtailsnippets_workflows_actionplan:{view}", args=[plan.pk])
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

    def trackable(self):
        """Whether the user may track each row's plan (``tracking.can_track``), in the same query.

        Every row's plan is in force already; who may track it: its specialist, its
        school's leaders, hub leads.
        """
        if is_hub_lead(self.user):
            return Value(True)
        q = Q(plan__specialist=self.user)
        scope = scope_for(self.user)
        if scope.leader:
            q |= Q(plan__school__in=scope.led_school_ids)
        return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())

    def get_context_data(self, parent_context=None):
        items, total = first_with_total(
            overdue_actions(self.user)
            .annotate(trackable=self.trackable())
            .select_related("plan__school")
            .order_by("due_on", "pk")
        )
        for action in items:
            action.plan_url = reverse(
                "wagtailsnippets_workflows_actionplan:inspect", args=[action.plan_id]
            )
            if action.trackable:
                action.track_url = reverse(
                    "wagtailsnippets_workflows_actionplan:track", args=[action.plan_id]
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


# Beyond this many Work Groups, one bar per group is no longer "at a glance" (and at
# hundreds of groups, most of the dashboard's time went on drawing them): the charts
# then show one bar per stage and year, and each group's plans are reached from its page.
GROUP_ROWS = 12
GROUP = "enrolment__work_group"


def _group_and_year_key(row, prefix=""):
    """A row's chart key per group: "DEV-26-LDS 2026/27", sorted by code."""
    return (0, f"{row[f'{prefix}{GROUP}__code']} {row[f'{prefix}{GROUP}__academic_year']}")


def _stage_key(row, prefix=""):
    """A row's chart key per stage: "Embedding 2026/27", sorted in the stages' order."""
    stage = f"{prefix}{GROUP}__stage"
    year = row[f"{prefix}{GROUP}__academic_year"]
    return (row[f"{stage}__stage_order"], f"{row[f'{stage}__title']} {year}")


def _chart_rows(rows, key_of, series_field, count_field):
    """Add up ``count_field`` per chart key and series value, as ``stacked_bars`` rows."""
    counts = {}
    for row in rows:
        per_key = counts.setdefault(key_of(row), {})
        per_key[row[series_field]] = per_key.get(row[series_field], 0) + row[count_field]
    return [(label, figures) for (_, label), figures in sorted(counts.items())]


def overview(user, today=None):
    """Count schools by plan state, and actions by status, per Work Group or per stage.

    Per group (and year, for actions) while the user sees at most ``GROUP_ROWS``
    groups; per stage and year beyond that.

    :returns: a dict of chart-ready rows, ``by`` (``"group"`` or ``"stage"``) and the
        groups' side-by-side links when few; two grouped queries in all.
    """
    plans = visible(user, ActionPlan.objects.all())
    fields = [
        f"{GROUP}__{field}"
        for field in ("code", "academic_year", "stage__title", "stage__stage_order")
    ]
    state_rows = list(
        plans.values(f"{GROUP}_id", *fields, "state").annotate(
            schools=Count("school", distinct=True)
        )
    )
    action_rows = (
        Action.objects.filter(plan__in=plans.filter(in_force_q()).values("pk"))
        .annotate(current_status=current_status_expression())
        .annotate(bucket=overdue_expression(today))
        .values(*(f"plan__{field}" for field in fields), "bucket")
        .annotate(n=Count("pk"))
    )
    groups = {row[f"{GROUP}__code"]: row[f"{GROUP}_id"] for row in state_rows}
    by_group = len(groups) <= GROUP_ROWS
    if by_group:
        states = _chart_rows(state_rows, lambda row: (0, row[f"{GROUP}__code"]), "state", "schools")
        # Labelled with the group's year too: the actions chart spans every year.
        actions = _chart_rows(
            action_rows, partial(_group_and_year_key, prefix="plan__"), "bucket", "n"
        )
    else:
        states = _chart_rows(state_rows, _stage_key, "state", "schools")
        actions = _chart_rows(action_rows, partial(_stage_key, prefix="plan__"), "bucket", "n")
    state_series = [(value, label, STATE_COLOURS[value]) for value, label in PlanState.choices]
    return {
        "by": "group" if by_group else "stage",
        "states": stacked_bars(states, state_series),
        "actions": stacked_bars(actions, ACTION_BUCKETS),
        "groups": [
            (code, reverse("wagtailsnippets_workflows_actionplan:work_group", args=[pk]))
            for code, pk in sorted(groups.items())
        ]
        if by_group
        else [],
        "group_count": len(groups),
        "work_groups_url": reverse("pd_workgroups:index"),
    }


class PlansOverviewPanel(Component):
    name = "plans_overview"
    order = 92
    template_name = "workflows/plans/panels/overview.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        return overview(self.user)
