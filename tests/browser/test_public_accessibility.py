"""Public pages meet WCAG 2.2 AA as axe-core measures it in a real browser."""

import pytest

from home.models import SearchPage
from programmes.models import ProgrammeIndexPage, ProgrammePage


@pytest.fixture
def site_url(live_server, demo):
    return live_server.url


def test_home_page_has_no_axe_violations(page, site_url, axe_violations):
    page.goto(site_url + "/")
    assert page.locator("h1").inner_text() == "Welcome to the Maths Hub"
    assert axe_violations(page) == []


def test_programme_index_has_no_axe_violations(page, site_url, axe_violations):
    page.goto(site_url + ProgrammeIndexPage.objects.get().url)
    assert page.get_by_role("heading", name="A school's journey towards mastery").is_visible()
    assert axe_violations(page) == []


@pytest.mark.parametrize("slug", ["development-work-groups", "embedding", "mastery-readiness"])
def test_programme_pages_have_no_axe_violations(page, site_url, axe_violations, slug):
    programme = ProgrammePage.objects.get(slug=slug)
    # Answer any (unexpected) request to a video provider locally: nothing leaves the machine.
    page.route("**/*vimeo*/**", lambda route: route.abort())
    page.route("**/*youtube*/**", lambda route: route.abort())
    page.goto(site_url + programme.url)
    assert page.locator("h1").inner_text() == programme.title
    assert axe_violations(page) == []


def test_search_page_with_results_has_no_axe_violations(page, site_url, axe_violations):
    page.goto(site_url + SearchPage.objects.get().url)
    page.get_by_label("Search this site").fill("mastery")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=mastery")
    assert page.locator(".search-results__item").count() > 0
    assert axe_violations(page) == []


def test_not_found_page_has_no_axe_violations(page, site_url, axe_violations):
    response = page.goto(site_url + "/no-such-page/")
    assert response.status == 404
    assert axe_violations(page) == []


def test_skip_link_moves_focus_to_the_main_content(page, site_url):
    page.goto(site_url + "/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_focus_is_visible_on_links_and_buttons(page, site_url):
    programme = ProgrammePage.objects.get(slug="development-work-groups")
    page.goto(site_url + programme.url)
    play = page.get_by_role("button", name="Play video: The impact on pupils")
    play.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    outline = play.evaluate(
        "el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth"
    )
    assert outline == "solid 3px"


def test_layout_fits_a_phone_screen(page, site_url):
    page.set_viewport_size({"width": 360, "height": 740})
    programme = ProgrammePage.objects.get(slug="embedding")
    page.goto(site_url + programme.url)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
