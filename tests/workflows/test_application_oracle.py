"""The public form is no oracle (#13): naming a school by URN tells a visitor nothing.

Whether a school already applied, holds a place, is enrolled or has an offer shows
only once the rest of an application is right, in one neutral message, and such a
refusal costs an attempt under the rate limit. An application made in a school's
name is told to the school's own contact address, and the hub's note says whether
the head teacher's address is at the school's domain.

The schools under test are twins: the same name and postcode, different URNs, so
two pages differ only where the hidden URN is echoed back.
"""

import re

from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest
from bs4 import BeautifulSoup

from tests.workflows import hubdata
from tests.workflows.test_application_form import (
    YEAR,
    errors_of,
    refusal,
    saved,
    summary_links,
    valid_data,
)
from workflows.applications.emails import domain_check
from workflows.applications.public_views import RATE_LIMIT
from workflows.models import Application, Enrolment, School

TWIN_NAME = "Holme Valley Primary"
CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"')


@pytest.fixture
def programme(demo):
    """Development Work Groups (once per school), open for applications for 2027/28."""
    return hubdata.open_for_applications(year=YEAR)


@pytest.fixture
def url(programme):
    return reverse("workflows:apply", kwargs={"programme_id": programme.pk})


def twin(**fields) -> School:
    return hubdata.school(TWIN_NAME, postcode="HD9 1AA", **fields)


def post(client, url, school, address="127.0.0.1", **changes):
    """Post the suite's application for ``school``, chosen from the list (hidden URN)."""
    data = valid_data(school=school.name, school_urn=str(school.urn), **changes)
    return client.post(url, data, REMOTE_ADDR=address)


def page(response, school) -> str:
    """The page as the visitor sees it, less the CSRF token and the URN they chose."""
    text = CSRF_VALUE.sub(r'\1-"', response.content.decode())
    return text.replace(str(school.urn), "URN")


# What a school may have done already ----------------------------------------------------


def applied(school):
    """An application for this programme and year, still waiting for the hub."""
    return hubdata.application(school, year=YEAR)


def offered(school):
    """An offer of a Development place last year, with the group named."""
    group = hubdata.group("DEV-25-HV", year="2025/26", name="Holme Valley Development")
    return hubdata.application(
        school, year="2025/26", status=Application.Status.OFFERED, offered_group=group
    )


def accepted(school):
    return hubdata.application(school, year="2025/26", status=Application.Status.ACCEPTED)


def enrolled(school):
    """A place in a Development group, given by the hub without an application."""
    group = hubdata.group("DEV-25-EN", year="2025/26")
    return Enrolment.objects.create(school=school, work_group=group)


HISTORIES = {
    "already applied": applied,
    "has an offer": offered,
    "accepted a place": accepted,
    "holds a place": enrolled,
}

EVERY_OTHER_FIELD = [name for name in valid_data() if name not in ("school", "school_urn")]
INCOMPLETE = {
    "head email mistyped": {"head_email": "head at school"},
    "no consent": {"consent": None},
    "two maths leads": {"teacher_2_is_maths_lead": "on"},
    "short TRN": {"teacher_1_trn": "123"},
    "no reason": {"reason": ""},
    "only the school": dict.fromkeys(EVERY_OTHER_FIELD, ""),
}


# Incomplete applications ---------------------------------------------------------------


@pytest.mark.parametrize("history", HISTORIES)
@pytest.mark.parametrize("changes", INCOMPLETE.values(), ids=INCOMPLETE)
def test_an_incomplete_application_reads_the_same_whatever_the_school_has_done(
    client, url, history, changes
):
    fresh, known = twin(), twin()
    HISTORIES[history](known)
    client.post(url, {})  # the first request fills the site's caches; these two find them full

    with CaptureQueriesContext(connection) as fresh_queries:
        fresh_response = post(client, url, fresh, **changes)
    with CaptureQueriesContext(connection) as known_queries:
        known_response = post(client, url, known, **changes)

    assert known_response.status_code == fresh_response.status_code == 200
    assert errors_of(known_response) == errors_of(fresh_response)
    assert "id_school" not in errors_of(known_response)
    assert summary_links(known_response) == summary_links(fresh_response)
    assert page(known_response, known) == page(fresh_response, fresh)
    # Not even the time taken: the school's history is not looked up at all.
    assert len(known_queries) == len(fresh_queries)
    assert not saved().filter(school__in=[fresh, known], head_name="Ian Walsh").exists()


