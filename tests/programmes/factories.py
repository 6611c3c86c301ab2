"""Builders for programme tests: a site with an index, programme pages, testimonials, images."""

import json

from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page, Site

from home.models import HomePage
from programmes.models import ProgrammeIndexPage, ProgrammePage, VideoTestimonial


def make_site() -> tuple[HomePage, ProgrammeIndexPage]:
    """A home page serving the default site, with a programme index under it."""
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Home", slug="test-home"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "Hub"},
    )
    index = home.add_child(instance=ProgrammeIndexPage(title="Programmes", slug="programmes"))
    return home, index


def add_programme(index, title, **fields) -> ProgrammePage:
    body = fields.pop("body", None)
    page = ProgrammePage(
        title=title, slug=fields.pop("slug", title.lower().replace(" ", "-")), **fields
    )
    if body is not None:
        page.body = json.dumps(body)
    return index.add_child(instance=page)


def make_testimonial(number=1, url="https://vimeo.com/123456789", poster=None) -> VideoTestimonial:
    return VideoTestimonial.objects.create(
        title=f"Testimonial {number}",
        video_url=url,
        speaker=f"Speaker {number}",
        speaker_role="Maths lead",
        school="Brookfield Primary",
        transcript=f"Everything said in video {number}.",
        poster=poster,
    )


def make_image(number=1):
    return get_image_model().objects.create(
        title=f"Image {number}", file=get_test_image_file(filename=f"image{number}.png")
    )


BLOCK_TYPES = [
    "image",
    "testimonial",
    "call_to_action",
    "heading",
    "text",
    "quote",
    "faq",
    "key_facts",
]


def block(kind: str, number: int, pages: list) -> dict:
    """One raw block of ``kind``; chooser blocks each point at a different object."""
    if kind == "image":
        return {
            "type": "image",
            "value": {
                "image": make_image(number).pk,
                "alt_text": f"Picture {number}",
                "caption": "A caption",
            },
        }
    if kind == "testimonial":
        return {
            "type": "testimonial",
            "value": make_testimonial(number, poster=make_image(1000 + number)).pk,
        }
    if kind == "call_to_action":
        return {
            "type": "call_to_action",
            "value": {
                "heading": "Next",
                "text": "",
                "link_page": pages[number % len(pages)].pk,
                "link_url": "",
                "link_text": "Go",
            },
        }
    if kind == "heading":
        return {"type": "heading", "value": {"text": f"Heading {number}", "level": "h2"}}
    if kind == "text":
        return {"type": "text", "value": f"<p>Paragraph {number}</p>"}
    if kind == "quote":
        return {"type": "quote", "value": {"quote": "Words", "attribution": "Someone"}}
    if kind == "faq":
        return {
            "type": "faq",
            "value": {"heading": "", "items": [{"question": "Q?", "answer": "<p>A.</p>"}]},
        }
    return {
        "type": "key_facts",
        "value": {"heading": "", "facts": [{"label": "Cost", "value": "None"}]},
    }


def make_body(count: int, pages: list, kinds=BLOCK_TYPES) -> list:
    """``count`` raw blocks cycling through ``kinds``; every chooser picks a new object."""
    return [block(kinds[i % len(kinds)], i, pages) for i in range(count)]
