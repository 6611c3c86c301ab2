"""The emails a new application sends: a receipt to the school, a note to the hub,
and a notice to the school's own contact address.

The school's receipt goes to the head teacher, copied to the two teachers, and
carries only what this application's own form said. The hub's note goes to
``settings.HUB_NOTIFICATIONS_EMAIL`` and deliberately carries no personal data
(no names or email addresses): a shared inbox is not where the access rule of
``workflows.permissions`` applies, so the note says which school applied and
links to the application's own admin page (an absolute URL from
``WAGTAILADMIN_BASE_URL``), where the hub lead's scope decides who sees the details.

Anyone can fill in the public form in any school's name, and the receipt goes to
whatever address they typed. So the school hears about it from an address the hub
already holds: when the school's record has a ``contact_email`` that is not among
the receipt's recipients, that address gets a short notice (reference, programme,
the head teacher named and where the receipt went) asking it to tell the hub if
nobody at the school applied. The hub's note says whether the head teacher's
address is at the same domain as that contact, so an application from elsewhere
stands out before anyone decides on it. Nothing here makes a network call.

A mail server that is down must not lose an application that is already saved,
so failures are logged, not raised.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

logger = logging.getLogger(__name__)
TEMPLATE_DIR = "workflows/applications/emails/received"

#: Providers where anyone can open an address: two addresses there share a domain
#: without sharing a school, so a match proves nothing.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "btinternet.com",
        "gmail.com",
        "googlemail.com",
        "hotmail.co.uk",
        "hotmail.com",
        "icloud.com",
        "live.co.uk",
        "live.com",
        "me.com",
        "msn.com",
        "outlook.com",
        "proton.me",
        "protonmail.com",
        "sky.com",
        "talktalk.net",
        "virginmedia.com",
        "yahoo.co.uk",
        "yahoo.com",
    }
)


def _render(name: str, context: dict) -> tuple[str, str]:
    subject = " ".join(render_to_string(f"{TEMPLATE_DIR}/{name}_subject.txt", context).split())
    return subject, render_to_string(f"{TEMPLATE_DIR}/{name}.txt", context)


def application_admin_url(application) -> str:
    """The absolute URL of ``application``'s own admin page, for links in emails.

    Built from ``settings.WAGTAILADMIN_BASE_URL`` (as ``plans.emails.plan_url``
    is): the page where its facts are read and its decisions made, reached
    through the hub lead's scope like any other admin page.
    """
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "pd_applications:inspect", args=[application.pk]
    )


def email_domain(address: str) -> str:
    """``Head@Calder.Sch.UK`` -> ``calder.sch.uk``; empty when there is no ``@``."""
    _, at, domain = (address or "").strip().rpartition("@")
    return domain.lower().rstrip(".") if at else ""


def school_contact(application) -> str:
    """The contact address the hub holds for the application's school, or ``""``."""
    school = application.school
    return (school.contact_email or "").strip() if school is not None else ""


def domain_check(application) -> str:
    """One sentence for the hub: is the head teacher's address at the school's contact domain?

    The domain only, never the address: the hub's note carries no personal data.
    Exact domains are compared; a subdomain or a local authority's shared domain
    does not count as the school's own.
    """
    contact = email_domain(school_contact(application))
    if not contact:
        return (
            "We hold no contact address for this school, so we cannot compare the head "
            "teacher's email domain with it."
        )
    if contact in PUBLIC_MAIL_DOMAINS:
        return (
            "The school's contact address is at a public email provider, so its domain "
            "says nothing about the head teacher's."
        )
    if email_domain(application.head_email) == contact:
        return "The head teacher's email domain matches the school's contact address."
    return (
        "The head teacher's email domain does NOT match the school's contact address: "
        "check with the school that this application is genuine before deciding on it."
    )


def application_emails(application, participants) -> list[EmailMessage]:
    """Return (unsent) the receipt, the notice to the school's contact if due, and the hub's note."""
    hub_email = getattr(settings, "HUB_NOTIFICATIONS_EMAIL", "")
    reply_to = [hub_email] if hub_email else None
    contact = school_contact(application)
    recipients = {application.head_email.lower()} | {
        p.email.lower() for p in participants if p.email
    }
    notify_contact = bool(contact) and contact.lower() not in recipients
    context = {
        "application": application,
        "programme": application.programme.title,
        "participants": participants,
        "hub_email": hub_email,
        "admin_url": application_admin_url(application),
        "domain_check": domain_check(application),
        "contact_notified": notify_contact,
    }
    subject, body = _render("received_school", context)
    cc = sorted({p.email for p in participants if p.email} - {application.head_email})
    messages = [
        EmailMessage(
            subject=subject, body=body, to=[application.head_email], cc=cc, reply_to=reply_to
        )
    ]
    if notify_contact:
        subject, body = _render("received_school_contact", context)
        messages.append(EmailMessage(subject=subject, body=body, to=[contact], reply_to=reply_to))
    if hub_email:
        subject, body = _render("received_hub", context)
        messages.append(EmailMessage(subject=subject, body=body, to=[hub_email]))
    return messages


def send_application_received(application, participants) -> int:
    """Send the emails; return how many went. Failures are logged, never raised."""
    sent = 0
    for message in application_emails(application, participants):
        try:
            sent += message.send()
        except Exception:
            logger.exception("Could not send the email about application %s", application.reference)
    return sent
