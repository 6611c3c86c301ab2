"""Bulk offer, waitlist and decline from the applications queue (#15, part 3).

Each application goes through ``decide`` (same emails, same log entries), the hub
lead reads one summary of what happened, a re-posted page changes and sends
nothing more, and only hub leads may act, on ids that exist.
"""

from django.urls import reverse
from django.utils.http import urlencode

import pytest

from tests.workflows import hubdata
from workflows.applications.decisions import decide
from workflows.models import Application, HubLogEntry

pytestmark = pytest.mark.django_db

YEAR = "2031/32"
Status = Application.Status
QUEUE = "/admin/pd/applications/?status=submitted"


@pytest.fixture
def hub_lead(demo):
    return hubdata.user("hublead")


@pytest.fixture
def hub_lead_client(client, hub_lead):
    client.force_login(hub_lead)
    return client


def bulk_url(action, applications, *extra_ids, next_url=QUEUE):
    ids = [("id", a.pk) for a in applications] + [("id", i) for i in extra_ids]
    query = urlencode([*ids, ("next", next_url)])
    return reverse("wagtail_bulk_action", args=["workflows", "application", action]) + "?" + query


def post(client, url, capture, data=None):
    with capture(execute=True):
        return client.post(url, data or {})


def message_of(client, response):
    """The one message the redirect carries, read (and so used up) on the page it lands on."""
    assert response.status_code == 302
    messages = list(client.get(response.url).context["messages"])
    assert len(messages) == 1
    return messages[0]


def unlinked_application(year=YEAR):
    return Application.objects.create(
        programme=hubdata.stage("development-work-groups"),
        academic_year=year,
        school_name="Typed-in Primary",
        head_name="Pat Head",
        head_email="head@typed.example",
        reason="To grow.",
        consent=True,
    )


def test_a_mixed_bulk_offer_is_summarised_and_each_school_emailed_once(
    hub_lead, hub_lead_client, django_capture_on_commit_callbacks, mailoutbox
):
    group = hubdata.group("DWG-31-A", year=YEAR, capacity=3)
    fits = [hubdata.application(hubdata.school(f"{n} Primary"), year=YEAR) for n in "ABC"]
    brookfield = hubdata.application(hubdata.school("Brookfield Test Primary"), year=YEAR)
    decide(brookfield.pk, "decline", hub_lead, reason="Full this year.")
    elm = hubdata.application(hubdata.school("Elm Primary"), year=YEAR)
    typed = unlinked_application()
    embedding = hubdata.application(hubdata.school("Oak Primary"), "embedding", YEAR)
    chosen = [*fits, brookfield, elm, typed, embedding]

    response = post(
        hub_lead_client,
        bulk_url("offer", chosen),
        django_capture_on_commit_callbacks,
        {"work_group": group.pk},
    )
    assert response.url == QUEUE
    message = message_of(hub_lead_client, response)
    assert message.level_tag == "warning"
    assert str(message) == (
        "3 offered a place in DWG-31-A (A Primary, B Primary, C Primary); "
        "1 not offered: already declined (Brookfield Test Primary); "
        "1 not offered: DWG-31-A is full (Elm Primary); "
        "1 not offered: not linked to a school yet (Typed-in Primary); "
        "1 not offered: DWG-31-A is for Development Work Groups, 2031/32 (Oak Primary)."
    )
    for application in fits:
        application.refresh_from_db()
        assert (application.status, application.offered_group) == (Status.OFFERED, group)
    for application in (elm, typed, embedding):
        application.refresh_from_db()
        assert (application.status, application.offered_group) == (Status.SUBMITTED, None)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(a.head_email for a in fits)
    assert HubLogEntry.objects.filter(action="workflows.offer").count() == 3

    # The same page posted again (a double click, a back-button resubmit): nothing more.
    again = post(
        hub_lead_client,
        bulk_url("offer", chosen),
        django_capture_on_commit_callbacks,
        {"work_group": group.pk},
    )
    repeat = message_of(hub_lead_client, again)
    assert repeat.level_tag == "error"
    assert str(repeat).startswith(
        "None offered a place; "
        "3 not offered: already offered a place (DWG-31-A) (A Primary, B Primary, C Primary); "
        "1 not offered: already declined (Brookfield Test Primary); "
        "1 not offered: DWG-31-A is full (Elm Primary)"
    )
    assert len(mailoutbox) == 3
    assert HubLogEntry.objects.filter(action="workflows.offer").count() == 3


