"""Admin registration of the personal-data tools: the export screen, the audit log.

* the subject-access export, a hub lead's screen in the "Professional
  development" menu (``register_pd_menu_item``, see ``workflows.admin``);
* the retention policy logs into :class:`HubLogEntry`, whose scoped
  ``viewable_by_user`` shows it (like every record outside the PD scope rules)
  to hub leads only: the site history report then lists policy changes, purges
  and exports to them and to nobody else;
* the purge's and the export's own log actions, with messages that say what
  happened without repeating anyone's data beyond the address looked up.
"""

from django.urls import include, path, reverse

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import LogFormatter

from workflows.audit.models import HubLogEntry
from workflows.models import RetentionPolicy
from workflows.permissions import is_hub_lead
from workflows.privacy.export import EXPORT_ACTION
from workflows.privacy.purge import KINDS, PURGE_ACTION
from workflows.privacy.views import SubjectAccessExportView

NAMESPACE = "pd_personal_data"


@hooks.register("register_admin_urls")
def register_personal_data_urls():
    urls = [path("export/", SubjectAccessExportView.as_view(), name="export")]
    return [path("pd/personal-data/", include((urls, NAMESPACE), namespace=NAMESPACE))]


class HubLeadMenuItem(MenuItem):
    def is_shown(self, request):
        return is_hub_lead(request.user)


@hooks.register("register_pd_menu_item")
def subject_access_menu_item():
    return HubLeadMenuItem(
        "Subject-access export",
        reverse(f"{NAMESPACE}:export"),
        name="subject-access-export",
        icon_name="download",
        order=95,
    )


class PurgeFormatter(LogFormatter):
    label = "Purge personal data"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        counts = data.get("counts", {})
        parts = [
            f"{kind.label.lower()}: {counts[kind.key]}" for kind in KINDS if counts.get(kind.key)
        ]
        total = data.get("total", 0)
        return f"Anonymised {total} record{'s' if total != 1 else ''} past retention" + (
            f" ({'; '.join(parts)})" if parts else ""
        )


class ExportFormatter(LogFormatter):
    label = "Subject-access export"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        total = data.get("total", 0)
        if not total:
            return f"Looked up the personal data of {data.get('email', '')}: nothing held"
        return (
            f"Exported the personal data of {data.get('email', '')} "
            f"({total} record{'s' if total != 1 else ''})"
        )


@hooks.register("register_log_actions")
def register_personal_data_log(actions):
    actions.register_model(RetentionPolicy, HubLogEntry)
    actions.register_action(PURGE_ACTION)(PurgeFormatter)
    actions.register_action(EXPORT_ACTION)(ExportFormatter)
