"""Programme pages: tree rules and rendering of the demo programmes."""

from wagtail.test.utils import WagtailPageTestCase

import pytest

from home.models import HomePage
from programmes.models import ProgrammeIndexPage, ProgrammePage


class ProgrammeTreeRules(WagtailPageTestCase):
    def test_index_lives_under_home(self):
        self.assertAllowedParentPageTypes(ProgrammeIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(ProgrammeIndexPage, {ProgrammePage})

    def test_programme_pages_live_under_the_index_and_are_leaves(self):
        self.assertAllowedParentPageTypes(ProgrammePage, {ProgrammeIndexPage})
        self.assertAllowedSubpageTypes(ProgrammePage, set())

    def test_programme_page_cannot_be_created_under_home(self):
        self.assertCanNotCreateAt(HomePage, ProgrammePage)
        self.assertCanCreateAt(ProgrammeIndexPage, ProgrammePage)


def test_index_lists_programmes_in_journey_order(client, demo):
    index = ProgrammeIndexPage.objects.get()
    html = client.get(index.url).content.decode()
    positions = [
        html.index(title)
        for title in ("Mastery Readiness", "Development Work Groups", "Embedding", "Sustaining")
    ]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    "slug",
    [
        "mastery-readiness",
        "development-work-groups",
        "embedding",
        "sustaining",
        "mastery-specialists",
    ],
)
def test_every_demo_programme_page_renders(client, demo, slug):
    page = ProgrammePage.objects.get(slug=slug)
    response = client.get(page.url)
    assert response.status_code == 200
    assert page.title in response.content.decode()
