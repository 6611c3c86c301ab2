"""Wagtail hooks of placement: bulk decisions in the queue, the closure's entry in history.

Imported by ``workflows.wagtail_hooks``, which Wagtail autoloads.
"""

from wagtail import hooks
from wagtail.log_actions import LogFormatter

from workflows.applications.bulk import BULK_DECISIONS
from workflows.applications.moot import CLOSE_ACTION


class ClosedLogFormatter(LogFormatter):
    label = "Closed"

    def format_message(self, log_entry):
        group = (log_entry.data or {}).get("work_group")
        return "Application closed: the school joined " + (group or "a Work Group")

    def format_comment(self, log_entry):
        return (log_entry.data or {}).get("reason", "")


@hooks.register("register_log_actions")
def register_close_log_action(actions):
    actions.register_action(CLOSE_ACTION)(ClosedLogFormatter)


for _action_class in BULK_DECISIONS:
    hooks.register("register_bulk_action", _action_class)
