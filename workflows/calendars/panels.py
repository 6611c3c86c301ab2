"""A school leader's dashboard panel: their teachers' next Work Group meetings.

Heads asked when their teachers are out of school. The panel lists the next
meetings of the groups their school is in (date, group, kind, host) and which
of their own school's participants are expected at each. Two queries whatever
the number of meetings or people: the meetings (total on the same rows), then
the leader's own participants in those groups. Both go through
:meth:`Scope.own <workflows.permissions.Scope.own>`, the feed's scope.
"""

from collections import defaultdict

from django.urls import reverse
from django.utils import timezone

from wagtail.admin.ui.components import Component

from workflows.calendars.taking_part import own_meetings
from workflows.models import Meeting, Participant
from workflows.permissions import Scope
from workflows.plans.panels import first_with_total

PANEL_LIMIT = 8


def upcoming_meetings(user, limit=PANEL_LIMIT, now=None):
    """The next ``limit`` meetings of ``user``'s own scope, each with ``expected`` people.

    ``expected``: the participants of the schools ``user`` leads, in the meeting's
    group, whose school had not left the group by the meeting's day.
    """
    scope = Scope.own(user)
    meetings, total = first_with_total(
        own_meetings(user, Meeting.objects.filter(starts_at__gte=now or timezone.now()))
        .select_related("work_group", "host_school")
        .order_by("starts_at", "pk"),
        limit,
    )
    by_group = defaultdict(list)
    if meetings:
        people = scope.filter(
            Participant.objects.filter(
                enrolment__work_group__in={m.work_group_id for m in meetings},
                enrolment__school__in=scope.led_school_ids,
            )
        ).select_related("enrolment__school")
        for person in people.order_by("enrolment__school__name", "role", "name", "pk"):
            by_group[person.enrolment.work_group_id].append(person)
    for meeting in meetings:
        day = timezone.localdate(meeting.starts_at)
        meeting.expected = [
            person
            for person in by_group[meeting.work_group_id]
            if person.enrolment.left_on is None or person.enrolment.left_on >= day
        ]
    return meetings, total


class TeachersMeetingsPanel(Component):
    name = "pd_teachers_meetings"
    order = 95
    template_name = "workflows/calendars/teachers_meetings_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        meetings, total = upcoming_meetings(self.user)
        return {
            "meetings": meetings,
            "total": total,
            "calendar_url": reverse("pd_calendar:mine"),
        }
