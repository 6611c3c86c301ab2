"""The site's absolute links name the address it is served on (issue #15, part 8).

``make run`` sets ``WAGTAILADMIN_BASE_URL`` from its ``PORT``; emails build their
links from it, and the demo points the default Site (which makes the sitemap's
and pages' absolute links) at the same address, unless someone set it themselves.
"""

import io

from django.test import override_settings

from wagtail.models import Site

import pytest

from home.demo import follow_base_url

pytestmark = pytest.mark.django_db


@override_settings(WAGTAILADMIN_BASE_URL="http://127.0.0.1:8123")
def test_the_demo_site_follows_the_port_the_site_runs_on(client, demo):
    follow_base_url(io.StringIO())
    site = Site.objects.get(is_default_site=True)
    assert site.root_url == "http://127.0.0.1:8123"
    xml = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://127.0.0.1:8123/privacy-notice/</loc>" in xml


def test_an_address_someone_set_is_kept(demo):
    Site.objects.filter(is_default_site=True).update(hostname="mathshub.example", port=443)
    with override_settings(WAGTAILADMIN_BASE_URL="http://127.0.0.1:8123"):
        follow_base_url(io.StringIO())
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("mathshub.example", 443)
