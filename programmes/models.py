from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.functional import cached_property

from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index
from wagtail.snippets.blocks import SnippetChooserBlock

from cms.pagecache import cached_for_content
from home.blocks import CONTENT_IMAGE_FILTER, ContentStreamBlock
from home.models import SitePageMixin, prefetch_stream
from programmes.journey import Journey, build_journey
from programmes.video import parse_video_url, validate_video_url

POSTER_FILTER = "fill-960x540"
ACADEMIC_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


class VideoTestimonial(index.Indexed, models.Model):
    """A teacher or leader talking about a programme, shown behind a click-to-play facade.

    A snippet, not a block value, so one testimonial (and its transcript) is written
    once and chosen into as many pages as need it.
    """

    title = models.CharField(
        max_length=120,
        help_text="What the video is about, for example 'The impact on pupils'. "
        "The play button reads 'Play video: <title>'.",
    )
    video_url = models.URLField(
        "video address",
        validators=[validate_video_url],
        help_text="The address of the video on Vimeo or YouTube, for example "
        "https://vimeo.com/123456789. Other sites are refused.",
    )
    speaker = models.CharField(max_length=120, help_text="The name of the person speaking.")
    speaker_role = models.CharField(
        "role",
        max_length=120,
        blank=True,
        help_text="Their role, for example 'Maths lead' or 'Headteacher'.",
    )
    school = models.CharField(
        max_length=160, blank=True, help_text="The school they work at, if they agree to say."
    )
    transcript = models.TextField(
        help_text="Everything said in the video, for visitors who cannot hear or play it. "
        "Leave a blank line between paragraphs.",
    )
    poster = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional still picture shown before the video plays; "
        "without one a plain panel is shown.",
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("video_url"),
        FieldRowPanel([FieldPanel("speaker"), FieldPanel("speaker_role"), FieldPanel("school")]),
        FieldPanel("transcript"),
        FieldPanel("poster"),
    ]
    search_fields = [
        index.SearchField("title"),
        index.SearchField("speaker"),
        index.AutocompleteField("title"),
        index.FilterField("id"),
    ]

    class Meta:
        verbose_name = "video testimonial"
        ordering = ["title"]

    def __str__(self):
        return self.title

    @property
    def embed_url(self) -> str:
        """The privacy-enhanced player address the play button loads.

        :returns: ``https://player.vimeo.com/video/<id>?dnt=1...`` or
            ``https://www.youtube-nocookie.com/embed/<id>...``; empty for an address
            saved before validation existed and no longer recognised.
        """
        try:
            return parse_video_url(self.video_url).embed_url
        except ValidationError:
            return ""

    @property
    def speaker_line(self) -> str:
        """Speaker, role and school as one line: 'Ana Patel, Maths lead, Brookfield Primary'."""
        return ", ".join(part for part in (self.speaker, self.speaker_role, self.school) if part)


class VideoTestimonialBlock(SnippetChooserBlock):
    """Chooses a video testimonial; all of a page's testimonials load in one query.

    ``bulk_to_python`` runs once for every testimonial block in a StreamField and
    joins the posters in, so a page with thirty testimonials costs one query for
    them; the posters' renditions load with the page's other images.
    """

    def __init__(self, **kwargs):
        super().__init__("programmes.VideoTestimonial", **kwargs)

    def bulk_to_python(self, values):
        values = list(values)
        wanted = [value for value in values if value is not None]
        if not wanted:
            return [None] * len(values)
        found = VideoTestimonial.objects.select_related("poster").in_bulk(wanted)
        return [found.get(value) for value in values]

    def images_in(self, value) -> list:
        """The poster, so the page loads its rendition with the other images' (see ``prefetch_stream``)."""
        return [value.poster if value is not None else None]

    def deconstruct(self):
        # The target model is fixed by the class: record no positional argument.
        path, _args, kwargs = super().deconstruct()
        return path, (), kwargs

    class Meta:
        icon = "media"
        template = "programmes/blocks/video_testimonial.html"
        help_text = (
            "A video testimonial: the page shows a play button and the transcript; "
            "nothing loads from Vimeo or YouTube until the visitor presses play."
        )
        preview_value = None
        preview_description = "A teacher's video, played only when the visitor asks."

    def get_preview_value(self):
        """Preview with the first testimonial there is, so editors see the real facade."""
        return VideoTestimonial.objects.first()


class ProgrammeStreamBlock(ContentStreamBlock):
    """The body of a programme page: the shared blocks plus video testimonials."""

    testimonial = VideoTestimonialBlock()


