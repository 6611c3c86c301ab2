"""Calendar invitations by email: sent when the admin creates, changes or deletes a
meeting or a visit.

Hooked where the admin saves, through Wagtail's own actions: the create, edit and
delete views of every model viewset run the action registered for their model
(``register_actions``, :mod:`.wagtail_hooks`), so :class:`InvitingCreateAction`,
:class:`InvitingEditAction` and :class:`InvitingDeleteAction` are what the meeting
and visit views run. Nothing else (the demo loader, the register, imports) sends.

Who is invited (:func:`invitees`):

* a meeting: the participants, with an email address, of the schools enrolled in
  its group on its day (:meth:`Meeting.enrolled_participants`, heads included),
  and the school-leader accounts of those schools;
* a visit: the school's head teacher(s) among its participants in the visit's
  group, and the school's leader accounts.

Each person gets one email addressed to them alone, with a ``METHOD:REQUEST``
``.ics`` whose only ``ATTENDEE`` is them. A change of what a calendar shows
(:data:`SHOWN`: time, place, kind, group, school, organiser) raises the record's
``sequence`` in the same transaction (an ``F()`` update, so two saves never give
the same number) and re-sends; people no longer concerned (a meeting moved to
another group) get a cancellation. Other edits (the agenda, the visit's notes)
re-send nothing: the feed and a download show them. Deleting sends
``METHOD:CANCEL`` with ``SEQUENCE`` one higher. Emails leave once the change is
committed (``transaction.on_commit``); a refused or rolled-back save sends none.
"""

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from wagtail.actions.create import CreateAction
from wagtail.actions.delete import DeleteAction
from wagtail.actions.edit import EditAction
from wagtail.log_actions import log

from workflows.accounts import roles
from workflows.calendars import ical
from workflows.meetings.models import enrolled_participants
from workflows.models import Enrolment, Meeting, Participant, Visit

logger = logging.getLogger(__name__)

TEMPLATE_DIR = "workflows/calendars/emails"

#: The log action on the meeting's or visit's history: how many were sent, never to whom.
INVITATIONS_ACTION = "workflows.calendar_invitations"

#: The fields whose change alters what a calendar shows, per model: a change re-sends.
SHOWN = {
    Meeting: ("work_group_id", "starts_at", "ends_at", "host_school_id", "kind"),
    Visit: ("work_group_id", "school_id", "visited_on", "specialist_id"),
}


def _unique(people) -> list[ical.Person]:
    """One entry per address (whatever its capitals), the first name given kept."""
    seen, unique = set(), []
    for name, email in people:
        key = email.strip().casefold()
        if key and key not in seen:
            seen.add(key)
            unique.append(ical.Person(name, email.strip()))
    return unique


def _leaders(school_ids):
    """School-leader accounts (active, with an email) of the schools ``school_ids``."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True, groups__name=roles.SCHOOL_LEADERS, led_schools__in=school_ids
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _with_address(participants):
    return (
        participants.filter(anonymised_at__isnull=True)
        .exclude(email="")
        .order_by("enrolment__school__name", "role", "name", "pk")
        .values_list("name", "email")
    )


def meeting_invitees(work_group_id, starts_at) -> list[ical.Person]:
    """The group's participants on the meeting's day and their schools' leaders."""
    day = timezone.localdate(starts_at) if starts_at else None
    people = list(_with_address(enrolled_participants(work_group_id, on=day)))
    enrolments = Enrolment.objects.filter(work_group_id=work_group_id)
    if day is not None:
        enrolments = enrolments.exclude(left_on__lt=day)
    leaders = _leaders(enrolments.values("school_id"))
    people += [(u.get_full_name() or u.get_username(), u.email) for u in leaders]
    return _unique(people)


