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

Every stored key carries a site-wide *content version*. Publishing, unpublishing,
moving or deleting a page, and saving any content model a page can show (snippets,
Wagtail settings of any app, images, documents, sites, redirects), replaces the version, so the whole
cache turns over at once: simple, and always correct for a site of this size. A CDN
or Varnish in front is purged by ``wagtail.contrib.frontend_cache`` on publish.

The version must be shared by every process that serves the site, or a worker that
did not see the publish would go on serving the old page. With a shared cache
(Redis) it lives in the cache. With a per-process local-memory cache (one small
server, several gunicorn workers) it lives in a file, ``PAGE_CACHE_VERSION_FILE``,
replaced atomically on each change; reading it is one ``stat`` call, cheaper than a
cache lookup.

The same version keys two smaller caches that uncached pages use on every request
(``cached_for_content``): the ``Site`` a host name resolves to
(``SiteLookupMiddleware``; Wagtail otherwise runs that query on every request) and
the navigation links. The profile in ``bench/README.md`` shows why: together they
were about a third of a programme page's time.
"""

import hashlib
import os
import tempfile
import time
from contextlib import suppress
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse

from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
from wagtail.models import Page, Site
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


def _version_file() -> str | None:
    return getattr(settings, "PAGE_CACHE_VERSION_FILE", None)


def _replace_version_file(path: str) -> None:
    """Write a new version file in one atomic rename: a new inode, a new version."""
    folder = Path(path).parent
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".pagecache-")
    now = time.time_ns()
    with os.fdopen(handle, "w") as file:
        file.write(str(now))
    # The kernel stamps files with a coarse clock (a few milliseconds); set the
    # fine one, so two changes in quick succession still differ.
    os.utime(temporary, ns=(now, now))
    os.replace(temporary, path)


def content_version() -> str:
    """The current content version: any change to what public pages show replaces it."""
    path = _version_file()
    if path:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            _replace_version_file(path)
            stat = os.stat(path)
        return f"{stat.st_ino}.{stat.st_mtime_ns}"
    version = _cache().get(VERSION_KEY)
    if version is None:
        _cache().add(VERSION_KEY, time.time_ns(), None)
        version = _cache().get(VERSION_KEY)
    return str(version)


def _bump() -> None:
    path = _version_file()
    if path:
        _replace_version_file(path)
    else:
        _cache().set(VERSION_KEY, time.time_ns(), None)


def invalidate(**kwargs) -> None:
    """Turn the whole page cache over (a new version makes every old key unreachable).

    Bumped at once and again when the surrounding transaction commits: a request
    that read the old rows between the two would otherwise store them under the
    new version.
    """
    _bump()
    if transaction.get_connection().in_atomic_block:  # asks without connecting
        transaction.on_commit(_bump)


def cached_for_content(key: str, compute, timeout: int = 300):
    """``compute()``, kept in the cache until the content version changes.

    For values every public request needs and only content changes alter; values
    must pickle, and each caller gets its own copy. ``None`` ("not found") is never
    kept, so requests for made-up URLs or hosts cannot fill the cache.
    """
    full_key = f"content:{content_version()}:{key}"
    value = _cache().get(full_key)
    if value is None:
        value = compute()
        if value is not None:
            _cache().set(full_key, value, timeout)
    return value


class SiteLookupMiddleware:
    """Resolve the request's Wagtail ``Site`` from the cache instead of a query.

    Wagtail's ``Site.find_for_request`` runs the same query on every request and
    stores the answer on ``request._wagtail_site``; this fills that attribute first.
    Only host names that pass ``ALLOWED_HOSTS`` are cached, so a visitor cannot fill
    the cache with made-up ``Host`` headers; with the database down, it steps aside.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            host = request.get_host()
        except DisallowedHost:
            return self.get_response(request)
        # No database: leave the answer to the view (``/healthz`` says 503).
        with suppress(DatabaseError):
            request._wagtail_site = cached_for_content(
                f"site:{host}:{request.get_port()}", lambda: self.find_site(request)
            )
        return self.get_response(request)

    @staticmethod
    def find_site(request: HttpRequest) -> Site | None:
        site = Site.find_for_request(request)
        if site is not None:
            # Every route starts from the root page as its specific type: load it now
            # so it is cached with the site, instead of one query per request.
            site.root_page.localized.specific  # noqa: B018
        return site


def _key(request: HttpRequest, version: str) -> str:
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
        key = _key(request, content_version())
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
    # Wagtail settings of any app are there to be shown (a footer, a policy a page
    # renders), so they count as content wherever they are defined.
    is_setting = issubclass(sender, (BaseGenericSetting, BaseSiteSetting))
    if (meta.app_label in CONTENT_APPS or is_setting) and meta.label_lower not in IGNORED_MODELS:
        invalidate()


def connect_signals() -> None:
    """Wire invalidation to Wagtail's page signals and to content model saves."""
    page_published.connect(invalidate, dispatch_uid="pagecache-published")
    page_unpublished.connect(invalidate, dispatch_uid="pagecache-unpublished")
    post_page_move.connect(invalidate, dispatch_uid="pagecache-moved")
    post_save.connect(_invalidate_on_content_change, dispatch_uid="pagecache-saved")
    post_delete.connect(_invalidate_on_content_change, dispatch_uid="pagecache-deleted")
