from django.db import models

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The site's root page: what the hub offers and where to start."""

    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        help_text="A short welcome under the page title: who the hub is and what it offers.",
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["programmes.ProgrammeIndexPage", "home.StandardPage"]
    max_count = 1

    class Meta:
        verbose_name = "home page"


class StandardPage(Page):
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

    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = ["home.StandardPage"]

    class Meta:
        verbose_name = "standard page"
