"""Applications made moot by an enrolment are closed with a reason (#15, part 3).

Whichever way a school becomes enrolled for a year (the hub lead records an
accepted offer, the school's own answer goes through the same accept transition,
or a hub lead adds the enrolment by hand) its other open applications for that
year close, logged, freeing any place offered, and leave the board and the
dashboard's waiting lists. Other years, and applications already decided, stay.
"""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

import pytest

from tests.workflows import hubdata
from workflows.applications.decisions import decide
from workflows.applications.moot import close_moot_applications
from workflows.applications.offers import answer_offer, offer_token
from workflows.applications.panels import application_sections
from workflows.models import Application, Enrolment, HubLogEntry, WorkGroup

pytestmark = pytest.mark.django_db

YEAR = "2031/32"
Status = Application.Status


@pytest.fixture
def hub_lead(demo):
    return hubdata.user("hublead")


@pytest.fixture
def school_with_applications(hub_lead):
    """A school that applied to four programmes in YEAR, and once the year after."""
    school = hubdata.school("Brookfield Test Primary")
    development = hubdata.group("DWG-31-A", year=YEAR, name="Leeds North")
    embedding = hubdata.group("EMB-31-A", "embedding", YEAR, capacity=1)
    accepted = hubdata.application(school, year=YEAR)
    decide(accepted.pk, "offer", hub_lead, work_group=development)
    waitlisted = hubdata.application(school, "sustaining", YEAR, status=Status.WAITLISTED)
    offered = hubdata.application(school, "embedding", YEAR)
    decide(offered.pk, "offer", hub_lead, work_group=embedding)
    lapsed = hubdata.application(school, "mastery-readiness", YEAR, status=Status.LAPSED)
    next_year = hubdata.application(school, "embedding", "2032/33")
    # A teacher training as a Mastery Specialist: beside the journey, not a stage of it.
    specialist_training = hubdata.application(school, "mastery-specialists", YEAR)
    return {
        "school": school,
        "group": development,
        "embedding": embedding,
        "accepted": accepted,
        "moot": [waitlisted, offered, lapsed],
        "next_year": next_year,
        "specialist_training": specialist_training,
    }


def reason_for(school, group, joined):
    return (
        f"Closed: {school.name} joined {group.code} ({group.stage.title}) "
        f"on {date_format(joined, 'j F Y')}"
    )


def assert_closed(applications, reason, user):
    for application in applications:
        application.refresh_from_db()
        assert application.status == Status.CLOSED
        assert application.decision_reason == reason
        entry = HubLogEntry.objects.get(object_id=str(application.pk), action="workflows.close")
        assert entry.user == user
        assert entry.data["reason"] == reason


def test_an_accepted_offer_closes_the_schools_other_open_applications_that_year(
    hub_lead, school_with_applications, django_capture_on_commit_callbacks, mailoutbox
):
    data = school_with_applications
    assert WorkGroup.objects.with_places().get(pk=data["embedding"].pk).places_left == 0
    with django_capture_on_commit_callbacks(execute=True):
        decide(data["accepted"].pk, "accept", hub_lead)

    reason = reason_for(data["school"], data["group"], timezone.localdate())
    assert_closed(data["moot"], reason, hub_lead)
    data["accepted"].refresh_from_db()
    data["next_year"].refresh_from_db()
    assert data["accepted"].status == Status.ACCEPTED
    assert data["next_year"].status == Status.SUBMITTED  # another year: still open
    data["specialist_training"].refresh_from_db()
    assert data["specialist_training"].status == Status.SUBMITTED  # not a stage: still open
    # The embedding place the school no longer needs is free again.
    assert WorkGroup.objects.with_places().get(pk=data["embedding"].pk).places_left == 1
    # Only the acceptance is emailed: the school chose this group; closures send nothing.
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject.startswith("Welcome to Leeds North")


def test_the_application_page_says_why_it_closed_in_the_hubs_words(
    client, hub_lead, school_with_applications
):
    data = school_with_applications
    decide(data["accepted"].pk, "accept", hub_lead)
    waitlisted = data["moot"][0]
    client.force_login(hub_lead)
    page = client.get(reverse("pd_applications:inspect", args=[waitlisted.pk])).content.decode()
    assert reason_for(data["school"], data["group"], timezone.localdate()) in page
    assert "No decision can be made on an application that is closed." in page
    history = client.get(reverse("pd_applications:history", args=[waitlisted.pk]))
    assert "Application closed: the school joined DWG-31-A" in history.content.decode()


