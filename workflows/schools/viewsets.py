"""Schools in the admin, on the same scoped viewset base as every PD model.

Schools were a wagtail-modeladmin listing (the client's package). modeladmin's
listing treats every query-string parameter it does not know as a Django ORM
lookup, as Django's own admin changelist does, but without the admin's
``lookup_allowed`` guard: ``?leaders__password__startswith=pbkdf2`` or
``?enrolments__work_group__code=...`` filtered the rows a specialist could see by
other users' password hashes and other groups' data, a yes/no oracle. Wagtail's
``ModelViewSet`` filters only through its declared filterset, and gives the same
search, CSV/XLSX export of the filtered listing, inspect and history views; so
schools moved here, and modeladmin is no longer used (see ``docs/security.md``).
"""

from django.db.models import Q

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.ui.tables import BooleanColumn

import django_filters

from workflows.models import School
from workflows.shared.exports import (
    SCHOOL_EXPORT_COLUMNS,
    SCHOOL_EXPORT_HEADINGS,
    current_academic_year,
    with_year_groups,
    year_group_columns,
)
from workflows.shared.scoping import ScopedIndexView, ScopedModelForm, ScopedModelViewSet


class SchoolFilterSet(WagtailFilterSet):
    """Area and phase as typed in GIAS ("Leeds", "Primary"), and missing from GIAS."""

    local_authority = django_filters.CharFilter(label="Local authority", lookup_expr="icontains")
    phase = django_filters.CharFilter(label="Phase", lookup_expr="icontains")
    missing_from_gias = django_filters.BooleanFilter(label="Missing from GIAS")

    class Meta:
        model = School
        fields = ["local_authority", "phase", "missing_from_gias"]


class SchoolIndexView(ScopedIndexView):
    # Search the database directly: by name, URN or postcode, as people type them.
    search_backend_name = None

    def search_queryset(self, queryset):
        """Name or postcode containing the words; a number is also tried as the URN."""
        query = (self.search_query or "").strip()
        if not query:
            return queryset
        match = Q(name__icontains=query) | Q(postcode__icontains=query)
        if query.isascii() and query.isdigit():
            match |= Q(urn=int(query))
        return queryset.filter(match)

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        if self.is_export:
            # The school's groups this year, their stage and plan (``exports``).
            self.export_year = current_academic_year()
            queryset = with_year_groups(self.request.user, queryset, self.export_year)
        return queryset

    def to_row_dict(self, item):
        """Export a blank cell for an empty value: the export feeds mail merges."""
        for column, value in year_group_columns(item, self.export_year).items():
            setattr(item, column, value)
        row = super().to_row_dict(item)
        return {field: "" if value is None else value for field, value in row.items()}


class SchoolForm(ScopedModelForm):
    # Who leads a school, and the hub's contact there, are the hub lead's to set.
    hub_lead_only_fields = ("leaders", "contact_email")


class SchoolViewSet(ScopedModelViewSet):
    model = School
    name = "pd_schools"
    url_prefix = "pd/schools"
    menu_label = "Schools"
    icon = "home"
    index_view_class = SchoolIndexView
    inspect_view_enabled = True
    list_per_page = 50
    list_display = [
        "name",
        "urn",
        "local_authority",
        "phase",
        "town",
        "postcode",
        "status",
        BooleanColumn("missing_from_gias", label="Missing from GIAS"),
    ]
    filterset_class = SchoolFilterSet
    search_fields = ["name", "urn", "postcode"]
    list_export = [
        "urn",
        "name",
        "local_authority",
        "la_code",
        "establishment_type",
        "phase",
        "status",
        "street",
        "town",
        "postcode",
        "head_name",
        *SCHOOL_EXPORT_COLUMNS,
    ]
    export_headings = {
        **SCHOOL_EXPORT_HEADINGS,
        "urn": "URN",
        "la_code": "LA code",
        "local_authority": "Local authority",
        "establishment_type": "Type of establishment",
        "head_name": "Head teacher",
    }
    export_filename = "schools"
    inspect_view_fields = [
        "urn",
        "name",
        "local_authority",
        "la_code",
        "establishment_number",
        "establishment_type",
        "phase",
        "status",
        "street",
        "town",
        "postcode",
        "head_title",
        "head_first_name",
        "head_last_name",
        "opened_on",
        "closed_on",
        "missing_from_gias",
        "gias_imported_at",
        "contact_email",
        "notes",
    ]
    form_class = SchoolForm
    panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("urn"), FieldPanel("name")]),
                FieldRowPanel(
                    [
                        FieldPanel("local_authority"),
                        FieldPanel("la_code"),
                        FieldPanel("establishment_number"),
                    ]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("establishment_type"),
                        FieldPanel("phase"),
                        FieldPanel("status"),
                    ]
                ),
                FieldRowPanel([FieldPanel("street"), FieldPanel("town"), FieldPanel("postcode")]),
                FieldRowPanel(
                    [
                        FieldPanel("head_title"),
                        FieldPanel("head_first_name"),
                        FieldPanel("head_last_name"),
                    ]
                ),
                FieldRowPanel([FieldPanel("opened_on"), FieldPanel("closed_on")]),
            ],
            heading="From GIAS",
            help_text="Overwritten by each GIAS import.",
        ),
        MultiFieldPanel(
            [FieldPanel("leaders"), FieldPanel("contact_email"), FieldPanel("notes")],
            heading="The hub's own",
        ),
    ]
