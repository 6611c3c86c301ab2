"""Query budgets: thirty blocks cost what three cost, and a warm page at most ten queries.

Each page is measured twice, and each count is exact:

* "after a publish": the first request once content changed, when the content
  caches of ``cms.pagecache`` (site, routing, navigation) are empty; image
  renditions already exist (the very first visitor made them);
* "warm": the next request, the common case.

The whole-page cache (cms/pagecache.py) is off in tests, so every request renders.
"""

import pytest

from cms.pagecache import invalidate
from home.models import NavigationSettings, SiteLink
from tests.programmes.factories import add_programme, make_body, make_site

# After a publish: site with its home page, the index page lookup, the stage and its
# sibling stages (one query), view restrictions, then the body's choosers
# (testimonials with posters, images, pages linked from calls to action), all
# renditions, and the navigation and footer links. Warm: the site, routing,
# navigation and the renditions come from the cache; view restrictions and the
# body's choosers are still read; the index needs only its view restrictions.
PROGRAMME_PAGE_QUERIES = {"after a publish": 10, "warm": 5}
INDEX_PAGE_QUERIES = {"after a publish": 7, "warm": 1}


def assert_budget(client, url, budget, django_assert_num_queries) -> str:
    """Render ``url`` after a content change, then warm, each within its exact budget."""
    client.get(url)  # the very first visitor: renditions are created
    invalidate()  # as a publish does
    with django_assert_num_queries(budget["after a publish"]):
        client.get(url)
    with django_assert_num_queries(budget["warm"]):
        return client.get(url).content.decode()


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

    small_html = assert_budget(client, small.url, PROGRAMME_PAGE_QUERIES, django_assert_num_queries)
    large_html = assert_budget(client, large.url, PROGRAMME_PAGE_QUERIES, django_assert_num_queries)

    # Both really rendered their choosers: images, testimonials with posters, links.
    assert large_html.count('class="testimonial__poster"') == 4
    assert large_html.count('<figure class="block-image">') == 4
    assert large_html.count('class="block-cta"') == 4
    assert small_html.count('class="testimonial__poster"') == 1


def test_programme_index_costs_the_same_with_more_programmes(
    client, site_with_navigation, django_assert_num_queries
):
    _home, index, _targets = site_with_navigation
    assert_budget(client, index.url, INDEX_PAGE_QUERIES, django_assert_num_queries)
    for number in range(10):
        add_programme(index, f"More {number}", stage_order=40 + number)
    html = assert_budget(client, index.url, INDEX_PAGE_QUERIES, django_assert_num_queries)
    assert "More 9" in html
