"""Home, standard and search pages; navigation and footer; robots.txt, sitemap and 404."""

import re

from django.conf import settings

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

import pytest

from home.models import HomePage, NavigationSettings, SearchPage, SiteLink, StandardPage
from programmes.models import ProgrammeIndexPage, ProgrammePage
from tests.programmes.factories import add_programme, make_site
from workflows.models import PrivacyNoticePage


class HomePageTreeRules(WagtailPageTestCase):
    def test_home_page_sits_at_the_root_only(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})

    def test_home_page_children(self):
        self.assertAllowedSubpageTypes(
            HomePage, {ProgrammeIndexPage, StandardPage, SearchPage, PrivacyNoticePage}
        )

    def test_standard_pages_nest_under_home_and_each_other(self):
        self.assertAllowedParentPageTypes(StandardPage, {HomePage, StandardPage})
        self.assertAllowedSubpageTypes(StandardPage, {StandardPage})

    def test_search_page_lives_under_home_and_has_no_children(self):
        self.assertAllowedParentPageTypes(SearchPage, {HomePage})
        self.assertAllowedSubpageTypes(SearchPage, set())
        self.assertCanCreateAt(HomePage, SearchPage)
        self.assertCanNotCreateAt(StandardPage, SearchPage)


@pytest.mark.parametrize("slug", ["accessibility-statement", "privacy-notice"])
def test_demo_standard_pages_render(client, demo, slug):
    page = Page.objects.get(slug=slug).specific
    response = client.get(page.url)
    assert response.status_code == 200
    assert f"<h1>{page.title}</h1>" in response.content.decode()


def test_home_page_shows_the_offer_featured_programmes_and_a_call_to_action(client, demo):
    html = client.get("/").content.decode()
    assert "<h1>Welcome to the Maths Hub</h1>" in html
    assert '<h2 class="block-heading">What the hub offers</h2>' in html
    featured = re.findall(r'<h3 class="card__title"><a href="([^"]+)">([^<]+)</a>', html)
    assert [title for _url, title in featured] == [
        "Mastery Readiness",
        "Development Work Groups",
        "Embedding",
        "Sustaining",
    ]
    assert featured[1][0] == ProgrammePage.objects.get(slug="development-work-groups").url
    assert '<aside class="block-cta"' in html


def test_unpublished_featured_pages_are_not_shown(client, demo):
    ProgrammePage.objects.get(slug="sustaining").unpublish()
    assert ">Sustaining</a></h3>" not in client.get("/").content.decode()


def test_every_page_has_landmarks_a_skip_link_and_meta_tags(client, demo):
    html = client.get("/").content.decode()
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in html
    assert '<header class="site-header">' in html
    assert '<main id="main" tabindex="-1">' in html
    assert '<footer class="site-footer">' in html
    assert '<meta name="description" content="Funded professional development' in html
    assert '<meta property="og:title" content="Welcome to the Maths Hub">' in html
    assert '<meta property="og:type" content="website">' in html
    # Absolute links name the address the site is served on (the base URL).
    assert f'<link rel="canonical" href="{settings.WAGTAILADMIN_BASE_URL}/">' in html
    assert " style=" not in html
    assert re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html) is None, "no inline scripts"


def test_navigation_and_footer_come_from_the_editors_settings(client, demo):
    html = client.get("/").content.decode()
    nav = re.search(r'<nav class="site-nav" aria-label="Main">.*?</nav>', html, re.DOTALL).group(0)
    # The editors' links, then the Work Group finder (not a page they could choose).
    assert re.findall(r">([^<]+)</a>", nav) == [
        "Primary Teaching for Mastery",
        "Search",
        "Find a Work Group",
    ]
    footer = re.search(r'<nav aria-label="Footer">.*?</nav>', html, re.DOTALL).group(0)
    assert re.findall(r">([^<]+)</a>", footer) == ["Accessibility statement", "Privacy notice"]

    settings = NavigationSettings.objects.get()
    SiteLink.objects.create(
        settings=settings,
        placement=SiteLink.PRIMARY,
        url="https://www.ncetm.org.uk/",
        text="NCETM",
        sort_order=99,
    )
    settings.links.filter(page__slug="search").delete()
    settings.footer_text = "Run by Brookfield Teaching School."
    settings.save()
    ProgrammeIndexPage.objects.get().unpublish()

    html = client.get("/").content.decode()
    nav = re.search(r'<nav class="site-nav" aria-label="Main">.*?</nav>', html, re.DOTALL).group(0)
    assert re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav) == [
        ("https://www.ncetm.org.uk/", "NCETM"),
        ("/work-groups/", "Find a Work Group"),
    ]
    assert "<p>Run by Brookfield Teaching School.</p>" in html


