"""A school answers its offer through the emailed link, in a real browser (#15, part 2)."""

import re

from django.urls import reverse

from playwright.sync_api import expect

from tests.workflows import hubdata
from workflows.applications.decisions import decide
from workflows.models import Application, Enrolment


def test_a_school_declines_then_a_school_accepts_by_the_emailed_link(
    page, live_server, demo, mailoutbox, axe_violations
):
    group = hubdata.group("DEV-26-BR", name="Calder Valley", area="Calderdale", capacity=3)
    hub_lead = hubdata.user("hublead")
    first = hubdata.application(hubdata.school("Willow Bank Primary"))
    second = hubdata.application(hubdata.school("Rowan Primary"))
    decide(first.pk, "offer", hub_lead, work_group=group)
    decide(second.pk, "offer", hub_lead, work_group=group)
    links = [re.search(r"http://testserver(/offers/\S+/)", m.body).group(1) for m in mailoutbox]

    # Decline, with a reason too long: the message, the typed text kept, then declined.
    page.goto(live_server.url + links[0])
    assert page.locator("h1").inner_text() == "A place for Willow Bank Primary"
    assert axe_violations(page) == []
    reason = page.get_by_label("Why is the school declining? (optional)")
    reason.evaluate("el => el.removeAttribute('maxlength')")  # as an old browser might
    reason.fill("x" * 2001)
    page.get_by_role("button", name="Decline the place").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    assert reason.input_value() == "x" * 2001
    assert axe_violations(page) == []
    reason.fill("Our maths lead is leaving.")
    page.get_by_role("button", name="Decline the place").click()
    expect(page.locator("h1")).to_have_text("Place declined")
    assert axe_violations(page) == []
    first.refresh_from_db()
    assert first.status == Application.Status.WITHDRAWN

    # The same link again: a plain page that says so.
    response = page.goto(live_server.url + links[0])
    assert response.status == 410
    assert page.locator("h1").inner_text() == "This offer has already been answered"
    assert axe_violations(page) == []

    # Accept.
    page.goto(live_server.url + links[1])
    page.get_by_role("button", name="Accept the place").click()
    expect(page.locator("h1")).to_have_text("Place accepted")
    assert Enrolment.objects.filter(application=second, work_group=group).count() == 1

    response = page.goto(live_server.url + reverse("workflows:offer", kwargs={"token": "x:y"}))
    assert response.status == 404
    assert axe_violations(page) == []
