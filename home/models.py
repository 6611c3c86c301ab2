from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.html import strip_tags
from django.utils.text import Truncator

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageViewRestriction, Site
from wagtail.search import index

from cms.pagecache import cached_for_content
from home.blocks import (
    CONTENT_IMAGE_FILTER,
    ContentStreamBlock,
    images_in_stream,
    prefetch_renditions,
)


class SitePageMixin:
    """What every public page type of this site shares: SEO text and cheap serving.

    * ``meta_description``: editors fill "Search description" on the Promote tab
      when they want to; when they do not, search engines and link previews get the
      page's own summary (``listing_summary``) instead of nothing.
    * ``route``: pages on the way to the requested one are loaded as deferred
      specific instances (no query), only the requested page in full; a child found
      by its slug is kept in the cache until content changes (``cms.pagecache``),
      so the walk down the tree costs no query on the next request.
    * ``get_view_restrictions``: one query instead of two, evaluated once per page
      instance, because Wagtail's privacy check and the page cache both ask.
    """

    listing_summary = ""

    @property
    def meta_description(self) -> str:
        text = self.search_description or strip_tags(self.listing_summary or "")
        return Truncator(" ".join(text.split())).chars(300)

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        slug = path_components[0]
        subpage = cached_for_content(
            f"child:{self.path}:{slug}", lambda: self.get_children().filter(slug=slug).first()
        )
        if subpage is None:
            raise Http404
        subpage._cached_parent_obj = self
        remaining = path_components[1:]
        # A page we only pass through needs just its path; the target needs every field.
        if remaining:
            target = subpage.specific_deferred
        else:
            target = cached_for_content(f"page:{subpage.pk}", lambda: subpage.specific)
        return target.route(request, remaining)

    def get_view_restrictions(self):
        """The view restrictions on this page and its ancestors (or their alias sources).

        :returns: an evaluated queryset, so ``.exists()`` and iteration reuse one query.
        """
        cached = getattr(self, "_view_restrictions", None)
        if cached is None:
            step = self.steplen
            paths = [self.path[:end] for end in range(step, len(self.path) + 1, step)]
            cached = PageViewRestriction.objects.filter(
                Q(page__path__in=paths) | Q(page__aliases__path__in=paths)
            ).distinct()
            list(cached)
            self._view_restrictions = cached
        return cached


def prefetch_stream(stream_value, filter_specs=(CONTENT_IMAGE_FILTER,)) -> None:
    """Convert a StreamField's blocks in bulk and load its images' renditions at once.

    Called from ``get_context`` so that rendering thirty blocks costs the same
    queries as three: one per chooser type, plus one for all renditions.
    """
    prefetch_renditions(images_in_stream(stream_value), *filter_specs)


class HomePage(SitePageMixin, Page):
    """The site's root page: what the hub offers and where to start."""

    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        help_text="A short welcome under the page title: who the hub is and what it offers.",
    )
    body = StreamField(
        ContentStreamBlock(),
        blank=True,
        help_text="What the hub offers: sections, pictures, quotes, key facts and a call to action.",
    )
    featured_heading = models.CharField(
        max_length=120,
        default="Our programmes",
        help_text="The heading above the featured programmes.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("featured_heading"),
                InlinePanel("featured_pages", label="Featured page", max_num=8),
            ],
            heading="Featured programmes",
        ),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "programmes.ProgrammeIndexPage",
        "home.StandardPage",
        "home.SearchPage",
        "workflows.PrivacyNoticePage",
    ]
    max_count = 1

    class Meta:
        verbose_name = "home page"

    @property
    def listing_summary(self) -> str:
        return self.intro

    def get_featured(self):
        """The featured pages that are live and public, in the editor's order, in one query."""
        return list(
            self.featured_pages.select_related("page").filter(
                page__live=True, page__view_restrictions__isnull=True
            )
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["featured"] = self.get_featured()
        prefetch_stream(self.body)
        return context


class HomePageFeaturedPage(Orderable):
    """A page shown as a card on the home page, usually a programme."""

    home_page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_pages")
    page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The page to feature, usually a programme.",
    )
    summary = models.TextField(
        blank=True,
        help_text="One or two sentences under the title; leave blank to use the page's search description.",
    )

    panels = [
        PageChooserPanel("page", ["programmes.ProgrammePage", "home.StandardPage"]),
        FieldPanel("summary"),
    ]

    @property
    def text(self) -> str:
        return self.summary or self.page.search_description


