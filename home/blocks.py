"""StreamField blocks shared by every page type: one definition each, imported elsewhere.

Every block has an icon (the admin's block picker), a template (the public site
never falls back to Wagtail's bare ``render_basic``) and a ``preview_value`` so
editors see a real example in the block picker's preview pane.
"""

from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList

from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.images.blocks import ImageChooserBlock

# The one rendition every content image uses; pages prefetch it in bulk.
CONTENT_IMAGE_FILTER = "max-960x720"

RICH_TEXT_FEATURES = ["h3", "bold", "italic", "link", "ol", "ul", "document-link"]


def images_in_stream(stream_value) -> list:
    """Every image a StreamField shows, gathered from blocks that say which they show.

    A block lists its images with an ``images_in(value)`` method; reading the stream
    converts each block type in bulk (one query per chooser type, not per block).
    """
    images = []
    for child in stream_value:
        images_in = getattr(child.block, "images_in", None)
        if images_in is not None:
            images.extend(image for image in images_in(child.value) if image is not None)
    return images


def prefetch_renditions(images, *filter_specs) -> None:
    """Load the given renditions of all ``images`` in one query.

    Wagtail's ``prefetch_renditions()`` works on one image queryset; a page's images
    come from several (content images, testimonial posters), so we attach the
    renditions ourselves where Wagtail looks for prefetched ones
    (``image.prefetched_renditions``). Images without a rendition yet get an empty
    list, and Wagtail creates the rendition on first use as usual.
    """
    images = [image for image in images if image is not None]
    if not images:
        return
    Rendition = images[0].get_rendition_model()
    found: dict = {}
    for rendition in Rendition.objects.filter(
        image_id__in={image.pk for image in images}, filter_spec__in=filter_specs
    ):
        found.setdefault(rendition.image_id, []).append(rendition)
    for image in images:
        renditions = found.get(image.pk, [])
        for rendition in renditions:
            rendition.image = image  # sets the cached relation: no query for rendition.alt
        image.prefetched_renditions = list(renditions)


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120, help_text="The words of the heading.")
    level = blocks.ChoiceBlock(
        choices=[("h2", "Section heading (level 2)"), ("h3", "Sub-heading (level 3)")],
        default="h2",
        help_text="Level 2 starts a section; level 3 a part of the section above it.",
    )

    class Meta:
        icon = "title"
        template = "home/blocks/heading.html"
        help_text = (
            "A heading that starts a new section; keep headings in order, without skipping levels."
        )
        preview_value = {"text": "What happens in a Work Group", "level": "h2"}
        preview_description = "A section heading."


