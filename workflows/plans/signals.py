"""Keep each plan's ``state`` in step with Wagtail's workflow, and tell people.

Wagtail's workflow and task states remain the record of who approved which
revision; ``ActionPlan.state`` is a copy kept for listings, filters and the
dashboard, which count plans by state in one grouped query.

"Request changes" sends the plan back to draft: the workflow is cancelled (the
rejected task state, with its comment, stays in the workflow history), so the
next submission starts again at the specialist's sign-off, as the programme
asks, rather than resuming at the task that asked for changes.

The emails here are the only ones a plan's workflow sends: Wagtail's own
workflow emails are turned off for plans (``workflows.plans.wagtail_emails``).
"""

from wagtail.models import WorkflowState
from wagtail.signals import (
    task_approved,
    task_rejected,
    task_submitted,
    workflow_approved,
    workflow_cancelled,
)

from workflows.plans.emails import school_leaders, send_plan_email
from workflows.plans.tasks import SchoolLeaderApprovalTask, SpecialistSignOffTask


def _plan_of(workflow_state):
    from workflows.models import ActionPlan

    if workflow_state.base_content_type.model_class() is not ActionPlan:
        return None
    return ActionPlan.objects.select_related("school", "specialist").get(
        pk=workflow_state.object_id
    )


def set_state(plan, state):
    type(plan).objects.filter(pk=plan.pk).update(state=state)
    plan.state = state


def resting_state(plan):
    """The state of a plan with no workflow running: agreed (or reviewed), or draft."""
    from workflows.plans.models import PlanState

    if plan.closed_at:
        return PlanState.CLOSED
    if plan.live:
        return PlanState.IN_PROGRESS if plan.reviews.exists() else PlanState.AGREED
    return PlanState.DRAFT


def _name(user):
    return (user.get_full_name() or user.get_username()) if user else "Someone"


def on_task_submitted(sender, instance, user=None, **kwargs):
    from workflows.plans.models import PlanState

    task = instance.task.specific
    plan = _plan_of(instance.workflow_state)
    if plan is None:
        return
    if isinstance(task, SpecialistSignOffTask):
        set_state(plan, PlanState.AWAITING_SPECIALIST)
        if user is None or user.pk != plan.specialist_id:
            send_plan_email(plan, [plan.specialist], "awaiting_specialist")
    elif isinstance(task, SchoolLeaderApprovalTask):
        set_state(plan, PlanState.AWAITING_SCHOOL)
        send_plan_email(plan, school_leaders(plan), "awaiting_school")


def on_task_rejected(sender, instance, user=None, **kwargs):
    from workflows.plans.models import PlanState

    task = instance.task.specific
    if not isinstance(task, SpecialistSignOffTask | SchoolLeaderApprovalTask):
        return
    workflow_state = instance.workflow_state
    plan = _plan_of(workflow_state)
    if workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        workflow_state._plan_changes_requested = True
        workflow_state.cancel(user=user)
    set_state(plan, PlanState.CHANGES_REQUESTED)
    # Tell the other side: the school when the specialist asks, the specialist when the school does.
    others = school_leaders(plan) if isinstance(task, SpecialistSignOffTask) else [plan.specialist]
    send_plan_email(
        plan, others, "changes_requested", {"comment": instance.comment, "by": _name(user)}
    )


def on_task_approved(sender, instance, user=None, **kwargs):
    if isinstance(instance.task.specific, SchoolLeaderApprovalTask):
        plan = _plan_of(instance.workflow_state)
        send_plan_email(plan, [plan.specialist], "school_approved", {"by": _name(user)})


def on_workflow_approved(sender, instance, user=None, **kwargs):
    plan = _plan_of(instance)
    if plan is not None:
        plan.refresh_from_db()
        set_state(plan, resting_state(plan))


def on_workflow_cancelled(sender, instance, user=None, **kwargs):
    if getattr(instance, "_plan_changes_requested", False):
        return
    plan = _plan_of(instance)
    if plan is not None:
        set_state(plan, resting_state(plan))


def delete_evidence_document(sender, instance, **kwargs):
    """Delete the document of an evidence row that is gone, unless other evidence uses it.

    Evidence goes with its action (removed in a later agreed version), its plan,
    the retention purge or "Remove" on Track progress; its file, a private
    document of the school, would otherwise stay in the school's collection with
    no plan listing it. Wagtail deletes the file itself once the transaction commits.
    """
    from wagtail.documents import get_document_model

    from workflows.models import ActionEvidence

    get_document_model().objects.filter(pk=instance.document_id).exclude(
        pk__in=ActionEvidence.objects.filter(document_id=instance.document_id).values("document_id")
    ).delete()


def connect():
    from django.db.models.signals import post_delete

    from wagtail.models import TaskState

    from workflows.plans import wagtail_emails

    # Called at the end of ``workflows.plans.models``, whose package is not
    # loaded yet: the model comes from its own module.
    from workflows.plans.models import ActionEvidence

    # Our emails replace Wagtail's own for plans; see ``wagtail_emails``.
    wagtail_emails.connect()

    task_submitted.connect(on_task_submitted, sender=TaskState, dispatch_uid="plan_task_submitted")
    task_rejected.connect(on_task_rejected, sender=TaskState, dispatch_uid="plan_task_rejected")
    task_approved.connect(on_task_approved, sender=TaskState, dispatch_uid="plan_task_approved")
    workflow_approved.connect(
        on_workflow_approved, sender=WorkflowState, dispatch_uid="plan_workflow_approved"
    )
    workflow_cancelled.connect(
        on_workflow_cancelled, sender=WorkflowState, dispatch_uid="plan_workflow_cancelled"
    )
    post_delete.connect(
        delete_evidence_document, sender=ActionEvidence, dispatch_uid="plan_evidence_deleted"
    )
