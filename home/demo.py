"""Demo pages of the site itself: the home page, search, accessibility and privacy pages,
and the footer links. The main navigation needs the programme index, so
``programmes.demo`` fills it (see :func:`fill_navigation`).
"""

import json
from urllib.parse import urlsplit

from django.conf import settings as django_settings

from wagtail.models import Page, Site

from home.models import HomePage, NavigationSettings, SearchPage, SiteLink, StandardPage

HOME_INTRO = (
    "<p>We are the Maths Hub for our region: a partnership of schools that helps "
    "primary teachers develop teaching for mastery through funded, school-led "
    "professional development.</p>"
)

# What the hub offers, as StreamField blocks (raw JSON, as Wagtail stores it).
HOME_BODY = [
    {"type": "heading", "value": {"text": "What the hub offers", "level": "h2"}},
    {
        "type": "text",
        "value": "<p>Our Work Groups bring together teachers from schools near each other. "
        "They are led by local Mastery Specialists: practising classroom teachers who have "
        "been trained by the NCETM and who teach in schools like yours.</p>"
        "<ul><li>a staged route through teaching for mastery, one academic year at a time</li>"
        "<li>meetings in member schools, where teachers plan, watch and discuss real lessons</li>"
        "<li>support visits and an action plan agreed with your school's leaders</li></ul>",
    },
    {
        "type": "key_facts",
        "value": {
            "heading": "The hub at a glance",
            "facts": [
                {"label": "Cost to schools", "value": "Our core programmes are funded nationally"},
                {
                    "label": "Time out of class",
                    "value": "About six half days a year for each teacher",
                },
                {
                    "label": "Who leads",
                    "value": "Local Mastery Specialists, all practising teachers",
                },
            ],
        },
    },
    {
        "type": "quote",
        "value": {
            "quote": "The biggest change was in the questions the children asked each other.",
            "attribution": "Year 3 teacher, Development Work Group",
        },
    },
]

STANDARD_PAGES = [
    (
        "accessibility-statement",
        "Accessibility statement",
        "How we make this website usable by as many people as possible.",
        "<p>We want everyone who visits this site to be able to use it. It aims to meet "
        "the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA.</p>"
        "<h2>What you can do</h2><ul><li>zoom in up to 400% without content overlapping</li>"
        "<li>navigate the whole site with a keyboard</li><li>read a transcript of every video</li></ul>"
        "<h2>Reporting a problem</h2><p>If something on this site is hard to use, email "
        '<a href="mailto:hub@mathshub.example">hub@mathshub.example</a> and we will reply '
        "within five working days.</p>",
    ),
    (
        "privacy-notice",
        "Privacy notice",
        "What personal data the Maths Hub keeps, why, and for how long.",
        "<p>When a school applies for a programme we keep the names, roles and work email "
        "addresses of the head teacher and the participating teachers, so that we can run "
        "the programme and report participation to the national programme.</p>"
        "<h2>How long we keep it</h2><p>Details of declined or withdrawn applications are "
        "anonymised after 12 months. Details of participants are anonymised two years "
        "after their Work Group ends; anonymous counts are kept for reporting.</p>"
        "<h2>Your rights</h2><p>You may ask for a copy of what we hold about you, or for it "
        'to be corrected, by emailing <a href="mailto:hub@mathshub.example">hub@mathshub.example</a>.</p>',
    ),
]


# Addresses of this machine: a Site at one of them was set by the demo (or is
# Wagtail's default), so it follows the base URL; any other was set by someone.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", "testserver"}


def served_at() -> tuple[str, int]:
    """The host and port the site is served on, from ``WAGTAILADMIN_BASE_URL``.

    The Site record makes the sitemap's and pages' absolute links; the base URL
    makes the emails'. ``make run`` sets the base URL from its ``PORT``, so both
    name the address the site answers on.
    """
    url = urlsplit(django_settings.WAGTAILADMIN_BASE_URL)
    return url.hostname or "localhost", url.port or (443 if url.scheme == "https" else 80)


def follow_base_url(stdout) -> None:
    """Point the default Site at the base URL, unless someone gave it a real address."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None or site.hostname not in LOCAL_HOSTS:
        return
    if (site.hostname, site.port) != served_at():
        site.hostname, site.port = served_at()
        site.save()
        stdout.write(f"The site's address is now {site.root_url}")


def get_or_create_home(stdout) -> HomePage:
    """Return the demo home page, replacing Wagtail's default welcome page once."""
    home = HomePage.objects.first()
    if home is not None:
        return home
    root = Page.get_first_root_node()
    # Wagtail's fresh install ships a placeholder "Welcome to your new Wagtail site!"
    # page (a plain Page with the slug "home"); remove it so the tree holds only ours.
    for placeholder in root.get_children().filter(content_type__model="page", slug="home"):
        placeholder.delete()
    home = root.add_child(
        instance=HomePage(
            title="Welcome to the Maths Hub",
            slug="home",
            intro=HOME_INTRO,
            body=json.dumps(HOME_BODY),
            search_description="Funded professional development in teaching for mastery "
            "for primary schools in our region.",
        )
    )
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname, site.port = served_at()
    site.root_page = home
    site.site_name = "Maths Hub"
    site.save()
    stdout.write("Created the home page")
    return home


def get_or_create_search_page(home, stdout) -> SearchPage:
    """Return the site's search page, creating it under the home page when missing."""
    search = SearchPage.objects.first()
    if search is None:
        search = home.add_child(
            instance=SearchPage(
                title="Search",
                slug="search",
                intro="Search the programmes and pages of this site.",
                show_in_menus=False,
            )
        )
        stdout.write("Created the search page")
    return search


def fill_navigation(site, primary_pages, stdout) -> None:
    """Give the site its main navigation when editors have not set any.

    Only an empty list is filled, so links an editor has changed stay as they are.
    """
    settings = NavigationSettings.for_site(site)
    if not settings.links.filter(placement=SiteLink.PRIMARY).exists():
        for position, page in enumerate(primary_pages):
            SiteLink.objects.create(
                settings=settings, placement=SiteLink.PRIMARY, page=page, sort_order=position
            )
        stdout.write("Filled the main navigation")


def load(stdout):
    """Create the home page, the search page, the ordinary pages and the footer links."""
    home = get_or_create_home(stdout)
    follow_base_url(stdout)
    get_or_create_search_page(home, stdout)
    for slug, title, intro, body in STANDARD_PAGES:
        # Any page at that address is kept: a later app may have put its own there
        # (``workflows`` replaces the privacy notice with one showing the live policy).
        if Page.objects.child_of(home).filter(slug=slug).exists():
            continue
        home.add_child(instance=StandardPage(title=title, slug=slug, intro=intro, body=body))
        stdout.write(f"Created page {title}")
    site = Site.objects.get(is_default_site=True)
    settings = NavigationSettings.for_site(site)
    if not settings.links.filter(placement=SiteLink.FOOTER).exists():
        footer_pages = StandardPage.objects.child_of(home).filter(
            slug__in=[slug for slug, *_ in STANDARD_PAGES]
        )
        for position, page in enumerate(sorted(footer_pages, key=lambda page: page.slug)):
            SiteLink.objects.create(
                settings=settings, placement=SiteLink.FOOTER, page=page, sort_order=100 + position
            )
        if not settings.footer_text:
            settings.footer_text = (
                "The Maths Hub is a partnership of schools funded to support teaching for "
                "mastery in primary maths."
            )
            settings.save()
        stdout.write("Filled the footer links")