class ParagraphBlock(blocks.RichTextBlock):
    class Meta:
        icon = "pilcrow"
        template = "home/blocks/rich_text.html"
        help_text = "Paragraphs, lists and links."
        preview_value = (
            "<p>Teachers meet about six times a year to <b>plan</b>, <b>observe</b> a research "
            "lesson and <b>discuss</b> what they saw.</p>"
        )
        preview_description = "Paragraphs of formatted text."


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(help_text="The picture to show.")
    alt_text = blocks.CharBlock(
        max_length=250,
        help_text="Describe what the picture shows for people who cannot see it, "
        "for example: 'Two teachers sorting place-value counters with a Year 2 class'.",
    )
    caption = blocks.CharBlock(
        required=False,
        max_length=250,
        help_text="Optional words shown under the picture, such as a credit.",
    )

    class Meta:
        icon = "image"
        template = "home/blocks/image.html"
        help_text = "A picture with alternative text (required) and an optional caption."
        preview_value = {
            "image": None,
            "alt_text": "Pupils using counters to build numbers",
            "caption": "Concrete resources in a Year 1 lesson.",
        }
        preview_description = "A picture with alternative text and a caption."

    def images_in(self, value) -> list:
        return [value.get("image")]


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(help_text="The words quoted, without quotation marks.")
    attribution = blocks.CharBlock(
        required=False,
        max_length=200,
        help_text="Who said it, for example 'Maths lead, Brookfield Primary'.",
    )

    class Meta:
        icon = "openquote"
        template = "home/blocks/quote.html"
        help_text = "A quotation from a teacher, leader or pupil."
        preview_value = {
            "quote": "Our pupils now explain their thinking instead of guessing.",
            "attribution": "Year 4 teacher",
        }
        preview_description = "A quotation with who said it."


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        max_length=120, help_text="A short heading, such as 'Ready to start?'."
    )
    text = blocks.TextBlock(required=False, help_text="One or two sentences that lead to the link.")
    link_page = blocks.PageChooserBlock(
        required=False, help_text="A page on this site to link to (or give a web address below)."
    )
    link_url = blocks.URLBlock(
        required=False, help_text="A web address to link to when the link is not a page here."
    )
    link_text = blocks.CharBlock(
        max_length=80,
        help_text="The words of the link; say where it goes, for example 'Apply for Embedding'.",
    )

    class Meta:
        icon = "pick"
        template = "home/blocks/call_to_action.html"
        help_text = "A highlighted box that invites the reader to take the next step."
        preview_value = {
            "heading": "Ready to start?",
            "text": "Find out which programme suits your school.",
            "link_url": "https://example.com/",
            "link_text": "See the programmes",
        }
        preview_description = "A box with a heading and one link."

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("link_page")) == bool(value.get("link_url")):
            message = "Choose a page or give a web address: one of the two, not both."
            raise StructBlockValidationError(
                block_errors={"link_page": ErrorList([ValidationError(message)])}
            )
        return value


class FaqItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(
        max_length=200, help_text="The question, as a visitor would ask it."
    )
    answer = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ul", "ol"], help_text="The answer."
    )

    class Meta:
        icon = "help"
        label = "Question"


class FaqBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        required=False,
        max_length=120,
        help_text="Optional heading, such as 'Questions schools ask'.",
    )
    items = blocks.ListBlock(FaqItemBlock(), help_text="Each question opens to show its answer.")

    class Meta:
        icon = "help"
        label = "FAQ"
        template = "home/blocks/faq.html"
        help_text = "Questions and answers; each answer opens when the question is pressed."
        preview_value = {
            "heading": "Questions schools ask",
            "items": [
                {
                    "question": "Does it cost anything?",
                    "answer": "<p>No: the programme is funded nationally.</p>",
                },
                {
                    "question": "How much time out of class is it?",
                    "answer": "<p>About six half days a year for each teacher.</p>",
                },
            ],
        }
        preview_description = "Questions that open to show their answers."


class KeyFactBlock(blocks.StructBlock):
    label = blocks.CharBlock(max_length=60, help_text="What the fact is about, such as 'Length'.")
    value = blocks.CharBlock(
        max_length=160, help_text="The fact itself, such as 'One academic year'."
    )

    class Meta:
        icon = "list-ul"
        label = "Fact"


class KeyFactsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        required=False, max_length=120, help_text="Optional heading, such as 'At a glance'."
    )
    facts = blocks.ListBlock(KeyFactBlock(), help_text="Short label and value pairs.")

    class Meta:
        icon = "table"
        template = "home/blocks/key_facts.html"
        help_text = "A short list of facts laid out as label and value."
        preview_value = {
            "heading": "At a glance",
            "facts": [
                {"label": "Length", "value": "One academic year"},
                {"label": "Cost", "value": "Fully funded"},
            ],
        }
        preview_description = "Facts as label and value pairs."


class ContentStreamBlock(blocks.StreamBlock):
    """The body of ordinary pages: the shared blocks. Programme pages extend it."""

    heading = HeadingBlock()
    text = ParagraphBlock(features=RICH_TEXT_FEATURES)
    image = ImageBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    faq = FaqBlock()
    key_facts = KeyFactsBlock()
