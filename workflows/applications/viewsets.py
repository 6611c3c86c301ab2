"""The hub lead's applications queue, with Wagtail's ``ModelViewSet``.

A viewset rather than modeladmin because each application's page is where the
decisions are made and their history read: the viewset's inspect view (here with
the decision forms) and its history view show the ``workflows.*`` log entries
that ``workflows.applications.decisions`` writes, next to the listing's filters and search.
"""

from django.contrib.admin.utils import quote
from django.urls import path
from django.utils.functional import cached_property

from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn

from workflows.applications.admin_views import ApplicationInspectView
from workflows.applications.placement import PlacementBoardView
from workflows.models import Application
from workflows.permissions import is_hub_lead
from workflows.shared.scoping import ScopedIndexView, ScopedModelForm, ScopedModelViewSet


class ApplicationIndexView(ScopedIndexView):
    list_select_related = ("programme", "school", "offered_group")
    # Search the database directly: by school name, URN or reference.
    search_backend_name = None
    # Hub leads tick applications to offer, waitlist or decline them together
    # (Wagtail's bulk actions: ``workflows.applications.bulk``).
    template_name = "workflows/applications/queue_index.html"

    @cached_property
    def can_decide_in_bulk(self):
        return is_hub_lead(self.request.user)

    @cached_property
    def columns(self):
        columns = super().columns
        if self.can_decide_in_bulk:
            return [BulkActionsCheckboxColumn("bulk_actions", obj_type="application"), *columns]
        return columns

    def _get_title_column(self, *args, **kwargs):
        """Link each application to its page of facts and decisions, not the edit form."""
        column = super()._get_title_column(
            *args, get_title_id=lambda item: f"application_{quote(item.pk)}_title", **kwargs
        )
        column._get_url_func = self.get_inspect_url
        return column

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "can_decide_in_bulk": self.can_decide_in_bulk}


class ApplicationViewSet(ScopedModelViewSet):
    model = Application
    name = "pd_applications"
    url_prefix = "pd/applications"
    menu_label = "Applications"
    icon = "form"
    index_view_class = ApplicationIndexView
    inspect_view_class = ApplicationInspectView
    inspect_view_enabled = True
    list_per_page = 50
    list_display = [
        "reference",
        "school_name",
        "programme",
        "academic_year",
        "status",
        "offered_group",
        "created_at",
    ]
    list_filter = ["programme", "academic_year", "status"]
    search_fields = ["school_name", "school__name", "school__urn", "reference"]
    list_export = [
        "reference",
        "school_name",
        "school",
        "programme",
        "academic_year",
        "status",
        "offered_group",
        "created_at",
    ]
    export_filename = "applications"
    form_class = ScopedModelForm
    # The status changes only through decisions (inspect page), never by editing.
    panels = [
        FieldRowPanel([FieldPanel("programme"), FieldPanel("academic_year")]),
        MultiFieldPanel(
            [
                FieldPanel("school"),
                FieldRowPanel([FieldPanel("school_name"), FieldPanel("school_postcode")]),
            ],
            heading="School",
        ),
        FieldRowPanel([FieldPanel("head_name"), FieldPanel("head_email")]),
        FieldPanel("reason"),
        FieldPanel("consent"),
    ]

    @property
    def placement_view(self):
        return PlacementBoardView.as_view()

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("placement/", self.placement_view, name="placement"),
        ]
