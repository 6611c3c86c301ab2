"""The emails of an offer answered online, chased or lapsed.

The school's go to the head teacher, copied to the teachers, as the decision
emails do (``workflows.applications.decision_emails``), built from the one application
only. The hub's go to ``HUB_NOTIFICATIONS_EMAIL`` with no personal data (no name,
no address, not the school's reason for declining) and link to the application's
admin page, where the reader's scope decides what they see.

Sending runs once the answer is committed, so a mail server that is down is
logged, never raised: the school's answer is saved, and its page must say so.
"""

import logging

from django.core.mail import EmailMessage

from workflows.applications import decision_emails as notifications
from workflows.applications.decision_emails import application_context, decision_email, render_email
from workflows.applications.emails import application_admin_url
from workflows.applications.offers import link_expires_on, offer_url

logger = logging.getLogger(__name__)
TEMPLATE_DIR = "workflows/applications/emails"


def _context(application) -> dict:
    return application_context(application, admin_url=application_admin_url(application))


def school_email(application, name: str, **extra) -> EmailMessage:
    """Return (unsent) the email ``name`` to the school's head, the teachers copied."""
    return notifications.school_email(
        application, f"{TEMPLATE_DIR}/{name}", admin_url=application_admin_url(application), **extra
    )


def hub_email(application, name: str) -> EmailMessage | None:
    """Return (unsent) the hub's note ``name``, or None when no hub address is set."""
    context = _context(application)
    if not context["hub_email"]:
        return None
    subject, body = render_email(f"{TEMPLATE_DIR}/{name}", context)
    return EmailMessage(subject=subject, body=body, to=[context["hub_email"]])


def _send(application, *messages) -> None:
    for message in messages:
        if message is None:
            continue
        try:
            message.send()
        except Exception:
            logger.exception("Could not send an email about the offer to %s", application.reference)


def accepted_online(application) -> None:
    """The school's welcome (the hub's own acceptance email) and a note to the hub."""
    _send(
        application, decision_email(application, "accept"), hub_email(application, "hub_accepted")
    )


def declined_online(application) -> None:
    _send(
        application,
        school_email(application, "declined"),
        hub_email(application, "hub_declined"),
    )


def lapsed(application) -> None:
    _send(application, school_email(application, "lapsed"), hub_email(application, "hub_lapsed"))


def chased(application) -> None:
    """The one reminder, with a fresh link to the same offer."""
    _send(
        application,
        school_email(
            application,
            "chase",
            answer_url=offer_url(application),
            answer_until=link_expires_on(),
        ),
    )
