"""A whole-page cache for anonymous visitors, kept correct by Wagtail's signals.

Why not a package: wagtail-cache 3.0 does not support Wagtail 8, and Django's
per-site cache cannot tell a Wagtail page from a form or a signed-in view. The rule
here is narrow on purpose. A response is stored only when all of these hold:

* Wagtail's page ``serve`` view produced it for a live page with no view
  restriction (previews and drafts are served by admin views, so never stored);
* the request was a ``GET`` with no query string, from a visitor with no session
  cookie (nobody signed in, no flash messages pending);
* the response is a plain 200 that sets no cookie: a page that used a CSRF token
  (any form) sets the CSRF cookie, so it is never stored and no visitor is ever
  served another visitor's token; form errors come from ``POST`` and never are;
* nothing marked it ``private``, ``no-cache`` or ``no-store``.

Every stored key carries a site-wide version number. Publishing, unpublishing,
moving or deleting a page, and saving any content model a page can show (snippets,
settings, images, documents, sites, redirects), replaces the version, so the whole
cache turns over at once: simple, and always correct for a site of this size. A CDN
or Varnish in front is purged by ``wagtail.contrib.frontend_cache`` on publish.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse

from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

VERSION_KEY = "pagecache:version"
HIT_HEADER = "X-Page-Cache"
# Apps whose saved objects can change what a public page shows.
CONTENT_APPS = {
    "home",
    "programmes",
    "wagtailcore",
    "wagtailimages",
    "wagtaildocs",
    "wagtailredirects",
}
# Saved while pages render or on every admin action; they change no public page.
IGNORED_MODELS = {
    "wagtailimages.rendition",
    "wagtailcore.revision",
    "wagtailcore.pagelogentry",
    "wagtailcore.modellogentry",
    "wagtailcore.referenceindex",
    "wagtailcore.pagesubscription",
    "wagtailcore.taskstate",
    "wagtailcore.workflowstate",
    "wagtailcore.comment",
    "wagtailcore.commentreply",
}


def _cache():
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


def _timeout() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 0))


def _version() -> int:
    version = _cache().get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        _cache().add(VERSION_KEY, version, None)
        version = _cache().get(VERSION_KEY, version)
    return version


def invalidate(**kwargs) -> None:
    """Turn the whole page cache over (a new version makes every old key unreachable)."""
    _cache().set(VERSION_KEY, time.time_ns(), None)


def _key(request: HttpRequest, version: int) -> str:
    raw = f"{request.scheme}://{request.get_host()}{request.path}"
    return f"pagecache:{version}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _request_is_cacheable(request: HttpRequest) -> bool:
    return (
        _timeout() > 0
        and request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def mark_page_cacheable(page: Page, request: HttpRequest, *args, **kwargs) -> None:
    """``before_serve_page`` hook: only pages without view restrictions qualify."""
    if not page.get_view_restrictions().exists():
        request._page_cacheable = True


def _response_is_cacheable(request: HttpRequest, response: HttpResponse) -> bool:
    if not getattr(request, "_page_cacheable", False):
        return False
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return not any(word in cache_control for word in ("private", "no-cache", "no-store"))


class PageCacheMiddleware:
    """Serve and store anonymous page views; place it right after WhiteNoise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _request_is_cacheable(request):
            return self.get_response(request)
        key = _key(request, _version())
        cached = _cache().get(key)
        if cached is not None:
            content, headers = cached
            response = HttpResponse(b"" if request.method == "HEAD" else content)
            for name, value in headers:
                response[name] = value
            response[HIT_HEADER] = "hit"
            return response
        response = self.get_response(request)
        if _response_is_cacheable(request, response):
            headers = [
                (name, value) for name, value in response.items() if name.lower() != "set-cookie"
            ]
            _cache().set(key, (response.content, headers), _timeout())
            response[HIT_HEADER] = "miss"
        return response


def _invalidate_on_content_change(sender, **kwargs) -> None:
    meta = sender._meta
    if meta.app_label in CONTENT_APPS and meta.label_lower not in IGNORED_MODELS:
        invalidate()


def connect_signals() -> None:
    """Wire invalidation to Wagtail's page signals and to content model saves."""
    page_published.connect(invalidate, dispatch_uid="pagecache-published")
    page_unpublished.connect(invalidate, dispatch_uid="pagecache-unpublished")
    post_page_move.connect(invalidate, dispatch_uid="pagecache-moved")
    post_save.connect(_invalidate_on_content_change, dispatch_uid="pagecache-saved")
    post_delete.connect(_invalidate_on_content_change, dispatch_uid="pagecache-deleted")
