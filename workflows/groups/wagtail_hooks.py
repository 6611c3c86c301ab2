"""Admin wiring of group messages: their viewset, menu item and history wording."""

from wagtail import hooks

from workflows.groups.messages import MESSAGE_ACTION
from workflows.groups.views import GroupMessageLogFormatter, GroupMessageViewSet
from workflows.shared.menu import PD_MENU_HOOK

group_message_viewset = GroupMessageViewSet()


@hooks.register("register_admin_viewset")
def register_group_message_viewset():
    return group_message_viewset


@hooks.register(PD_MENU_HOOK)
def group_messages_menu_item():
    return group_message_viewset.get_menu_item(order=38)


@hooks.register("register_log_actions")
def register_group_message_log_action(actions):
    actions.register_action(MESSAGE_ACTION)(GroupMessageLogFormatter)
