"""The anonymous page cache: fast for visitors, never stale, never leaking."""

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.test import override_settings

from wagtail.models import Page, PageViewRestriction, Site

import pytest

from cms.pagecache import HIT_HEADER
from home.models import HomePage, StandardPage
from programmes.models import ProgrammePage


@pytest.fixture
def page_cache(demo):
    cache.clear()
    with override_settings(PAGE_CACHE_SECONDS=300):
        yield
    cache.clear()


def fetch(client, url):
    response = client.get(url)
    return response, response.get(HIT_HEADER)


def test_second_anonymous_view_is_served_from_cache_without_queries(
    client, page_cache, django_assert_num_queries
):
    url = ProgrammePage.objects.get(slug="embedding").url
    first, state = fetch(client, url)
    assert (first.status_code, state) == (200, "miss")
    with django_assert_num_queries(0):
        second, state = fetch(client, url)
    assert state == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_publishing_a_change_shows_at_once(client, page_cache):
    page = ProgrammePage.objects.get(slug="embedding")
    fetch(client, page.url)
    page.title = "Embedding, renamed"
    page.save_revision().publish()
    response, state = fetch(client, page.url)
    assert state == "miss"
    assert "Embedding, renamed" in response.content.decode()


def test_a_saved_draft_is_never_served(client, page_cache):
    page = ProgrammePage.objects.get(slug="embedding")
    page.title = "Draft title nobody should see"
    page.save_revision()
    response, _ = fetch(client, page.url)
    assert "Draft title nobody should see" not in response.content.decode()


def test_unpublishing_removes_the_page(client, page_cache):
    page = Page.objects.get(slug="privacy-notice")
    assert fetch(client, page.url)[0].status_code == 200
    page.unpublish()
    assert client.get("/privacy-notice/").status_code == 404


def test_moving_a_page_redirects_its_old_url_instead_of_serving_it(client, page_cache):
    page = Page.objects.get(slug="privacy-notice")
    new_parent = StandardPage.objects.get(slug="accessibility-statement")
    assert fetch(client, "/privacy-notice/")[0].status_code == 200
    page.move(new_parent, pos="last-child")
    response = client.get("/privacy-notice/")
    assert response.status_code == 301
    assert response["Location"] == "/accessibility-statement/privacy-notice/"
    assert client.get("/accessibility-statement/privacy-notice/").status_code == 200


def test_content_saved_outside_pages_turns_the_cache_over(client, page_cache):
    fetch(client, "/")
    site = Site.objects.get(is_default_site=True)
    site.site_name = "Renamed Hub"
    site.save()
    assert fetch(client, "/")[1] == "miss"


def test_signed_in_users_are_never_served_or_stored(client, page_cache, django_user_model):
    url = ProgrammePage.objects.get(slug="embedding").url
    client.force_login(django_user_model.objects.get(username="editor"))
    assert fetch(client, url)[1] is None
    client.logout()
    client.cookies.clear()
    assert fetch(client, url)[1] == "miss"


def test_query_strings_bypass_the_cache(client, page_cache):
    fetch(client, "/")
    assert fetch(client, "/?utm_source=newsletter")[1] is None


def test_pages_that_use_a_csrf_token_are_never_stored(client, page_cache, monkeypatch):
    original_serve = HomePage.serve

    def serve_with_form(self, request, *args, **kwargs):
        get_token(request)  # what any {% csrf_token %} in a template does
        return original_serve(self, request, *args, **kwargs)

    monkeypatch.setattr(HomePage, "serve", serve_with_form)
    first, state = fetch(client, "/")
    assert state is None
    assert "csrftoken" in first.cookies
    other_visitor = client.__class__()
    assert fetch(other_visitor, "/")[1] is None


def test_pages_behind_a_password_are_never_stored(client, page_cache):
    page = Page.objects.get(slug="privacy-notice")
    PageViewRestriction.objects.create(
        page=page, restriction_type="password", password="s3cret-pass"
    )
    fetch(client, page.url)
    assert fetch(client, page.url)[1] is None


def test_cache_is_off_when_not_configured(client, demo):
    with override_settings(PAGE_CACHE_SECONDS=0):
        assert fetch(client, "/")[1] is None
        assert fetch(client, "/")[1] is None
