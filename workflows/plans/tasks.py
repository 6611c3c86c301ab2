"""The two Wagtail Workflow tasks that agree an action plan.

Wagtail's ``GroupApprovalTask`` lets anyone in a group act on anything in the
task; a plan must be signed off by *its* specialist and approved by leaders of
*its* school. So each task computes its approvers from the plan itself.

Every hook overridden here is one Wagtail 8 calls (``Task`` in
``wagtail/models/workflows.py``): ``user_can_access_editor``,
``locked_for_user``, ``user_can_lock``, ``user_can_unlock``, ``get_actions``,
``get_form_for_action``, ``get_task_states_user_can_moderate`` and
``on_action``. The tests drive each of them, so a rename in a later Wagtail
shows up as a failing test rather than as a check that silently stops running.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from wagtail.models import Task, TaskState

from workflows.permissions import is_hub_lead


class PinnedVersionForm(forms.Form):
    """A workflow action's form that may name the version the person read.

    The plan's read page posts the id of the version it showed; if the plan has
    changed since, the action is refused (``PlanTask.on_action``), so nobody
    approves a version they never saw. The editor's own modal leaves it empty:
    the editor checks staleness itself (``StaleRevisionMixin``).
    """

    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RequestChangesForm(PinnedVersionForm):
    """Wagtail's comment form, with the comment required: changes need a reason."""

    comment = forms.CharField(
        label="What needs to change",
        required=True,
        widget=forms.Textarea({"rows": 4}),
        help_text="The other side gets this by email and sees it on the plan.",
    )


class ApproveForm(PinnedVersionForm):
    """Wagtail's optional comment on an approval, kept on the plan and sent in the email."""

    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text="Anything the other side should know; it is emailed and kept on the plan.",
    )


class StaleVersion(PermissionDenied):
    """The version posted is no longer the one awaiting approval."""


def no_leader_message(plan):
    """Why ``plan`` cannot go to its school for approval, or ``None`` if it can.

    A plan sent to a school with no leader in the system would wait for ever:
    nobody could approve it.
    """
    if plan.school_id and not plan.school.leaders.filter(is_active=True).exists():
        return (
            f"{plan.school.name} has no school leader in the system; ask the hub lead to add one."
        )
    return None


def user_can_cancel(plan, user) -> bool:
    """Only the plan's specialist or a hub lead may cancel its approval workflow.

    Wagtail lets anyone who may approve the current task cancel; a school leader
    cancelling would put an edited plan back to "Agreed" with the edit unapproved.
    """
    return bool(
        user.is_authenticated
        and user.is_active
        and (plan.specialist_id == user.pk or is_hub_lead(user))
    )


class PlanTask(Task):
    """What both plan tasks share: approvers computed per plan, comments required."""

    # Whether approving this task sends the plan on to the school for approval.
    sends_to_school = False

    class Meta:
        abstract = True

    def _plan(self, obj):
        """Return the plan ``obj`` is (the live row or a revision's copy of it)."""
        return obj

    def is_approver(self, plan, user) -> bool:
        raise NotImplementedError

    def approvers_q(self, user) -> Q:
        """Return a filter on ``ActionPlan`` for the plans ``user`` may act on."""
        raise NotImplementedError

    def user_can_access_editor(self, obj, user):
        return self.is_approver(obj, user)

    def locked_for_user(self, obj, user):
        # While the plan waits on one side, only that side (or the hub lead) edits it.
        return not (self.is_approver(obj, user) or is_hub_lead(user))

    def user_can_lock(self, obj, user):
        return self.is_approver(obj, user)

    def user_can_unlock(self, obj, user):
        return self.is_approver(obj, user)

    def get_actions(self, obj, user):
        if not self.is_approver(obj, user):
            return []
        return [
            ("reject", "Request changes", True),
            ("approve", self.approve_label, False),
            ("approve", f"{self.approve_label} with comment", True),
        ]

    def get_form_for_action(self, action):
        if action == "reject":
            return RequestChangesForm
        if action == "approve":
            return ApproveForm
        return super().get_form_for_action(action)

    def on_action(self, task_state, user, action_name, **kwargs):
        """Act, after checking again who acts on which plan.

        The workflow action views check ``get_actions`` against the object in the
        URL, but take the task state from the URL too; checking the task state's
        own plan here closes that gap for any caller. A ``revision`` posted with
        the action (the read page's) must still be the latest one.
        """
        plan = task_state.workflow_state.content_object
        if not self.is_approver(plan, user):
            raise PermissionDenied
        # Not one of Wagtail's arguments: the version the person read, if the form named it.
        revision = kwargs.pop("revision", None)
        if revision is not None and revision != plan.latest_revision_id:
            raise StaleVersion("The plan has changed since you read it.")
        if action_name == "reject" and not (kwargs.get("comment") or "").strip():
            raise PermissionDenied("Requesting changes needs a comment.")
        if action_name == "approve" and self.sends_to_school:
            message = no_leader_message(plan)
            if message:
                raise PermissionDenied(message)
        return super().on_action(task_state, user, action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        from workflows.models import ActionPlan

        plans = ActionPlan.objects.filter(self.approvers_q(user))
        # WorkflowState.object_id is a string; compare as strings on every database.
        plan_ids = plans.annotate(pk_str=Cast("pk", CharField())).values("pk_str")
        return TaskState.objects.filter(
            task=self,
            status=TaskState.STATUS_IN_PROGRESS,
            workflow_state__object_id__in=plan_ids,
            workflow_state__base_content_type__app_label="workflows",
            workflow_state__base_content_type__model="actionplan",
        )


class SpecialistSignOffTask(PlanTask):
    """The plan's own specialist signs it off: no one else may act."""

    approve_label = "Sign off"
    sends_to_school = True

    class Meta:
        verbose_name = "specialist sign-off task"

    def is_approver(self, plan, user) -> bool:
        return bool(user.is_authenticated and user.is_active and plan.specialist_id == user.pk)

    def approvers_q(self, user) -> Q:
        return Q(specialist=user)

    @classmethod
    def get_description(cls):
        return "The plan's Mastery Specialist signs it off."


class SchoolLeaderApprovalTask(PlanTask):
    """A leader of the plan's own school approves it: no other school's leader may."""

    approve_label = "Approve"

    class Meta:
        verbose_name = "school leader approval task"

    def is_approver(self, plan, user) -> bool:
        if not (user.is_authenticated and user.is_active):
            return False
        cache = getattr(user, "_led_school_ids", None)
        if cache is None:
            cache = set(user.led_schools.values_list("pk", flat=True))
            user._led_school_ids = cache
        return plan.school_id in cache

    def approvers_q(self, user) -> Q:
        return Q(school__leaders=user)

    @classmethod
    def get_description(cls):
        return "A leader of the plan's school approves it."
