"""Video testimonials: only Vimeo and YouTube, privacy-enhanced players, and a
click-to-play facade that loads nothing from the provider until the visitor asks."""

import re
import socket

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

import pytest

from programmes.models import VideoTestimonial
from programmes.video import parse_video_url
from tests.programmes.factories import add_programme, make_image, make_site, make_testimonial


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        (
            "https://vimeo.com/123456789",
            "https://player.vimeo.com/video/123456789?dnt=1&autoplay=1",
        ),
        (
            "http://www.vimeo.com/123456789/",
            "https://player.vimeo.com/video/123456789?dnt=1&autoplay=1",
        ),
        (
            "https://vimeo.com/123456789/abcdef1234",
            "https://player.vimeo.com/video/123456789?h=abcdef1234&dnt=1&autoplay=1",
        ),
        (
            "https://player.vimeo.com/video/76979871",
            "https://player.vimeo.com/video/76979871?dnt=1&autoplay=1",
        ),
        (
            "https://www.youtube.com/watch?v=M4sTeRy2027",
            "https://www.youtube-nocookie.com/embed/M4sTeRy2027?autoplay=1&rel=0",
        ),
        (
            "https://youtu.be/M4sTeRy2027",
            "https://www.youtube-nocookie.com/embed/M4sTeRy2027?autoplay=1&rel=0",
        ),
        (
            "https://m.youtube.com/watch?feature=share&v=M4sTeRy2027",
            "https://www.youtube-nocookie.com/embed/M4sTeRy2027?autoplay=1&rel=0",
        ),
        (
            "https://www.youtube.com/embed/M4sTeRy2027",
            "https://www.youtube-nocookie.com/embed/M4sTeRy2027?autoplay=1&rel=0",
        ),
    ],
)
def test_vimeo_and_youtube_addresses_give_privacy_enhanced_players(url, embed):
    assert parse_video_url(url).embed_url == embed


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example/vimeo.com",
        "https://evil.example/watch?v=M4sTeRy2027",
        "https://vimeo.com.evil.example/123456789",
        "https://notyoutube.com/watch?v=M4sTeRy2027",
        "javascript:alert(1)//vimeo.com/123456789",
        "ftp://vimeo.com/123456789",
        "https://user@vimeo.com/123456789",
        "https://vimeo.com/",
        "https://vimeo.com/channels/staffpicks",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/playlist?list=PL123",
        "https://youtu.be/",
    ],
)
def test_other_addresses_are_refused_with_a_clear_message(db, url):
    testimonial = VideoTestimonial(
        title="A video", video_url=url, speaker="Ana", transcript="Words."
    )
    with pytest.raises(ValidationError) as caught:
        testimonial.full_clean()
    assert "video_url" in caught.value.message_dict
    assert any("Vimeo or YouTube" in message for message in caught.value.message_dict["video_url"])


def test_transcript_is_required(db):
    testimonial = VideoTestimonial(
        title="A video", video_url="https://vimeo.com/123456789", speaker="Ana", transcript=""
    )
    with pytest.raises(ValidationError) as caught:
        testimonial.full_clean()
    assert "transcript" in caught.value.message_dict


