"""The hub lead's decisions on applications, as a small state machine.

Each decision is a transition between :class:`Application.Status` values. A
transition that does not start from one of its allowed states is refused, and
that includes the no-op of repeating a decision just made: the row is locked
(``select_for_update``) for the whole transition, so a page submitted twice waits
for the first submission, then finds the new status and changes nothing, sends
nothing and logs nothing. Emails go out only once the transaction has committed.

Every decision is logged with Wagtail's log entries (``wagtail.log_actions.log``)
under a ``workflows.<decision>`` action registered in ``workflows.admin``, so the
application's history in the admin shows who decided what and when.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from wagtail.log_actions import log

from workflows.models import Application, Enrolment, Participant, WorkGroup
from workflows.permissions import is_hub_lead

Status = Application.Status


@dataclass(frozen=True)
class Decision:
    name: str
    label: str
    past: str
    sources: frozenset
    target: str
    needs_group: bool = False
    needs_reason: bool = False


DECISIONS = {
    decision.name: decision
    for decision in (
        Decision(
            "offer",
            "Offer a place",
            "offered a place",
            frozenset({Status.SUBMITTED, Status.UNDER_REVIEW, Status.WAITLISTED, Status.LAPSED}),
            Status.OFFERED,
            needs_group=True,
        ),
        Decision(
            "waitlist",
            "Waitlist",
            "waitlisted",
            frozenset({Status.SUBMITTED, Status.UNDER_REVIEW, Status.LAPSED}),
            Status.WAITLISTED,
        ),
        Decision(
            "decline",
            "Decline",
            "declined",
            frozenset(
                {
                    Status.SUBMITTED,
                    Status.UNDER_REVIEW,
                    Status.WAITLISTED,
                    Status.OFFERED,
                    Status.LAPSED,
                }
            ),
            Status.DECLINED,
            needs_reason=True,
        ),
        Decision(
            "withdraw",
            "Withdraw",
            "withdrawn",
            frozenset({Status.SUBMITTED, Status.UNDER_REVIEW, Status.WAITLISTED, Status.OFFERED}),
            Status.WITHDRAWN,
        ),
        Decision(
            "accept",
            "Record acceptance",
            "accepted",
            frozenset({Status.OFFERED}),
            Status.ACCEPTED,
        ),
    )
}

#: An offer left unanswered past its time (``workflows.applications.offers``). Not
#: the hub's to choose, so not among ``DECISIONS``; a lapsed application comes back
#: to the hub, which may offer again, waitlist or decline.
LAPSE = Decision("lapse", "Offer lapsed", "lapsed", frozenset({Status.OFFERED}), Status.LAPSED)


class DecisionRefused(Exception):
    """A decision that cannot be made now; ``message`` says why, for the hub lead."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def available_decisions(application) -> list[Decision]:
    """Return the decisions that can be made on ``application`` in its current status."""
    return [d for d in DECISIONS.values() if application.status in d.sources]


def has_room(group) -> bool:
    """Whether ``group`` (annotated by ``with_places``) can take one more school."""
    return group.allow_over_capacity or group.places_left > 0


def no_group_reason(stage_title, year, groups) -> str:
    """Say in plain words why no place can be offered; ``""`` when a group has room.

    ``groups`` are the Work Groups of the application's programme and year, with
    their places annotated (``WorkGroup.objects.with_places()``).
    """
    groups = list(groups)
    if any(has_room(group) for group in groups):
        return ""
    if not groups:
        return (
            f"There is no {stage_title} Work Group for {year} yet, so there is nowhere "
            "to offer a place. Create one for that programme and year, then offer."
        )
    count = len(groups)
    every = "The only" if count == 1 else f"All {count}"
    return (
        f"{every} {stage_title} Work Group{'s' if count > 1 else ''} for {year} "
        f"{'are' if count > 1 else 'is'} full: every place is taken or offered. Create "
        "another group for that programme and year, or allow one to go over capacity."
    )


def create_group_url(stage_id, year) -> str:
    """The Work Group add form, its programme and academic year filled in already."""
    query = urlencode({"stage": stage_id, "academic_year": year})
    return f"{reverse('pd_workgroups:add')}?{query}"


def _check_offer(application, group):
    if group is None:
        groups = (
            WorkGroup.objects.with_places()
            .select_related("stage")
            .filter(stage_id=application.programme_id, academic_year=application.academic_year)
        )
        reason = no_group_reason(application.programme.title, application.academic_year, groups)
        raise DecisionRefused(reason or "Choose the Work Group to offer a place in.", "work_group")
    if application.school_id is None:
        raise DecisionRefused(
            "Link the application to a school before offering it a place.", "work_group"
        )
    if group.stage_id != application.programme_id or group.academic_year != (
        application.academic_year
    ):
        raise DecisionRefused(
            f"{group.name} is not a {application.programme.title} group for "
            f"{application.academic_year}.",
            "work_group",
        )
    try:
        # The application's own earlier offer (none for these statuses) never counts.
        Enrolment(
            school=application.school, work_group=group, application_id=application.pk
        ).clean()
    except ValidationError as error:
        raise DecisionRefused(" ".join(error.messages), "work_group") from error


