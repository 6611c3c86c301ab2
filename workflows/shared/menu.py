"""Admin menu and viewsets of hub operations.

One "Professional development" submenu gathers the scoped Wagtail viewsets of
schools, groups, enrolments, people, meetings, visits and applications. Each item is shown only to users whose role has some permission on
its model, so an editor sees no PD menu at all; the placement board, a hub lead's
tool, is shown to hub leads only.
"""

from django.urls import reverse

from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.log_actions import LogFormatter

from workflows.applications import panels as _application_panels  # noqa: F401  (dashboard)
from workflows.applications.decisions import DECISIONS
from workflows.applications.offers import ONLINE_LOG_MESSAGES
from workflows.applications.viewsets import ApplicationViewSet
from workflows.audit import history as _history_hooks  # noqa: F401  (registers the scoped log)
from workflows.audit import reports as _reports  # noqa: F401  (serves the scoped reports)
from workflows.groups.viewsets import EnrolmentViewSet, ParticipantViewSet, WorkGroupViewSet
from workflows.meetings.viewsets import MeetingViewSet, VisitViewSet
from workflows.permissions import is_hub_lead
from workflows.schools.choosers import school_chooser
from workflows.schools.viewsets import SchoolViewSet

PD_MENU_HOOK = "register_pd_menu_item"

school_viewset = SchoolViewSet()
PD_VIEWSETS = [
    ApplicationViewSet(),
    WorkGroupViewSet(),
    EnrolmentViewSet(),
    ParticipantViewSet(),
    MeetingViewSet(),
    VisitViewSet(),
]


@hooks.register("register_admin_viewset")
def register_pd_viewsets():
    return [school_chooser, school_viewset, *PD_VIEWSETS]


class HubLeadMenuItem(MenuItem):
    def is_shown(self, request):
        return is_hub_lead(request.user)


@hooks.register(PD_MENU_HOOK)
def placement_board_menu_item():
    return HubLeadMenuItem(
        "Placement board",
        reverse("pd_applications:placement"),
        name="placement-board",
        icon_name="table",
        order=15,
    )


@hooks.register(PD_MENU_HOOK)
def schools_menu_item():
    return school_viewset.get_menu_item(order=20)


def _viewset_menu_item(viewset, order):
    return lambda: viewset.get_menu_item(order=order)


for _order, _viewset in enumerate(PD_VIEWSETS):
    hooks.register(PD_MENU_HOOK, _viewset_menu_item(_viewset, 10 if _order == 0 else 30 + _order))


@hooks.register("register_admin_menu_item")
def professional_development_menu():
    return SubmenuMenuItem(
        "Professional development",
        Menu(register_hook_name=PD_MENU_HOOK, construct_hook_name="construct_pd_menu"),
        name="professional-development",
        icon_name="group",
        order=250,
    )


def _decision_formatter(decision):
    class DecisionFormatter(LogFormatter):
        label = decision.label

        def format_message(self, log_entry):
            data = log_entry.data or {}
            group = data.get("work_group")
            # The school's own answer through its link reads as such.
            online = ONLINE_LOG_MESSAGES.get(decision.name) if data.get("online") else None
            return (online or f"Application {decision.past}") + (f" ({group})" if group else "")

        def format_comment(self, log_entry):
            return (log_entry.data or {}).get("reason", "")

    return DecisionFormatter


@hooks.register("register_log_actions")
def register_decision_log_actions(actions):
    """Name each decision in the application's history, with its group and reason."""
    for decision in DECISIONS.values():
        actions.register_action(f"workflows.{decision.name}")(_decision_formatter(decision))
