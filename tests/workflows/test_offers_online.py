"""Offers a school answers online (#15, part 2): the signed link, the answer, chase and lapse.

The link in the offer email opens that one offer, with no account, and nothing
else: tampered, foreign, expired, answered and superseded links get a plain page
with a 4xx status. Accepting enrols once however often it is posted; declining
frees the place; an unanswered offer is chased once, then lapses back to the hub
with its place freed, and can be offered again. Every step is in the history.
"""

import io
import re
import time
from datetime import timedelta

from django.core import mail, signing
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

import pytest
from bs4 import BeautifulSoup

from tests.workflows import hubdata
from workflows.applications.decisions import DECISIONS, DecisionRefused, decide
from workflows.applications.offers import SALT, chase_and_lapse, offer_token, read_token
from workflows.applications.panels import application_sections
from workflows.applications.public_views import DONE_SALT
from workflows.models import Application, Enrolment, HubLogEntry, Participant, WorkGroup

pytestmark = pytest.mark.django_db

Status = Application.Status
HUB = "hub@mathshub.example"
LINK = re.compile(r"http://testserver(/offers/[^/\s]+/)")


@pytest.fixture
def hub_lead(demo):
    return hubdata.user("hublead")


@pytest.fixture
def group(demo):
    return hubdata.group(
        "DEV-26-ON", name="Leeds North", area="Leeds", meeting_town="Headingley", capacity=1
    )


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the emails) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def offer(application, group, hub_lead, commit):
    with commit():
        decide(application.pk, "offer", hub_lead, work_group=group)
    application.refresh_from_db()
    return application


def link_in(email) -> str:
    """The path of the answer link in ``email`` (the email carries it absolute)."""
    return LINK.search(email.body).group(1)


def post(client, path, commit, **data):
    with commit():
        return client.post(path, data)


def path_for(application):
    return reverse("workflows:offer", kwargs={"token": offer_token(application)})


def places_left(group):
    return WorkGroup.objects.with_places().get(pk=group.pk).places_left


