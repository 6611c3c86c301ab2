"""iCalendar events of meetings and visits, built with ``icalendar`` (RFC 5545/5546).

One event per meeting or visit, whatever carries it (an emailed invitation, a
downloaded file, a feed), so a calendar app that already holds it replaces it:

* ``UID`` is ``meeting-<pk>@<host>`` / ``visit-<pk>@<host>``, the host being that
  of ``WAGTAILADMIN_BASE_URL``: stable for the record's life;
* ``SEQUENCE`` is the record's ``sequence``, raised each time its time, place or
  kind changes, and once more for the cancellation;
* times are UTC; a meeting without a finish time lasts :data:`DEFAULT_LENGTH`
  (a half-day session); a visit is an all-day event on its date.

Personal data: an event names its organiser (the group's specialist, or the
hub) and, in an emailed invitation only, the one person it is addressed to.
Feeds and downloads carry no attendees at all, so nobody's copy lists another
school's teachers.
"""

from dataclasses import dataclass
from datetime import UTC, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from icalendar import Calendar, Event, vCalAddress

#: How long a meeting with no finish time is shown: Work Group meetings are half days.
DEFAULT_LENGTH = timedelta(hours=3)

PRODID = "-//Maths Hub//Work Groups and visits//EN"

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"


@dataclass(frozen=True)
class Person:
    """Someone an event names: a name and an email address."""

    name: str
    email: str


def uid_host() -> str:
    return urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "localhost"


def uid_of(obj) -> str:
    """``meeting-12@mathshub.example``: the same for every copy of the event."""
    return f"{type(obj).__name__.lower()}-{obj.pk}@{uid_host()}"


def hub_person() -> Person:
    return Person("Maths Hub", settings.HUB_NOTIFICATIONS_EMAIL)


def organiser_of(obj) -> Person:
    """The group's specialist (a meeting) or the visiting specialist, else the hub."""
    user = obj.specialist if hasattr(obj, "specialist_id") else obj.work_group.lead_specialist
    if user is not None and user.email:
        return Person(user.get_full_name() or user.get_username(), user.email)
    return hub_person()


def meeting_summary(meeting) -> str:
    """``DWG-01 Work Group meeting: Observe (research lesson)``."""
    return f"{meeting.work_group.code} Work Group meeting: {meeting.get_kind_display()}"


def visit_summary(visit) -> str:
    """``Support visit to Brookfield Primary School``."""
    return f"Support visit to {visit.school.name}"


def _place(school) -> str:
    return ", ".join(part for part in (school.name, school.town) if part)


def meeting_location(meeting) -> str:
    """The host school's name and town, else the town the group usually meets in."""
    if meeting.host_school_id:
        return _place(meeting.host_school)
    return meeting.work_group.meeting_town


def meeting_times(meeting):
    """The meeting's start and end in UTC; the end :data:`DEFAULT_LENGTH` on when unknown."""
    start = meeting.starts_at.astimezone(UTC)
    end = meeting.ends_at.astimezone(UTC) if meeting.ends_at else start + DEFAULT_LENGTH
    return start, end


def summary_of(obj) -> str:
    return visit_summary(obj) if hasattr(obj, "visited_on") else meeting_summary(obj)


def location_of(obj) -> str:
    return _place(obj.school) if hasattr(obj, "visited_on") else meeting_location(obj)


def _address(person: Person, **params) -> vCalAddress:
    return vCalAddress.new(person.email, cn=person.name or None, **params)


def event(obj, *, sequence=None, attendee: Person | None = None, cancelled=False, stamp=None):
    """Return the ``VEVENT`` of a meeting or visit.

    :param sequence: the ``SEQUENCE`` to carry (the record's own by default).
    :param attendee: the one person the copy is addressed to, or nobody.
    :param cancelled: a cancellation (``STATUS:CANCELLED``).
    """
    vevent = Event()
    vevent.add("uid", uid_of(obj))
    vevent.add("sequence", obj.sequence if sequence is None else sequence)
    vevent.add("dtstamp", (stamp or timezone.now()).astimezone(UTC))
    if hasattr(obj, "visited_on"):
        vevent.add("dtstart", obj.visited_on)
        vevent.add("dtend", obj.visited_on + timedelta(days=1))
        vevent.add("transp", "TRANSPARENT")
        description = obj.purpose
    else:
        start, end = meeting_times(obj)
        vevent.add("dtstart", start)
        vevent.add("dtend", end)
        description = obj.agenda
    vevent.add("summary", summary_of(obj))
    location = location_of(obj)
    if location:
        vevent.add("location", location)
    if description:
        vevent.add("description", description)
    vevent.add("organizer", _address(organiser_of(obj)))
    if attendee is not None:
        vevent.add(
            "attendee",
            _address(attendee, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp=False),
        )
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return vevent


def calendar(events, *, method=None, name=None) -> Calendar:
    """Wrap ``events`` in a ``VCALENDAR`` (``METHOD`` for invitations, a name for feeds)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    for vevent in events:
        cal.add_component(vevent)
    return cal


def invitation(obj, attendee: Person, *, method=REQUEST, sequence=None) -> bytes:
    """The ``.ics`` emailed to ``attendee``: a request (new or updated) or a cancellation."""
    return calendar(
        [event(obj, sequence=sequence, attendee=attendee, cancelled=method == CANCEL)],
        method=method,
    ).to_ical()


def download(obj) -> bytes:
    """The ``.ics`` downloaded from the admin: the event as it stands, nobody's name on it."""
    return calendar([event(obj, stamp=obj.updated_at)], method=PUBLISH).to_ical()
