"""Emails about a plan, each sent only to people the access rule lets see it.

They tell the *other side* of the plan what it needs to do next. Wagtail's own
workflow emails (to the submitter and to superusers) are not sent for plans:
see ``workflows.plans.wagtail_emails``.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from workflows.permissions import visible


def plan_url(plan, view="edit") -> str:
    """Return the absolute admin URL of ``plan``, for links in emails."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        f"wagtailsnippets_workflows_actionplan:{view}", args=[plan.pk]
    )


def allowed_recipients(plan, users):
    """Return the active users among ``users`` with an email who may see ``plan``."""
    from workflows.models import ActionPlan

    allowed = []
    for user in users:
        if not (user and user.is_active and user.email):
            continue
        if visible(user, ActionPlan.objects.filter(pk=plan.pk)).exists():
            allowed.append(user)
    return allowed


def school_leaders(plan):
    return list(plan.school.leaders.filter(is_active=True))


# The emails that report an approval just given, and may carry its comment.
APPROVAL_EMAILS = {"awaiting_school", "school_approved"}


def last_approval(plan):
    """Return the approval (sign-off or school approval) given last on ``plan``, or ``None``.

    The "ready for your approval" email is sent as the school's task starts, so its
    signal carries the new task state; the specialist's comment is on the one
    finished just before it. Reading the latest approved task state serves both
    that email and "approved", whichever signal sends it.
    """
    from wagtail.models import TaskState

    return (
        TaskState.objects.filter(
            workflow_state__base_content_type=plan.get_base_content_type(),
            workflow_state__object_id=str(plan.pk),
            status=TaskState.STATUS_APPROVED,
        )
        .order_by("-finished_at", "-pk")
        .first()
    )


def link_for(plan, user) -> str:
    """Where an email about ``plan`` to ``user`` links: a school leader lands on the plan to read.

    Leaders of the plan's school approve or ask for changes from the read page
    (the plan's inspect view), not the editor; everyone else keeps the editor,
    where the plan is written and signed off.
    """
    if plan.school.leaders.filter(pk=user.pk).exists():
        return plan_url(plan, "inspect")
    return plan_url(plan)


def send_plan_email(plan, users, template, context=None) -> list:
    """Send ``template`` (``<name>_subject.txt`` and ``<name>.txt``) to each allowed user.

    An email reporting an approval carries the approval's comment, if any.

    :returns: the users emailed.
    """
    recipients = allowed_recipients(plan, users)
    context = dict(context or {})
    if recipients and template in APPROVAL_EMAILS and "comment" not in context:
        approval = last_approval(plan)
        context["comment"] = approval.comment if approval else ""
    for user in recipients:
        ctx = {"plan": plan, "user": user, "url": link_for(plan, user), **context}
        subject = render_to_string(f"workflows/plans/emails/{template}_subject.txt", ctx)
        body = render_to_string(f"workflows/plans/emails/{template}.txt", ctx)
        send_mail(" ".join(subject.split()), body, None, [user.email])
    return recipients
