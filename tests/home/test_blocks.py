"""Shared StreamField blocks: admin metadata, rendering, and validation."""

from wagtail.blocks import StreamBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError

import pytest

from home.blocks import CallToActionBlock, ContentStreamBlock, FaqBlock, ImageBlock, KeyFactsBlock
from programmes.models import ProgrammeStreamBlock
from tests.programmes.factories import make_image


def all_child_blocks():
    blocks = {**ContentStreamBlock().child_blocks, **ProgrammeStreamBlock().child_blocks}
    return sorted(blocks.items())


@pytest.mark.parametrize(("name", "block"), all_child_blocks())
def test_every_block_has_an_icon_a_template_help_and_a_preview(db, name, block):
    assert block.meta.icon and block.meta.icon != "placeholder", name
    assert block.meta.template, name
    assert block.meta.help_text, name
    assert block.get_preview_value() is not None or name == "testimonial", name


def test_programme_body_offers_the_shared_blocks_and_testimonials():
    names = set(ProgrammeStreamBlock().child_blocks)
    assert names == {
        "heading",
        "text",
        "image",
        "quote",
        "call_to_action",
        "faq",
        "key_facts",
        "testimonial",
    }
    # One definition each: the programme body reuses the shared block classes.
    shared = ContentStreamBlock().child_blocks
    for name, block in shared.items():
        assert type(ProgrammeStreamBlock().child_blocks[name]) is type(block)


def test_editors_pick_blocks_by_plain_labels():
    labels = {name: block.label for name, block in ContentStreamBlock().child_blocks.items()}
    assert labels["faq"] == "FAQ"  # not Wagtail's "Faq" from the block's name
    assert labels["call_to_action"] == "Call to action"


def test_faq_renders_as_details_and_summary():
    block = FaqBlock()
    value = block.to_python(
        {"heading": "Questions", "items": [{"question": "Is it free?", "answer": "<p>Yes.</p>"}]}
    )
    html = block.render(value)
    assert '<details class="block-faq__item">' in html
    assert "<summary>Is it free?</summary>" in html
    assert "<p>Yes.</p>" in html


def test_key_facts_render_as_a_description_list():
    block = KeyFactsBlock()
    html = block.render(block.to_python({"facts": [{"label": "Cost", "value": "Free"}]}))
    assert '<div class="key-facts__item"><dt>Cost</dt><dd>Free</dd></div>' in html


def test_image_uses_the_editors_alt_text_and_caption(db):
    block = ImageBlock()
    image = make_image()
    value = block.to_python(
        {"image": image.pk, "alt_text": "Pupils with counters", "caption": "Year 1"}
    )
    html = block.render(value)
    assert 'alt="Pupils with counters"' in html
    assert "<figcaption>Year 1</figcaption>" in html


def test_image_alt_text_is_required(db):
    block = ImageBlock()
    image = make_image()
    with pytest.raises(StructBlockValidationError) as caught:
        block.clean(block.to_python({"image": image.pk, "alt_text": "", "caption": ""}))
    assert "alt_text" in caught.value.block_errors


@pytest.mark.parametrize(
    "value",
    [
        {"heading": "Go", "link_text": "Go", "link_page": None, "link_url": ""},
        {"heading": "Go", "link_text": "Go", "link_page": 1, "link_url": "https://example.com/"},
    ],
)
def test_call_to_action_needs_exactly_one_destination(db, value):
    from wagtail.models import Page

    block = CallToActionBlock()
    if value["link_page"]:
        value = {**value, "link_page": Page.objects.first().pk}
    with pytest.raises(StructBlockValidationError) as caught:
        block.clean(block.to_python(value))
    assert "one of the two" in str(caught.value.block_errors["link_page"])


def test_stream_rejects_an_image_without_alt_text(db):
    stream = ContentStreamBlock()
    value = stream.to_python(
        [{"type": "image", "value": {"image": make_image().pk, "alt_text": "", "caption": ""}}]
    )
    with pytest.raises(StreamBlockValidationError):
        stream.clean(value)
