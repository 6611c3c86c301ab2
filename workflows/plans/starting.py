"""Starting a plan from a support visit: what the visit already says, filled in.

A specialist co-writes the plan after a visit, so the visit names the school,
the Work Group (and so the school's place in it and the academic year) and the
specialist. The new plan form starts from those; the specialist writes the rest.
"""

from workflows.models import ActionPlan, Enrolment, Visit
from workflows.permissions import visible


def visible_visit(user, visit_id):
    """The visit ``visit_id`` if ``user`` may see it, else ``None`` (also for a malformed id)."""
    if not (str(visit_id).isascii() and str(visit_id).isdigit()):
        return None
    return (
        visible(user, Visit.objects.select_related("school", "work_group", "specialist"))
        .filter(pk=visit_id)
        .first()
    )


def fill_from_visit(plan, visit) -> None:
    """Fill an unsaved ``plan`` from ``visit``: school, visit, specialist, place, year and title."""
    group = visit.work_group
    plan.school = visit.school
    plan.visit = visit
    plan.specialist = visit.specialist
    plan.academic_year = group.academic_year
    plan.enrolment = Enrolment.objects.filter(school=visit.school, work_group=group).first()
    plan.title = f"{visit.school.name}: {group.academic_year} plan"


def existing_plan_for(plan, user):
    """Another plan of the same school and year that ``user`` may see, if any (the form says so).

    Only one in the user's scope: a plan of the same school in another specialist's
    group is not theirs to know of, not even by its title.
    """
    if plan.school_id is None:
        return None
    return (
        visible(user, ActionPlan.objects.all())
        .filter(school_id=plan.school_id, academic_year=plan.academic_year)
        .exclude(state="closed")
        .order_by("pk")
        .first()
    )