def test_a_school_not_in_our_list_is_refused_only_when_the_rest_is_right(client, url):
    unlisted = {"school": "Hebden Royd Primary", "school_urn": "", "school_postcode": "HX7 8AA"}
    assert client.post(url, valid_data(**unlisted)).status_code == 302

    again = valid_data(**unlisted, head_email="deputy@hebdenroyd.example")
    incomplete = client.post(url, {**again, "consent": ""})
    assert errors_of(incomplete) == {"id_consent": "Tick the box to agree to the privacy notice"}

    complete = client.post(url, again)
    assert complete.status_code == 200
    assert errors_of(complete) == {"id_school": refusal()}
    assert saved().filter(school_name="Hebden Royd Primary").count() == 1


# Complete applications the school may not make ----------------------------------------


@pytest.mark.parametrize("history", HISTORIES)
def test_the_refusal_waits_for_the_rest_of_the_application_and_keeps_what_was_typed(
    client, url, history
):
    school = twin()
    HISTORIES[history](school)

    incomplete = post(client, url, school, reason="")
    assert errors_of(incomplete) == {"id_reason": "Tell us why your school wants to take part"}

    response = post(client, url, school)

    assert response.status_code == 200
    assert errors_of(response) == {"id_school": refusal()}
    assert summary_links(response) == {"#id_school": refusal()}
    assert not saved().filter(school=school, head_name="Ian Walsh").exists()
    assert mail.outbox == []
    # Nothing the visitor typed is lost.
    soup = BeautifulSoup(response.content, "html.parser")
    for name, value in valid_data(school=school.name, school_urn=str(school.urn)).items():
        field = soup.find(attrs={"name": name})
        if value == "on":
            assert field.has_attr("checked"), name
        elif field.name == "textarea":
            assert field.get_text().strip() == value, name
        else:
            assert field.get("value", "") == value, name


def test_every_reason_a_school_may_not_apply_gets_the_same_answer(client, url):
    answers = {}
    for n, (history, make) in enumerate(HISTORIES.items()):
        school = twin()
        make(school)
        response = post(client, url, school, address=f"10.0.1.{n}")
        answers[history] = (response.status_code, page(response, school))

    assert len(set(answers.values())) == 1, answers.keys()
    status, _ = answers["already applied"]
    assert status == 200


def test_the_refusal_says_nothing_about_the_other_application(client, url):
    school = twin()
    earlier = offered(school)
    group = earlier.offered_group

    response = post(client, url, school)

    message = errors_of(response)["id_school"]
    assert message == refusal()
    for word in ("already", "applied", "offer", "place", "enrol", "accepted", "group", "2025"):
        assert word not in message.lower(), word
    text = BeautifulSoup(response.content, "html.parser").main.get_text(" ", strip=True)
    for detail in (
        earlier.head_name,
        earlier.head_email,
        earlier.reference,
        group.code,
        group.name,
    ):
        assert detail not in text, detail


def test_refusals_of_complete_applications_count_against_the_rate_limit_and_mistakes_do_not(
    client, url
):
    fresh, known = twin(), twin()
    applied(known)
    for _ in range(RATE_LIMIT + 1):
        assert errors_of(post(client, url, known, consent=None)) == {
            "id_consent": "Tick the box to agree to the privacy notice"
        }
    for _ in range(RATE_LIMIT):
        assert errors_of(post(client, url, known)) == {"id_school": refusal()}

    response = post(client, url, fresh)

    assert response.status_code == 429
    assert not saved().filter(school=fresh).exists()
    assert post(client, url, fresh, address="10.0.0.9").status_code == 302


