"""Dashboard panels for plans, each costing a fixed number of queries.

Wagtail's "awaiting your review" panel asks every task about every object in
moderation (a query or more per item); these panels ask the database once per
list (its total rides on the same query), whatever the number of plans, and the
overview groups its counts in the database.

A Mastery Specialist's dashboard shows one "My to-do" panel
(:class:`SpecialistTodoPanel`) in place of the separate "awaiting" and "overdue"
panels hub leads and school leaders see: everything that waits on them, one
query a section.
"""

from datetime import datetime, time
from functools import partial

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from wagtail.admin.ui.components import Component
from wagtail.models import TaskState

from workflows.meetings.viewsets import start_plan_url
from workflows.models import Action, ActionPlan, Enrolment, Meeting, Visit
from workflows.permissions import is_hub_lead, scope_for, visible
from workflows.plans.charts import stacked_bars
from workflows.plans.models import PlanState
from workflows.plans.reminders import reviews_due_now
from workflows.plans.status import (
    current_status_expression,
    in_force_q,
    overdue_expression,
    overdue_q,
)
from workflows.shared.fields import academic_year_of

LIST_LIMIT = 10
# A to-do section shows this many items, then "all N" links to the full list.
TODO_LIMIT = 5
PLAN_VIEW = "wagtailsnippets_workflows_actionplan:{}"


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


def trackable_expression(user):
    """Whether ``user`` may track each overdue action's plan (``tracking.can_track``), in SQL.

    Every row's plan is in force already; who may track it: its specialist, its
    school's leaders, hub leads. An expression, so the links cost no query a row.
    """
    if is_hub_lead(user):
        return Value(True)
    q = Q(plan__specialist=user)
    scope = scope_for(user)
    if scope.leader:
        q |= Q(plan__school__in=scope.led_school_ids)
    return _flag(q)


def _flag(q):
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def overdue_rows(user, today=None, limit=LIST_LIMIT):
    """The first ``limit`` overdue actions ``user`` sees, with their links, and the total."""
    items, total = first_with_total(
        overdue_actions(user, today)
        .annotate(trackable=trackable_expression(user))
        .select_related("plan__school")
        .order_by("due_on", "pk"),
        limit,
    )
    for action in items:
        action.plan_url = reverse(PLAN_VIEW.format("inspect"), args=[action.plan_id])
        if action.trackable:
            action.track_url = reverse(PLAN_VIEW.format("track"), args=[action.plan_id])
    return items, total


class OverdueActionsPanel(Component):
    name = "overdue_actions"
    order = 91
    template_name = "workflows/plans/panels/overdue.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        items, total = overdue_rows(self.user)
        return {"actions": items, "total": total}


def change_request_comment():
    """The comment of the latest request for changes on each plan, as a subquery.

    Wagtail keeps it on the rejected task state, whose workflow state names the
    plan by a text ``object_id``; a subquery reads it in the list's own query.
    """
    return Subquery(
        TaskState.objects.filter(
            workflow_state__base_content_type__app_label=ActionPlan._meta.app_label,
            workflow_state__base_content_type__model=ActionPlan._meta.model_name,
            workflow_state__object_id=Cast(OuterRef("pk"), output_field=CharField()),
            status=TaskState.STATUS_REJECTED,
        )
        .order_by("-finished_at", "-pk")
        .values("comment")[:1]
    )


def section(items, total) -> dict:
    """A to-do section for the template: its first items, its total, how many more."""
    return {"items": items, "total": total, "more": total - len(items)}