def test_an_offer_in_the_group_each_school_asked_for(
    hub_lead_client, django_capture_on_commit_callbacks, mailoutbox
):
    north = hubdata.group("DWG-31-N", year=YEAR)
    south = hubdata.group("DWG-31-S", year=YEAR)
    ash = hubdata.application(hubdata.school("Ash Primary"), year=YEAR, preferred_group=north)
    birch = hubdata.application(hubdata.school("Birch Primary"), year=YEAR, preferred_group=south)
    cedar = hubdata.application(hubdata.school("Cedar Primary"), year=YEAR)

    page = hub_lead_client.get(bulk_url("offer", [ash, birch, cedar])).content.decode()
    assert "The group each school asked for" in page
    assert "Group DWG-31-N (DWG-31-N)" in page  # Ash's preference, listed beside it
    response = post(
        hub_lead_client,
        bulk_url("offer", [ash, birch, cedar]),
        django_capture_on_commit_callbacks,
        {"work_group": "preferred"},
    )
    assert str(message_of(hub_lead_client, response)) == (
        "1 offered a place in DWG-31-N (Ash Primary); "
        "1 offered a place in DWG-31-S (Birch Primary); "
        "1 not offered: named no Work Group on its application (Cedar Primary)."
    )
    ash.refresh_from_db()
    birch.refresh_from_db()
    assert (ash.offered_group, birch.offered_group) == (north, south)
    assert len(mailoutbox) == 2


def test_a_bulk_decline_needs_one_reason_and_sends_it_to_each_school_once(
    hub_lead_client, django_capture_on_commit_callbacks, mailoutbox
):
    chosen = [hubdata.application(hubdata.school(f"{n} Primary"), year=YEAR) for n in "DE"]
    url = bulk_url("decline", chosen)
    refused = post(hub_lead_client, url, django_capture_on_commit_callbacks, {"reason": "  "})
    assert refused.status_code == 200
    assert "Nothing was decided: Reason: Give the reason" in refused.content.decode()
    assert (
        Application.objects.filter(pk__in=[a.pk for a in chosen], status="submitted").count() == 2
    )

    response = post(
        hub_lead_client, url, django_capture_on_commit_callbacks, {"reason": "We are full."}
    )
    assert str(message_of(hub_lead_client, response)) == "2 declined (D Primary, E Primary)."
    again = post(  # posted twice: the second changes and sends nothing
        hub_lead_client, url, django_capture_on_commit_callbacks, {"reason": "We are full."}
    )
    assert str(message_of(hub_lead_client, again)) == (
        "None declined; 2 not declined: already declined (D Primary, E Primary)."
    )
    assert len(mailoutbox) == 2
    assert all("We are full." in email.body for email in mailoutbox)
    assert HubLogEntry.objects.filter(action="workflows.decline").count() == 2


def test_a_bulk_waitlist_says_what_it_did(
    hub_lead_client, django_capture_on_commit_callbacks, mailoutbox
):
    chosen = [hubdata.application(hubdata.school(f"{n} Primary"), year=YEAR) for n in "FG"]
    response = post(
        hub_lead_client, bulk_url("waitlist", chosen), django_capture_on_commit_callbacks
    )
    message = message_of(hub_lead_client, response)
    assert (message.level_tag, str(message)) == (
        "success",
        "2 waitlisted (F Primary, G Primary).",
    )
    assert len(mailoutbox) == 2