def test_nav_marks_the_current_page(client, demo):
    index = ProgrammeIndexPage.objects.get()
    html = client.get(index.url).content.decode()
    assert f'<a href="{index.url}" aria-current="page">Primary Teaching for Mastery</a>' in html


def test_editors_may_edit_the_navigation(client, demo):
    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.get(username="editor")
    assert editor.has_perm("home.change_navigationsettings")
    client.force_login(editor)
    response = client.get("/admin/settings/home/navigationsettings/", follow=True)
    assert response.status_code == 200
    assert "Main navigation" in response.content.decode()


def test_a_link_needs_a_page_or_an_address():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="one of the two"):
        SiteLink(placement=SiteLink.FOOTER).clean()
    with pytest.raises(ValidationError, match="words of a link"):
        SiteLink(placement=SiteLink.FOOTER, url="https://example.com/").clean()


# Search --------------------------------------------------------------------------


def test_search_finds_a_programme(client, demo):
    search = SearchPage.objects.get()
    html = client.get(search.url, {"q": "embedding"}).content.decode()
    assert '<label for="search-q">Search this site</label>' in html
    assert 'value="embedding"' in html
    results = re.findall(r'<h3 class="search-results__title"><a href="([^"]+)">([^<]+)</a>', html)
    embedding = ProgrammePage.objects.get(slug="embedding")
    assert (embedding.url, "Embedding") in results
    assert embedding.summary in html


def test_search_leaves_out_unpublished_and_private_pages(client, demo):
    from wagtail.models import PageViewRestriction

    ProgrammePage.objects.get(slug="embedding").unpublish()
    PageViewRestriction.objects.create(
        page=ProgrammePage.objects.get(slug="sustaining"),
        restriction_type=PageViewRestriction.LOGIN,
    )
    html = client.get(SearchPage.objects.get().url, {"q": "embedding"}).content.decode()
    assert ">Embedding</a>" not in html
    assert ">Sustaining</a>" not in html


def test_search_with_no_results_says_so(client, demo):
    html = client.get(SearchPage.objects.get().url, {"q": "zzzqqq"}).content.decode()
    assert "No results for “zzzqqq”" in html


def test_search_results_are_paginated(client, db):
    home, index = make_site()
    search = home.add_child(instance=SearchPage(title="Search", slug="search", results_per_page=2))
    for number in range(5):
        add_programme(index, f"Fluency stage {number}", summary="Fluency matters.")
    first = client.get(search.url, {"q": "fluency"}).content.decode()
    assert "5 results for “fluency”" in first
    assert len(re.findall(r'class="search-results__item"', first)) == 2
    assert "Page 1 of 3" in first
    assert 'href="?q=fluency&amp;page=2">Next page</a>' in first
    last = client.get(search.url, {"q": "fluency", "page": "3"}).content.decode()
    assert len(re.findall(r'class="search-results__item"', last)) == 1
    assert '<ol class="search-results" start="5">' in last
    assert "Previous page" in last


# Robots, sitemap, errors ---------------------------------------------------------


def test_robots_txt_points_at_the_sitemap(client, demo):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Disallow: /admin/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


def test_sitemap_lists_the_public_pages(client, demo):
    """At the address the site is served on: the demo's Site follows the base URL."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    base = settings.WAGTAILADMIN_BASE_URL
    for page in ProgrammePage.objects.all():
        assert f"<loc>{base}{page.url}</loc>" in xml
    assert f"<loc>{base}/privacy-notice/</loc>" in xml
    assert "localhost" not in xml


def test_unknown_url_gets_the_friendly_404(client, demo):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We could not find the page you asked for" in html
    assert "<title>Page not found | Maths Hub</title>" in html
    assert '<nav class="site-nav" aria-label="Main">' in html  # the site's own navigation
    assert '<a href="/search/">search the site</a>' in html


def test_500_page_stands_alone():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert '<main id="main"' in html
