"""A head teacher applies in a real browser, picking the school with the keyboard."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

import pytest

from programmes.models import ProgrammePage
from tests.dbutils import clear_caches
from workflows.models import Application


@pytest.fixture
def apply_url(live_server, demo):
    clear_caches()  # the per-address rate limit lives here
    today = timezone.localdate()
    ProgrammePage.objects.filter(slug="development-work-groups").update(
        application_opens=today - timedelta(days=1),
        application_closes=today + timedelta(days=30),
        academic_year="2027/28",
    )
    programme = ProgrammePage.objects.get(slug="development-work-groups")
    return live_server.url + reverse("workflows:apply", kwargs={"programme_id": programme.pk})


def test_a_visitor_finds_the_school_with_the_keyboard_and_applies(page, apply_url):
    page.goto(apply_url)
    school = page.locator("#id_school")
    assert school.get_attribute("role") == "combobox"
    assert school.get_attribute("aria-expanded") == "false"

    school.press_sequentially("calder br", delay=40)
    option = page.get_by_role("option", name="Calder Bridge Primary")
    option.wait_for()
    assert school.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    assert school.get_attribute("aria-activedescendant") == option.get_attribute("id")
    assert option.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")

    assert school.input_value() == "Calder Bridge Primary (990301)"
    assert page.locator("#id_school_urn").input_value() == "990301"
    assert school.get_attribute("aria-expanded") == "false"
    assert page.url == apply_url  # Enter picked the school; it did not submit the form

    page.fill("#id_head_name", "Ian Walsh")
    page.fill("#id_head_email", "head@calderbridge.example")
    page.fill("#id_teacher_1_name", "Nadia Shah")
    page.fill("#id_teacher_1_email", "n.shah@calderbridge.example")
    page.fill("#id_teacher_1_role", "Maths lead")
    page.fill("#id_teacher_1_trn", "1234567")
    page.check("#id_teacher_1_is_maths_lead")
    page.fill("#id_teacher_2_name", "Owen Price")
    page.fill("#id_teacher_2_email", "o.price@calderbridge.example")
    page.fill("#id_teacher_2_role", "Year 2 teacher")
    page.fill("#id_reason", "We want every pupil to understand maths deeply.")
    page.check("#id_consent")
    page.get_by_role("button", name="Send application").click()

    page.get_by_role("heading", name="Application received").wait_for()
    reference = page.locator("[data-reference]").inner_text()
    application = Application.objects.get(reference=reference)
    assert application.school.urn == 990301
    assert application.academic_year == "2027/28"
    assert application.participants.count() == 2


def test_the_form_with_its_errors_has_no_axe_violations(page, apply_url, axe_violations):
    page.goto(apply_url)
    assert axe_violations(page) == []

    page.get_by_role("button", name="Send application").click()

    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert summary.locator("a").count() == 12
    summary.get_by_role("link", name="Enter the head teacher's full name").click()
    assert page.evaluate("document.activeElement.id") == "id_head_name"
    assert axe_violations(page) == []


def test_the_work_group_finder_has_no_axe_violations(page, live_server, demo, axe_violations):
    embedding = ProgrammePage.objects.get(slug="embedding")
    url = reverse("workflows:work_group_finder", kwargs={"programme_id": embedding.pk})
    page.goto(f"{live_server.url}{url}?year=2026/27")

    assert page.locator("caption").inner_text() == "Embedding: Work Groups in 2026/27"
    assert page.locator("tbody tr").count() == 1
    assert axe_violations(page) == []
