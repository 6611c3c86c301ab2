"""The hub lead offers a place from the applications queue, in a real browser."""

from django.urls import reverse

import pytest

from tests.workflows import hubdata
from workflows.models import Application


@pytest.fixture
def waiting_application(demo):
    return hubdata.application(
        hubdata.school("Willow Bank Primary", local_authority="Kirklees"), year="2026/27"
    )


def test_hub_lead_offers_a_place_from_the_queue(
    page, live_server, login, waiting_application, mailoutbox
):
    group = hubdata.group("DEV-26-KRK", name="Kirklees Development Work Group", area="Kirklees")
    login("hublead")
    page.goto(live_server.url + reverse("pd_applications:index"))
    # "Search term": the listing's own box, not the sidebar's (hub leads have documents).
    page.get_by_role("textbox", name="Search term").fill("Willow Bank")
    page.get_by_role("link", name=waiting_application.reference).click()

    assert page.locator("[data-application-status]").inner_text() == "Submitted"
    offer = page.locator("form[data-decision=offer]")
    # The group in the school's own local authority is chosen already; choose it explicitly anyway.
    offer.get_by_label("Work Group").select_option(str(group.pk))
    offer.get_by_role("button", name="Offer a place").click()

    assert page.locator("[data-application-status]").inner_text() == "Offered a place"
    assert page.get_by_text("Willow Bank Primary offered a place").is_visible()
    waiting_application.refresh_from_db()
    assert waiting_application.status == Application.Status.OFFERED
    assert waiting_application.offered_group == group
    assert len(mailoutbox) == 1
