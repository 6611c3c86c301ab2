"""Schools in the admin, with wagtail-modeladmin.

Why modeladmin here (the client's choice) rather than a Wagtail viewset: schools
are reference data from GIAS, and what the hub does with them is look them up,
filter them by area and phase and export lists to share with the DfE or a local
authority. modeladmin's ``list_filter``, ``search_fields`` and ``list_export``
(CSV and XLSX from the same listing, filters and search applied) cover that in a
few lines, and its ``PermissionHelper`` asks about each object before its edit,
inspect and delete views render or save, which is where the scope is enforced.
"""

from collections import OrderedDict

from django.contrib.admin.utils import lookup_field

from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import IndexView

from workflows.admin.scoping import (
    ScopedButtonHelper,
    ScopedModelAdminDeleteView,
    ScopedModelAdminEditView,
    ScopedModelAdminHistoryView,
    ScopedModelAdminInspectView,
    ScopedPermissionHelper,
)
from workflows.models import School
from workflows.permissions import visible


class SchoolIndexView(IndexView):
    export_headings = {
        "urn": "URN",
        "la_code": "LA code",
        "local_authority": "Local authority",
        "establishment_type": "Type of establishment",
        "head_name": "Head teacher",
    }

    def to_row_dict(self, item):
        """Export a blank cell for an empty value, not modeladmin's "-" placeholder.

        The export goes into spreadsheets and mail merges, where "-" reads as data.
        """
        row = OrderedDict()
        for field in self.list_export:
            value = lookup_field(field, item, self.model_admin)[2]
            row[field] = "" if value is None or value == "" else value
        return row


class SchoolAdmin(ModelAdmin):
    model = School
    menu_label = "Schools"
    menu_icon = "home"
    add_to_admin_menu = False  # lives in the "Professional development" submenu
    permission_helper_class = ScopedPermissionHelper
    button_helper_class = ScopedButtonHelper
    index_view_class = SchoolIndexView
    edit_view_class = ScopedModelAdminEditView
    delete_view_class = ScopedModelAdminDeleteView
    inspect_view_class = ScopedModelAdminInspectView
    history_view_class = ScopedModelAdminHistoryView
    inspect_view_enabled = True
    list_display = ("name", "urn", "local_authority", "phase", "town", "postcode", "status")
    list_filter = ("local_authority", "phase", "missing_from_gias")
    search_fields = ("name", "urn", "postcode")
    list_per_page = 50
    list_export = (
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
    )
    export_filename = "schools"
    inspect_view_fields = (
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
    )
    form_fields_exclude = ("gias_imported_at", "missing_from_gias")

    def get_queryset(self, request):
        """Only the schools the user may see (the same rule for listing and export)."""
        return visible(request.user, super().get_queryset(request))
