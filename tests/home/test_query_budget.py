"""The home page's query budget: thirty blocks cost what three cost, at most ten warm."""

import json

import pytest

from home.models import NavigationSettings, SiteLink
from tests.programmes.factories import BLOCK_TYPES, add_programme, make_body, make_site
from tests.programmes.test_query_budget import assert_budget

# After a publish: site with its home page, view restrictions, featured pages, the
# body's images and linked pages, all renditions, and the navigation and footer
# links. Warm: the site, navigation and renditions come from the cache.
HOME_PAGE_QUERIES = {"after a publish": 8, "warm": 5}
HOME_BLOCKS = [kind for kind in BLOCK_TYPES if kind != "testimonial"]


@pytest.mark.parametrize("count", [3, 30])
def test_home_page_costs_the_same_with_3_or_30_blocks(client, db, count, django_assert_num_queries):
    home, index = make_site()
    settings = NavigationSettings.for_site(home.get_site())
    SiteLink.objects.create(settings=settings, placement=SiteLink.PRIMARY, page=index)
    targets = [add_programme(index, f"Target {n}") for n in range(3)]
    home.featured_pages.create(page=targets[0], summary="First")
    home.body = json.dumps(make_body(count, targets, HOME_BLOCKS))
    home.save_revision().publish()

    html = assert_budget(client, "/", HOME_PAGE_QUERIES, django_assert_num_queries)
    assert html.count('<figure class="block-image">') == (count + len(HOME_BLOCKS) - 1) // len(
        HOME_BLOCKS
    )
    assert '<h3 class="card__title"><a href="/programmes/target-0/">Target 0</a></h3>' in html