class ProgrammeIndexPage(SitePageMixin, Page):
    """The "Primary Teaching for Mastery" page: the programmes in journey order."""

    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        help_text="Introduces teaching for mastery and the staged journey through the programmes.",
    )
    journey_intro = models.TextField(
        blank=True,
        help_text="A sentence or two shown above 'A school's journey towards mastery'.",
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("journey_intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["programmes.ProgrammePage"]

    class Meta:
        verbose_name = "programme index page"

    @property
    def listing_summary(self) -> str:
        return self.journey_intro

    def get_programmes(self):
        """The live, public programme pages under this index, in journey order, in one query."""
        return [page for page in live_programmes_under(self) if not page.restricted]

    def route(self, request, path_components):
        """Serve a programme page with the sibling stages its journey needs, in one query.

        Instead of finding the child by slug and then its siblings, load all live
        stages under this index, kept in the cache until content changes, and hand
        the others to the page. A slug that is not among them (a draft, a typo)
        goes to Wagtail's own routing, which decides what it answers.
        """
        if len(path_components) != 1:
            return super().route(request, path_components)
        slug = path_components[0]
        pages = live_programmes_under(self)
        page = next((page for page in pages if page.slug == slug), None)
        if page is None:
            return super().route(request, path_components)
        page._cached_parent_obj = self
        page.journey_pages = [other for other in pages if other.live and not other.restricted]
        return page.route(request, [])

    def get_context(self, request, *args, **kwargs):
        """Add ``programmes`` (journey order) and ``journey`` (the staged path)."""
        context = super().get_context(request, *args, **kwargs)
        programmes = self.get_programmes()
        context["programmes"] = programmes
        context["journey"] = build_journey(programmes)
        return context


class ProgrammePage(SitePageMixin, Page):
    """One stage of the journey towards mastery, such as Development Work Groups."""

    stage_order = models.PositiveSmallIntegerField(
        default=1,
        help_text="Position of this stage in the journey: 1 comes first.",
    )
    summary = models.TextField(
        blank=True,
        help_text="One or two sentences on what this programme is, shown in listings.",
    )
    who_for = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ul"],
        verbose_name="who it is for",
        help_text="Which schools this programme suits and what they need to have done before.",
    )
    comes_after = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_stages",
        help_text="The stage a school usually completes before this one; leave blank for an entry point.",
    )
    in_journey = models.BooleanField(
        "part of a school's journey",
        default=True,
        help_text="Untick for programmes that are not a stage a school takes part in "
        "(such as training Mastery Specialists); they are then left out of the journey.",
    )
    optional_first_step = models.BooleanField(
        default=False,
        help_text="Tick for an optional stage some schools take before the first main stage "
        "(as with Mastery Readiness); the journey offers it as a choice at the start.",
    )

    group_size_min = models.PositiveSmallIntegerField(
        default=6,
        help_text="Fewest schools in one Work Group of this programme.",
    )
    group_size_max = models.PositiveSmallIntegerField(
        default=7,
        help_text="Most schools in one Work Group; new groups take this as their capacity.",
    )
    teachers_per_school = models.PositiveSmallIntegerField(
        default=2,
        help_text="How many teachers from each school take part.",
    )
    once_per_school = models.BooleanField(
        default=False,
        help_text="Tick when a school may take part only once (as with Development Work Groups).",
    )

    length = models.CharField(
        max_length=120,
        blank=True,
        help_text="How long the programme runs, for example 'One academic year'.",
    )
    meetings = models.CharField(
        "number of meetings",
        max_length=160,
        blank=True,
        help_text="How often participants meet, for example 'Six half-day meetings'.",
    )
    visits = models.CharField(
        "support visits",
        max_length=160,
        blank=True,
        help_text="Visits a specialist makes to each school, for example 'One visit each term'.",
    )
    cost = models.CharField(
        "cost or funding",
        max_length=160,
        blank=True,
        help_text="What it costs a school, for example 'Fully funded; no cost to schools'.",
    )

    academic_year = models.CharField(
        max_length=7,
        blank=True,
        help_text="The academic year schools apply for, written like 2027/28.",
    )
    application_opens = models.DateField(
        null=True,
        blank=True,
        help_text="The first day applications are accepted.",
    )
    application_closes = models.DateField(
        null=True,
        blank=True,
        help_text="The last day applications are accepted (applications close at the end of this day).",
    )
    how_to_apply = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ol", "ul"],
        help_text="What a school needs before applying and what happens after, shown beside the apply button.",
    )

    body = StreamField(
        ProgrammeStreamBlock(),
        blank=True,
        help_text="The rest of the page: sections, pictures, quotes, questions and video testimonials.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("who_for"),
        MultiFieldPanel(
            [
                FieldPanel("stage_order"),
                FieldPanel("comes_after"),
                FieldPanel("in_journey"),
                FieldPanel("optional_first_step"),
            ],
            heading="Place in the journey",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("group_size_min"), FieldPanel("group_size_max")]),
                FieldPanel("teachers_per_school"),
                FieldPanel("once_per_school"),
                FieldPanel("length"),
                FieldPanel("meetings"),
                FieldPanel("visits"),
                FieldPanel("cost"),
            ],
            heading="Key facts",
        ),
        MultiFieldPanel(
            [
                FieldPanel("academic_year"),
                FieldRowPanel([FieldPanel("application_opens"), FieldPanel("application_closes")]),
                FieldPanel("how_to_apply"),
            ],
            heading="Applications",
        ),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("who_for"),
        index.SearchField("body"),
    ]

    parent_page_types = ["programmes.ProgrammeIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "programme page"

    @property
    def listing_summary(self) -> str:
        return self.summary

    def clean(self):
        super().clean()
        errors = {}
        if self.group_size_min > self.group_size_max:
            errors["group_size_max"] = "The largest group size must be at least the smallest."
        if self.academic_year:
            match = ACADEMIC_YEAR.match(self.academic_year)
            if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
                errors["academic_year"] = (
                    "Write the academic year as two consecutive years, like 2027/28."
                )
        if (
            self.application_opens
            and self.application_closes
            and self.application_closes < self.application_opens
        ):
            errors["application_closes"] = "Applications must close on or after the day they open."
        if self.comes_after_id and self.comes_after_id == self.pk:
            errors["comes_after"] = "A stage cannot come after itself."
        if errors:
            raise ValidationError(errors)

    # Application window -------------------------------------------------------------

    OPEN = "open"
    OPENING = "opening"
    CLOSED = "closed"

    def application_status(self, today: datetime.date | None = None) -> str:
        """Whether applications are accepted on ``today`` (the local date in the hub's zone).

        :returns: ``"open"`` from the opening day to the closing day inclusive,
            ``"opening"`` before the opening day, ``"closed"`` otherwise (including when
            no window is set).
        """
        today = today or timezone.localdate()
        opens, closes = self.application_opens, self.application_closes
        if opens is None and closes is None:
            return self.CLOSED
        if opens is not None and today < opens:
            return self.OPENING
        if closes is not None and today > closes:
            return self.CLOSED
        return self.OPEN

    def application_status_text(self, today: datetime.date | None = None) -> str:
        """The status as a visitor reads it: 'Open until 15 July 2027', 'Opening on ...', 'Closed'."""
        status = self.application_status(today)
        if status == self.OPENING:
            return f"Opening on {format_date(self.application_opens, 'j F Y')}"
        if status == self.OPEN:
            if self.application_closes:
                return f"Open until {format_date(self.application_closes, 'j F Y')}"
            return "Open"
        return "Closed"

    @cached_property
    def applications_open(self) -> bool:
        return self.application_status() == self.OPEN

    @cached_property
    def status(self) -> str:
        """``application_status()`` for today, cached for the template."""
        return self.application_status()

    @cached_property
    def status_text(self) -> str:
        return self.application_status_text()

    @property
    def group_size_text(self) -> str:
        if self.group_size_min == self.group_size_max:
            return f"{self.group_size_max} schools"
        return f"{self.group_size_min} to {self.group_size_max} schools"

    # Rendering ---------------------------------------------------------------------

    journey_pages = None  # set by ProgrammeIndexPage.route, saving a query

    def get_journey(self) -> Journey:
        """The journey among this page's sibling stages, in at most one query."""
        siblings = self.journey_pages
        if siblings is None:
            parent_path = self.path[: -self.steplen]
            siblings = [
                page
                for page in programmes_under_path(parent_path, self.depth, Q(live=True))
                if not page.restricted
            ]
        return build_journey(siblings, current=self)

    def get_context(self, request, *args, **kwargs):
        """Add ``journey`` ("where this fits") and load the body's blocks in bulk.

        Each block type converts in one ``bulk_to_python`` call and every image's
        rendition loads in one more query, so thirty blocks cost what three do.
        """
        context = super().get_context(request, *args, **kwargs)
        context["journey"] = self.get_journey()
        prefetch_stream(self.body, (CONTENT_IMAGE_FILTER, POSTER_FILTER))
        return context


def programmes_under_path(parent_path: str, depth: int, condition=None) -> list:
    """Programme pages that are children of the page at ``parent_path``, in journey order.

    Each is annotated with ``restricted`` (it has a view restriction of its own),
    so callers can leave private stages out without a query per page.
    """
    queryset = ProgrammePage.objects.filter(path__startswith=parent_path, depth=depth).annotate(
        restricted=Exists(PageViewRestriction.objects.filter(page_id=OuterRef("pk")))
    )
    if condition is not None:
        queryset = queryset.filter(condition)
    return list(queryset.order_by("stage_order", "title"))


def programmes_under(index: Page, condition=None) -> list:
    return programmes_under_path(index.path, index.depth + 1, condition)


def live_programmes_under(index: Page) -> list:
    """The live programme pages under ``index``, kept in the cache until content changes."""
    return cached_for_content(
        f"programmes:{index.path}", lambda: programmes_under(index, Q(live=True))
    )