def visit_invitees(work_group_id, school_id) -> list[ical.Person]:
    """The visited school's head teacher(s): participants in the group and leader accounts."""
    heads = Participant.objects.filter(
        enrolment__work_group_id=work_group_id,
        enrolment__school_id=school_id,
        role=Participant.Role.HEAD,
    )
    people = list(_with_address(heads))
    leaders = _leaders([school_id])
    people += [(u.get_full_name() or u.get_username(), u.email) for u in leaders]
    return _unique(people)


def invitees(obj, values=None) -> list[ical.Person]:
    """Who is invited to ``obj``, or to ``obj`` as it was with ``values`` (``SHOWN``)."""
    values = values or {name: getattr(obj, name) for name in SHOWN[type(obj)]}
    if isinstance(obj, Visit):
        return visit_invitees(values["work_group_id"], values["school_id"])
    return meeting_invitees(values["work_group_id"], values["starts_at"])


def when_of(obj) -> str:
    """``Tuesday 3 November 2026, 13:00 to 16:00`` (UK time); a visit: the day."""
    if isinstance(obj, Visit):
        return date_format(obj.visited_on, "l j F Y")
    start, end = (timezone.localtime(moment) for moment in ical.meeting_times(obj))
    text = f"{date_format(start, 'l j F Y')}, {start:%H:%M} to {end:%H:%M}"
    if obj.ends_at is None:
        text += " (finish time to be confirmed)"
    return text


def _message(obj, person, method, kind, sequence) -> EmailMessage:
    """One email to ``person`` with its ``.ics`` (``kind``: new, updated or cancelled)."""
    organiser = ical.organiser_of(obj)
    context = {
        "kind": kind,
        "person": person,
        "summary": ical.summary_of(obj),
        "when": when_of(obj),
        "location": ical.location_of(obj),
        "organiser": organiser,
        "is_visit": isinstance(obj, Visit),
    }
    subject = " ".join(render_to_string(f"{TEMPLATE_DIR}/invitation_subject.txt", context).split())
    body = render_to_string(f"{TEMPLATE_DIR}/invitation.txt", context)
    message = EmailMessage(subject, body, to=[person.email], reply_to=[organiser.email])
    message.attach(
        "invitation.ics",
        ical.invitation(obj, person, method=method, sequence=sequence).decode(),
        f"text/calendar; method={method}",
    )
    return message


def deliver(messages) -> None:
    """Send ``messages`` over one connection; a mail server that is down is logged, not raised."""
    if not messages:
        return
    try:
        get_connection().send_messages(messages)
    except Exception:
        logger.exception("Calendar invitations could not be sent (%d emails).", len(messages))


def send_on_commit(messages) -> None:
    """Send ``messages`` once the current change is committed (at once outside a transaction)."""
    if messages:
        transaction.on_commit(lambda: deliver(messages))


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


@dataclass
class Outcome:
    """What was sent for one save: read back by the view for its success message."""

    requests: int = 0
    cancellations: int = 0
    kind: str = "new"

    def as_data(self) -> dict:
        return {"kind": self.kind, "requests": self.requests, "cancellations": self.cancellations}

    @classmethod
    def from_data(cls, data) -> "Outcome":
        return cls(
            requests=data.get("requests", 0),
            cancellations=data.get("cancellations", 0),
            kind=data.get("kind", "new"),
        )

    def log(self, obj, user) -> None:
        """Note on ``obj``'s history what was sent (counts only), unless nothing changed."""
        if self.kind != "unchanged":
            log(instance=obj, action=INVITATIONS_ACTION, user=user, data=self.as_data())

    def message(self) -> str:
        if self.kind == "unchanged":
            return ""
        if self.kind == "cancelled":
            if not self.cancellations:
                return "Nobody invited had an email address, so no cancellation was sent."
            return f"Cancellations sent to {_people(self.cancellations)}."
        words = "Calendar invitations" if self.kind == "new" else "Updated calendar invitations"
        if not self.requests and not self.cancellations:
            return "No calendar invitation was sent: nobody concerned has an email address."
        text = f"{words} sent to {_people(self.requests)}."
        if self.cancellations:
            text += f" Cancellations sent to {_people(self.cancellations)} no longer concerned."
        return text


