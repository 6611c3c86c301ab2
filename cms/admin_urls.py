"""Admin addresses served by subclasses of Wagtail's own views, ahead of Wagtail's.

Wagtail's admin URLconf is included before any ``register_admin_urls`` hook, so a
view registered at one of Wagtail's own addresses (a report, say) would never be
reached. Apps that must serve such an address with a subclass (the PD domain
scopes the site history and Workflows reports) return its patterns, relative to
``admin/``, from the ``override_admin_urls`` hook; ``cms/urls.py`` puts them in
front of Wagtail's. Each view is wrapped as Wagtail wraps its own.
"""

from django.urls import URLPattern, URLResolver, include, path

from wagtail import hooks

from cms.users.account import admin_view

OVERRIDE_HOOK = "override_admin_urls"


def _wrapped(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield path(str(pattern.pattern), include(list(_wrapped(pattern.url_patterns))))
        elif isinstance(pattern, URLPattern):
            yield URLPattern(
                pattern.pattern, admin_view(pattern.callback), pattern.default_args, pattern.name
            )


def override_urlpatterns():
    """The ``override_admin_urls`` hooks' patterns, under ``admin/``, admin access required."""
    patterns = [pattern for hook in hooks.get_hooks(OVERRIDE_HOOK) for pattern in hook()]
    return [path("admin/", include(list(_wrapped(patterns))))] if patterns else []
