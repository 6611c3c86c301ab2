"""Meetings with inline attendance, and support visits, as a specialist records them."""

import io
from datetime import timedelta

from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

import pytest

from tests.workflows import hubdata
from workflows.models import Attendance, Meeting, Participant, School, Visit, WorkGroup

pytestmark = pytest.mark.django_db


def meeting_data(group, host, attendance=(), **extra):
    data = {
        "work_group": group.pk,
        "starts_at": "2027-01-14 13:00",
        "ends_at": "2027-01-14 16:00",
        "kind": "plan",
        "host_school": host.pk if host else "",
        "agenda": "Plan a research lesson.",
        "attendance-TOTAL_FORMS": len(attendance),
        "attendance-INITIAL_FORMS": 0,
        "attendance-MIN_NUM_FORMS": 0,
        "attendance-MAX_NUM_FORMS": 1000,
    }
    for index, (participant, status) in enumerate(attendance):
        data[f"attendance-{index}-participant"] = participant.pk
        data[f"attendance-{index}-status"] = status
        data[f"attendance-{index}-id"] = ""
    return data | extra


@pytest.fixture
def leeds(demo):
    return WorkGroup.objects.get(code="DEV-26-LDS")


@pytest.fixture
def specialist_client(client, demo):
    client.force_login(hubdata.user("specialist"))
    return client


def test_a_specialist_records_a_meeting_with_attendance(specialist_client, leeds):
    host = School.objects.get(urn=990102)
    first, second = Participant.objects.filter(enrolment__work_group=leeds)[:2]
    response = specialist_client.post(
        reverse("pd_meetings:add"),
        meeting_data(leeds, host, [(first, "attended"), (second, "apologies")]),
    )
    assert response.status_code == 302, response.context["form"].errors
    meeting = Meeting.objects.get(work_group=leeds, agenda="Plan a research lesson.")
    assert meeting.host_school == host
    assert {(a.participant_id, a.status) for a in meeting.attendance.all()} == {
        (first.pk, Attendance.Status.ATTENDED),
        (second.pk, Attendance.Status.APOLOGIES),
    }


def test_the_host_must_be_one_of_the_groups_schools(specialist_client, leeds):
    response = specialist_client.post(
        reverse("pd_meetings:add"), meeting_data(leeds, hubdata.school("Not In The Group"))
    )
    assert response.status_code == 200
    # A school outside the specialist's scope is not even a valid choice.
    assert response.context["form"].errors["host_school"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]


def test_a_hub_lead_cannot_pick_a_host_outside_the_group(client, leeds):
    client.force_login(hubdata.user("hublead"))
    response = client.post(
        reverse("pd_meetings:add"), meeting_data(leeds, School.objects.get(urn=990201))
    )
    assert response.context["form"].errors["host_school"] == [
        "The host school must be one of this Work Group's schools."
    ]


def test_a_meeting_ends_after_it_starts(specialist_client, leeds):
    response = specialist_client.post(
        reverse("pd_meetings:add"),
        meeting_data(leeds, None, ends_at="2027-01-14 12:00"),
    )
    assert response.context["form"].errors["ends_at"] == [
        "The meeting must finish after it starts."
    ]


def test_a_specialist_cannot_schedule_another_groups_meeting(specialist_client, demo):
    bradford = WorkGroup.objects.get(code="EMB-26-BFD")
    response = specialist_client.post(reverse("pd_meetings:add"), meeting_data(bradford, None))
    assert "work_group" in response.context["form"].errors
    assert not Meeting.objects.filter(agenda="Plan a research lesson.").exists()


def test_attendance_of_another_groups_participant_is_refused(specialist_client, leeds):
    stranger = Participant.objects.filter(enrolment__work_group__code="EMB-26-BFD").first()
    response = specialist_client.post(
        reverse("pd_meetings:add"), meeting_data(leeds, None, [(stranger, "attended")])
    )
    assert response.status_code == 200
    assert not Meeting.objects.filter(agenda="Plan a research lesson.").exists()