def text(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def history(client, application):
    client.force_login(hubdata.user("hublead"))
    response = client.get(reverse("pd_applications:history", args=[application.pk]))
    client.logout()
    return text(response)


# Accepting --------------------------------------------------------------------------


def test_the_emailed_link_shows_the_offer_and_accepting_enrols_once(
    client, group, hub_lead, commit
):
    school = hubdata.school("Ash Tree Primary")
    application = offer(hubdata.application(school), group, hub_lead, commit)
    assert len(mail.outbox) == 1
    path = link_in(mail.outbox[0])
    assert "accept or decline the place here" in mail.outbox[0].body

    page = client.get(path)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    facts = BeautifulSoup(page.content, "html.parser").select_one("[data-offer]")
    pairs = dict(
        zip(
            [dt.get_text() for dt in facts.select("dt")],
            [dd.get_text() for dd in facts.select("dd")],
            strict=True,
        )
    )
    assert pairs == {
        "School": "Ash Tree Primary",
        "Programme": application.programme.title,
        "Academic year": "2026/27",
        "Work Group": "Leeds North",
        "Area it serves": "Leeds",
        "Where it usually meets": "Headingley",
    }
    # No person: not the head teacher, not the teachers, not their addresses.
    for private in ("Pat Head", "Maya Lead", "Sam Teacher", application.head_email, "@"):
        assert private not in text(page).replace("mailto", "").replace(HUB, "")

    mail.outbox.clear()
    first = post(client, path, commit, answer="accept")
    second = post(client, path, commit, answer="accept")

    assert first.status_code == 200
    assert "Place accepted" in text(first)
    assert second.status_code == 410
    assert "This offer has already been accepted" in text(second)
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED
    assert application.decided_by is None
    enrolment = Enrolment.objects.get(application=application)
    assert enrolment.work_group == group
    assert sorted(
        Participant.objects.filter(enrolment=enrolment).values_list("name", flat=True)
    ) == [
        "Maya Lead",
        "Pat Head",
        "Sam Teacher",
    ]
    # One email to the school, one to the hub, for the two posts.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([application.head_email, HUB])
    school_email = next(m for m in mail.outbox if m.to == [application.head_email])
    assert school_email.subject.startswith("Welcome to Leeds North")
    hub_email = next(m for m in mail.outbox if m.to == [HUB])
    assert f"http://testserver/admin/pd/applications/inspect/{application.pk}/" in hub_email.body
    assert "Pat Head" not in hub_email.body and application.head_email not in hub_email.body

    entry = HubLogEntry.objects.get(action="workflows.accept")
    assert entry.user is None
    assert entry.data["online"] is True
    assert "Offer accepted online by the school (DEV-26-ON)" in history(client, application)
    client.force_login(hub_lead)
    page = BeautifulSoup(
        client.get(reverse("pd_applications:inspect", args=[application.pk])).content,
        "html.parser",
    )
    story = [" ".join(li.get_text().split()) for li in page.select("[data-offer-story] li")]
    assert [line.split(":")[0] for line in story] == [
        "Offer sent",
        "Offer accepted online by the school",
    ]
    assert "by Hana Lead" in story[0] and "Hana Lead" not in story[1]
    assert ", by the school, online" in page.get_text()


def test_the_hub_can_still_record_an_acceptance_sent_by_email(client, group, hub_lead, commit):
    application = offer(hubdata.application(hubdata.school()), group, hub_lead, commit)
    client.force_login(hub_lead)
    page = client.get(reverse("pd_applications:inspect", args=[application.pk]))
    decisions = [d.name for d, _ in page.context["decision_forms"]]
    assert "accept" in decisions
    story = BeautifulSoup(page.content, "html.parser").select_one("[data-offer-story]")
    assert "Offer sent: a place in DEV-26-ON" in story.get_text()
    assert "Not answered yet" in story.get_text()
    assert "Record acceptance" in story.get_text()

    with commit():
        decide(application.pk, "accept", hub_lead)
    page = client.get(reverse("pd_applications:inspect", args=[application.pk]))
    story = " ".join(
        BeautifulSoup(page.content, "html.parser")
        .select_one("[data-offer-story]")
        .get_text()
        .split()
    )
    assert "Acceptance recorded by the hub" in story
    assert "online" not in story
    client.logout()
    # The link in the offer email now says the offer is answered; nothing more happens.
    mail.outbox.clear()
    response = post(client, path_for(application), commit, answer="accept")
    assert response.status_code == 410
    assert Enrolment.objects.filter(application=application).count() == 1
    assert mail.outbox == []


# Declining -----------------------------------------------------------------------------


def test_declining_frees_the_place_tells_the_hub_and_keeps_the_reason(
    client, group, hub_lead, commit
):
    application = offer(
        hubdata.application(hubdata.school("Ash Tree Primary")), group, hub_lead, commit
    )
    assert places_left(group) == 0
    path = link_in(mail.outbox[0])
    mail.outbox.clear()

    response = post(client, path, commit, answer="decline", reason="  Our maths lead is leaving.  ")
    again = post(client, path, commit, answer="decline", reason="Twice")

    assert response.status_code == 200
    assert "Place declined" in text(response)
    assert again.status_code == 410
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert application.decision_reason == "Our maths lead is leaving."
    assert places_left(group) == 1
    assert not Enrolment.objects.filter(application=application).exists()
    assert len(mail.outbox) == 2
    hub_email = next(m for m in mail.outbox if m.to == [HUB])
    assert "declined its place online" in hub_email.body
    assert "Our maths lead is leaving." not in hub_email.body  # read on the application's page
    assert f"/admin/pd/applications/inspect/{application.pk}/" in hub_email.body
    assert "Offer declined online by the school (DEV-26-ON)" in history(client, application)

    # The place can go to another school now.
    other = hubdata.application(hubdata.school("Beech Primary"))
    decide(other.pk, "offer", hub_lead, work_group=group)


def test_a_decline_without_a_reason_is_fine_and_a_long_one_is_kept_to_be_shortened(
    client, group, hub_lead, commit
):
    application = offer(hubdata.application(hubdata.school()), group, hub_lead, commit)
    path = path_for(application)
    mail.outbox.clear()
    long = "x" * 2001
    response = post(client, path, commit, answer="decline", reason=long)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("[data-error-summary]") is not None
    textarea = soup.select_one("#decline_reason")
    assert textarea.get_text().strip() == long
    assert textarea["aria-invalid"] == "true"
    assert "decline_reason-error" in textarea["aria-describedby"]
    application.refresh_from_db()
    assert application.status == Status.OFFERED
    assert mail.outbox == []

    response = post(client, path, commit, answer="decline")
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN


@pytest.mark.parametrize("data", [{}, {"answer": "enrol"}, {"answer": ""}])
def test_a_post_without_a_known_answer_changes_nothing_and_says_so(
    client, group, hub_lead, commit, data
):
    application = offer(hubdata.application(hubdata.school()), group, hub_lead, commit)
    mail.outbox.clear()
    response = post(client, path_for(application), commit, **data)
    assert response.status_code == 200
    assert "Choose to accept or decline the place." in text(response)
    application.refresh_from_db()
    assert application.status == Status.OFFERED
    assert mail.outbox == []


# Links that open nothing --------------------------------------------------------------


def tampered(token):
    value, sep, signature = token.rpartition(":")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return f"{value}{sep}{flipped}"


def test_a_tampered_or_foreign_token_opens_nothing(client, group, hub_lead, commit):
    application = offer(hubdata.application(hubdata.school()), group, hub_lead, commit)
    token = offer_token(application)
    payload = {"r": application.reference, "o": 1}
    bad = [
        tampered(token),
        token[:-1],
        "not-a-token",
        signing.dumps(payload, salt=DONE_SALT),  # a link signed for something else
        signing.dumps(payload),
        signing.dumps([application.reference], salt=SALT),  # the right key, not an offer
        signing.dumps({"r": application.reference, "o": "1"}, salt=SALT),
        signing.dumps({"r": "MH-NONE-NONE", "o": 1}, salt=SALT),  # no such application
    ]
    mail.outbox.clear()
    for token in bad:
        path = reverse("workflows:offer", kwargs={"token": token})
        for response in (client.get(path), post(client, path, commit, answer="accept")):
            assert response.status_code == 404, token
            assert "This link does not work" in text(response)
            assert "Pat Head" not in text(response)
            assert application.school_name not in text(response)
    application.refresh_from_db()
    assert application.status == Status.OFFERED
    assert mail.outbox == []


def test_an_expired_link_opens_nothing(client, group, hub_lead, commit, monkeypatch):
    application = offer(hubdata.application(hubdata.school()), group, hub_lead, commit)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 29 * 24 * 60 * 60)
    old = offer_token(application)  # signed 29 days ago
    monkeypatch.setattr(time, "time", real_time)
    path = reverse("workflows:offer", kwargs={"token": old})

    for response in (client.get(path), post(client, path, commit, answer="accept")):
        assert response.status_code == 410
        assert "This link has expired" in text(response)
    application.refresh_from_db()
    assert application.status == Status.OFFERED
    # A longer life (the setting) lets the same link through.
    with override_settings(OFFER_LINK_MAX_AGE_DAYS=30):
        assert client.get(path).status_code == 200
    # ... and read_token takes an explicit max_age too.
    assert read_token(offer_token(application), max_age=timedelta(days=1))[0] == (
        application.reference
    )