def invite(obj) -> Outcome:
    """Send the first invitations to a new meeting or visit (after commit)."""
    people = invitees(obj)
    send_on_commit([_message(obj, p, ical.REQUEST, "new", obj.sequence) for p in people])
    return Outcome(requests=len(people), kind="new")


def shown_values(model, pk) -> dict | None:
    """What a calendar shows of the stored record ``pk`` (``None`` if it is gone)."""
    return model._base_manager.filter(pk=pk).values(*SHOWN[model]).first()


def reinvite(obj, before: dict | None) -> Outcome:
    """After ``obj`` was saved over ``before``: raise its sequence and re-send, if shown values changed."""
    after = {name: getattr(obj, name) for name in SHOWN[type(obj)]}
    if before is None or before == after:
        return Outcome(kind="unchanged")
    type(obj)._base_manager.filter(pk=obj.pk).update(sequence=F("sequence") + 1)
    obj.refresh_from_db(fields=["sequence"])
    now = invitees(obj)
    current = {p.email.casefold() for p in now}
    gone = [p for p in invitees(obj, before) if p.email.casefold() not in current]
    messages = [_message(obj, p, ical.REQUEST, "updated", obj.sequence) for p in now]
    messages += [_message(obj, p, ical.CANCEL, "cancelled", obj.sequence) for p in gone]
    send_on_commit(messages)
    return Outcome(requests=len(now), cancellations=len(gone), kind="updated")


def cancellations(obj) -> list[EmailMessage]:
    """The cancellations of ``obj``, built before it is deleted (its id is in the UID)."""
    return [_message(obj, p, ical.CANCEL, "cancelled", obj.sequence + 1) for p in invitees(obj)]


class InvitingCreateAction(CreateAction):
    """Wagtail's create action; then the invitations (see the module docstring)."""

    def execute(self, *args, **kwargs):
        with transaction.atomic():
            result = super().execute(*args, **kwargs)
            self.instance.calendar_outcome = invite(self.instance)
            self.instance.calendar_outcome.log(self.instance, self.user)
        return result


class InvitingEditAction(EditAction):
    """Wagtail's edit action; then updated invitations if the calendar entry changed."""

    def execute(self, *args, **kwargs):
        with transaction.atomic():
            # Read inside the view's transaction, after its stale-edit claim of the row.
            before = shown_values(type(self.instance), self.instance.pk)
            result = super().execute(*args, **kwargs)
            self.instance.calendar_outcome = reinvite(self.instance, before)
            self.instance.calendar_outcome.log(self.instance, self.user)
        return result


class InvitingDeleteAction(DeleteAction):
    """Wagtail's delete action; then cancellations to everyone invited."""

    def execute(self, *args, **kwargs):
        messages = cancellations(self.instance)
        outcome = Outcome(cancellations=len(messages), kind="cancelled")
        with transaction.atomic():
            # Logged while the record exists; undone with it if the delete is refused.
            outcome.log(self.instance, self.user)
            result = super().execute(*args, **kwargs)
        # Registered after the delete succeeded: a refused delete cancels nothing.
        send_on_commit(messages)
        self.instance.calendar_outcome = outcome
        return result


def outcome_message(obj) -> str:
    """The sentence a success message adds about invitations, if any were concerned."""
    outcome = getattr(obj, "calendar_outcome", None)
    return outcome.message() if outcome is not None else ""


class InvitationMessageMixin:
    """For a create/edit/delete view of meetings or visits: say how many invitations went."""

    def get_success_message(self, *args):
        message = super().get_success_message(*args)
        obj = args[0] if args else self.object
        extra = outcome_message(obj)
        if message and extra:
            return f"{message} {extra}"
        return message or extra or None


def register_actions(registry) -> None:
    """Run the inviting actions for meetings and visits (the ``register_actions`` hook)."""
    for model in SHOWN:
        for action in (InvitingCreateAction, InvitingEditAction, InvitingDeleteAction):
            registry.register(model, action)
