"""The content caches behind uncached pages never show a visitor anything stale.

``cms.pagecache`` keeps the request's site, the walk down the page tree, the live
programme stages and the navigation until content changes. These tests warm every
one of them, change content the way editors do, and expect the very next request
to show the change, including when the change was made by another process.
"""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from wagtail.models import PageViewRestriction, Site

import pytest

from cms.pagecache import HIT_HEADER, content_version, invalidate
from home.models import NavigationSettings, SiteLink
from tests.programmes.factories import add_programme, make_site

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def site():
    home, index = make_site()
    stages = [add_programme(index, f"Stage {n}", stage_order=n) for n in range(1, 3)]
    return home, index, stages


def warm(client, *urls):
    for url in urls:
        assert client.get(url).status_code == 200


def test_a_new_stage_shows_on_the_index_and_serves_at_once(client, site):
    _home, index, stages = site
    warm(client, index.url, stages[0].url)
    added = add_programme(index, "Stage 3", stage_order=3)
    assert "Stage 3" in client.get(index.url).content.decode()
    assert client.get(added.url).status_code == 200
    # The other stages' "where this fits" lists it too.
    assert "Stage 3" in client.get(stages[0].url).content.decode()


def test_an_unpublished_stage_is_gone_at_once(client, site):
    _home, index, stages = site
    url = stages[1].url
    warm(client, index.url, url)
    stages[1].unpublish()
    assert client.get(url).status_code == 404
    assert "Stage 2" not in client.get(index.url).content.decode()


def test_a_draft_change_to_a_live_stage_is_not_served(client, site):
    _home, _index, stages = site
    warm(client, stages[0].url)
    stages[0].title = "Renamed in a draft"
    stages[0].save_revision()
    assert "Renamed in a draft" not in client.get(stages[0].url).content.decode()
    stages[0].get_latest_revision().publish()
    assert "Renamed in a draft" in client.get(stages[0].url).content.decode()


def test_a_stage_made_private_asks_for_its_password_at_once(client, site):
    _home, _index, stages = site
    warm(client, stages[0].url)
    PageViewRestriction.objects.create(
        page=stages[0], restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    response = client.get(stages[0].url)
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
    assert "Stage 1</h1>" not in response.content.decode()


def test_navigation_changes_show_at_once(client, site):
    home, index, _stages = site
    nav = NavigationSettings.for_site(home.get_site())
    link = SiteLink.objects.create(
        settings=nav, placement=SiteLink.PRIMARY, page=index, text="All programmes"
    )
    assert "All programmes" in client.get(home.url).content.decode()
    link.text = "Our programmes"
    link.save()
    html = client.get(home.url).content.decode()
    assert "Our programmes" in html
    assert "All programmes" not in html


def test_a_new_site_for_a_host_name_answers_at_once(client, site):
    home, _index, _stages = site
    warm(client, "/")
    other_home = home.get_parent().add_child(
        instance=type(home)(title="Second hub", slug="second-hub")
    )
    with override_settings(ALLOWED_HOSTS=["*"]):
        assert "Second hub" not in client.get("/", HTTP_HOST="second.example").content.decode()
        Site.objects.create(hostname="second.example", port=80, root_page=other_home)
        assert "Second hub" in client.get("/", HTTP_HOST="second.example").content.decode()


def test_made_up_host_names_and_urls_are_not_kept(client, site):
    warm(client, "/")
    before = len(cache._cache)
    for number in range(20):
        assert client.get(f"/no-such-page-{number}/").status_code == 404
    assert len(cache._cache) == before


def test_a_change_made_by_another_process_turns_this_ones_caches_over(client, site, tmp_path):
    """With a per-process cache (gunicorn workers), the version file is what they share."""
    _home, index, _stages = site
    version_file = tmp_path / "content-version"
    with override_settings(PAGE_CACHE_VERSION_FILE=str(version_file), PAGE_CACHE_SECONDS=300):
        first = client.get(index.url)
        assert first[HIT_HEADER] == "miss"
        assert client.get(index.url)[HIT_HEADER] == "hit"
        before = content_version()
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from cms.pagecache import invalidate; invalidate()",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "cms.settings.test",
                "PAGE_CACHE_VERSION_FILE": str(version_file),
                "PYTHONPATH": str(ROOT),
            },
            check=True,
            timeout=60,
        )
        assert content_version() != before
        assert client.get(index.url)[HIT_HEADER] == "miss"


def test_the_version_file_is_replaced_not_rewritten(tmp_path):
    """Five changes in a row give five new versions, however fast they come."""
    version_file = tmp_path / "content-version"
    with override_settings(PAGE_CACHE_VERSION_FILE=str(version_file)):
        seen = {content_version()}
        for _ in range(5):
            invalidate()
            seen.add(content_version())
    assert len(seen) == 6
    assert settings.PAGE_CACHE_VERSION_FILE is None  # the test settings keep it in the cache
