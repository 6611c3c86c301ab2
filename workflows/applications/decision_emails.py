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

TEMPLATE_DIR = "workflows/applications/emails/decisions"


def application_context(application, **extra) -> dict:
    """What every email about one application may say: its own details, nothing else."""
    return {
        "application": application,
        "school_name": application.school.name if application.school else application.school_name,
        "programme": application.programme.title,
        "year": application.academic_year,
        "group": application.offered_group,
        "hub_email": getattr(settings, "HUB_NOTIFICATIONS_EMAIL", ""),
        **extra,
    }


def render_email(template: str, context: dict) -> tuple[str, str]:
    """The subject (one line) and body of ``<template>_subject.txt`` and ``<template>.txt``."""
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    return subject, render_to_string(f"{template}.txt", context)


def school_email(application, template: str, **extra) -> EmailMessage:
    """Return (unsent) ``template`` to the school's head, the teachers copied, Reply-To the hub."""
    context = application_context(application, **extra)
    subject, body = render_email(template, context)
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


def decision_email(application, decision: str) -> EmailMessage:
    """Return (unsent) the email telling the school about ``decision``."""
    extra = {"reason": application.decision_reason}
    if decision == "offer":
        # The school answers online, through a link to this offer only.
        extra.update(answer_url=offer_url(application), answer_until=link_expires_on())
    return school_email(application, f"{TEMPLATE_DIR}/{decision}", **extra)


def send_decision_email(application, decision: str) -> None:
    decision_email(application, decision).send()
