"""The email a school receives when the hub decides on its application.

It goes to the head teacher, copied to the teachers the application put forward,
and carries only that application's own details: the rendering context is built
from the one application, never from a listing, so nothing of another school can
reach it.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from workflows.applications.offers import link_expires_on, offer_url

TEMPLATE_DIR = "workflows/emails/decisions"


def decision_email(application, decision: str) -> EmailMessage:
    """Return (unsent) the email telling the school about ``decision``."""
    group = application.offered_group
    context = {
        "application": application,
        "school_name": application.school.name if application.school else application.school_name,
        "programme": application.programme.title,
        "year": application.academic_year,
        "group": group,
        "reason": application.decision_reason,
        "hub_email": getattr(settings, "HUB_NOTIFICATIONS_EMAIL", ""),
    }
    if decision == "offer":
        # The school answers online, through a link to this offer only.
        context["answer_url"] = offer_url(application)
        context["answer_until"] = link_expires_on()
    subject = " ".join(render_to_string(f"{TEMPLATE_DIR}/{decision}_subject.txt", context).split())
    body = render_to_string(f"{TEMPLATE_DIR}/{decision}.txt", context)
    cc = sorted(
        {p.email for p in application.participants.all() if p.email} - {application.head_email}
    )
    hub_email = context["hub_email"]
    return EmailMessage(
        subject=subject,
        body=body,
        to=[application.head_email],
        cc=cc,
        reply_to=[hub_email] if hub_email else None,
    )


def send_decision_email(application, decision: str) -> None:
    decision_email(application, decision).send()
