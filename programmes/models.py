from django.core.exceptions import ValidationError
from django.db import models

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class ProgrammeIndexPage(Page):
    """The "Primary Teaching for Mastery" page: the programmes in journey order."""

    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        help_text="Introduces teaching for mastery and the staged journey through the programmes.",
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["programmes.ProgrammePage"]

    class Meta:
        verbose_name = "programme index page"

    def get_context(self, request, *args, **kwargs):
        """Add the live programme pages in journey order as ``programmes``."""
        context = super().get_context(request, *args, **kwargs)
        context["programmes"] = (
            ProgrammePage.objects.child_of(self).live().public().order_by("stage_order", "title")
        )
        return context


class ProgrammePage(Page):
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

    content_panels = [
        *Page.content_panels,
        FieldPanel("stage_order"),
        FieldPanel("summary"),
        FieldPanel("who_for"),
        FieldPanel("comes_after"),
        MultiFieldPanel(
            [
                FieldPanel("group_size_min"),
                FieldPanel("group_size_max"),
                FieldPanel("teachers_per_school"),
                FieldPanel("once_per_school"),
            ],
            heading="Work Groups",
        ),
    ]

    parent_page_types = ["programmes.ProgrammeIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "programme page"

    def clean(self):
        super().clean()
        if self.group_size_min > self.group_size_max:
            raise ValidationError(
                {"group_size_max": "The largest group size must be at least the smallest."}
            )