def test_a_hub_lead_adding_an_enrolment_by_hand_closes_them(
    client, hub_lead, school_with_applications, mailoutbox
):
    data = school_with_applications
    other = hubdata.group("DWG-31-B", year=YEAR)
    client.force_login(hub_lead)
    response = client.post(
        reverse("pd_enrolments:add"),
        {
            "school": data["school"].pk,
            "work_group": other.pk,
            "joined_on": "2031-09-04",
        },
    )
    assert response.status_code == 302
    reason = reason_for(data["school"], other, datetime.date(2031, 9, 4))
    assert reason.endswith("joined DWG-31-B (Development Work Groups) on 4 September 2031")
    # The Development application was offered a place elsewhere: it is moot too.
    assert_closed([data["accepted"], *data["moot"]], reason, hub_lead)
    data["next_year"].refresh_from_db()
    assert data["next_year"].status == Status.SUBMITTED
    assert mailoutbox == []


def test_editing_an_enrolment_closes_nothing(client, hub_lead):
    school = hubdata.school()
    group = hubdata.group("DWG-31-E", year=YEAR)
    enrolment = Enrolment(school=school, work_group=group).save_checked()
    late = hubdata.application(school, "sustaining", YEAR)  # e.g. typed in after joining
    client.force_login(hub_lead)
    response = client.post(
        reverse("pd_enrolments:edit", args=[enrolment.pk]),
        {"school": school.pk, "work_group": group.pk, "joined_on": "2031-09-05"},
    )
    assert response.status_code == 302
    late.refresh_from_db()
    assert late.status == Status.SUBMITTED


def test_the_schools_own_online_acceptance_closes_them_with_nobody_named(
    school_with_applications, django_capture_on_commit_callbacks
):
    data = school_with_applications
    accepted = Application.objects.get(pk=data["accepted"].pk)
    with django_capture_on_commit_callbacks(execute=True):
        answer_offer(offer_token(accepted), "accept")
    reason = reason_for(data["school"], data["group"], timezone.localdate())
    assert_closed(data["moot"], reason, None)


def test_calling_it_again_closes_nothing_more(school_with_applications):
    data = school_with_applications
    enrolment = Enrolment(
        school=data["school"], work_group=data["group"], application=data["accepted"]
    )
    enrolment.save_checked()
    closed = close_moot_applications(enrolment, None)
    assert {a.pk for a in closed} == {a.pk for a in data["moot"]}
    reason = reason_for(data["school"], data["group"], timezone.localdate())
    assert_closed(data["moot"], reason, None)
    # Calling it again (a double submit, a second path) closes nothing more, logs nothing more.
    assert close_moot_applications(enrolment, None) == []
    assert HubLogEntry.objects.filter(action="workflows.close").count() == 3


def test_a_school_that_left_closes_nothing(school_with_applications):
    data = school_with_applications
    enrolment = Enrolment(
        school=data["school"],
        work_group=data["group"],
        joined_on=datetime.date(2031, 9, 1),
        left_on=datetime.date(2031, 9, 2),
    )
    assert close_moot_applications(enrolment, None) == []
    assert not HubLogEntry.objects.filter(action="workflows.close").exists()


def test_closed_applications_leave_the_board_and_the_waiting_lists(
    client, hub_lead, school_with_applications
):
    data = school_with_applications
    waitlisted = data["moot"][0]
    sustaining = waitlisted.programme
    client.force_login(hub_lead)
    board = reverse("pd_applications:placement")
    query = {"stage": sustaining.pk, "year": YEAR}
    assert waitlisted.reference in client.get(board, query).content.decode()
    assert waitlisted in application_sections(hub_lead, limit=500)["waiting"]["items"]

    decide(data["accepted"].pk, "accept", hub_lead)

    assert waitlisted.reference not in client.get(board, query).content.decode()
    sections = application_sections(hub_lead, limit=500)
    shown = {a.pk for name in ("new", "waiting", "offers") for a in sections[name]["items"]}
    assert not shown & {a.pk for a in data["moot"]}


def test_joining_the_specialist_programme_closes_only_its_own_applications(hub_lead):
    """An enrolment outside the journey makes moot only applications to that programme."""
    school = hubdata.school("Specialist Test Primary")
    stage_application = hubdata.application(school, "embedding", YEAR)
    training = hubdata.application(school, "mastery-specialists", YEAR)
    group = hubdata.group("MS-31-A", "mastery-specialists", YEAR)
    decide(training.pk, "offer", hub_lead, work_group=group)

    decide(training.pk, "accept", hub_lead)

    stage_application.refresh_from_db()
    assert stage_application.status == Status.SUBMITTED
