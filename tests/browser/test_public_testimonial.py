"""A visitor plays a video testimonial: nothing reaches Vimeo or YouTube before the click."""

import re

import pytest

from programmes.models import ProgrammePage

PROVIDERS = re.compile(
    r"^https?://([^/]*\.)?(vimeo\.com|youtube\.com|youtube-nocookie\.com|youtu\.be|ytimg\.com|vimeocdn\.com)/"
)


@pytest.fixture
def provider_requests(page):
    """Every request the page makes to a video provider, answered locally (no network)."""
    seen = []

    def answer(route):
        seen.append(route.request.url)
        route.fulfill(
            status=200, content_type="text/html", body="<!doctype html><title>player</title>"
        )

    page.route(PROVIDERS, answer)
    return seen


@pytest.mark.parametrize(
    ("slug", "player"),
    [
        ("development-work-groups", "https://player.vimeo.com/video/123456789?dnt=1&autoplay=1"),
        ("embedding", "https://www.youtube-nocookie.com/embed/M4sTeRy2027?autoplay=1&rel=0"),
    ],
)
def test_play_swaps_in_the_privacy_enhanced_player_only_on_click(
    page, live_server, demo, provider_requests, slug, player
):
    programme = ProgrammePage.objects.get(slug=slug)
    page.goto(live_server.url + programme.url)
    page.wait_for_load_state("networkidle")

    assert page.locator("iframe").count() == 0
    assert provider_requests == []
    button = page.get_by_role("button", name=re.compile(r"^Play video: "))
    assert button.count() == 1

    # Wait for the player's own request: under load the network can look idle
    # before the new iframe has asked for anything.
    with page.expect_response(lambda response: response.url.startswith(player.split("?")[0])):
        button.click()

    iframe = page.locator("iframe.testimonial__iframe")
    iframe.wait_for()
    assert iframe.get_attribute("src") == player
    assert iframe.get_attribute("title").startswith("Video: ")
    page.wait_for_load_state("networkidle")
    assert provider_requests and all(
        url.startswith(player.split("?")[0]) for url in provider_requests
    )
    # Keyboard users land on the player they asked for.
    assert page.evaluate("document.activeElement.tagName") == "IFRAME"


def test_transcript_link_opens_the_transcript(page, live_server, demo, provider_requests):
    programme = ProgrammePage.objects.get(slug="development-work-groups")
    page.goto(live_server.url + programme.url)
    transcript = page.locator("details.testimonial__transcript")
    assert not transcript.evaluate("el => el.open")
    page.get_by_role("link", name="Read the transcript").click()
    assert transcript.evaluate("el => el.open")
    assert page.get_by_text("It is about how the children talk about maths").is_visible()
    assert provider_requests == []
