"""What a hub sends on (#15, part 9): the columns its listings' exports add.

Three exports, each the CSV/XLSX of a scoped listing (so the scope, the filters
and the formula-safe cells of :mod:`workflows.shared.scoping` hold for them):

* **schools** with their Work Group, stage and action plan status for the
  academic year (:func:`with_year_groups`);
* **participants** with their school, group and attendance at their group's
  meetings (:func:`with_attendance`);
* **Work Groups** with a summary: schools, participants, meetings held,
  attendance rate and plans agreed (:func:`with_summary`).

Each column comes from the listing's own query (annotations, subqueries) or one
prefetch, never a query per row: an export costs the same number of queries for
five rows as for five hundred. Only the export pays for them; the listing pages
are unchanged. Every count is of what the reader may see (:func:`visible`), so a
head's summary of their school's group counts their own school's people only.
"""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from workflows.models import (
    ActionPlan,
    Attendance,
    Enrolment,
    Meeting,
    Participant,
)
from workflows.permissions import visible
from workflows.plans.models import PlanState
from workflows.shared.fields import academic_year_of

#: The plan states that count as agreed: agreed, and reviewed since.
AGREED_STATES = (PlanState.AGREED, PlanState.IN_PROGRESS)

NO_PLAN = "No plan"


def current_academic_year() -> str:
    """The academic year the schools export is for: the one today falls in."""
    return academic_year_of(timezone.localdate())


def _count(queryset, key: str):
    """``Count`` of ``queryset``'s rows per ``key``, as a subquery (0 for none)."""
    counted = queryset.order_by().values(key).annotate(n=Count("pk", distinct=True)).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# Schools -------------------------------------------------------------------


def with_year_groups(user, queryset, academic_year: str):
    """Prefetch each school's enrolments of ``academic_year`` as ``year_enrolments``.

    Only those ``user`` may see (a specialist's own groups, a head's own school),
    each with its group, stage and the state of its latest action plan (one
    prefetch query, the plan state a subquery in it).
    """
    latest_plan = (
        ActionPlan.objects.filter(enrolment=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("state")[:1]
    )
    enrolments = (
        visible(user, Enrolment.objects.filter(academic_year=academic_year))
        .select_related("work_group", "stage")
        .annotate(plan_state=Subquery(latest_plan))
        .order_by("stage__title", "work_group__code")
    )
    return queryset.prefetch_related(
        Prefetch("enrolments", queryset=enrolments, to_attr="year_enrolments")
    )


def plan_status_label(state) -> str:
    return PlanState(state).label if state else NO_PLAN


def year_group_columns(school, academic_year: str) -> dict:
    """The added columns of one school's row (several groups joined with "; ")."""
    enrolments = getattr(school, "year_enrolments", [])

    def joined(values):
        return "; ".join(values)

    return {
        "export_academic_year": academic_year,
        "export_work_group": joined(e.work_group.code for e in enrolments),
        "export_stage": joined(e.stage.title for e in enrolments),
        "export_plan_status": joined(plan_status_label(e.plan_state) for e in enrolments),
        "export_left_on": joined(e.left_on.isoformat() for e in enrolments if e.left_on),
    }


SCHOOL_EXPORT_COLUMNS = [
    "export_academic_year",
    "export_work_group",
    "export_stage",
    "export_plan_status",
    "export_left_on",
]
SCHOOL_EXPORT_HEADINGS = {
    "export_academic_year": "Academic year",
    "export_work_group": "Work Group",
    "export_stage": "Stage",
    "export_plan_status": "Action plan status",
    "export_left_on": "Left the group on",
}


# Participants --------------------------------------------------------------


def with_attendance(queryset):
    """Annotate each participant's attendance at their own group's meetings.

    ``meetings_held`` (the group's meetings started by now), ``attended``,
    ``apologies`` and ``absent``: rows recorded at meetings of another group
    (before that was refused) are not counted.
    """
    own = Attendance.objects.filter(
        participant=OuterRef("pk"), meeting__work_group=OuterRef("enrolment__work_group")
    )
    held = Meeting.objects.filter(
        work_group=OuterRef("enrolment__work_group"), starts_at__lte=timezone.now()
    )
    return queryset.annotate(
        meetings_held=_count(held, "work_group"),
        attended=_count(own.filter(status=Attendance.Status.ATTENDED), "participant"),
        apologies=_count(own.filter(status=Attendance.Status.APOLOGIES), "participant"),
        absent=_count(own.filter(status=Attendance.Status.ABSENT), "participant"),
    )


# Work Groups ---------------------------------------------------------------


def with_summary(user, queryset):
    """Annotate each group's summary, counting only what ``user`` may see.

    ``schools_enrolled`` (not left), ``participant_count``, ``meetings_held``
    (started by now), ``attendance_recorded`` and ``attendance_attended`` (rows of
    the group's own participants at its meetings held), ``plans_agreed``.
    """
    now = timezone.now()
    schools = visible(
        user, Enrolment.objects.filter(work_group=OuterRef("pk"), left_on__isnull=True)
    )
    people = visible(user, Participant.objects.filter(enrolment__work_group=OuterRef("pk")))
    held = visible(user, Meeting.objects.filter(work_group=OuterRef("pk"), starts_at__lte=now))
    recorded = Attendance.objects.filter(
        meeting__work_group=OuterRef("pk"),
        meeting__starts_at__lte=now,
        participant__in=visible(
            user, Participant.objects.filter(enrolment__work_group=OuterRef(OuterRef("pk")))
        ).values("pk"),
    )
    plans = visible(
        user,
        ActionPlan.objects.filter(enrolment__work_group=OuterRef("pk"), state__in=AGREED_STATES),
    )
    return queryset.annotate(
        schools_enrolled=_count(schools, "work_group"),
        participant_count=_count(people, "enrolment__work_group"),
        meetings_held=_count(held, "work_group"),
        attendance_recorded=_count(recorded, "meeting__work_group"),
        attendance_attended=_count(
            recorded.filter(status=Attendance.Status.ATTENDED), "meeting__work_group"
        ),
        plans_agreed=_count(plans, "enrolment__work_group"),
    )


def attendance_rate(group) -> str:
    """Attended as a share of the attendance recorded, "85%"; blank if none recorded."""
    recorded = getattr(group, "attendance_recorded", 0)
    if not recorded:
        return ""
    return f"{round(100 * group.attendance_attended / recorded)}%"
