"""Admin for video testimonials: a snippet viewset editors find under Snippets."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from programmes.models import VideoTestimonial


class VideoTestimonialViewSet(SnippetViewSet):
    """List, search and edit testimonials; the listing shows who speaks and where."""

    model = VideoTestimonial
    icon = "media"
    menu_label = "Video testimonials"
    add_to_admin_menu = True
    menu_order = 250
    list_display = ["title", "speaker", "school"]
    search_fields = ["title", "speaker", "school"]


register_snippet(VideoTestimonialViewSet)
