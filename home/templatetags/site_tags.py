"""Template tags for the parts every page shares: navigation and footer links."""

from django import template

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
        request._site_links = NavigationSettings.links_for_request(request)
    return request._site_links
