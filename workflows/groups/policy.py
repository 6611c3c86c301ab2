"""Who may read the messages sent to Work Groups: a policy without permissions of its own.

The roles were granted their model permissions by migrations (``0004``) before
messages existed, and this part adds no migration; so reading a message follows
rights the roles already hold: whoever may view Work Groups (hub leads,
specialists) or enrolments (school leaders too) may read messages, narrowed as
always by the scope declared in :data:`workflows.permissions.SCOPES` (a school
leader: messages their school's people received). An explicit
``view_groupmessage`` a hub grants later counts as well.

Nobody adds, changes or deletes a message through the admin: one is created only
by sending it (:func:`workflows.groups.messages.send_to_group`), and a record of
what was sent is not edited afterwards (the retention purge clears it).
"""

from workflows.permissions import ScopedPermissionPolicy

READ_WITH = ("workflows.view_workgroup", "workflows.view_enrolment")


class GroupMessagePolicy(ScopedPermissionPolicy):
    def user_has_permission(self, user, action):
        if action != "view" or not (user.is_authenticated and user.is_active):
            return False
        return super().user_has_permission(user, "view") or any(
            user.has_perm(permission) for permission in READ_WITH
        )


def register_message_policy() -> None:
    """Replace the scoped policy ``register_scoped_policies`` gave messages (from ``ready``)."""
    from wagtail.permissions import register_permission_policy

    from workflows.models import GroupMessage

    register_permission_policy(GroupMessage, GroupMessagePolicy(GroupMessage))
