"""Admin wiring of calendars: the inviting actions, "My calendar", the heads' panel.

* ``register_actions``: the create, edit and delete views of meetings and visits
  run :mod:`.invitations`' actions, which send the invitations; each sending is
  noted on the record's history (``register_log_actions``), counts only;
* ``register_admin_urls``: "My calendar" (``pd_calendar:mine``), linked from the
  "Professional development" menu and the account page;
* ``construct_homepage_panels``: a school leader's teachers' meetings.
"""

from django.urls import include, path, reverse

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import LogFormatter

from workflows.calendars import invitations
from workflows.calendars.panels import TeachersMeetingsPanel
from workflows.calendars.views import MyCalendarView, has_pd_role
from workflows.permissions import is_hub_lead, is_school_leader

NAMESPACE = "pd_calendar"


@hooks.register("register_actions")
def register_inviting_actions(registry):
    invitations.register_actions(registry)


class InvitationsFormatter(LogFormatter):
    label = "Send calendar invitations"

    def format_message(self, log_entry):
        outcome = invitations.Outcome.from_data(log_entry.data or {})
        return outcome.message() or "Calendar invitations"


@hooks.register("register_log_actions")
def register_invitation_log_action(actions):
    actions.register_action(invitations.INVITATIONS_ACTION)(InvitationsFormatter)


@hooks.register("register_admin_urls")
def register_calendar_urls():
    urls = [path("", MyCalendarView.as_view(), name="mine")]
    return [path("pd/my-calendar/", include((urls, NAMESPACE), namespace=NAMESPACE))]


class PDRoleMenuItem(MenuItem):
    def is_shown(self, request):
        return has_pd_role(request.user)


@hooks.register("register_pd_menu_item")
def my_calendar_menu_item():
    return PDRoleMenuItem(
        "My calendar", reverse(f"{NAMESPACE}:mine"), name="my-calendar", icon_name="date", order=5
    )


@hooks.register("register_account_menu_item")
def my_calendar_account_item(request):
    if not has_pd_role(request.user):
        return None
    return {
        "url": reverse(f"{NAMESPACE}:mine"),
        "label": "My calendar",
        "help_text": "A private address for your calendar app of your meetings and visits.",
    }


@hooks.register("construct_homepage_panels")
def teachers_meetings_panel(request, panel_list):
    """School leaders see when their teachers are out at Work Group meetings."""
    if is_school_leader(request.user) and not is_hub_lead(request.user):
        panel_list.append(TeachersMeetingsPanel(request.user))
