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


def send_plan_email(plan, users, template, context=None) -> list:
    """Send ``template`` (``<name>_subject.txt`` and ``<name>.txt``) to each allowed user.

    :returns: the users emailed.
    """
    recipients = allowed_recipients(plan, users)
    for user in recipients:
        ctx = {"plan": plan, "user": user, "url": plan_url(plan), **(context or {})}
        subject = render_to_string(f"workflows/plans/emails/{template}_subject.txt", ctx)
        body = render_to_string(f"workflows/plans/emails/{template}.txt", ctx)
        send_mail(" ".join(subject.split()), body, None, [user.email])
    return recipients