def test_another_applications_link_shows_only_that_application(client, group, hub_lead, commit):
    other_group = hubdata.group("DEV-26-OT", name="York South", area="York", capacity=3)
    mine = offer(hubdata.application(hubdata.school("Ash Tree Primary")), group, hub_lead, commit)
    theirs = offer(
        hubdata.application(hubdata.school("Zebra Crossing Primary")), other_group, hub_lead, commit
    )
    page = text(client.get(path_for(mine)))
    assert "Ash Tree Primary" in page and "Leeds North" in page
    assert "Zebra Crossing" not in page and "York South" not in page

    # My reference with their offer's moment is a link to no offer of mine.
    crossed = signing.dumps(
        {"r": mine.reference, "o": read_token(offer_token(theirs))[1]}, salt=SALT
    )
    response = client.get(reverse("workflows:offer", kwargs={"token": crossed}))
    assert response.status_code == 410
    assert "Zebra Crossing" not in text(response) and "Ash Tree" not in text(response)
    response = post(
        client, reverse("workflows:offer", kwargs={"token": crossed}), commit, answer="accept"
    )
    assert response.status_code == 410
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (Status.OFFERED, Status.OFFERED)


def test_a_link_to_an_earlier_offer_stops_working_when_the_hub_offers_again(
    client, group, hub_lead, commit
):
    application = offer(hubdata.application(hubdata.school()), group, hub_lead, commit)
    first_link = link_in(mail.outbox[0])
    with commit():
        decide(application.pk, "decline", hub_lead, reason="Sent in error.")
    response = client.get(first_link)
    assert response.status_code == 410
    assert "This offer is no longer open" in text(response)

    # A lapsed offer offered again: the first link is for an earlier offer.
    other = offer(hubdata.application(hubdata.school("Beech Primary")), group, hub_lead, commit)
    Application.objects.filter(pk=other.pk).update(
        decided_at=timezone.now() - timedelta(days=40),
        offer_chased_at=timezone.now() - timedelta(days=20),
    )
    other.refresh_from_db()
    old_link = path_for(other)
    chase_and_lapse()
    other = offer(other, group, hub_lead, commit)
    response = client.get(old_link)
    assert response.status_code == 410
    assert "This link is for an earlier offer" in text(response)
    mail.outbox.clear()
    assert post(client, old_link, commit, answer="accept").status_code == 410
    assert mail.outbox == []
    assert client.get(path_for(other)).status_code == 200


