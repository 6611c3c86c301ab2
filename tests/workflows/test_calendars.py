"""Calendars (#15, part 5): invitations by email, "Download invitation", private feeds,
and a head's view of their teachers' meeting dates.

Every ``.ics`` is read back with a real parser (``icalendar.Calendar.from_ical``).
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from wagtail.log_actions import registry as log_registry

import pytest
from icalendar import Calendar

from tests.workflows import hubdata
from tests.workflows.test_meetings import edit_data, meeting_data, visit_data
from workflows.calendars import ical
from workflows.calendars.invitations import INVITATIONS_ACTION
from workflows.calendars.panels import TeachersMeetingsPanel, upcoming_meetings
from workflows.models import CalendarFeed, Meeting, Participant, School, Visit, WorkGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def leeds(demo):
    return WorkGroup.objects.get(code="DEV-26-LDS")


@pytest.fixture
def bradford(demo):
    return WorkGroup.objects.get(code="EMB-26-BFD")


@pytest.fixture
def addresses(leeds, bradford):
    """Give every participant an address (the demo's have none): ``{email: participant}``."""
    people = {}
    for person in Participant.objects.filter(enrolment__work_group__in=[leeds, bradford]):
        person.email = f"p{person.pk}@{person.enrolment.school.urn}.example"
        person.save(update_fields=["email"])
        people[person.email] = person
    return people


def login(client, username):
    client.force_login(hubdata.user(username))
    return client


def ics_of(message):
    """The message's one ``.ics`` attachment, parsed; its MIME part's method checked too."""
    (part,) = [p for p in message.message().walk() if p.get_content_type() == "text/calendar"]
    cal = Calendar.from_ical(part.get_payload(decode=True))
    assert part.get_param("method") == str(cal["METHOD"])
    return cal


def the_event(cal):
    (event,) = cal.walk("VEVENT")
    return event


def attendees(event):
    value = event.get("ATTENDEE")
    values = value if isinstance(value, list) else [value] if value else []
    return [str(v).removeprefix("mailto:") for v in values]


def success_messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def expected_for(group):
    """The group's participants with an address, and its schools' leader accounts."""
    people = set(
        Participant.objects.filter(enrolment__work_group=group)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    leaders = School.objects.filter(enrolments__work_group=group).values_list(
        "leaders__email", flat=True
    )
    return people | {email for email in leaders if email}


def create_meeting(client, group, capture, **extra):
    host = group.enrolments.order_by("school__name").first().school
    with capture(execute=True):
        response = client.post(reverse("pd_meetings:add"), meeting_data(group, host, **extra))
    assert response.status_code == 302, response.context["form"].errors
    return Meeting.objects.get(work_group=group, agenda="Plan a research lesson."), response


# Invitations -----------------------------------------------------------------------------


def test_a_new_meeting_invites_its_groups_people_and_heads_one_email_each(
    client, leeds, addresses, mailoutbox, django_capture_on_commit_callbacks
):
    meeting, response = create_meeting(
        login(client, "specialist"), leeds, django_capture_on_commit_callbacks
    )
    expected = expected_for(leeds)
    assert {m.to[0] for m in mailoutbox} == expected and len(mailoutbox) == len(expected)
    assert "head@mathshub.example" in expected  # the school leader of Brookfield
    # Nobody of the other group, and one recipient an email.
    assert not any(
        p.enrolment.work_group_id != leeds.pk for e, p in addresses.items() if e in expected
    )
    for message in mailoutbox:
        assert len(message.to) == 1 and not message.cc and not message.bcc
        cal = ics_of(message)
        event = the_event(cal)
        assert str(cal["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == f"meeting-{meeting.pk}@testserver"
        assert event["SEQUENCE"] == 0
        # Only the person it is addressed to: no other school's teachers.
        assert attendees(event) == message.to
        assert event.decoded("DTSTART") == datetime(2027, 1, 14, 13, tzinfo=UTC)
        assert event.decoded("DTEND") == datetime(2027, 1, 14, 16, tzinfo=UTC)
        assert str(event["SUMMARY"]) == "DEV-26-LDS Work Group meeting: Plan"
        assert str(event["LOCATION"]) == f"{meeting.host_school.name}, Leeds"
        assert str(event["ORGANIZER"]) == "mailto:specialist@mathshub.example"
        assert message.reply_to == ["specialist@mathshub.example"]
        assert message.subject.startswith("Invitation: DEV-26-LDS Work Group meeting: Plan")
    assert f"Calendar invitations sent to {len(expected)} people." in success_messages(response)[0]
    # The meeting's history says how many went, and names nobody.
    (entry,) = log_registry.get_logs_for_instance(meeting).filter(action=INVITATIONS_ACTION)
    assert entry.data == {"kind": "new", "requests": len(expected), "cancellations": 0}
    history = client.get(reverse("pd_meetings:history", args=[meeting.pk])).content.decode()
    assert f"Calendar invitations sent to {len(expected)} people." in history


def test_a_meeting_without_a_finish_time_lasts_a_half_day(
    client, leeds, addresses, mailoutbox, django_capture_on_commit_callbacks
):
    create_meeting(
        login(client, "specialist"), leeds, django_capture_on_commit_callbacks, ends_at=""
    )
    event = the_event(ics_of(mailoutbox[0]))
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=3)
    assert "finish time to be confirmed" in mailoutbox[0].body


def test_changing_the_time_resends_with_the_next_sequence_and_the_same_uid(
    client, leeds, addresses, mailoutbox, django_capture_on_commit_callbacks
):
    login(client, "specialist")
    meeting, _ = create_meeting(client, leeds, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    edit_url = reverse("pd_meetings:edit", args=[meeting.pk])
    loaded = client.get(edit_url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            edit_url, edit_data(loaded, starts_at="2027-01-21 13:00", ends_at="2027-01-21 16:00")
        )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert {m.to[0] for m in mailoutbox} == expected_for(leeds)
    for message in mailoutbox:
        event = the_event(ics_of(message))
        assert str(event["UID"]) == f"meeting-{meeting.pk}@testserver"
        assert event["SEQUENCE"] == 1
        assert event.decoded("DTSTART") == datetime(2027, 1, 21, 13, tzinfo=UTC)
        assert message.subject.startswith("Changed: ")
    assert "Updated calendar invitations sent to" in success_messages(response)[-1]


def test_an_agenda_only_change_sends_nothing_and_keeps_the_sequence(
    client, leeds, addresses, mailoutbox, django_capture_on_commit_callbacks
):
    login(client, "specialist")
    meeting, _ = create_meeting(client, leeds, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    edit_url = reverse("pd_meetings:edit", args=[meeting.pk])
    loaded = client.get(edit_url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url, edit_data(loaded, agenda="Plan a lesson on fractions."))
    assert response.status_code == 302
    assert mailoutbox == []
    assert Meeting.objects.get(pk=meeting.pk).sequence == 0
    assert "invitation" not in success_messages(response)[-1]


def test_a_double_submitted_change_sends_one_update(
    client, leeds, addresses, mailoutbox, django_capture_on_commit_callbacks
):
    login(client, "specialist")
    meeting, _ = create_meeting(client, leeds, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    edit_url = reverse("pd_meetings:edit", args=[meeting.pk])
    data = edit_data(client.get(edit_url), kind="observe")
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(edit_url, data)
        second = client.post(edit_url, data)
    assert first.status_code == 302 and second.status_code == 200  # refused as stale
    assert len(mailoutbox) == len(expected_for(leeds))
    assert Meeting.objects.get(pk=meeting.pk).sequence == 1


def test_deleting_a_meeting_sends_a_cancellation_with_a_higher_sequence(
    client, leeds, addresses, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = leeds.meetings.filter(starts_at__gt=timezone.now()).first()
    Meeting.objects.filter(pk=meeting.pk).update(sequence=2)
    login(client, "hublead")
    delete_url = reverse("pd_meetings:delete", args=[meeting.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url)
        again = client.post(delete_url)  # a double click: the meeting is gone
    assert response.status_code == 302 and again.status_code == 404
    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    assert {m.to[0] for m in mailoutbox} == expected_for(leeds)
    for message in mailoutbox:
        cal = ics_of(message)
        event = the_event(cal)
        assert str(cal["METHOD"]) == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["UID"]) == f"meeting-{meeting.pk}@testserver"
        assert event["SEQUENCE"] == 3
        assert message.subject.startswith("Cancelled: ")
    assert f"Cancellations sent to {len(mailoutbox)} people." in success_messages(response)[-1]


def test_a_refused_meeting_sends_nothing(
    client, leeds, addresses, mailoutbox, django_capture_on_commit_callbacks
):
    host = leeds.enrolments.first().school
    with django_capture_on_commit_callbacks(execute=True):
        response = login(client, "specialist").post(
            reverse("pd_meetings:add"), meeting_data(leeds, host, ends_at="2027-01-14 12:00")
        )
    assert response.status_code == 200 and mailoutbox == []


def test_a_new_visit_invites_the_schools_head_and_nobody_else(
    client, leeds, addresses, mailoutbox, django_capture_on_commit_callbacks
):
    school = School.objects.get(urn=990103)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(client, "specialist").post(
            reverse("pd_visits:add"), visit_data(leeds, school)
        )
    assert response.status_code == 302
    visit = Visit.objects.get(school=school, purpose="Termly support visit")
    head = Participant.objects.get(enrolment__school=school, role=Participant.Role.HEAD)
    assert {m.to[0] for m in mailoutbox} == {head.email, "head990103@mathshub.example"}
    for message in mailoutbox:
        event = the_event(ics_of(message))
        assert str(event["UID"]) == f"visit-{visit.pk}@testserver"
        assert event.decoded("DTSTART") == date(2026, 11, 20)  # all day
        assert event.decoded("DTEND") == date(2026, 11, 21)
        assert str(event["SUMMARY"]) == "Support visit to Hollins Lane Academy"
        assert attendees(event) == message.to
    # Moving the visit re-sends; its notes alone do not.
    mailoutbox.clear()
    edit_url = reverse("pd_visits:edit", args=[visit.pk])
    loaded = client.get(edit_url).context["form"]["loaded_version"].value()
    data = visit_data(leeds, school, loaded_version=loaded, notes="More notes.")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit_url, data)
    assert mailoutbox == []
    loaded = client.get(edit_url).context["form"]["loaded_version"].value()
    data |= {"loaded_version": loaded, "visited_on": "2026-11-27"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit_url, data)
    assert len(mailoutbox) == 2
    assert {the_event(ics_of(m))["SEQUENCE"] for m in mailoutbox} == {1}


# Download invitation ---------------------------------------------------------------------


def test_a_specialist_downloads_their_groups_meeting_invitation(client, leeds):
    meeting = leeds.meetings.first()
    login(client, "specialist")
    edit = client.get(reverse("pd_meetings:edit", args=[meeting.pk]))
    url = reverse("pd_meetings:invitation", args=[meeting.pk])
    assert url in edit.content.decode() and "Download invitation" in edit.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    cal = Calendar.from_ical(response.content)
    event = the_event(cal)
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == f"meeting-{meeting.pk}@testserver"
    assert attendees(event) == []


@pytest.mark.parametrize("username", ["specialist2", "head", "editor"])
def test_nobody_else_downloads_a_groups_invitation(client, leeds, username):
    login(client, username)
    meeting, visit = leeds.meetings.first(), leeds.visits.first()
    for url in (
        reverse("pd_meetings:invitation", args=[meeting.pk]),
        reverse("pd_visits:invitation", args=[visit.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404)
        assert not response.get("Content-Type", "").startswith("text/calendar")


def test_a_tampered_invitation_id_is_not_found(client, leeds):
    login(client, "hublead")
    for pk in ("abc", "999999", "1 OR 1=1"):
        assert client.get(reverse("pd_meetings:invitation", args=[pk])).status_code == 404


# Feeds -------------------------------------------------------------------------------------


def turn_on(client, username):
    login(client, username)
    response = client.post(reverse("pd_calendar:mine"), {"action": "turn_on"})
    assert response.status_code == 302
    return CalendarFeed.objects.get(user__username=username)


def feed_of(client, token):
    client.logout()
    return client.get(reverse("workflows:calendar_feed", args=[token]))


def uids(response):
    return {str(e["UID"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}


def test_my_calendar_shows_an_absolute_address_and_the_feed_lists_only_my_events(
    client, leeds, bradford
):
    feed = turn_on(client, "specialist")
    page = client.get(reverse("pd_calendar:mine"))
    assert f"http://testserver/calendar/{feed.token}.ics" in page.content.decode()
    response = feed_of(client, feed.token)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    expected = {f"meeting-{pk}@testserver" for pk in leeds.meetings.values_list("pk", flat=True)}
    expected |= {f"visit-{pk}@testserver" for pk in leeds.visits.values_list("pk", flat=True)}
    assert uids(response) == expected
    for obj in [*bradford.meetings.all(), *bradford.visits.all()]:
        assert f"{type(obj).__name__.lower()}-{obj.pk}@" not in response.content.decode()


def test_a_heads_feed_has_their_schools_meetings_and_visits_and_no_other_schools_people(
    client, leeds, addresses
):
    feed = turn_on(client, "head")
    response = feed_of(client, feed.token)
    brookfield = School.objects.get(urn=990101)
    expected = {f"meeting-{pk}@testserver" for pk in leeds.meetings.values_list("pk", flat=True)}
    visits = Visit.objects.filter(school=brookfield).values_list("pk", flat=True)
    expected |= {f"visit-{pk}@testserver" for pk in visits}
    assert uids(response) == expected
    text = response.content.decode()
    assert "ATTENDEE" not in text
    for email, person in addresses.items():
        assert email not in text and person.name not in text


def test_a_school_that_left_the_group_drops_its_later_meetings_from_the_heads_feed_and_panel(
    client, leeds
):
    brookfield = School.objects.get(urn=990101)
    left_on = timezone.localdate() + timedelta(days=20)
    leeds.enrolments.filter(school=brookfield).update(left_on=left_on)
    before = {m.pk for m in leeds.meetings.all() if timezone.localdate(m.starts_at) <= left_on}
    after = {m.pk for m in leeds.meetings.all()} - before
    assert before and after  # the demo has meetings on both sides of the day

    feed = turn_on(client, "head")
    listed = {uid for uid in uids(feed_of(client, feed.token)) if uid.startswith("meeting-")}
    assert listed == {f"meeting-{pk}@testserver" for pk in before}
    panel, _ = upcoming_meetings(hubdata.user("head"))
    assert {m.pk for m in panel} <= before
    # The group's own specialist still has every one of them.
    feed = turn_on(client, "specialist")
    listed = {uid for uid in uids(feed_of(client, feed.token)) if uid.startswith("meeting-")}
    assert listed >= {f"meeting-{pk}@testserver" for pk in before | after}


def test_a_hub_leads_feed_is_their_own_not_the_whole_hub(client, leeds):
    feed = turn_on(client, "hublead")
    assert uids(feed_of(client, feed.token)) == set()
    WorkGroup.objects.filter(pk=leeds.pk).update(lead_specialist=feed.user)
    assert {u.split("-")[0] for u in uids(feed_of(client, feed.token))} == {"meeting", "visit"}


def test_a_new_address_revokes_the_old_one_once_and_turning_off_ends_it(client, demo):
    feed = turn_on(client, "specialist")
    old = feed.token
    page = client.get(reverse("pd_calendar:mine") + "?confirm=new")
    assert "Yes, make a new address" in page.content.decode()
    data = {"action": "new_address", "version": feed.created_at.isoformat()}
    client.post(reverse("pd_calendar:mine"), data)
    new = CalendarFeed.objects.get(pk=feed.pk).token
    assert new != old
    assert feed_of(client, old).status_code == 404
    assert feed_of(client, new).status_code == 200
    # The same confirmation posted again (a double click) changes nothing more.
    login(client, "specialist")
    response = client.post(reverse("pd_calendar:mine"), data, follow=True)
    assert CalendarFeed.objects.get(pk=feed.pk).token == new
    assert "already changed" in response.content.decode()
    current = CalendarFeed.objects.get(pk=feed.pk).created_at.isoformat()
    client.post(reverse("pd_calendar:mine"), {"action": "turn_off", "version": current})
    assert not CalendarFeed.objects.filter(pk=feed.pk).exists()
    assert feed_of(client, new).status_code == 404


def test_unknown_tokens_inactive_users_and_bad_posts(client, demo):
    assert feed_of(client, "nope").status_code == 404
    feed = turn_on(client, "head")
    feed.user.is_active = False
    feed.user.save(update_fields=["is_active"])
    assert feed_of(client, feed.token).status_code == 404
    login(client, "specialist")
    response = client.post(reverse("pd_calendar:mine"), {"action": "drop_tables"}, follow=True)
    assert response.status_code == 200 and "nothing changed" in response.content.decode()
    response = client.post(reverse("pd_calendar:mine"), {"action": "turn_off", "version": "x"})
    assert response.status_code == 302
    login(client, "editor")
    assert client.get(reverse("pd_calendar:mine")).status_code in (302, 403)


def test_the_feed_costs_the_same_queries_for_few_and_many_meetings(
    client, demo, django_assert_num_queries
):
    hub = hubdata.BulkHub()
    feed = turn_on(client, "specialist")
    client.logout()
    url = reverse("workflows:calendar_feed", args=[feed.token])
    sizes = []
    for n in (5, 50):
        hub.grow_to(n)
        with django_assert_num_queries(4):
            response = client.get(url)
        sizes.append(len(uids(response)))
    assert sizes[1] - sizes[0] == 2 * 45  # 45 more meetings and 45 more visits


# A head's dashboard ------------------------------------------------------------------------


def test_a_heads_dashboard_lists_their_teachers_next_meetings(client, leeds, bradford):
    login(client, "head")
    response = client.get(reverse("wagtailadmin_home"))
    text = response.content.decode()
    assert "Your teachers' next Work Group meetings" in text
    upcoming = leeds.meetings.filter(starts_at__gte=timezone.now())
    meetings, total = upcoming_meetings(hubdata.user("head"))
    assert [m.pk for m in meetings] == list(
        upcoming.order_by("starts_at", "pk").values_list("pk", flat=True)
    )[: len(meetings)]
    assert total == upcoming.count()
    brookfield = set(
        Participant.objects.filter(enrolment__school__urn=990101, enrolment__work_group=leeds)
    )
    for meeting in meetings:
        assert set(meeting.expected) == brookfield
    # Nobody of another school is named.
    others = Participant.objects.filter(enrolment__work_group=leeds).exclude(
        enrolment__school__urn=990101
    )
    assert not any(p.name in text for p in others if p.name not in {b.name for b in brookfield})
    assert not upcoming_meetings(hubdata.user("head2"))[0] or all(
        m.work_group_id == bradford.pk for m in upcoming_meetings(hubdata.user("head2"))[0]
    )


@pytest.mark.parametrize("count", [5, 500])
def test_the_heads_panel_costs_the_same_queries_at_5_and_500_meetings(
    leeds, django_assert_num_queries, count
):
    start = timezone.now() + timedelta(days=30)
    Meeting.objects.bulk_create(
        Meeting(work_group=leeds, starts_at=start + timedelta(hours=i)) for i in range(count)
    )
    head = hubdata.user("head")
    with django_assert_num_queries(3):
        TeachersMeetingsPanel(head).get_context_data()


def test_times_are_utc_whatever_the_season_and_a_meeting_without_a_host_is_in_its_town(leeds):
    meeting = leeds.meetings.first()
    meeting.starts_at = datetime(2027, 6, 10, 13, tzinfo=ZoneInfo("Europe/London"))
    meeting.ends_at = None
    meeting.host_school = None
    event = ical.event(meeting)
    assert event.decoded("DTSTART") == datetime(2027, 6, 10, 12, tzinfo=UTC)  # BST
    assert event.decoded("DTEND") == datetime(2027, 6, 10, 15, tzinfo=UTC)
    assert "DTSTART:20270610T120000Z" in event.to_ical().decode()
    assert str(event["LOCATION"]) == leeds.meeting_town == "Leeds"
