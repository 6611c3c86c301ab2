"""The demo's privacy notice: a :class:`PrivacyNoticePage` whose table is the live policy.

``home.demo`` (loaded first) creates ordinary pages, a privacy notice among them,
with retention periods written into its text; that text cannot follow the
retention setting. So this loader replaces that page, while it is still exactly
as the demo wrote it, with a privacy notice page at the same address and in the
same footer place. A page an editor has changed is left alone (and said so).
Idempotent: once a privacy notice page exists, nothing is done.
"""

from wagtail.models import Site

from home.models import HomePage, NavigationSettings, SiteLink, StandardPage
from workflows.models import PrivacyNoticePage
from workflows.privacy.policy import current_policy

SLUG = "privacy-notice"

INTRO = (
    "<p>The Maths Hub runs funded professional development for primary schools. When a "
    "school applies for a programme we keep the names, roles and work email addresses "
    "of its head teacher and the teachers taking part, and their teacher reference "
    "numbers if given, so that we can run the programme, keep attendance and report "
    "participation to the national programme. Specialists' visit notes and schools' "
    "action plans may name the people who lead the work.</p>"
)

BODY = (
    "<h2>Who sees your details</h2><ul><li>the hub lead, who runs the programmes</li>"
    "<li>the Mastery Specialist who leads your school's Work Group</li><li>your own "
    "school's leaders, for your school's applications and plans</li></ul>"
    "<h2>Your rights</h2><p>You may ask for a copy of everything we hold about you, or "
    "for it to be corrected or removed, by emailing "
    '<a href="mailto:hub@mathshub.example">hub@mathshub.example</a>. We reply within one '
    "month. If you are unhappy with how we handle your data you can complain to the "
    'Information Commissioner\'s Office at <a href="https://ico.org.uk/">ico.org.uk</a>.</p>'
)


def _demo_page_untouched(page) -> bool:
    """Whether ``page`` is still the privacy notice exactly as ``home.demo`` wrote it."""
    from home.demo import STANDARD_PAGES

    original = next((body for slug, _, _, body in STANDARD_PAGES if slug == SLUG), None)
    return page.body == original and not page.has_unpublished_changes


def load(stdout):
    """Replace the demo's plain privacy page with a privacy notice page, once."""
    home = HomePage.objects.first()
    if home is None or PrivacyNoticePage.objects.exists():
        return
    current_policy()  # the policy's record, with its defaults, for the notice to show
    links = []
    old = StandardPage.objects.child_of(home).filter(slug=SLUG).first()
    if old is not None:
        if not _demo_page_untouched(old):
            stdout.write(
                "Kept the edited privacy notice; add a Privacy notice page to show the "
                "retention periods from Settings"
            )
            return
        # Its footer links go with it (``on_delete=CASCADE``): note them to restore.
        links = list(
            SiteLink.objects.filter(page=old).values(
                "settings_id", "placement", "text", "sort_order"
            )
        )
        old.delete()
    page = home.add_child(
        instance=PrivacyNoticePage(
            title="Privacy notice",
            slug=SLUG,
            intro=INTRO,
            body=BODY,
            search_description="What personal data the Maths Hub keeps, why, and for how long.",
        )
    )
    for link in links:
        SiteLink.objects.create(page=page, **link)
    if not links:
        site = Site.objects.filter(is_default_site=True).first()
        if site is not None:
            settings = NavigationSettings.for_site(site)
            SiteLink.objects.create(
                settings=settings, placement=SiteLink.FOOTER, page=page, sort_order=199
            )
    stdout.write("Created the privacy notice page")