class SpecialistTodoPanel(Component):
    """A Mastery Specialist's to-do: what waits on them across their groups, in one panel.

    Six sections, each a count and its first few items with the link to act on
    them, and a plain sentence when there is nothing: plans sent back with changes
    requested, plans awaiting their sign-off, schools of their groups with no plan
    yet this academic year, termly reviews due (``reminders.reviews_due_now``, the
    reminders' rule), overdue actions, and their next meetings and visits.

    Every section is one query, its total counted on the same rows
    (:func:`first_with_total`) and its links annotated, so the panel costs the
    same at 50 plans as at 5,000. What a section holds is narrowed to the
    specialist's own plans and groups, and always through ``visible``: the one
    rule of scope.
    """

    name = "plans_todo"
    order = 89
    template_name = "workflows/plans/panels/todo.html"

    def __init__(self, user, today=None):
        self.user = user
        self.today = today

    def get_context_data(self, parent_context=None):
        today = self.today or timezone.localdate()
        year = academic_year_of(today)
        term, reviews = self.reviews_due(today)
        return {
            "changes_requested": section(*self.changes_requested()),
            "awaiting": section(*self.awaiting()),
            "awaiting_heading": (
                "Awaiting your sign-off or approval"
                if scope_for(self.user).leader
                else "Awaiting your sign-off"
            ),
            "without_plan": section(*self.without_plan(year)),
            "year": year,
            "reviews": section(*reviews),
            "term": term,
            "overdue": section(*overdue_rows(self.user, today, TODO_LIMIT)),
            "coming_up": section(*self.coming_up(today)),
            "plans_url": reverse(PLAN_VIEW.format("list")),
            "meetings_url": reverse("pd_meetings:index"),
            "visits_url": reverse("pd_visits:index"),
            "add_plan_url": reverse(PLAN_VIEW.format("add")),
        }

    def plans(self, q):
        return visible(self.user, ActionPlan.objects.filter(q)).select_related(
            "school", "enrolment__work_group"
        )

    def changes_requested(self):
        """Plans of theirs sent back with changes requested: theirs to revise and send again."""
        items, total = first_with_total(
            self.plans(Q(state=PlanState.CHANGES_REQUESTED, specialist=self.user))
            .annotate(change_comment=change_request_comment())
            .order_by("updated_at", "pk"),
            TODO_LIMIT,
        )
        for plan in items:
            plan.url = reverse(PLAN_VIEW.format("edit"), args=[plan.pk])
        return items, total

    def awaiting(self):
        """Plans waiting on them, by the dashboards' ``awaiting_q``: their sign-offs.

        A specialist who also leads a school sees that school's approvals here too,
        as the "awaiting" panel this one replaces showed them.
        """
        items, total = first_with_total(
            self.plans(awaiting_q(self.user)).order_by("updated_at", "pk"), TODO_LIMIT
        )
        for plan in items:
            # A specialist signs off in the editor; a leader approves from the read page.
            view = "inspect" if plan.state == PlanState.AWAITING_SCHOOL else "edit"
            plan.url = reverse(PLAN_VIEW.format(view), args=[plan.pk])
        return items, total

    def without_plan(self, year):
        """Schools in their groups this academic year whose place has no plan yet.

        A plan starts from a support visit, so each school's latest visit in the
        group comes in the same query, for "Start a plan from the visit".
        """
        enrolments = visible(
            self.user,
            Enrolment.objects.filter(
                work_group__lead_specialist=self.user, academic_year=year, left_on__isnull=True
            ),
        ).filter(~Exists(ActionPlan.objects.filter(enrolment=OuterRef("pk"))))
        last_visit = Visit.objects.filter(
            school=OuterRef("school"), work_group=OuterRef("work_group")
        ).order_by("-visited_on", "-pk")
        items, total = first_with_total(
            enrolments.annotate(last_visit_id=Subquery(last_visit.values("pk")[:1]))
            .select_related("school", "work_group")
            .order_by("work_group__code", "school__name", "pk"),
            TODO_LIMIT,
        )
        for enrolment in items:
            enrolment.school_url = reverse("pd_schools:inspect", args=[enrolment.school_id])
            if enrolment.last_visit_id:
                enrolment.start_url = start_plan_url(Visit(pk=enrolment.last_visit_id))
        return items, total

    def reviews_due(self, today):
        """Agreed plans whose termly review falls due, by the reminders' rule.

        Each carries "Record a review" where the specialist records it
        (``views.can_review``: their own plans, with the permission); a plan of
        their group assigned to another specialist links to the plan only.
        """
        term, due = reviews_due_now(today)
        may_review = self.user.has_perm("workflows.add_planreview")
        reviewable = _flag(Q(specialist=self.user)) if may_review else Value(False)
        items, total = first_with_total(
            self.plans(in_force_q() & due)
            .annotate(reviewable=reviewable)
            .order_by("school__name", "pk"),
            TODO_LIMIT,
        )
        for plan in items:
            plan.url = reverse(PLAN_VIEW.format("inspect"), args=[plan.pk])
            if plan.reviewable:
                plan.review_url = reverse(PLAN_VIEW.format("review"), args=[plan.pk])
        return term, (items, total)

    def coming_up(self, today):
        """Their next meetings (of groups they lead) and visits, from today, by date.

        Two lists, one query each; the first few of both together are among the
        first few of each, so merging them in date order loses nothing. A visit
        has a day and no time, so it comes first on its day.
        """
        starts = timezone.make_aware(datetime.combine(today, time.min))
        meetings, meeting_total = first_with_total(
            visible(
                self.user,
                Meeting.objects.filter(
                    work_group__lead_specialist=self.user, starts_at__gte=starts
                ),
            )
            .select_related("work_group", "host_school")
            .order_by("starts_at", "pk"),
            TODO_LIMIT,
        )
        visits, visit_total = first_with_total(
            visible(self.user, Visit.objects.filter(specialist=self.user, visited_on__gte=today))
            .select_related("school", "work_group")
            .order_by("visited_on", "pk"),
            TODO_LIMIT,
        )
        items = [
            {
                "on": timezone.localtime(meeting.starts_at).date(),
                "at": timezone.localtime(meeting.starts_at),
                "what": f"{meeting.work_group.code} meeting: {meeting.get_kind_display()}",
                "where": meeting.host_school.name if meeting.host_school_id else "",
                "url": reverse("pd_meetings:edit", args=[meeting.pk]),
            }
            for meeting in meetings
        ] + [
            {
                "on": visit.visited_on,
                "at": None,
                "what": f"Visit: {visit.purpose}",
                "where": visit.school.name,
                "url": reverse("pd_visits:edit", args=[visit.pk]),
            }
            for visit in visits
        ]
        items.sort(key=lambda item: (item["on"], item["at"] is not None, item["at"] or 0))
        return items[:TODO_LIMIT], meeting_total + visit_total


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