# Chase and lapse --------------------------------------------------------------------


def test_an_unanswered_offer_is_chased_once_then_lapses_back_to_the_hub(
    client, group, hub_lead, commit
):
    application = offer(
        hubdata.application(hubdata.school("Ash Tree Primary")), group, hub_lead, commit
    )
    offered_at = timezone.now() - timedelta(days=15)
    Application.objects.filter(pk=application.pk).update(decided_at=offered_at)
    mail.outbox.clear()

    out = io.StringIO()
    with commit():
        call_command("chase_offers", stdout=out)
    assert out.getvalue().strip() == "Chased 1 offer; 0 offers lapsed."
    assert len(mail.outbox) == 1
    chase = mail.outbox[0]
    assert chase.to == [application.head_email]
    assert "Reminder" in chase.subject
    assert client.get(link_in(chase)).status_code == 200  # a fresh link to the same offer
    application.refresh_from_db()
    assert application.offer_chased_at is not None
    assert "Offer chased (DEV-26-ON)" in history(client, application)

    # Run again, and again the next day: nothing more.
    with commit():
        assert chase_and_lapse() == (0, 0)
        assert chase_and_lapse(timezone.now() + timedelta(days=1)) == (0, 0)
    assert len(mail.outbox) == 1

    # Over 28 days after the offer, but chased less than a week before: not yet.
    chased_at = application.offer_chased_at
    Application.objects.filter(pk=application.pk).update(decided_at=chased_at - timedelta(days=30))
    with commit():
        assert chase_and_lapse(chased_at + timedelta(days=6, hours=23)) == (0, 0)
    # A week after the chase: it lapses, once.
    later = chased_at + timedelta(days=7)
    with commit():
        assert chase_and_lapse(later) == (0, 1)
        assert chase_and_lapse(later) == (0, 0)
    application.refresh_from_db()
    assert application.status == Status.LAPSED
    assert application.get_status_display() == "Offer lapsed"
    assert places_left(group) == 1
    assert len(mail.outbox) == 3
    to_school, to_hub = mail.outbox[1], mail.outbox[2]
    assert to_school.to == [application.head_email] and "lapsed" in to_school.subject
    assert to_hub.to == [HUB] and f"/admin/pd/applications/inspect/{application.pk}/" in to_hub.body
    assert "Offer lapsed (DEV-26-ON)" in history(client, application)
    assert client.get(link_in(chase)).status_code == 410

    # Back with the hub: waiting for a decision on the dashboard and on the board.
    waiting = application_sections(hub_lead)["waiting"]
    assert application.pk in [a.pk for a in waiting["items"]]
    client.force_login(hub_lead)
    board = client.get(
        reverse("pd_applications:placement"),
        {"stage": application.programme_id, "year": "2026/27"},
    )
    assert application.reference in board.content.decode()
    page = client.get(reverse("pd_applications:inspect", args=[application.pk]))
    decisions = [d.name for d, _ in page.context["decision_forms"]]
    assert decisions == ["offer", "waitlist", "decline"]
    story = " ".join(
        BeautifulSoup(page.content, "html.parser")
        .select_one("[data-offer-story]")
        .get_text()
        .split()
    )
    assert "Offer chased" in story and "Offer lapsed unanswered" in story
    client.logout()

    # Offered again: chased afresh, and the new link works.
    mail.outbox.clear()
    application = offer(application, group, hub_lead, commit)
    assert application.status == Status.OFFERED
    assert application.offer_chased_at is None
    assert places_left(group) == 0
    assert client.get(link_in(mail.outbox[0])).status_code == 200