def test_admin_form_shows_the_message_next_to_the_field_and_keeps_the_input(admin_client):
    response = admin_client.post(
        "/admin/snippets/programmes/videotestimonial/add/",
        {
            "title": "A video",
            "video_url": "http://evil.example/vimeo.com",
            "speaker": "Ana",
            "transcript": "Words.",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Other sites are not allowed" in html
    assert 'value="http://evil.example/vimeo.com"' in html
    assert not VideoTestimonial.objects.exists()


THIRD_PARTY = re.compile(r"(vimeo\.com|youtube|youtu\.be|ytimg|vimeocdn)", re.IGNORECASE)


def third_party_references(html: str) -> list[str]:
    """Every src/href/srcset/poster attribute, <iframe>, <script>, <link> or <img> that
    points at a video provider (the facade's data-embed-url attribute excluded)."""
    found = []
    for attribute, value in re.findall(r'\s(src|href|srcset|poster|action)="([^"]*)"', html):
        if THIRD_PARTY.search(value):
            found.append(f"{attribute}={value}")
    found.extend(re.findall(r"<iframe\b[^>]*>", html, re.IGNORECASE))
    return found


@pytest.fixture
def page_with_testimonials(db):
    _home, index = make_site()
    vimeo = make_testimonial(1, "https://vimeo.com/123456789", poster=make_image(1))
    youtube = make_testimonial(2, "https://youtu.be/M4sTeRy2027")
    page = add_programme(
        index,
        "Embedding",
        body=[
            {"type": "testimonial", "value": vimeo.pk},
            {"type": "testimonial", "value": youtube.pk},
        ],
    )
    return page, vimeo, youtube


def test_facade_loads_nothing_from_the_provider_before_the_click(client, page_with_testimonials):
    page, _vimeo, _youtube = page_with_testimonials
    html = client.get(page.url).content.decode()

    assert third_party_references(html) == []
    assert "<iframe" not in html
    # The player addresses are there, but only as data for the script to use on click.
    assert 'data-embed-url="https://player.vimeo.com/video/123456789?dnt=1&amp;autoplay=1"' in html
    assert (
        'data-embed-url="https://www.youtube-nocookie.com/embed/M4sTeRy2027?autoplay=1&amp;rel=0"'
        in html
    )
    # A real button names the video; the transcript is on the page and linked.
    assert '<button type="button" class="testimonial__play" data-testimonial-play>' in html
    assert "Play video: Testimonial 1</button>" in html
    for block in page.body:
        assert (
            f'<a href="#transcript-{block.id}" data-transcript-link>Read the transcript</a>' in html
        )
        assert f'<details class="testimonial__transcript" id="transcript-{block.id}">' in html
    assert "Everything said in video 1." in html
    # The poster is our own rendition, served from our media, with empty alt (decorative).
    poster = re.search(r'<img [^>]*class="testimonial__poster"[^>]*>', html).group(0)
    assert 'src="/media/images/' in poster
    assert 'alt=""' in poster
    # Without a poster, a plain styled panel stands in.
    assert '<div class="testimonial__placeholder"></div>' in html
    assert '<script src="/static/programmes/js/testimonial.js" defer></script>' in html


def test_the_same_testimonial_appears_on_several_pages(client, page_with_testimonials):
    page, vimeo, _youtube = page_with_testimonials
    other = add_programme(
        page.get_parent().specific,
        "Sustaining",
        body=[{"type": "testimonial", "value": vimeo.pk}],
    )
    for shown_on in (page, other):
        assert "Play video: Testimonial 1" in client.get(shown_on.url).content.decode()


def test_a_page_with_a_testimonial_renders_with_the_network_unavailable(
    client, page_with_testimonials, monkeypatch
):
    """No oEmbed lookup or other call leaves the server while a testimonial renders."""
    page, _vimeo, _youtube = page_with_testimonials

    def refuse(self, address):
        raise AssertionError(f"network call attempted to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)

    response = client.get(page.url)
    assert response.status_code == 200
    assert "Play video: Testimonial 2" in response.content.decode()


def test_editors_may_manage_and_choose_testimonials(db):
    editor = get_user_model().objects.create_user(username="ed", password="x" * 12)
    from django.contrib.auth.models import Group

    editor.groups.add(Group.objects.get(name="Editors"))
    for action in ("add", "change", "delete", "view"):
        assert editor.has_perm(f"programmes.{action}_videotestimonial")


def test_speaker_line_leaves_out_missing_parts(db):
    testimonial = VideoTestimonial(speaker="Ana Patel", speaker_role="", school="Brookfield")
    assert testimonial.speaker_line == "Ana Patel, Brookfield"
