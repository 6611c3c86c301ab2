"""One email to a whole Work Group: who it reaches, and sending it once.

Who may send: a hub lead, or the Mastery Specialist who leads the group
(:func:`can_message`); scope alone would also let a specialist who is a school
leader reach groups their school is in.

Who it reaches (:func:`reach_of`): the group's participants of the chosen roles
(lead teachers, heads), as the sender may see them, less anyone of a school that
has left the group and anyone without an email address; both are counted so the
page can say how many were left out. An address listed twice (one head for two
roles, say) gets one copy.

One email per address, not one email with everyone in BCC: nobody sees another's
address whatever their mail program does with BCC, a refused address does not
stop the rest, and each copy's footer says why *that* person received it.
Replies go to the sender (``Reply-To``); the email leaves from the hub's address.

A double submit sends once: inside one transaction the group's row is locked
(``select_for_update``; SQLite serialises writers anyway) and an identical message
(same group, sender, subject and text) sent in the last :data:`REPEAT_WINDOW` is
answered instead of a new one. That needs no token stored anywhere, and holds for
two tabs, a double click and a re-post after "back" alike. The emails leave once
the message is committed (``on_commit``), so a rollback sends nothing.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from wagtail.log_actions import log
from wagtail.permissions import policy_registry

from workflows.models import GroupMessage, Participant, WorkGroup
from workflows.permissions import is_hub_lead, is_specialist, visible

logger = logging.getLogger(__name__)

MESSAGE_ACTION = "workflows.group_message"

#: An identical message from the same sender within this time is a repeat, not sent again.
REPEAT_WINDOW = timedelta(minutes=10)

Role = Participant.Role
#: The sender's choice of whom to write to: key -> (label, participant roles).
AUDIENCES = {
    "participants": ("Participants (the schools' lead teachers)", (Role.LEAD_TEACHER,)),
    "heads": ("Head teachers", (Role.HEAD,)),
}


def can_message(user, group) -> bool:
    """Whether ``user`` may message ``group``: a hub lead, or the specialist leading it.

    Both also need the Work Group "change" permission of their role, so an
    administrator who takes that away also takes this.
    """
    if not policy_registry.get_by_type(WorkGroup).user_has_permission(user, "change"):
        return False
    if is_hub_lead(user):
        return True
    return is_specialist(user) and group.lead_specialist_id == user.pk


def group_people(user, group) -> list[Participant]:
    """Every participant of ``group`` that ``user`` may see, with their school: one query."""
    return list(
        visible(user, Participant.objects.filter(enrolment__work_group=group))
        .select_related("enrolment__school")
        .order_by("enrolment__school__name", "role", "name", "pk")
    )


@dataclass
class Reach:
    """Whom a message to some audiences reaches, and who is left out and why."""

    #: Lower-cased address -> the first participant with it (whose footer it gets).
    addresses: dict[str, Participant] = field(default_factory=dict)
    #: Every participant whose address is sent to (two may share one address).
    recipients: list[Participant] = field(default_factory=list)
    without_email: int = 0
    left_group: int = 0

    @property
    def count(self) -> int:
        return len(self.addresses)

    @property
    def left_out(self) -> int:
        return self.without_email + self.left_group


def reach_of(people, audiences, today) -> Reach:
    """Whom a message to ``audiences`` (keys of :data:`AUDIENCES`) reaches among ``people``.

    A school counts as having left once its ``left_on`` day has come.
    """
    roles = {role for key in audiences for role in AUDIENCES[key][1]}
    reach = Reach()
    for person in people:
        if person.role not in roles:
            continue
        left_on = person.enrolment.left_on
        if left_on is not None and left_on <= today:
            reach.left_group += 1
        elif not person.email:
            reach.without_email += 1
        else:
            reach.recipients.append(person)
            reach.addresses.setdefault(person.email.strip().lower(), person)
    return reach


def sender_name(user) -> str:
    if user is None:
        return "Someone no longer at the hub"
    return user.get_full_name() or user.get_username()


def build_email(message, person, address, audiences) -> EmailMessage:
    """The copy of ``message`` for one address, with a footer saying why they got it."""
    sender = message.sent_by
    context = {
        "message": message,
        "group": message.work_group,
        "person": person,
        "school": person.enrolment.school,
        "sender": sender_name(sender),
        "audience": describe_audiences(audiences),
    }
    body = render_to_string("workflows/groups/emails/message.txt", context)
    return EmailMessage(
        subject=message.subject,
        body=body,
        to=[address],
        reply_to=[sender.email] if sender is not None and sender.email else None,
    )


def deliver(emails) -> int:
    """Send each email on one connection; return how many failed (each is logged)."""
    failed = 0
    if not emails:
        return failed
    connection = get_connection()
    with connection:
        for email in emails:
            email.connection = connection
            try:
                email.send()
            except Exception:  # one refused address must not stop the rest
                failed += 1
                logger.exception("A Work Group message to one address was not sent.")
    return failed


class NobodyToReach(Exception):
    """The chosen people include nobody with an email address: nothing is sent."""


@dataclass
class Outcome:
    message: GroupMessage
    repeated: bool = False
    reach: Reach | None = None
    failed: int = 0


def send_to_group(*, group, sender, subject, body, audiences, now=None) -> Outcome:
    """Record and send one message to ``group``; a repeat answers the earlier one.

    :raises NobodyToReach: nobody of ``audiences`` has an address (nothing recorded).
    :returns: the :class:`Outcome`; ``repeated`` if an identical message was
        already sent within :data:`REPEAT_WINDOW` (nothing sent again).
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Two submits of the same form wait here in turn; the second finds the first.
        list(WorkGroup.objects.select_for_update().filter(pk=group.pk).values_list("pk"))
        earlier = (
            GroupMessage.objects.filter(
                work_group=group,
                sent_by=sender,
                subject=subject,
                body=body,
                sent_at__gte=now - REPEAT_WINDOW,
                anonymised_at__isnull=True,
            )
            .order_by("-sent_at")
            .first()
        )
        if earlier is not None:
            return Outcome(earlier, repeated=True)
        reach = reach_of(group_people(sender, group), audiences, timezone.localdate(now))
        if not reach.count:
            raise NobodyToReach
        message = GroupMessage.objects.create(
            work_group=group,
            sent_by=sender,
            sent_at=now,
            subject=subject,
            body=body,
            recipient_count=reach.count,
        )
        message.recipients.set(reach.recipients)
        log_message(group, message, reach, audiences, sender)
        emails = [
            build_email(message, person, address, audiences)
            for address, person in reach.addresses.items()
        ]
        outcome = Outcome(message, reach=reach)

        def send_once_committed():
            outcome.failed = deliver(emails)

        transaction.on_commit(send_once_committed)
    return outcome


def log_message(group, message, reach, audiences, sender) -> None:
    """Note the message on the group's history: how many, to whom; never its words.

    The subject and text are personal data the purge clears from the message;
    the history keeps only what counts.
    """
    log(
        group,
        MESSAGE_ACTION,
        user=sender,
        data={
            "message": message.pk,
            "recipients": reach.count,
            "audiences": list(audiences),
            "without_email": reach.without_email,
            "left_group": reach.left_group,
        },
    )


def describe_audiences(audiences) -> str:
    """``participants and head teachers``."""
    return " and ".join(
        AUDIENCES[key][0].split(" (")[0].lower() for key in audiences if key in AUDIENCES
    )
