"""Wagtail's own workflow emails, kept for pages and other content, never sent for plans.

Wagtail emails on every workflow event of any model (``wagtail.admin.signal_handlers``):
"submitted" to every superuser, "rejected" and "approved" to whoever submitted, and
"submitted for approval" to a group approval task's groups and superusers. For an
action plan, ``workflows.plans.signals`` already tells the other side of *that* plan,
checked against the access rule; Wagtail's emails repeated ours (one "Request changes"
reached the specialist twice) and reached superusers outside every plan's scope.

Why this way, rather than another of Wagtail's levers:

* the signals are sent with ``sender=WorkflowState`` (or ``TaskState``) for every
  model, so there is no plan-only sender to disconnect the handlers from;
* ``WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS = False`` is site-wide (page
  moderators would lose their emails) and leaves the submitter's duplicates;
* the workflow-level notifiers never ask the task, so our task classes cannot opt out.

So each of Wagtail's notifiers is replaced by a subclass whose ``can_handle`` (the
notifier's own "is this mine?" hook) turns down plans, connected under Wagtail's own
``dispatch_uid``. A dispatch_uid is connected once: whichever of this module and
``WagtailAdminAppConfig.ready`` runs first, exactly one notifier is left per signal,
and it is the one below.
"""

from django.contrib.contenttypes.models import ContentType

from wagtail.admin.mail import (
    GroupApprovalTaskStateSubmissionEmailNotifier,
    WorkflowStateApprovalEmailNotifier,
    WorkflowStateRejectionEmailNotifier,
    WorkflowStateSubmissionEmailNotifier,
)
from wagtail.models import TaskState, WorkflowState
from wagtail.signals import task_submitted, workflow_approved, workflow_rejected, workflow_submitted


def is_plan_workflow(workflow_state) -> bool:
    """Whether ``workflow_state`` moderates an action plan (no query once types are cached)."""
    from workflows.models import ActionPlan

    return workflow_state.base_content_type_id == ContentType.objects.get_for_model(ActionPlan).pk


class NotForPlans:
    """Mixin for a Wagtail notifier: handle what Wagtail would, except action plans."""

    def can_handle(self, instance, **kwargs):
        if not super().can_handle(instance, **kwargs):
            return False
        workflow_state = instance.workflow_state if isinstance(instance, TaskState) else instance
        return not is_plan_workflow(workflow_state)


class WorkflowSubmissionNotifier(NotForPlans, WorkflowStateSubmissionEmailNotifier):
    pass


class WorkflowRejectionNotifier(NotForPlans, WorkflowStateRejectionEmailNotifier):
    pass


class WorkflowApprovalNotifier(NotForPlans, WorkflowStateApprovalEmailNotifier):
    pass


class GroupTaskSubmissionNotifier(NotForPlans, GroupApprovalTaskStateSubmissionEmailNotifier):
    pass


# (signal, sender, Wagtail's dispatch_uid, our notifier), as register_signal_handlers has them.
NOTIFIERS = [
    (
        task_submitted,
        TaskState,
        "group_approval_task_submitted_email_notification",
        GroupTaskSubmissionNotifier(),
    ),
    (
        workflow_submitted,
        WorkflowState,
        "workflow_state_submitted_email_notification",
        WorkflowSubmissionNotifier(),
    ),
    (
        workflow_rejected,
        WorkflowState,
        "workflow_state_rejected_email_notification",
        WorkflowRejectionNotifier(),
    ),
    (
        workflow_approved,
        WorkflowState,
        "workflow_state_approved_email_notification",
        WorkflowApprovalNotifier(),
    ),
]


def connect():
    """Put our notifiers in the place of Wagtail's (see the module docstring)."""
    for signal, sender, dispatch_uid, notifier in NOTIFIERS:
        signal.disconnect(sender=sender, dispatch_uid=dispatch_uid)
        signal.connect(notifier, sender=sender, dispatch_uid=dispatch_uid)
