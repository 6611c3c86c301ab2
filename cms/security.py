"""Site-wide security plumbing: the two Content Security Policies, the lockout page,
and sessions that end after inactivity.

Content Security Policy
-----------------------

django-csp sends ``CONTENT_SECURITY_POLICY`` with every response. That policy is
strict (no inline script or style at all), which the public templates honour but
the Wagtail admin cannot: its templates carry inline scripts and styles, and its
live preview frames our own pages. So every path under the admin (the editor, the
login, previews, choosers) gets ``ADMIN_CONTENT_SECURITY_POLICY`` instead, chosen
here per request rather than with a decorator on each of Wagtail's many views.

Page previews get the admin's policy too. Wagtail renders a preview by sending
a made-up request for the page's public URL through the middleware again (the
request carries ``is_dummy``), so the path alone would give the public policy,
whose ``frame-ancestors 'none'`` would stop the editor's live preview iframe.

The admin is not to be framed: its policy says ``frame-ancestors 'none'``, except
on previews and on the responses Wagtail itself marks ``X-Frame-Options:
SAMEORIGIN`` (the views its editor shows in an iframe), which get
``frame-ancestors 'self'``, the same rule in CSP's words.

A view decorated with django-csp's ``csp_override`` keeps its own policy, and a
response that already carries a policy (Wagtail's document serve view sends
``default-src 'none'``) is left alone by django-csp.

Sign-in lockout and sessions
----------------------------

:func:`lockout_response` is the page django-axes answers a locked-out sign-in
with; :class:`SlidingSessionMiddleware` moves a signed-in session's expiry on
with activity. Both are configured in ``cms/settings/base.py``, which says why.

Client address
--------------

:func:`client_ip` is the one answer to "who is asking" for the sign-in lockout and
the application form's rate limit. Behind a proxy every request arrives from the
proxy, so keying on ``REMOTE_ADDR`` alone would lock a username out for everyone
and count every school's applications together.
"""

import ipaddress
import time
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from csp.constants import NONE, SELF
from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config


@cache
def admin_prefix() -> str:
    """Return the path every Wagtail admin URL starts with (``/admin/``)."""
    return reverse("wagtailadmin_home")


def is_admin_path(path: str) -> bool:
    return path.startswith(admin_prefix())


def is_preview(request: HttpRequest) -> bool:
    """Whether this is the request Wagtail makes up to render a preview.

    Wagtail's preview views render the page by sending a dummy request for the
    page's public URL through the whole middleware stack (``is_dummy`` is set
    before the middleware runs), so its path is not an admin path.
    """
    return bool(getattr(request, "is_dummy", False))


def admin_policy(framed_by_admin: bool) -> dict:
    """Return the admin's directives; ``frame-ancestors 'self'`` only when framed by it."""
    directives = dict(settings.ADMIN_CONTENT_SECURITY_POLICY)
    directives["frame-ancestors"] = [SELF] if framed_by_admin else [NONE]
    return default_config(directives)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's policy for paths under the admin."""

    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only or parts.config is not None:
            return parts
        if is_preview(request):
            parts.config = admin_policy(framed_by_admin=True)
        elif is_admin_path(request.path_info):
            sameorigin = response.get("X-Frame-Options", "").upper() == "SAMEORIGIN"
            parts.config = admin_policy(framed_by_admin=sameorigin)
        return parts


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """django-axes' ``AXES_LOCKOUT_CALLABLE``: the page a locked-out sign-in gets.

    Axes' own answer is a bare line of text; this one, in the admin's look, says who
    is paused, for how long, and the three ways out (wait, reset the password, ask
    the hub lead). It answers 429 Too Many Requests and is never cached.
    """
    from axes.helpers import get_client_username, get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        "password_reset_enabled": getattr(settings, "WAGTAIL_PASSWORD_RESET_ENABLED", True),
    }
    response = render(request, "account/lockout.html", context, status=429)
    add_never_cache_headers(response)
    return response


# --- Sessions that end after inactivity --------------------------------------------------

SESSION_REFRESHED_KEY = "_session_refreshed_at"


def mark_session_fresh(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: a new sign-in starts a fresh inactivity window."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_REFRESHED_KEY] = int(time.time())


class SlidingSessionMiddleware:
    """End a signed-in session after ``SESSION_COOKIE_AGE`` seconds without a request.

    Django's sessions expire a fixed time after they were last *saved*. Saving on
    every request (``SESSION_SAVE_EVERY_REQUEST``) would make that "since the last
    request", at the price of a database write on every page an editor opens. This
    middleware saves a signed-in session only when its last save is more than
    ``SESSION_REFRESH_SECONDS`` (five minutes) old, so the expiry still moves on
    with activity, to within five minutes, for one write per five minutes of use.
    A session left idle for ``SESSION_COOKIE_AGE`` is gone: the database row has
    expired, and without "Remember me" the browser drops the cookie when it closes.

    Place it right after Django's ``SessionMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and "_auth_user_id" in session:
            now = int(time.time())
            interval = getattr(settings, "SESSION_REFRESH_SECONDS", 300)
            if now - int(session.get(SESSION_REFRESHED_KEY, 0)) >= interval:
                # Marks the session modified: SessionMiddleware, outside this one,
                # saves it with a new expiry and sends the cookie again.
                session[SESSION_REFRESHED_KEY] = now
        return response


def client_ip(request: HttpRequest) -> str:
    """The client's address, as the outermost of ``TRUSTED_PROXY_COUNT`` proxies saw it.

    With no proxies (the default) it is ``REMOTE_ADDR``: nothing a client writes
    counts. Each proxy appends the address it was reached from to
    ``X-Forwarded-For``, so with N trusted proxies the Nth entry from the right is
    the one the outermost proxy saw; entries further left came from the client and
    may be forged. A request that did not come through that many proxies, or whose
    entry is not an address, falls back to ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote
