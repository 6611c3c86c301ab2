"""Query budgets: thirty blocks cost what three cost, and a warm page at most ten queries.

"Warm" means the second request: the first one creates image renditions and fills
Wagtail's caches (site root paths), as the first visitor after a publish would.
The whole-page cache (cms/pagecache.py) is off in tests, so every request renders.
"""

import pytest

from home.models import NavigationSettings, SiteLink
from tests.programmes.factories import add_programme, make_body, make_site

# What a warm programme page costs: site, home page, index page lookup, the stage
# and its sibling stages (one query), view restrictions, then the body's choosers
# (testimonials with posters, images, pages linked from calls to action), all
# renditions, and the navigation and footer links.
PROGRAMME_PAGE_QUERIES = 10
INDEX_PAGE_QUERIES = 7


@pytest.fixture
def site_with_navigation(db):
    """A site whose navigation and footer have links, and five pages to link to."""
    home, index = make_site()
    settings = NavigationSettings.for_site(home.get_site())
    SiteLink.objects.create(settings=settings, placement=SiteLink.PRIMARY, page=index)
    SiteLink.objects.create(
        settings=settings, placement=SiteLink.FOOTER, url="https://example.com/", text="Elsewhere"
    )
    targets = [add_programme(index, f"Target {n}", stage_order=20 + n) for n in range(5)]
    return home, index, targets


def test_programme_page_with_30_blocks_costs_what_3_cost(
    client, site_with_navigation, django_assert_num_queries
):
    _home, index, targets = site_with_navigation
    small = add_programme(index, "Small", body=make_body(3, targets))
    large = add_programme(index, "Large", body=make_body(30, targets))
    assert len(large.body) == 30

    client.get(small.url)
    with django_assert_num_queries(PROGRAMME_PAGE_QUERIES):
        small_html = client.get(small.url).content.decode()
    client.get(large.url)
    with django_assert_num_queries(PROGRAMME_PAGE_QUERIES):
        large_html = client.get(large.url).content.decode()

    # Both really rendered their choosers: images, testimonials with posters, links.
    assert large_html.count('class="testimonial__poster"') == 4
    assert large_html.count('<figure class="block-image">') == 4
    assert large_html.count('class="block-cta"') == 4
    assert small_html.count('class="testimonial__poster"') == 1


def test_programme_index_costs_the_same_with_more_programmes(
    client, site_with_navigation, django_assert_num_queries
):
    _home, index, _targets = site_with_navigation
    client.get(index.url)
    with django_assert_num_queries(INDEX_PAGE_QUERIES):
        client.get(index.url)
    for number in range(10):
        add_programme(index, f"More {number}", stage_order=40 + number)
    client.get(index.url)
    with django_assert_num_queries(INDEX_PAGE_QUERIES):
        html = client.get(index.url).content.decode()
    assert "More 9" in html