# Applications made in a school's name -----------------------------------------------------


def test_the_school_s_own_contact_is_told_of_an_application_in_its_name(client, url):
    school = twin(contact_email="office@holmevalley.sch.uk")

    response = post(client, url, school, head_email="head@holmevalley.sch.uk")

    assert response.status_code == 302
    application = saved().get(school=school)
    receipt, notice, hub_note = mail.outbox
    assert notice.to == ["office@holmevalley.sch.uk"]
    assert notice.cc == []
    assert notice.reply_to == [settings.HUB_NOTIFICATIONS_EMAIL]
    assert application.reference in notice.subject
    for fact in (
        application.reference,
        f"Development Work Groups in {YEAR}",
        f"{TWIN_NAME} (URN {school.urn})",
        "Head teacher named on the application: Ian Walsh",
        "Confirmation sent to: head@holmevalley.sch.uk",
        f"If nobody at your school made it, contact the hub at {settings.HUB_NOTIFICATIONS_EMAIL}",
    ):
        assert fact in notice.body, fact
    # Only the application's own facts: not the teachers or the reason.
    for detail in ("Nadia Shah", "n.shah@", "understand maths deeply"):
        assert detail not in notice.body
    assert "office@holmevalley.sch.uk" not in receipt.to + receipt.cc
    assert "If you did not make this application, tell us at once" in receipt.body
    assert "The head teacher's email domain matches the school's contact address." in (
        hub_note.body
    )
    assert "We have also written to the school's contact address" in hub_note.body
    assert "holmevalley.sch.uk" not in hub_note.body  # no addresses in the shared inbox


def test_the_hub_is_warned_when_the_head_s_address_is_not_at_the_school_s_domain(client, url):
    school = twin(contact_email="office@holmevalley.sch.uk")

    post(client, url, school, head_email="head.teacher@gmail.com")

    notice, hub_note = mail.outbox[1:]
    assert notice.to == ["office@holmevalley.sch.uk"]
    assert "Confirmation sent to: head.teacher@gmail.com" in notice.body
    assert "does NOT match the school's contact address" in hub_note.body
    assert "gmail" not in hub_note.body


def test_a_contact_that_already_gets_the_receipt_gets_no_second_email(client, url):
    school = twin(contact_email="Head@HolmeValley.sch.uk")

    post(client, url, school, head_email="head@holmevalley.sch.uk")

    receipt, hub_note = mail.outbox
    assert receipt.to == ["head@holmevalley.sch.uk"]
    assert "If you did not make this application, tell us at once" in receipt.body
    assert "matches the school's contact address" in hub_note.body
    assert "We have also written" not in hub_note.body


def test_a_school_without_a_contact_address_gets_the_receipt_and_the_hub_is_told(client, url):
    response = client.post(url, valid_data())  # demo school 990301 has no contact address

    assert response.status_code == 302
    receipt, hub_note = mail.outbox
    assert receipt.to == ["head@calderbridge.example"]
    assert "We hold no contact address for this school" in hub_note.body
    assert "We have also written" not in hub_note.body


@pytest.mark.parametrize(
    ("contact", "head_email", "verdict"),
    [
        ("office@holme.sch.uk", "Head@HOLME.sch.uk", "matches"),
        ("office@holme.sch.uk", "head@mail.holme.sch.uk", "does NOT match"),
        ("office@holme.sch.uk", "head@holme.sch.uk.example", "does NOT match"),
        ("holmeprimary@gmail.com", "someone@gmail.com", "public email provider"),
        ("", "head@holme.sch.uk", "We hold no contact address"),
    ],
)
def test_the_domain_check_compares_whole_domains_and_distrusts_public_providers(
    contact, head_email, verdict
):
    application = Application(school=School(contact_email=contact), head_email=head_email)
    assert verdict in domain_check(application)


def test_a_school_not_in_our_list_has_no_contact_to_compare():
    application = Application(school=None, head_email="head@holme.sch.uk")
    assert "We hold no contact address" in domain_check(application)