def _enrol(application, user):
    """Create the school's enrolment and its participants from the application.

    Each record created is logged as created by ``user`` (naming the application),
    as it would be had the hub lead added it by hand: the audit trail of an
    enrolment or a participant starts with where it came from.
    """
    enrolment = Enrolment(
        school=application.school,
        work_group=application.offered_group,
        application=application,
        joined_on=timezone.localdate(),
    )
    try:
        enrolment.save_checked()
    except ValidationError as error:
        raise DecisionRefused(" ".join(error.messages), "work_group") from error
    people = [
        Participant(
            enrolment=enrolment,
            name=application.head_name,
            email=application.head_email,
            role=Participant.Role.HEAD,
        )
    ]
    people += [
        Participant(
            enrolment=enrolment,
            name=person.name,
            email=person.email,
            role=Participant.Role.LEAD_TEACHER,
            is_maths_lead=person.is_maths_lead,
            trn=person.trn,
        )
        for person in application.participants.all()
    ]
    Participant.objects.bulk_create(people)
    source = {"application": application.reference}
    log(instance=enrolment, action="wagtail.create", user=user, data=source)
    for person in people:
        log(instance=person, action="wagtail.create", user=user, data=source)
    # The school's other open applications for the year can lead nowhere now.
    from workflows.applications.moot import close_moot_applications

    close_moot_applications(enrolment, user)
    return enrolment


def decide(application_pk, name, user, *, work_group=None, reason="") -> Application:
    """Make decision ``name`` on an application and return it, updated.

    :raises PermissionDenied: if ``user`` is not a hub lead.
    :raises DecisionRefused: if the decision cannot be made (wrong status, a full
        group, no reason for a decline...); nothing has changed then.
    """
    if not is_hub_lead(user):
        raise PermissionDenied
    decision = DECISIONS.get(name)
    if decision is None:
        raise DecisionRefused("Choose a decision.")
    reason = (reason or "").strip()
    if decision.needs_reason and not reason:
        raise DecisionRefused("Give the reason; it is sent to the school.", "reason")
    return transition(application_pk, decision, user, work_group=work_group, reason=reason)


def transition(
    application_pk,
    decision,
    user,
    *,
    work_group=None,
    reason="",
    data=None,
    check=None,
    notify=None,
) -> Application:
    """Move an application along ``decision`` under its row lock: the one state machine.

    ``decide`` (the hub lead's) and the school's online answer to an offer or an
    offer's lapse (``workflows.applications.offers``, ``user=None``) all come
    through here, so they refuse a repeat the same way. ``check(application)``
    runs on the locked row first and may raise :class:`DecisionRefused`; ``data``
    is added to the log entry; ``notify(application)`` runs once committed,
    instead of the decision email to the school.
    """
    from workflows.applications.decision_emails import send_decision_email

    name = decision.name
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("school", "programme", "offered_group")
            .get(pk=application_pk)
        )
        if check is not None:
            check(application)
        if application.status not in decision.sources:
            raise DecisionRefused(
                f"This application is {application.get_status_display().lower()}; "
                f"it cannot be {decision.past} now."
            )
        if decision.needs_group:
            if work_group is not None:
                work_group = WorkGroup.objects.select_related("stage").get(pk=work_group.pk)
            _check_offer(application, work_group)
            application.offered_group = work_group
            application.offer_chased_at = None  # a new offer is chased afresh
        if name == "accept":
            _enrol(application, user)
        if decision.needs_reason or reason:
            application.decision_reason = reason
        application.status = decision.target
        application.decided_by = user
        application.decided_at = timezone.now()
        application.save(
            update_fields=[
                "status",
                "offered_group",
                "decision_reason",
                "decided_by",
                "decided_at",
                "offer_chased_at",
                "updated_at",
            ]
        )
        entry = {"status": application.status, **(data or {})}
        if application.offered_group_id:
            entry["work_group"] = application.offered_group.code
        if reason:
            entry["reason"] = reason
        log(instance=application, action=f"workflows.{name}", user=user, data=entry)
        if notify is None:
            transaction.on_commit(lambda: send_decision_email(application, name))
        else:
            transaction.on_commit(lambda: notify(application))
    return application
