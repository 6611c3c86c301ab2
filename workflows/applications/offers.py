"""Offers a school answers online, and offers chased then lapsed when nobody answers.

The offer email carries a link signed with Django's ``signing`` (its own salt) that
names the application by reference and the offer by the moment it was made
(``decided_at``, to the microsecond). Nothing else is in it, and it is the only key
to the page: no account, no id in the address. A new offer, an answer or a lapse
changes ``decided_at`` or the status, so an old link stops working; links expire
after ``OFFER_LINK_MAX_AGE_DAYS`` (the chase carries a fresh one for the same offer).

Accepting and declining go through ``workflows.applications.decisions.transition``, the state
machine the hub lead's decisions use, under the same row lock: accepting is the
``accept`` transition (enrolment and participants), declining is ``withdraw``, both
logged with ``{"online": True}`` and no user. A second post finds the offer answered
and changes nothing, sends nothing and logs nothing.

``chase_offers`` (daily) reminds a school once, ``OFFER_CHASE_AFTER_DAYS`` after the
offer, and lapses the offer when it is ``OFFER_LAPSE_AFTER_DAYS`` old and was chased
at least ``OFFER_LAPSE_DAYS_AFTER_CHASE`` days before: the application goes back to
the hub (status "Offer lapsed"), and only open offers hold a place
(``WorkGroupQuerySet.with_places``), so the place is free again.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from wagtail.log_actions import log

from workflows.applications.decisions import DECISIONS, LAPSE, DecisionRefused, transition
from workflows.audit.models import HubLogEntry
from workflows.models import Application

logger = logging.getLogger(__name__)
Status = Application.Status

SALT = "workflows.applications.offer"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CHASED = "workflows.offer_chased"

#: What the application's history says of the school's own answers.
ONLINE_LOG_MESSAGES = {
    "accept": "Offer accepted online by the school",
    "withdraw": "Offer declined online by the school",
}


def days_setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def link_max_age() -> timedelta:
    return timedelta(days=days_setting("OFFER_LINK_MAX_AGE_DAYS", 28))


# The link --------------------------------------------------------------------------------


def offer_stamp(application) -> int:
    """The offer's moment in whole microseconds: what binds a link to this one offer."""
    if application.decided_at is None:
        return 0
    return (application.decided_at - EPOCH) // timedelta(microseconds=1)


def offer_token(application) -> str:
    return signing.dumps({"r": application.reference, "o": offer_stamp(application)}, salt=SALT)


