"""Taking a meeting's register: exactly the group's people, one choice each, saved in one go."""

from datetime import UTC, datetime

from django.urls import reverse
from django.utils import timezone

import pytest

from tests.workflows import hubdata
from workflows.meetings.register import REGISTER_ACTION
from workflows.models import (
    Attendance,
    Enrolment,
    HubLogEntry,
    Meeting,
    Participant,
    School,
    WorkGroup,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def leeds(demo):
    return WorkGroup.objects.get(code="DEV-26-LDS")


@pytest.fixture
def meeting(leeds):
    return leeds.meetings.order_by("pk").first()


def url(meeting):
    return reverse("pd_meetings:register", args=[meeting.pk])


def refused(response) -> bool:
    """Not found, forbidden, or Wagtail's "no permission" redirect to the dashboard."""
    if response.status_code == 302:
        return response["Location"] == reverse("wagtailadmin_home")
    return response.status_code in (403, 404)


def login(client, username):
    client.force_login(hubdata.user(username))
    return client


def choices(response):
    """Participant id -> the choice the register shows for them."""
    form = response.context["form"]
    return {
        person.pk: form[form.name_for(person)].value()
        for group in response.context["schools"]
        for person, _ in group.rows
    }


def post_data(response, chosen):
    """The register as loaded, with ``chosen`` (participant -> status) changed."""
    form = response.context["form"]
    data = {"loaded_version": form["loaded_version"].value()}
    for group in response.context["schools"]:
        for person, field in group.rows:
            data[field.html_name] = chosen.get(person, field.value() or "")
    return data


def test_the_register_lists_exactly_the_groups_participants_by_school(client, meeting, leeds):
    response = login(client, "specialist").get(url(meeting))
    assert response.status_code == 200
    expected = set(Participant.objects.filter(enrolment__work_group=leeds))
    listed = [person for group in response.context["schools"] for person, _ in group.rows]
    assert set(listed) == expected and len(listed) == len(expected)
    # Grouped by school, the host school first and named as such.
    schools = response.context["schools"]
    assert schools[0].school == meeting.host_school and schools[0].host
    assert all(p.enrolment.school == g.school for g in schools for p, _ in g.rows)
    assert len({g.school.pk for g in schools}) == len(schools)
    assert "(host school)" in response.content.decode()
    # Pre-filled with what was recorded.
    recorded = dict(meeting.attendance.values_list("participant_id", "status"))
    assert {pk: value for pk, value in choices(response).items() if value} == recorded


def test_a_school_that_left_before_the_meeting_is_not_on_its_register(client, meeting, leeds):
    enrolment = leeds.enrolments.exclude(school=meeting.host_school).first()
    Enrolment.objects.filter(pk=enrolment.pk).update(
        left_on=meeting.starts_at.date().replace(day=1)
    )
    response = login(client, "specialist").get(url(meeting))
    listed = {p.enrolment_id for group in response.context["schools"] for p, _ in group.rows}
    assert enrolment.pk not in listed


def test_saving_the_register_adds_changes_and_removes_rows_in_one_go(client, meeting, leeds):
    Attendance.objects.filter(meeting=meeting).delete()
    first, second, third, fourth = Participant.objects.filter(enrolment__work_group=leeds)[:4]
    Attendance.objects.create(meeting=meeting, participant=first, status="attended")
    Attendance.objects.create(meeting=meeting, participant=second, status="attended")
    login(client, "specialist")
    loaded = client.get(url(meeting))
    response = client.post(
        url(meeting),
        post_data(loaded, {first: "apologies", second: "", third: "absent", fourth: "attended"}),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("pd_meetings:edit", args=[meeting.pk])
    assert dict(meeting.attendance.values_list("participant_id", "status")) == {
        first.pk: "apologies",
        third.pk: "absent",
        fourth.pk: "attended",
    }
    entry = HubLogEntry.objects.get(action=REGISTER_ACTION, object_id=str(meeting.pk))
    assert entry.user.username == "specialist"
    assert entry.data["attended"] == 1 and entry.data["apologies"] == 1
    assert (entry.data["added"], entry.data["changed"], entry.data["removed"]) == (2, 1, 1)
    # The history says it in words.
    history = client.get(reverse("pd_meetings:history", args=[meeting.pk]))
    assert "Register taken: 1 attended, 1 apologies, 1 absent" in history.content.decode()


def test_the_meetings_usage_follows_the_register_once_saved(
    client, meeting, leeds, django_capture_on_commit_callbacks
):
    from wagtail.models import ReferenceIndex

    person = Participant.objects.filter(enrolment__work_group=leeds).last()
    Attendance.objects.filter(meeting=meeting, participant=person).delete()
    login(client, "specialist")
    loaded = client.get(url(meeting))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(meeting), post_data(loaded, {person: "absent"}))
    assert ReferenceIndex.get_references_to(person).filter(object_id=str(meeting.pk)).exists()


def test_someone_from_another_group_cannot_be_added_through_the_register(client, meeting):
    stranger = Participant.objects.filter(enrolment__work_group__code="EMB-26-BFD").first()
    login(client, "hublead")
    loaded = client.get(url(meeting))
    data = post_data(loaded, {}) | {f"person_{stranger.pk}": "attended"}
    response = client.post(url(meeting), data)
    assert response.status_code == 302
    assert not Attendance.objects.filter(meeting=meeting, participant=stranger).exists()


def test_a_register_saved_by_someone_else_since_it_loaded_is_not_overwritten(
    client, meeting, leeds
):
    person = Participant.objects.filter(enrolment__work_group=leeds).first()
    Attendance.objects.filter(meeting=meeting).delete()
    login(client, "specialist")
    mine = client.get(url(meeting))
    # The hub lead takes the same register meanwhile.
    other = login(client.__class__(), "hublead")
    theirs = other.get(url(meeting))
    assert other.post(url(meeting), post_data(theirs, {person: "absent"})).status_code == 302
    response = client.post(url(meeting), post_data(mine, {person: "attended"}))
    assert response.status_code == 200
    assert dict(meeting.attendance.values_list("participant_id", "status")) == {person.pk: "absent"}
    page = response.content.decode()
    assert "changed this meeting" in page and "were not saved" in page
    # What was chosen is still there, over the current version: saving again replaces it.
    assert choices(response)[person.pk] == "attended"
    again = client.post(url(meeting), post_data(response, {}))
    assert again.status_code == 302
    assert meeting.attendance.get(participant=person).status == "attended"


def test_a_register_posted_without_its_version_saves_nothing(client, meeting, leeds):
    person = Participant.objects.filter(enrolment__work_group=leeds).first()
    login(client, "specialist")
    data = post_data(client.get(url(meeting)), {person: "absent"})
    del data["loaded_version"]
    response = client.post(url(meeting), data)
    assert response.status_code == 200
    assert not meeting.attendance.filter(participant=person, status="absent").exists()


def test_a_meeting_form_open_before_the_register_was_taken_is_refused(client, meeting, leeds):
    from tests.workflows.test_meetings import edit_data

    login(client, "specialist")
    edit = client.get(reverse("pd_meetings:edit", args=[meeting.pk]))
    loaded = client.get(url(meeting))
    client.post(url(meeting), post_data(loaded, {}))
    response = client.post(reverse("pd_meetings:edit", args=[meeting.pk]), edit_data(edit))
    assert response.status_code == 200
    assert "were not saved" in response.content.decode()


def test_another_groups_specialist_gets_not_found(client, meeting):
    login(client, "specialist2")
    assert client.get(url(meeting)).status_code == 404
    before = list(meeting.attendance.values_list("participant_id", "status"))
    assert client.post(url(meeting), {}).status_code == 404
    assert list(meeting.attendance.values_list("participant_id", "status")) == before


@pytest.mark.parametrize("username", ["head", "editor"])
def test_a_school_leader_or_editor_is_refused_the_register(client, meeting, username):
    login(client, username)
    before = list(meeting.attendance.values_list("participant_id", "status"))
    for response in (client.get(url(meeting)), client.post(url(meeting), {})):
        assert refused(response)
    assert list(meeting.attendance.values_list("participant_id", "status")) == before


def test_a_specialist_who_also_leads_a_school_of_another_group_cannot_take_its_register(
    client, demo
):
    """Their school's place in Bradford lets them see its meetings, not run its register."""
    from django.contrib.auth.models import Group

    specialist = hubdata.user("specialist")
    specialist.groups.add(Group.objects.get(name="School leaders"))
    School.objects.get(urn=990201).leaders.add(specialist)
    bradford = Meeting.objects.filter(work_group__code="EMB-26-BFD").first()
    client.force_login(specialist)
    assert refused(client.get(url(bradford)))


def test_the_register_is_offered_on_the_meeting_and_its_listing_row(client, meeting):
    login(client, "specialist")
    edit = client.get(reverse("pd_meetings:edit", args=[meeting.pk])).content.decode()
    # A button beside the title, not only an item in the "Actions" menu.
    assert f'<a href="{url(meeting)}" class="w-header-button button"' in edit
    assert "Take the register" in edit
    listing = client.get(reverse("pd_meetings:index")).content.decode()
    assert url(meeting) in listing
    # Not to another group's meetings, which the specialist cannot open anyway.
    bradford = Meeting.objects.filter(work_group__code="EMB-26-BFD").first()
    assert url(bradford) not in listing


# --- Query counts at 5 and 500 people ---------------------------------------------------


def big_meeting(size):
    """A group of ``size`` participants (two a school), led by ``specialist``, and a meeting."""
    group = hubdata.group(
        f"REG-{size}",
        "sustaining",
        "2031/32",
        lead_specialist=hubdata.user("specialist"),
        allow_over_capacity=True,
    )
    schools = School.objects.bulk_create(
        School(
            urn=600000 + size * 1000 + i,
            name=f"Register School {i:03}",
            local_authority="Leeds",
            phase="Primary",
            status="Open",
        )
        for i in range((size + 1) // 2)
    )
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(school=school, work_group=group, stage=group.stage, academic_year="2031/32")
        for school in schools
    )
    Participant.objects.bulk_create(
        Participant(enrolment=enrolments[i // 2], name=f"Teacher {i:03}") for i in range(size)
    )
    meeting = Meeting.objects.create(
        work_group=group, host_school=schools[0], starts_at=datetime(2031, 10, 1, 13, tzinfo=UTC)
    )
    people = list(Participant.objects.filter(enrolment__work_group=group).order_by("name"))
    # Two already recorded, so a save changes one, removes one and adds the rest.
    Attendance.objects.create(meeting=meeting, participant=people[0], status="attended")
    Attendance.objects.create(meeting=meeting, participant=people[1], status="attended")
    return meeting, people


REGISTER_GET_QUERIES = 14
REGISTER_POST_QUERIES = 21


@pytest.mark.parametrize("size", [5, 500])
def test_the_register_costs_the_same_for_5_and_500_people(
    client, demo, django_assert_num_queries, size
):
    meeting, people = big_meeting(size)
    login(client, "specialist")
    client.get(url(meeting))  # warm the process's caches (content types, site, menus)
    with django_assert_num_queries(REGISTER_GET_QUERIES):
        loaded = client.get(url(meeting))
    assert len(choices(loaded)) == size
    statuses = ("attended", "apologies", "absent")
    chosen = {person: statuses[i % 3] for i, person in enumerate(people)}
    chosen[people[0]] = "apologies"  # changed
    chosen[people[1]] = ""  # removed
    data = post_data(loaded, chosen)
    with django_assert_num_queries(REGISTER_POST_QUERIES):
        response = client.post(url(meeting), data)
    assert response.status_code == 302
    assert meeting.attendance.count() == size - 1
    assert dict(meeting.attendance.values_list("participant_id", "status")) == {
        person.pk: status for person, status in chosen.items() if status
    }


# --- Attendance over the year on the group's page --------------------------------------


def test_the_groups_page_shows_attendance_per_participant_and_school(client, leeds):
    login(client, "specialist")
    response = client.get(reverse("pd_workgroups:inspect", args=[leeds.pk]))
    attendance = response.context["attendance"]
    rows = Attendance.objects.filter(meeting__work_group=leeds)
    people = {line.label: line for line in attendance.people}
    for person in Participant.objects.filter(enrolment__work_group=leeds):
        mine = rows.filter(participant=person)
        line = people[person.name]
        assert (line.attended, line.apologies, line.absent) == tuple(
            mine.filter(status=s).count() for s in ("attended", "apologies", "absent")
        )
    schools = {line.label: line for line in attendance.schools}
    for enrolment in leeds.enrolments.select_related("school"):
        theirs = rows.filter(participant__enrolment=enrolment)
        assert schools[enrolment.school.name].recorded == theirs.count()
    assert attendance.meetings_held == leeds.meetings.filter(starts_at__lte=timezone.now()).count()
    assert "Attendance this year" in response.content.decode()


def test_a_row_for_someone_of_another_group_does_not_count_on_the_groups_page(
    client, leeds, meeting
):
    stranger = Participant.objects.filter(enrolment__work_group__code="EMB-26-BFD").first()
    Attendance.objects.create(meeting=meeting, participant=stranger, status="attended")
    login(client, "hublead")
    response = client.get(reverse("pd_workgroups:inspect", args=[leeds.pk]))
    assert stranger.name not in {line.label for line in response.context["attendance"].people}
    assert stranger.enrolment.school.name not in response.content.decode()


# 21 since the page lists the messages sent to the group (one query however many).
GROUP_PAGE_QUERIES = 21


@pytest.mark.parametrize("size", [5, 500])
def test_the_groups_attendance_costs_the_same_for_5_and_500_people(
    client, demo, django_assert_num_queries, size
):
    meeting, _ = big_meeting(size)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=datetime(2020, 10, 1, tzinfo=UTC))
    group_url = reverse("pd_workgroups:inspect", args=[meeting.work_group_id])
    login(client, "specialist")
    client.get(group_url)
    with django_assert_num_queries(GROUP_PAGE_QUERIES):
        response = client.get(group_url)
    attendance = response.context["attendance"]
    assert len(attendance.people) == size and attendance.meetings_held == 1
    assert sum(line.attended for line in attendance.schools) == 2
