"""Which meetings a user takes part in: their feed and their dashboard panel ask the same."""

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncDate

from workflows.models import Enrolment
from workflows.permissions import Scope


def own_meetings(user, meetings):
    """``meetings`` (a queryset) narrowed to those ``user`` takes part in.

    The scope (:meth:`Scope.own`) gives a school leader every meeting of a group
    their school was ever in; a meeting after the school left the group is not
    theirs any more, so it leaves their feed and panel. A group's lead specialist
    keeps every meeting of it.
    """
    scope = Scope.own(user)
    meetings = scope.filter(meetings)
    if not scope.leader:
        return meetings
    enrolled_that_day = Enrolment.objects.filter(
        work_group=OuterRef("work_group"), school__in=scope.led_school_ids
    ).filter(Q(left_on__isnull=True) | Q(left_on__gte=OuterRef("day")))
    return meetings.annotate(day=TruncDate("starts_at")).filter(
        Q(work_group__lead_specialist=user) | Exists(enrolled_that_day)
    )
