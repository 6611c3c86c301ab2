"""Public pages meet WCAG 2.2 AA as axe-core measures it in a real browser."""

import pytest

from programmes.models import ProgrammeIndexPage, ProgrammePage


@pytest.fixture
def site_url(live_server, demo):
    return live_server.url


def test_home_page_has_no_axe_violations(page, site_url, axe_violations):
    page.goto(site_url + "/")
    assert page.locator("h1").inner_text() == "Welcome to the Maths Hub"
    assert axe_violations(page) == []


def test_programme_index_and_a_programme_page_have_no_axe_violations(
    page, site_url, axe_violations
):
    index = ProgrammeIndexPage.objects.get()
    page.goto(site_url + index.url)
    assert axe_violations(page) == []
    programme = ProgrammePage.objects.get(slug="embedding")
    page.goto(site_url + programme.url)
    assert page.locator("h1").inner_text() == "Embedding"
    assert axe_violations(page) == []


def test_skip_link_moves_focus_to_the_main_content(page, site_url):
    page.goto(site_url + "/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