def test_the_edit_form_offers_only_the_groups_participants(specialist_client, leeds):
    meeting = leeds.meetings.first()
    response = specialist_client.get(reverse("pd_meetings:edit", args=[meeting.pk]))
    form = response.context["form"]
    offered = set(form.formsets["attendance"].empty_form.fields["participant"].queryset)
    assert offered == set(Participant.objects.filter(enrolment__work_group=leeds))
    assert set(form.fields["host_school"].queryset) == {e.school for e in leeds.enrolments.all()}


def edit_data(response, rows=None, **extra):
    """The meeting edit form as loaded in ``response``, posted back as it is.

    ``rows`` replaces the attendance rows: (row id or "", participant, status[, delete]).
    """
    form = response.context["form"]
    meeting = form.instance
    if rows is None:
        rows = [(a.pk, a.participant, a.status) for a in meeting.attendance.order_by("pk")]
    data = meeting_data(meeting.work_group, meeting.host_school) | {
        "starts_at": f"{meeting.starts_at:%Y-%m-%d %H:%M}",
        "ends_at": f"{meeting.ends_at:%Y-%m-%d %H:%M}" if meeting.ends_at else "",
        "kind": meeting.kind,
        "agenda": meeting.agenda,
        "loaded_version": form["loaded_version"].value(),
        "attendance-TOTAL_FORMS": len(rows),
        "attendance-INITIAL_FORMS": sum(1 for row in rows if row[0]),
    }
    for index, (row_id, participant, status, *delete) in enumerate(rows):
        data[f"attendance-{index}-id"] = row_id
        data[f"attendance-{index}-participant"] = participant.pk
        data[f"attendance-{index}-status"] = status
        data[f"attendance-{index}-ORDER"] = index + 1
        if delete:
            data[f"attendance-{index}-DELETE"] = "1"
    return data | extra


def row_errors(response):
    """The attendance rows' error messages, flattened."""
    formset = response.context["form"].formsets["attendance"]
    return [
        message
        for form in formset.forms
        for messages in form.errors.values()
        for message in messages
    ]


@pytest.fixture
def bradford_person(demo):
    return Participant.objects.filter(enrolment__work_group__code="EMB-26-BFD").first()


NOT_ENROLLED = "is not a participant of a school enrolled in the meeting's Work Group."


def test_a_hub_lead_cannot_record_another_groups_participant_on_a_new_meeting(
    client, leeds, bradford_person
):
    """The bug of #15: anyone of the hub could be saved into a new meeting."""
    client.force_login(hubdata.user("hublead"))
    host = School.objects.get(urn=990102)
    own = Participant.objects.filter(enrolment__work_group=leeds).first()
    response = client.post(
        reverse("pd_meetings:add"),
        meeting_data(leeds, host, [(own, "attended"), (bradford_person, "attended")]),
    )
    assert response.status_code == 200
    assert not Meeting.objects.filter(agenda="Plan a research lesson.").exists()
    assert any(NOT_ENROLLED in message for message in row_errors(response))
    # Re-rendered with what was typed.
    formset = response.context["form"].formsets["attendance"]
    assert formset.forms[0]["participant"].value() == str(own.pk)
    assert response.context["form"]["agenda"].value() == "Plan a research lesson."


def test_another_groups_participant_is_refused_on_edit(client, leeds, bradford_person):
    client.force_login(hubdata.user("hublead"))
    meeting = leeds.meetings.order_by("pk").first()
    edit_url = reverse("pd_meetings:edit", args=[meeting.pk])
    loaded = client.get(edit_url)
    rows = [(a.pk, a.participant, a.status) for a in meeting.attendance.order_by("pk")]
    before = sorted(meeting.attendance.values_list("participant_id", "status"))
    response = client.post(edit_url, edit_data(loaded, [*rows, ("", bradford_person, "absent")]))
    assert response.status_code == 200
    assert any(NOT_ENROLLED in message for message in row_errors(response))
    assert sorted(meeting.attendance.values_list("participant_id", "status")) == before


