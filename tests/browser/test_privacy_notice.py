"""The privacy notice meets WCAG 2.2 AA in a real browser, wide and on a phone."""

import pytest


@pytest.mark.parametrize("width", [1280, 320])
def test_the_notice_has_no_axe_violations_and_reflows(
    page, live_server, demo, axe_violations, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/privacy-notice/")
    assert page.locator("h1").inner_text() == "Privacy notice"
    assert page.get_by_role("table", name="What we keep, and for how long").is_visible()
    assert axe_violations(page) == []
    # WCAG 1.4.10: at 320 CSS pixels nothing needs scrolling sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