def test_an_offer_answered_before_the_lapse_is_left_alone(client, group, hub_lead, commit):
    application = offer(hubdata.application(hubdata.school()), group, hub_lead, commit)
    past = timezone.now() - timedelta(days=40)
    Application.objects.filter(pk=application.pk).update(decided_at=past, offer_chased_at=past)
    post(client, path_for(Application.objects.get(pk=application.pk)), commit, answer="accept")
    mail.outbox.clear()
    with commit():
        assert chase_and_lapse() == (0, 0)
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED
    assert mail.outbox == []


def test_the_lapse_is_not_the_hubs_decision_and_the_school_cannot_use_it(group, hub_lead):
    application = hubdata.application(hubdata.school())
    decide(application.pk, "offer", hub_lead, work_group=group)
    assert "lapse" not in DECISIONS
    with pytest.raises(DecisionRefused):
        decide(application.pk, "lapse", hub_lead)


def test_a_lapsed_application_is_anonymised_like_any_undecided_one(demo):
    from workflows.privacy.purge import purge

    group = hubdata.group("DEV-20-OLD", year="2020/21", capacity=2)
    application = hubdata.application(hubdata.school(), year="2020/21")
    decide(application.pk, "offer", hubdata.user("hublead"), work_group=group)
    past = timezone.now() - timedelta(days=60)
    Application.objects.filter(pk=application.pk).update(decided_at=past, offer_chased_at=past)
    assert chase_and_lapse() == (0, 1)

    purge(apply=True)

    application.refresh_from_db()
    assert application.status == Status.LAPSED
    assert application.anonymised_at is not None
    assert "Pat Head" not in application.head_name


OFFER_PAGE_QUERIES = 1  # the application with its school, programme and group


def test_the_offer_page_costs_a_fixed_number_of_queries(
    client, group, hub_lead, commit, django_assert_num_queries
):
    application = offer(hubdata.application(hubdata.school()), group, hub_lead, commit)
    path = path_for(application)
    client.get(path)  # the site's settings and navigation, cached from here on
    with django_assert_num_queries(OFFER_PAGE_QUERIES):
        assert client.get(path).status_code == 200