def test_moving_a_meeting_to_another_group_refuses_its_rows(client, leeds):
    client.force_login(hubdata.user("hublead"))
    meeting = leeds.meetings.filter(attendance__isnull=False).first()
    bradford = WorkGroup.objects.get(code="EMB-26-BFD")
    loaded = client.get(reverse("pd_meetings:edit", args=[meeting.pk]))
    data = edit_data(loaded, work_group=bradford.pk, host_school="")
    response = client.post(reverse("pd_meetings:edit", args=[meeting.pk]), data)
    assert response.status_code == 200
    assert row_errors(response)
    assert Meeting.objects.get(pk=meeting.pk).work_group == leeds


def test_the_new_meeting_form_lists_no_hub_wide_participants(client, demo):
    client.force_login(hubdata.user("hublead"))
    form = client.get(reverse("pd_meetings:add")).context["form"]
    assert not form.formsets["attendance"].empty_form.fields["participant"].queryset.exists()


def test_a_meeting_holding_an_old_row_from_another_group_opens_and_saves(
    client, leeds, bradford_person
):
    """Rows saved before the rule: flagged and kept as they are, the meeting still saves."""
    meeting = leeds.meetings.order_by("pk").first()
    old = Attendance.objects.create(meeting=meeting, participant=bradford_person, status="absent")
    client.force_login(hubdata.user("hublead"))
    edit_url = reverse("pd_meetings:edit", args=[meeting.pk])
    loaded = client.get(edit_url)
    assert loaded.status_code == 200
    page = loaded.content.decode()
    assert "recorded before this was checked" in page
    assert "Recorded before this was checked: remove this row." in page
    # The other rows still offer exactly the group's participants.
    empty = loaded.context["form"].formsets["attendance"].empty_form
    assert set(empty.fields["participant"].queryset) == set(
        Participant.objects.filter(enrolment__work_group=leeds)
    )
    response = client.post(edit_url, edit_data(loaded, agenda="Changed agenda."))
    assert response.status_code == 302, row_errors(response) or response.context["form"].errors
    assert Meeting.objects.get(pk=meeting.pk).agenda == "Changed agenda."
    assert Attendance.objects.filter(pk=old.pk, participant=bradford_person).exists()
    # ... and the flagged row can be removed.
    loaded = client.get(edit_url)
    rows = [
        (a.pk, a.participant, a.status, *(["delete"] if a.pk == old.pk else []))
        for a in meeting.attendance.order_by("pk")
    ]
    response = client.post(edit_url, edit_data(loaded, rows))
    assert response.status_code == 302
    assert not Attendance.objects.filter(pk=old.pk).exists()


def test_an_old_row_cannot_be_switched_to_another_stranger(client, leeds, bradford_person):
    meeting = leeds.meetings.order_by("pk").first()
    old = Attendance.objects.create(meeting=meeting, participant=bradford_person, status="absent")
    other = (
        Participant.objects.filter(enrolment__work_group__code="EMB-26-BFD")
        .exclude(pk=bradford_person.pk)
        .first()
    )
    client.force_login(hubdata.user("hublead"))
    edit_url = reverse("pd_meetings:edit", args=[meeting.pk])
    loaded = client.get(edit_url)
    rows = [
        (a.pk, other if a.pk == old.pk else a.participant, a.status)
        for a in meeting.attendance.order_by("pk")
    ]
    response = client.post(edit_url, edit_data(loaded, rows))
    # The locked row keeps its person whatever is posted for it.
    assert response.status_code == 302
    assert Attendance.objects.get(pk=old.pk).participant == bradford_person


def test_a_duplicate_participant_row_gets_a_plain_message(specialist_client, leeds):
    first = Participant.objects.filter(enrolment__work_group=leeds).first()
    response = specialist_client.post(
        reverse("pd_meetings:add"),
        meeting_data(leeds, None, [(first, "attended"), (first, "absent")]),
    )
    assert response.status_code == 200
    assert f"{first} is already listed once." in row_errors(response)
    assert not Meeting.objects.filter(agenda="Plan a research lesson.").exists()


