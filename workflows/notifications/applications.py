"""The emails a new application sends: a receipt to the school, a note to the hub.

The school's receipt goes to the head teacher, copied to the two teachers, and
carries only what this application's own form said. The hub's note goes to
``settings.HUB_NOTIFICATIONS_EMAIL`` and deliberately carries no personal data
(no names or email addresses): a shared inbox is not where the access rule of
``workflows.permissions`` applies, so the note says which school applied and
points to the admin, where the hub lead's scope decides who sees the details.

A mail server that is down must not lose an application that is already saved,
so failures are logged, not raised.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)
TEMPLATE_DIR = "workflows/emails/applications"


def _render(name: str, context: dict) -> tuple[str, str]:
    subject = " ".join(render_to_string(f"{TEMPLATE_DIR}/{name}_subject.txt", context).split())
    return subject, render_to_string(f"{TEMPLATE_DIR}/{name}.txt", context)


def application_emails(application, participants) -> list[EmailMessage]:
    """Return (unsent) the receipt to the school and the note to the hub."""
    hub_email = getattr(settings, "HUB_NOTIFICATIONS_EMAIL", "")
    context = {
        "application": application,
        "programme": application.programme.title,
        "participants": participants,
        "hub_email": hub_email,
        "admin_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/admin/",
    }
    subject, body = _render("received_school", context)
    cc = sorted({p.email for p in participants if p.email} - {application.head_email})
    messages = [
        EmailMessage(
            subject=subject,
            body=body,
            to=[application.head_email],
            cc=cc,
            reply_to=[hub_email] if hub_email else None,
        )
    ]
    if hub_email:
        subject, body = _render("received_hub", context)
        messages.append(EmailMessage(subject=subject, body=body, to=[hub_email]))
    return messages


def send_application_received(application, participants) -> int:
    """Send both emails; return how many went. Failures are logged, never raised."""
    sent = 0
    for message in application_emails(application, participants):
        try:
            sent += message.send()
        except Exception:
            logger.exception("Could not send the email about application %s", application.reference)
    return sent
