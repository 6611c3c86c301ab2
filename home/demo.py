"""Demo pages of the site itself: the home page, accessibility and privacy pages."""

from wagtail.models import Page, Site

from home.models import HomePage, StandardPage

HOME_INTRO = (
    "<p>We are the Maths Hub for our region: a partnership of schools that helps "
    "primary teachers develop teaching for mastery through funded, school-led "
    "professional development.</p>"
)

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
        instance=HomePage(title="Welcome to the Maths Hub", slug="home", intro=HOME_INTRO)
    )
    site = Site.objects.filter(is_default_site=True).first() or Site(
        hostname="localhost", port=80, is_default_site=True
    )
    site.root_page = home
    site.site_name = "Maths Hub"
    site.save()
    stdout.write("Created the home page")
    return home


def load(stdout):
    """Create the home page and the ordinary pages every site needs."""
    home = get_or_create_home(stdout)
    for slug, title, intro, body in STANDARD_PAGES:
        if StandardPage.objects.child_of(home).filter(slug=slug).exists():
            continue
        home.add_child(instance=StandardPage(title=title, slug=slug, intro=intro, body=body))
        stdout.write(f"Created page {title}")