def test_two_rows_swapping_their_people_get_a_plain_message(specialist_client, leeds):
    meeting = leeds.meetings.filter(attendance__isnull=False).first()
    edit_url = reverse("pd_meetings:edit", args=[meeting.pk])
    loaded = specialist_client.get(edit_url)
    a, b = meeting.attendance.order_by("pk")[:2]
    before = sorted(meeting.attendance.values_list("pk", "participant_id"))
    rows = [(a.pk, b.participant, a.status), (b.pk, a.participant, b.status)]
    rows += [(r.pk, r.participant, r.status) for r in meeting.attendance.order_by("pk")[2:]]
    response = specialist_client.post(edit_url, edit_data(loaded, rows))
    assert response.status_code == 200
    assert "two rows name the same person" in response.content.decode()
    assert sorted(meeting.attendance.values_list("pk", "participant_id")) == before


def visit_data(group, school, **extra):
    return {
        "work_group": group.pk,
        "school": school.pk,
        "visited_on": "2026-11-20",
        "specialist": "",
        "purpose": "Termly support visit",
        "met_with": "Head and maths lead",
        "notes": "Saw a Year 3 lesson.",
        "next_steps": "Plan a staff meeting on reasoning.",
    } | extra


def test_a_specialist_records_a_visit_as_themselves(specialist_client, leeds):
    school = School.objects.get(urn=990103)
    other_specialist = hubdata.user("specialist2")
    response = specialist_client.post(
        reverse("pd_visits:add"), visit_data(leeds, school, specialist=other_specialist.pk)
    )
    assert response.status_code == 302, response.context["form"].errors
    visit = Visit.objects.get(school=school, purpose="Termly support visit")
    assert visit.specialist.username == "specialist"


def test_a_specialist_cannot_visit_another_groups_school(specialist_client, leeds):
    riverside = School.objects.get(urn=990201)
    bradford = WorkGroup.objects.get(code="EMB-26-BFD")
    response = specialist_client.post(reverse("pd_visits:add"), visit_data(leeds, riverside))
    assert "school" in response.context["form"].errors
    response = specialist_client.post(reverse("pd_visits:add"), visit_data(bradford, riverside))
    assert "work_group" in response.context["form"].errors
    assert not Visit.objects.filter(purpose="Termly support visit").exists()


def test_a_visit_school_must_be_in_the_chosen_group(client, leeds):
    client.force_login(hubdata.user("hublead"))
    response = client.post(
        reverse("pd_visits:add"),
        visit_data(leeds, School.objects.get(urn=990201), specialist=hubdata.user("specialist").pk),
    )
    assert response.context["form"].errors["school"] == [
        "This school is not in the chosen Work Group."
    ]


def test_the_demo_has_past_and_upcoming_meetings_with_attendance_and_visits(demo):
    now = timezone.now()
    for code in ("DEV-26-LDS", "EMB-26-BFD"):
        meetings = Meeting.objects.filter(work_group__code=code)
        past = meetings.filter(starts_at__lt=now)
        assert past.exists() and meetings.filter(starts_at__gt=now).exists()
        assert {"plan", "observe", "discuss"} <= set(meetings.values_list("kind", flat=True))
        assert all(meeting.attendance.exists() for meeting in past)
        assert not Attendance.objects.filter(meeting__starts_at__gt=now).exists()
    brookfield = Visit.objects.get(
        school__urn=990101, specialist__username="specialist", purpose="Autumn support visit"
    )
    riverside = Visit.objects.get(
        school__urn=990201, specialist__username="specialist2", purpose="Autumn support visit"
    )
    for visit in (brookfield, riverside):
        assert visit.notes and visit.next_steps and visit.met_with
        assert visit.visited_on < (now + timedelta(days=1)).date()


def test_loading_the_demo_again_adds_no_meetings_or_visits(demo):
    counts = (Meeting.objects.count(), Attendance.objects.count(), Visit.objects.count())
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=io.StringIO())
    assert (Meeting.objects.count(), Attendance.objects.count(), Visit.objects.count()) == counts
