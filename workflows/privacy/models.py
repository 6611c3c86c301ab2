"""Personal data: how long the hub keeps it, and the public notice that says so.

The retention periods are data (a Wagtail setting the hub lead edits), not code,
so the purge command (:mod:`workflows.privacy.purge`) and the public privacy
notice (:class:`PrivacyNoticePage`) read the same numbers and cannot disagree.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from home.models import SitePageMixin

# Twenty years is far beyond any sensible retention of these details; the cap
# stops a slip of the keyboard (1200 for 12) from keeping data for a century.
MONTHS_LIMITS = [MinValueValidator(1), MaxValueValidator(240)]


def describe_months(months: int) -> str:
    """Return a period as people say it: "1 month", "18 months", "36 months (3 years)"."""
    text = f"{months} month{'s' if months != 1 else ''}"
    if months >= 12 and months % 12 == 0:
        years = months // 12
        text += f" ({years} year{'s' if years != 1 else ''})"
    return text


def RetentionMonthsField(default: int, help_text: str):
    """A whole number of months (1 to 240) that personal details are kept for."""
    return models.PositiveSmallIntegerField(
        default=default, validators=MONTHS_LIMITS, help_text=help_text
    )


@register_setting(icon="lock", name="retention-policy")
class RetentionPolicy(BaseGenericSetting):
    """How long each kind of personal detail is kept before it is anonymised.

    One record for the whole hub (a generic setting, not per site), editable by
    whoever holds ``workflows.change_retentionpolicy``: hub leads (granted in
    migration ``0011_personal_data``) and superusers. Anonymised records keep
    their statuses, dates, school and programme, so reports still count them.
    """

    unsuccessful_application_months = RetentionMonthsField(
        12,
        "Months after the decision that a declined, withdrawn or closed application "
        "keeps the names, email addresses, TRNs and reasons it was sent with.",
    )
    undecided_application_months = RetentionMonthsField(
        12,
        "Months after the end of its academic year (31 August) that an application "
        "never decided (still submitted, under review, waitlisted, offered, or its "
        "offer lapsed) keeps "
        "its personal details.",
    )
    participation_months = RetentionMonthsField(
        36,
        "Months after a school's place ends (the date it left, or 31 August of the "
        "programme year) that its participants' names, emails and TRNs, and the "
        "accepted application's, are kept. Attendance stays, without names.",
    )
    support_record_months = RetentionMonthsField(
        72,
        "Months after the end of the academic year (31 August) that visit notes and "
        "action plans keep the people they name: who was met, action owners, "
        "progress notes and review comments. The plan itself stays.",
    )
    inactive_account_months = RetentionMonthsField(
        12,
        "Months after their last sign-in (or creation, if never used) that a "
        "deactivated login keeps its name and email address. Active logins are never "
        "touched; deactivate a login when its owner leaves.",
    )

    panels = [
        HelpPanel(
            content="<p>Records past these periods are anonymised by "
            "<code>manage.py purge_personal_data --apply</code>, which the hub runs "
            "regularly. The public privacy notice shows these numbers as they are here.</p>"
        ),
        MultiFieldPanel(
            [
                FieldPanel("unsuccessful_application_months"),
                FieldPanel("undecided_application_months"),
            ],
            heading="Applications",
        ),
        FieldPanel("participation_months"),
        FieldPanel("support_record_months"),
        FieldPanel("inactive_account_months"),
    ]

    class Meta:
        verbose_name = "personal data retention"

    def __str__(self) -> str:
        return "Personal data retention policy"

    def periods(self) -> list[tuple[str, str, int]]:
        """Return ``(what is kept, counted from, months)`` rows, for the notice and the purge."""
        return [
            (
                "Names, email addresses, TRNs and reasons in declined, withdrawn or closed applications",
                "the decision",
                self.unsuccessful_application_months,
            ),
            (
                "Personal details in applications never decided",
                "the end of the application's academic year",
                self.undecided_application_months,
            ),
            (
                "Names, email addresses and TRNs of participants and of accepted applications",
                "the end of the school's place in its Work Group",
                self.participation_months,
            ),
            (
                "Messages sent to a Work Group: their subject, text and who received them",
                "the day the message was sent",
                self.participation_months,
            ),
            (
                "People named in visit notes and action plans (owners, progress notes, reviews, evidence)",
                "the end of the academic year",
                self.support_record_months,
            ),
            (
                "Names and email addresses of deactivated logins",
                "the last sign-in",
                self.inactive_account_months,
            ),
        ]


class AnonymisedAccount(models.Model):
    """A login whose personal details the purge removed, and when.

    The user model belongs to ``cms.users``, which must not know about this app,
    so the "anonymised" mark of a login lives here instead of on the user row.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="anonymised",
        help_text="The deactivated login that was anonymised.",
    )
    anonymised_at = models.DateTimeField(help_text="When its personal details were removed.")

    class Meta:
        verbose_name = "anonymised login"

    def __str__(self) -> str:
        return f"Login {self.user_id} anonymised {self.anonymised_at:%d %b %Y}"


class PrivacyNoticePage(SitePageMixin, Page):
    """The public privacy notice, whose retention table is the live policy.

    Editors write the words around it; the table of what is kept and for how long
    is rendered from :class:`RetentionPolicy` on every view, so the notice is in
    step with what ``purge_personal_data`` does. Saving the policy turns the page
    cache over (see :mod:`workflows.privacy.signals`).
    """

    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ul"],
        help_text="Who the hub is, what personal data it collects and why; shown above the "
        "table of retention periods.",
    )
    body = RichTextField(
        blank=True,
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul"],
        help_text="Shown below the table: people's rights, how to ask for a copy of their "
        "data, and whom to contact.",
    )
    retention_heading = models.CharField(
        max_length=120,
        default="How long we keep personal details",
        help_text="The heading above the table of retention periods.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("retention_heading"),
        HelpPanel(
            content="<p>The table of retention periods comes from Settings → Personal data "
            "retention and always shows its current values.</p>"
        ),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["home.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    template = "workflows/privacy/privacy_notice_page.html"

    class Meta:
        verbose_name = "privacy notice page"

    @property
    def listing_summary(self) -> str:
        return self.intro

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        policy = RetentionPolicy.load(request_or_site=request)
        context["retention_periods"] = [
            {"what": what, "until": f"{describe_months(months)} after {counted_from}"}
            for what, counted_from, months in policy.periods()
        ]
        return context


# Log edits of the policy and keep the public notice fresh (see the module's docstring).
from workflows.privacy import signals as _privacy_signals  # noqa: E402

_privacy_signals.connect(RetentionPolicy)
