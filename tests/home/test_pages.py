"""Home and standard pages: where editors may create them, and that they render."""

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

import pytest

from home.models import HomePage, StandardPage
from programmes.models import ProgrammeIndexPage


class HomePageTreeRules(WagtailPageTestCase):
    def test_home_page_sits_at_the_root_only(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})

    def test_home_page_children(self):
        self.assertAllowedSubpageTypes(HomePage, {ProgrammeIndexPage, StandardPage})

    def test_standard_pages_nest_under_home_and_each_other(self):
        self.assertAllowedParentPageTypes(StandardPage, {HomePage, StandardPage})
        self.assertAllowedSubpageTypes(StandardPage, {StandardPage})


@pytest.mark.parametrize("slug", ["accessibility-statement", "privacy-notice"])
def test_demo_standard_pages_render(client, demo, slug):
    page = StandardPage.objects.get(slug=slug)
    response = client.get(page.url)
    assert response.status_code == 200
    assert f"<h1>{page.title}</h1>" in response.content.decode()


def test_home_page_renders(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    assert "Welcome to the Maths Hub" in response.content.decode()


def test_unknown_url_gets_the_friendly_404(client, demo):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find the page you asked for" in response.content.decode()