def test_ids_that_do_not_exist_or_are_not_ids_are_ignored(
    hub_lead_client, django_capture_on_commit_callbacks, mailoutbox
):
    real = hubdata.application(hubdata.school("Real Primary"), year=YEAR)
    url = bulk_url("waitlist", [real], "999999", "abc", "all", "-1")
    page = hub_lead_client.get(url).content.decode()
    assert page.count("data-application=") == 1
    response = post(hub_lead_client, url, django_capture_on_commit_callbacks)
    assert str(message_of(hub_lead_client, response)) == "1 waitlisted (Real Primary)."
    assert len(mailoutbox) == 1
    # Nothing real asked for: the same answer as for a page that does not exist.
    for bogus in (bulk_url("waitlist", [], "999999", "abc"), bulk_url("waitlist", [], "all")):
        assert hub_lead_client.get(bogus).status_code == 404
        assert hub_lead_client.post(bogus).status_code == 404


@pytest.mark.parametrize("username", ["specialist", "head", "editor"])
def test_only_hub_leads_may_decide_in_bulk(
    client, demo, username, django_capture_on_commit_callbacks, mailoutbox
):
    specialist_group = hubdata.group(
        "DWG-31-SP", year=YEAR, lead_specialist=hubdata.user("specialist")
    )
    application = hubdata.application(hubdata.school("Seen Primary"), year=YEAR)
    decide(application.pk, "offer", hubdata.user("hublead"), work_group=specialist_group)
    client.force_login(hubdata.user(username))
    for action, data in (("offer", {"work_group": "preferred"}), ("decline", {"reason": "x"})):
        url = bulk_url(action, [application])
        with django_capture_on_commit_callbacks(execute=True):
            # Wagtail's answer to a refused admin page: back to the dashboard.
            for response in (client.get(url), client.post(url, data)):
                assert response.status_code == 302
                assert response["Location"].rstrip("/").endswith("/admin")
    application.refresh_from_db()
    assert application.status == Status.OFFERED
    assert mailoutbox == []
    # The specialist sees this offer in the queue, but no way to decide on it.
    listing = client.get(reverse("pd_applications:index"))
    if listing.status_code == 200:
        assert "data-bulk-action-checkbox" not in listing.content.decode()
        assert "data-bulk-action-footer" not in listing.content.decode()


def test_the_queue_offers_hub_leads_the_bulk_decisions(hub_lead_client):
    application = hubdata.application(hubdata.school("Listed Primary"), year=YEAR)
    page = hub_lead_client.get(reverse("pd_applications:index")).content.decode()
    assert f'data-object-id="{application.pk}"' in page
    assert f'aria-describedby="application_{application.pk}_title"' in page
    assert f'id="application_{application.pk}_title"' in page
    for action in ("offer", "waitlist", "decline"):
        assert reverse("wagtail_bulk_action", args=["workflows", "application", action]) in page
    assert "Select all applications in listing" not in page


@pytest.mark.parametrize("count", [2, 20])
def test_the_confirmation_page_costs_the_same_queries_for_2_or_20(
    hub_lead_client, django_assert_num_queries, count
):
    hubdata.group("DWG-31-Q", year=YEAR)
    preferred = hubdata.group("DWG-31-P", year=YEAR)
    chosen = [
        hubdata.application(hubdata.school(f"School {i}"), year=YEAR, preferred_group=preferred)
        for i in range(count)
    ]
    url = bulk_url("offer", chosen)
    hub_lead_client.get(url)  # warm the session and the site
    with django_assert_num_queries(CONFIRM_QUERIES):
        response = hub_lead_client.get(url)
    assert response.content.decode().count("data-application=") == count


CONFIRM_QUERIES = 12


def test_a_refused_offer_says_why_once(hub_lead_client):
    application = hubdata.application(hubdata.school(), year=YEAR)
    url = reverse("pd_applications:inspect", args=[application.pk])
    response = hub_lead_client.post(url, {"decision": "offer"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("There is no Development Work Groups Work Group for 2031/32 yet") == 1
    assert 'role="alert" data-no-group' in page
