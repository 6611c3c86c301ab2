"""The hub lead's decisions on applications: transitions, emails, log entries, refusals."""

from django.core import mail
from django.urls import reverse

import pytest

from tests.workflows import hubdata
from workflows.applications.decisions import DecisionRefused, decide
from workflows.models import Application, Enrolment, HubLogEntry, School, WorkGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub_lead_client(client, demo):
    client.force_login(hubdata.user("hublead"))
    return client


@pytest.fixture
def leeds_group(demo):
    return hubdata.group("DEV-26-N", name="Leeds North", area="Leeds", meeting_town="Leeds")


def inspect_url(application):
    return reverse("pd_applications:inspect", args=[application.pk])


def post_decision(client, application, decision, capture, **data):
    with capture(execute=True):
        return client.post(inspect_url(application), {"decision": decision, **data})


def test_an_offer_changes_the_status_emails_the_school_once_and_is_logged(
    hub_lead_client, leeds_group, django_capture_on_commit_callbacks
):
    application = hubdata.application(hubdata.school("Ash Tree Primary"))
    response = post_decision(
        hub_lead_client,
        application,
        "offer",
        django_capture_on_commit_callbacks,
        work_group=leeds_group.pk,
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.OFFERED
    assert application.offered_group == leeds_group
    assert application.decided_by.username == "hublead"

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [application.head_email]
    assert sorted(email.cc) == sorted(p.email for p in application.participants.all())
    assert "Ash Tree Primary" in email.subject
    assert "Leeds North" in email.body

    entry = HubLogEntry.objects.get(action="workflows.offer")
    assert (entry.object_id, entry.user.username) == (str(application.pk), "hublead")
    assert entry.data["work_group"] == "DEV-26-N"
    history = hub_lead_client.get(reverse("pd_applications:history", args=[application.pk]))
    assert b"Application offered a place (DEV-26-N)" in history.content


def test_submitting_the_same_decision_twice_sends_one_email(
    hub_lead_client, leeds_group, django_capture_on_commit_callbacks
):
    application = hubdata.application(hubdata.school())
    for _ in range(2):
        response = post_decision(
            hub_lead_client,
            application,
            "offer",
            django_capture_on_commit_callbacks,
            work_group=leeds_group.pk,
        )
    assert response.status_code == 200
    offered_now = [decision.name for decision, _ in response.context["decision_forms"]]
    assert "offer" not in offered_now
    assert b"This application is offered a place; it cannot be offered a place now." in (
        response.content
    )
    assert len(mail.outbox) == 1
    assert HubLogEntry.objects.filter(action="workflows.offer").count() == 1


def test_the_state_machine_refuses_a_no_op_transition(leeds_group):
    application = hubdata.application(hubdata.school())
    hub_lead = hubdata.user("hublead")
    decide(application.pk, "waitlist", hub_lead)
    with pytest.raises(DecisionRefused) as refusal:
        decide(application.pk, "waitlist", hub_lead)
    assert refusal.value.message == "This application is waitlisted; it cannot be waitlisted now."


def test_a_decline_needs_a_reason(hub_lead_client, django_capture_on_commit_callbacks):
    application = hubdata.application(hubdata.school())
    response = post_decision(
        hub_lead_client, application, "decline", django_capture_on_commit_callbacks, reason="  "
    )
    assert response.status_code == 200
    forms = {d.name: form for d, form in response.context["decision_forms"]}
    assert forms["decline"].errors["reason"] == ["Give the reason; it is sent to the school."]
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert mail.outbox == []


def test_a_decline_sends_the_reason_to_the_school(
    hub_lead_client, django_capture_on_commit_callbacks
):
    application = hubdata.application(hubdata.school())
    post_decision(
        hub_lead_client,
        application,
        "decline",
        django_capture_on_commit_callbacks,
        reason="All our Development groups this year are full.",
    )
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED
    assert len(mail.outbox) == 1
    assert "All our Development groups this year are full." in mail.outbox[0].body
    entry = HubLogEntry.objects.get(action="workflows.decline")
    assert entry.data["reason"] == "All our Development groups this year are full."


def test_an_offer_into_a_full_group_is_refused_with_the_reason(
    hub_lead_client, django_capture_on_commit_callbacks
):
    full = hubdata.group("DEV-26-F", name="Full group", capacity=1)
    Enrolment(school=hubdata.school(), work_group=full).save_checked()
    application = hubdata.application(hubdata.school())
    response = post_decision(
        hub_lead_client,
        application,
        "offer",
        django_capture_on_commit_callbacks,
        work_group=full.pk,
    )
    forms = {d.name: form for d, form in response.context["decision_forms"]}
    assert forms["offer"].errors["work_group"] == [
        "Full group is full: every place (1) is taken or offered. The hub lead can allow it to go over capacity."
    ]
    assert b"Full group is full" in response.content
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert mail.outbox == []


def test_an_offer_holds_the_last_place_until_it_is_answered(demo):
    """Offering the last place fills it everywhere; a second offer into it is refused."""
    from workflows.applications.public_views import finder_rows

    last = hubdata.group(
        "DEV-26-L", name="Last place group", capacity=2, status=WorkGroup.Status.RECRUITING
    )
    Enrolment(school=hubdata.school("First In Primary"), work_group=last).save_checked()
    first = hubdata.application(hubdata.school("Ash Tree Primary"))
    second = hubdata.application(hubdata.school("Beech Primary"))
    hub_lead = hubdata.user("hublead")

    decide(first.pk, "offer", hub_lead, work_group=last)

    assert WorkGroup.objects.with_places().get(pk=last.pk).places_left == 0
    assert WorkGroup.objects.get(pk=last.pk).places_left == 0
    row = next(r for r in finder_rows(last.stage, "2026/27") if r["name"] == "Last place group")
    assert row["places_left"] == 0
    with pytest.raises(DecisionRefused) as refusal:
        decide(second.pk, "offer", hub_lead, work_group=last)
    assert refusal.value.message == (
        "Last place group is full: every place (2) is taken or offered. "
        "The hub lead can allow it to go over capacity."
    )
    second.refresh_from_db()
    assert second.status == Application.Status.SUBMITTED

    # The school offered the place can still take it: its own offer is not counted twice.
    decide(first.pk, "accept", hub_lead)
    assert Enrolment.objects.filter(work_group=last, application=first).exists()
    assert WorkGroup.objects.with_places().get(pk=last.pk).places_left == 0


def test_a_declined_offer_frees_its_place(demo):
    group = hubdata.group("DEV-26-D", name="One place", capacity=1)
    offered = hubdata.application(hubdata.school("Ash Tree Primary"))
    hub_lead = hubdata.user("hublead")
    decide(offered.pk, "offer", hub_lead, work_group=group)
    decide(offered.pk, "decline", hub_lead, reason="The school changed its mind.")
    assert WorkGroup.objects.with_places().get(pk=group.pk).places_left == 1


def test_an_offer_over_capacity_is_allowed_when_the_hub_lead_allows_it(demo):
    group = hubdata.group("DEV-26-O", name="Stretchy", capacity=1, allow_over_capacity=True)
    hub_lead = hubdata.user("hublead")
    first = hubdata.application(hubdata.school("Ash Tree Primary"))
    second = hubdata.application(hubdata.school("Beech Primary"))
    decide(first.pk, "offer", hub_lead, work_group=group)
    decide(second.pk, "offer", hub_lead, work_group=group)
    second.refresh_from_db()
    assert second.status == Application.Status.OFFERED


def test_an_offer_in_a_group_of_another_programme_is_refused(demo):
    application = hubdata.application(hubdata.school())
    embedding = WorkGroup.objects.get(code="EMB-26-BFD")
    with pytest.raises(DecisionRefused) as refusal:
        decide(application.pk, "offer", hubdata.user("hublead"), work_group=embedding)
    assert refusal.value.message == (
        "Bradford Embedding Work Group is not a Development Work Groups group for 2026/27."
    )


def test_accepting_an_offer_enrols_the_school_with_its_participants(
    hub_lead_client, leeds_group, django_capture_on_commit_callbacks
):
    application = hubdata.application(hubdata.school(), head_name="Dr Jo Bloggs")
    hub_lead = hubdata.user("hublead")
    with django_capture_on_commit_callbacks(execute=True):
        decide(application.pk, "offer", hub_lead, work_group=leeds_group)
    post_decision(hub_lead_client, application, "accept", django_capture_on_commit_callbacks)
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    enrolment = application.enrolment
    assert enrolment.work_group == leeds_group
    people = {(p.name, p.role, p.is_maths_lead) for p in enrolment.participants.all()}
    assert people == {
        ("Dr Jo Bloggs", "head", False),
        ("Maya Lead", "lead_teacher", True),
        ("Sam Teacher", "lead_teacher", False),
    }
    assert [m.subject.split(" (")[0] for m in mail.outbox][-1] == "Welcome to Leeds North"
    assert len(mail.outbox) == 2


def test_accepting_when_the_group_filled_meanwhile_is_refused(leeds_group):
    application = hubdata.application(hubdata.school())
    hub_lead = hubdata.user("hublead")
    decide(application.pk, "offer", hub_lead, work_group=leeds_group)
    WorkGroup.objects.filter(pk=leeds_group.pk).update(capacity=0)
    with pytest.raises(DecisionRefused) as refusal:
        decide(application.pk, "accept", hub_lead)
    assert "is full" in refusal.value.message
    application.refresh_from_db()
    assert application.status == Application.Status.OFFERED
    assert not Enrolment.objects.filter(application=application).exists()


@pytest.mark.parametrize("decision", ["waitlist", "withdraw"])
def test_waitlist_and_withdraw_each_send_one_email(
    hub_lead_client, decision, django_capture_on_commit_callbacks
):
    application = hubdata.application(hubdata.school("Birch Primary"))
    post_decision(hub_lead_client, application, decision, django_capture_on_commit_callbacks)
    post_decision(hub_lead_client, application, decision, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert "Birch Primary" in mail.outbox[0].subject + mail.outbox[0].body
    assert HubLogEntry.objects.filter(action=f"workflows.{decision}").count() == 1


def test_an_email_carries_no_other_schools_data(
    hub_lead_client, leeds_group, django_capture_on_commit_callbacks
):
    mine = hubdata.application(hubdata.school("Cedar Primary"))
    theirs = hubdata.application(hubdata.school("Damson Primary"))
    decide(theirs.pk, "offer", hubdata.user("hublead"), work_group=leeds_group)
    post_decision(
        hub_lead_client,
        mine,
        "offer",
        django_capture_on_commit_callbacks,
        work_group=leeds_group.pk,
    )
    (email,) = mail.outbox
    text = " ".join([email.subject, email.body, *email.to, *email.cc])
    assert "Cedar Primary" in text
    for other in ("Damson Primary", theirs.head_email, theirs.reference, str(theirs.school.urn)):
        assert other not in text
    assert all(str(mine.school.urn) in address for address in [*email.to, *email.cc])


@pytest.mark.parametrize("username", ["specialist", "head", "editor"])
def test_only_the_hub_lead_decides(client, demo, username, django_capture_on_commit_callbacks):
    application = hubdata.application(hubdata.school())
    application.school.leaders.add(hubdata.user("head"))
    client.force_login(hubdata.user(username))
    response = post_decision(client, application, "withdraw", django_capture_on_commit_callbacks)
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response["Location"].rstrip("/").endswith("/admin")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert mail.outbox == []


def test_the_application_page_shows_gias_facts_and_earlier_participation(hub_lead_client):
    brookfield = School.objects.get(urn=990101)
    application = hubdata.application(brookfield, stage_slug="embedding", year="2028/29")
    response = hub_lead_client.get(inspect_url(application))
    content = response.content.decode()
    assert "990101" in content and "Leeds" in content and "Mrs Helen Head" in content
    assert "Development Work Groups, 2026/27: Leeds Development Work Group (DEV-26-LDS)" in content


def test_the_offer_form_suggests_the_group_in_the_schools_area(hub_lead_client):
    hubdata.group("DEV-26-W", name="Wakefield", area="Wakefield")
    kirklees = hubdata.group("DEV-26-K", name="Kirklees", area="Kirklees")
    application = hubdata.application(hubdata.school(local_authority="Kirklees"))
    response = hub_lead_client.get(inspect_url(application))
    forms = {d.name: form for d, form in response.context["decision_forms"]}
    assert forms["offer"].initial["work_group"] == kirklees.pk