def offer_url(application) -> str:
    """The absolute address of the page where the school answers its current offer."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "workflows:offer", kwargs={"token": offer_token(application)}
    )


def link_expires_on(now=None):
    """The last day a link made now still works, for the email to say."""
    return timezone.localdate((now or timezone.now()) + link_max_age())


@dataclass(frozen=True)
class LinkProblem:
    """Why a link shows no offer: a title and a sentence for the page, and its status."""

    title: str
    message: str
    status: int = 410


INVALID = LinkProblem(
    "This link does not work",
    "The link is incomplete or has been changed. Open it from the email exactly as it "
    "arrived, or copy the whole address into your browser.",
    404,
)
EXPIRED = LinkProblem(
    "This link has expired",
    "Links to answer an offer work for a few weeks only. If the school still wants the "
    "place, contact the hub and we will send a new one.",
)
SUPERSEDED = LinkProblem(
    "This link is for an earlier offer",
    "The hub has written to the school since with a newer offer. Use the link in the latest email.",
)
ANSWERED = {
    Status.ACCEPTED: LinkProblem(
        "This offer has already been accepted",
        "The school has accepted this place, so there is nothing more to do here.",
    ),
    Status.WITHDRAWN: LinkProblem(
        "This offer has already been answered",
        "The place was declined or the application withdrawn, so it can no longer be "
        "accepted here.",
    ),
    Status.LAPSED: LinkProblem(
        "This offer has lapsed",
        "We did not hear from the school in time, so the place was released. If the "
        "school still wants a place, contact the hub.",
    ),
}
CLOSED = LinkProblem(
    "This offer is no longer open",
    "The hub has changed its decision on this application since the offer was made.",
)


class OfferLinkRefused(DecisionRefused):
    """The link shows no offer; ``problem`` says why."""

    def __init__(self, problem: LinkProblem):
        super().__init__(problem.message)
        self.problem = problem


def read_token(token: str, max_age: timedelta | None = None) -> tuple[str, int]:
    """Return ``(reference, offer stamp)`` from a link's token.

    :raises OfferLinkRefused: tampered or foreign (``INVALID``), or too old (``EXPIRED``).
    """
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age or link_max_age())
    except signing.SignatureExpired:
        raise OfferLinkRefused(EXPIRED) from None
    except signing.BadSignature:
        raise OfferLinkRefused(INVALID) from None
    if not (
        isinstance(data, dict) and isinstance(data.get("r"), str) and type(data.get("o")) is int
    ):
        raise OfferLinkRefused(INVALID)
    return data["r"], data["o"]


def link_problem(application, stamp: int) -> LinkProblem | None:
    """Why ``application`` has no open offer for a link stamped ``stamp``; None if it has."""
    if application.status == Status.OFFERED:
        if application.offered_group_id is None:
            return CLOSED  # its Work Group was deleted: there is no place to accept
        return None if offer_stamp(application) == stamp else SUPERSEDED
    return ANSWERED.get(application.status, CLOSED)


def _same_offer(stamp: int):
    def check(application):
        problem = link_problem(application, stamp)
        if problem is not None:
            raise OfferLinkRefused(problem)

    return check


def open_offer(token: str, max_age: timedelta | None = None):
    """The application whose open offer ``token`` names, with what its page shows.

    :raises OfferLinkRefused: when the link shows no offer.
    """
    reference, stamp = read_token(token, max_age)
    application = (
        Application.objects.select_related("school", "programme", "offered_group")
        .filter(reference=reference)
        .first()
    )
    if application is None:
        raise OfferLinkRefused(INVALID)
    _same_offer(stamp)(application)
    return application


def answer_offer(token: str, answer: str, reason: str = "", max_age=None):
    """Accept (``answer="accept"``) or decline the offer ``token`` names; return the application.

    :raises OfferLinkRefused: the link shows no offer (now), so nothing changed.
    :raises DecisionRefused: the enrolment was refused (a group's rule); nothing changed.
    """
    from workflows.applications import offer_emails

    reference, stamp = read_token(token, max_age)
    pk = Application.objects.filter(reference=reference).values_list("pk", flat=True).first()
    if pk is None:
        raise OfferLinkRefused(INVALID)
    if answer == "accept":
        return transition(
            pk,
            DECISIONS["accept"],
            None,
            data={"online": True},
            check=_same_offer(stamp),
            notify=offer_emails.accepted_online,
        )
    return transition(
        pk,
        DECISIONS["withdraw"],
        None,
        reason=reason.strip(),
        data={"online": True},
        check=_same_offer(stamp),
        notify=offer_emails.declined_online,
    )


# Chase and lapse --------------------------------------------------------------------------


def chase_and_lapse(now=None) -> tuple[int, int]:
    """Chase the offers due a reminder and lapse those past their time; return the counts.

    Safe to run any number of times: an offer is chased when ``offer_chased_at`` is
    empty (set in the same conditional update), and lapsing is a transition from
    "offered", refused once made.
    """
    from workflows.applications import offer_emails

    now = now or timezone.now()
    lapse_before = now - timedelta(days=days_setting("OFFER_LAPSE_AFTER_DAYS", 28))
    chased_before = now - timedelta(days=days_setting("OFFER_LAPSE_DAYS_AFTER_CHASE", 7))
    lapsed = 0
    for pk, decided_at in Application.objects.filter(
        status=Status.OFFERED, decided_at__lte=lapse_before, offer_chased_at__lte=chased_before
    ).values_list("pk", "decided_at"):
        stamp = offer_stamp(Application(decided_at=decided_at))
        try:
            transition(
                pk,
                LAPSE,
                None,
                check=_same_offer(stamp),
                notify=offer_emails.lapsed,
            )
        except DecisionRefused:
            continue  # answered or offered again since the list was read
        lapsed += 1

    chase_before = now - timedelta(days=days_setting("OFFER_CHASE_AFTER_DAYS", 14))
    chased = 0
    for pk, decided_at in Application.objects.filter(
        status=Status.OFFERED,
        decided_at__lte=chase_before,
        offer_chased_at__isnull=True,
        offered_group__isnull=False,  # a deleted group's offer has no place to chase
    ).values_list("pk", "decided_at"):
        with transaction.atomic():
            if not Application.objects.filter(
                pk=pk, status=Status.OFFERED, decided_at=decided_at, offer_chased_at__isnull=True
            ).update(offer_chased_at=now, updated_at=now):
                continue
            application = Application.objects.select_related(
                "school", "programme", "offered_group"
            ).get(pk=pk)
            data = {"work_group": application.offered_group.code}
            log(instance=application, action=CHASED, user=None, data=data)
            transaction.on_commit(lambda a=application: offer_emails.chased(a))
        chased += 1
    return chased, lapsed


# The offer's story, for the hub ----------------------------------------------------------

STORY_ACTIONS = {
    "workflows.offer": "Offer sent",
    CHASED: "Offer chased",
    "workflows.accept": "Acceptance recorded by the hub",
    "workflows.withdraw": "Withdrawn by the hub",
    "workflows.decline": "Declined by the hub",
    "workflows.lapse": "Offer lapsed unanswered",
}


def offer_story(application) -> list[dict]:
    """When each offer was sent, chased and how it was answered, oldest first; one query.

    Read from the application's own log entries, as its history page shows them;
    empty, with no query, when it was never offered a place (every offer names its group).
    """
    if application.offered_group_id is None:
        return []
    entries = list(
        HubLogEntry.objects.filter(
            content_type__app_label="workflows",
            content_type__model="application",
            object_id=str(application.pk),
            action__in=STORY_ACTIONS,
        )
        .select_related("user")
        .order_by("timestamp", "pk")
    )
    if not any(entry.action == "workflows.offer" for entry in entries):
        return []
    first_offer = next(i for i, e in enumerate(entries) if e.action == "workflows.offer")
    story = []
    for entry in entries[first_offer:]:
        data = entry.data or {}
        online = bool(data.get("online"))
        label = ONLINE_LOG_MESSAGES.get(entry.action.removeprefix("workflows.")) if online else None
        if entry.action == "workflows.offer" and data.get("work_group"):
            label = f"Offer sent: a place in {data['work_group']}"
        story.append(
            {
                "label": label or STORY_ACTIONS[entry.action],
                "when": entry.timestamp,
                "by": entry.user.get_full_name() or entry.user.get_username() if entry.user else "",
                "reason": data.get("reason", "") if entry.action != "workflows.offer" else "",
                "online": online,
            }
        )
    return story


def answered_without_hub(application, story) -> str:
    """Who made the last decision when nobody at the hub did: the school, or time."""
    if application.status == Status.LAPSED:
        return "unanswered: the offer lapsed"
    if story and application.decided_by_id is None and story[-1]["online"]:
        return "by the school, online"
    return ""
