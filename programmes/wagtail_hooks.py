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
    # Searched in the database: a handful of rows, and the SQLite full-text backend
    # refused queries with punctuation ("'; --") with a server error.
    search_backend_name = None


register_snippet(VideoTestimonialViewSet)