class StandardPage(SitePageMixin, Page):
    """An ordinary content page: accessibility statement, privacy notice, about us."""

    intro = models.TextField(
        blank=True,
        help_text="One or two sentences shown under the title and used in listings.",
    )
    body = RichTextField(
        blank=True,
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul", "document-link"],
        help_text="The main text of the page.",
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = ["home.StandardPage"]

    class Meta:
        verbose_name = "standard page"

    @property
    def listing_summary(self) -> str:
        return self.intro


class SearchPage(SitePageMixin, Page):
    """The site search: a labelled form and a paginated list of matching pages.

    A page (not a bare URL) so editors can title it, link it from the navigation and
    the sitemap, and so it gets the site's header and footer like any other page.
    """

    intro = models.TextField(
        blank=True, help_text="A sentence shown above the search box, such as what can be found."
    )
    results_per_page = models.PositiveSmallIntegerField(
        default=10, help_text="How many results to show on each page of results."
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("results_per_page")]

    parent_page_types = ["home.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    class Meta:
        verbose_name = "search page"

    @property
    def listing_summary(self) -> str:
        return self.intro

    def get_context(self, request, *args, **kwargs):
        """Add ``query`` and ``results`` (a page of live, public pages matching it)."""
        from django.core.paginator import Paginator

        context = super().get_context(request, *args, **kwargs)
        # Without NULs, which no database's SQL takes, and double quotes, which the
        # SQLite full-text backend passes on unescaped (wagtail/wagtail#13227: a lone
        # '"' was a server error). A plain-text search gives quotes no meaning anyway.
        query = request.GET.get("q", "").replace("\x00", "").replace('"', " ").strip()[:200]
        results = None
        if query:
            matches = Page.objects.live().public().exclude(pk=self.pk).specific().search(query)
            paginator = Paginator(matches, max(self.results_per_page, 1))
            results = paginator.get_page(request.GET.get("page"))
        context.update(query=query, results=results)
        return context


@register_setting(icon="list-ul")
class NavigationSettings(ClusterableModel, BaseSiteSetting):
    """The site's main navigation and footer, edited under Settings by editors."""

    footer_text = models.TextField(
        blank=True,
        help_text="A line of text in the footer, such as who runs the hub.",
    )

    panels = [
        InlinePanel(
            "links",
            label="Link",
            heading="Links",
            help_text="Links in the main navigation (keep it to five or fewer) and in the footer, in order.",
        ),
        FieldPanel("footer_text"),
    ]

    class Meta:
        verbose_name = "navigation and footer"

    @classmethod
    def links_for_request(cls, request) -> dict:
        """Both link lists and the footer text for the request's site, in one query.

        :returns: ``{"primary": [(text, url), ...], "footer": [...], "text": str}``;
            links to pages that are unpublished are left out.
        """
        site = Site.find_for_request(request)
        result = {"primary": [], "footer": [], "text": ""}
        if site is None:
            return result
        links = list(
            SiteLink.objects.filter(settings__site=site).select_related("page", "settings")
        )
        for link in links:
            result["text"] = link.settings.footer_text
            if link.page is not None:
                if not link.page.live:
                    continue
                result[link.placement].append(
                    (link.text or link.page.title, link.page.get_url(request))
                )
            elif link.url:
                result[link.placement].append((link.text or link.url, link.url))
        if not links:
            settings = cls.objects.filter(site=site).first()
            result["text"] = settings.footer_text if settings else ""
        return result


class SiteLink(Orderable):
    """One link of the main navigation or the footer: a page here or a web address."""

    PRIMARY = "primary"
    FOOTER = "footer"

    settings = ParentalKey(NavigationSettings, on_delete=models.CASCADE, related_name="links")
    placement = models.CharField(
        max_length=10,
        choices=[(PRIMARY, "Main navigation"), (FOOTER, "Footer")],
        default=PRIMARY,
        help_text="Where the link appears: across the top of every page, or in the footer.",
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="A page on this site (or give a web address below).",
    )
    url = models.URLField(
        "web address", blank=True, help_text="A web address, when the link is not a page here."
    )
    text = models.CharField(
        max_length=60,
        blank=True,
        help_text="The words of the link; leave blank to use the page's title.",
    )

    panels = [
        FieldPanel("placement"),
        FieldPanel("page"),
        FieldPanel("url"),
        FieldPanel("text"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "link"

    def clean(self):
        super().clean()
        if bool(self.page_id) == bool(self.url):
            raise ValidationError({"page": "Choose a page or give a web address: one of the two."})
        if self.url and not self.text:
            raise ValidationError({"text": "Give the words of a link to a web address."})
