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


def _no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_work_group_finder_at_phone_width(page, site_url, axe_violations):
    """At 375px the groups stack (no cut-off table) and axe finds nothing."""
    page.set_viewport_size({"width": 375, "height": 800})
    embedding = ProgrammePage.objects.get(slug="embedding")
    page.goto(f"{site_url}/programmes/{embedding.pk}/work-groups/?year=2026/27")
    row = page.locator("tbody tr").first
    assert "Bradford Embedding Work Group" in row.inner_text()
    assert row.inner_text().split("\n")[-1] == "Full"
    places = row.locator("td").last
    # Stacked: each fact on its own line, labelled (the column headings are hidden).
    assert places.evaluate("el => getComputedStyle(el).display") == "block"
    assert places.get_attribute("data-label") == "Places left"
    label = places.evaluate("el => getComputedStyle(el, '::before').content")
    assert label not in ("none", "normal", "")
    assert _no_sideways_scroll(page)
    assert axe_violations(page) == []


def test_the_work_group_finder_at_desktop_width(page, site_url, axe_violations):
    page.set_viewport_size({"width": 1280, "height": 800})
    embedding = ProgrammePage.objects.get(slug="embedding")
    page.goto(f"{site_url}/programmes/{embedding.pk}/work-groups/?year=2026/27")
    assert page.locator("thead").is_visible()
    assert axe_violations(page) == []


def test_a_long_search_query_wraps_at_phone_width(page, site_url):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(site_url + SearchPage.objects.get().url + "?q=" + "x" * 150)
    assert page.locator("#results-heading").is_visible()
    assert _no_sideways_scroll(page)


def test_a_programme_page_shows_its_status_near_the_top_on_a_phone(page, site_url):
    page.set_viewport_size({"width": 375, "height": 800})
    programme = ProgrammePage.objects.get(slug="development-work-groups")
    page.goto(site_url + programme.url)
    summary = page.locator(".apply-summary")
    assert summary.locator(".status").is_visible()
    assert summary.bounding_box()["y"] < 800  # on the first screen


@pytest.mark.parametrize(("width", "typed"), [(1280, "LS6 2AB"), (375, "LS99 9ZZ")])
def test_the_hub_wide_finder_with_a_search_has_no_axe_violations(
    page, site_url, axe_violations, width, typed
):
    """Searched from the home page's link: results nearest first, or the message linked."""
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(site_url + "/")
    page.locator("#finder-heading").locator("xpath=..").get_by_role("link").click()
    page.wait_for_url("**/work-groups/")
    page.get_by_label("Postcode or town").fill(typed)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/work-groups/?near=*")
    if typed == "LS6 2AB":
        assert page.get_by_role("heading", name="Work Groups nearest LS6 2AB").is_visible()
        assert page.locator("tbody tr").first.locator("th").inner_text() == (
            "Leeds Development Work Group"
        )
    else:
        summary = page.locator(".error-summary")
        assert summary.evaluate("el => el === document.activeElement")
        assert summary.get_by_role("link").get_attribute("href") == "#id_near"
    assert _no_sideways_scroll(page)
    assert axe_violations(page) == []
