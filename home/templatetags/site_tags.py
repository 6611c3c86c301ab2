"""Template tags for the parts every page shares: navigation and footer links."""

from django import template

from wagtail.models import Site

from cms.pagecache import cached_for_content
from home.models import NavigationSettings

register = template.Library()


@register.simple_tag(takes_context=True)
def site_links(context) -> dict:
    """Return the editors' navigation and footer links for this request's site.

    :returns: ``{"primary": [(text, url), ...], "footer": [...], "text": str}``;
        empty when there is no request (as when Django renders the 500 page).
    """
    request = context.get("request")
    if request is None:
        return {"primary": [], "footer": [], "text": ""}
    if not hasattr(request, "_site_links"):
        # Kept until content changes: every page, cached or not, shows the same links.
        site = Site.find_for_request(request)
        request._site_links = cached_for_content(
            f"navigation:{site.pk if site else None}",
            lambda: NavigationSettings.links_for_request(request),
        )
    return request._site_links
