"""Applications made moot by an enrolment are closed with a reason, in one place.

A school is at one stage of its journey towards mastery a year. Once it is
enrolled in a stage for an academic year (an offer accepted through
``decisions.decide``, whether the hub lead records it or the school answers
online, or a hub lead adding the enrolment by hand) its other open applications
to journey stages that year can lead nowhere. A programme outside the journey
(training Mastery Specialists: ``ProgrammePage.in_journey`` unticked) runs beside
the stages, so only an enrolment in that same programme makes its applications
moot, and a stage enrolment never does. Left open, they stayed on
the placement board and in the dashboard's "waiting" lists, and an offered one held
a place in another group. :func:`close_moot_applications` closes them; every path
that enrols a school calls it, so the rule is written once.

The school is not emailed: it caused the closure by joining a group, and it has
just been told about that place (the offer it accepted, or the hub lead who
enrolled it). The closure is logged on each application (``workflows.close``) and
its reason kept in ``decision_reason``, which its page shows.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from wagtail.log_actions import log

from workflows.models import Application

Status = Application.Status

#: Applications that could still become a place, so an enrolment makes them moot.
OPEN = (
    Status.SUBMITTED,
    Status.UNDER_REVIEW,
    Status.WAITLISTED,
    Status.OFFERED,
    Status.LAPSED,
)

CLOSE_ACTION = "workflows.close"


def closure_reason(enrolment) -> str:
    """Say why: "Closed: Brookfield Primary School joined DWG-02 (Development Work Groups) on 3 December 2026"."""
    group = enrolment.work_group
    joined = enrolment.joined_on or timezone.localdate()
    return (
        f"Closed: {enrolment.school.name} joined {group.code} ({group.stage.title}) "
        f"on {date_format(joined, 'j F Y')}"
    )


def close_moot_applications(enrolment, user=None) -> list[Application]:
    """Close the school's other open applications the enrolment makes moot that year.

    Runs in the caller's transaction when there is one (an accepted offer is
    undone with its closures). Each application is locked while it closes, so a
    decision made on it at the same moment either happens first, and is closed
    after, or waits and is then refused. Closing frees an offered place: only
    offers still open hold one. ``user`` is who made the enrolment (``None`` for
    the school's own online answer).

    :returns: the applications closed (none when the school has left the group).
    """
    if enrolment.left_on is not None:
        return []
    with transaction.atomic():
        stage = enrolment.work_group.stage
        same_kind = (
            {"programme__in_journey": True} if stage.in_journey else {"programme_id": stage.pk}
        )
        moot = Application.objects.select_for_update(of=("self",)).filter(
            school_id=enrolment.school_id,
            academic_year=enrolment.academic_year,
            status__in=OPEN,
            **same_kind,
        )
        if enrolment.application_id is not None:
            moot = moot.exclude(pk=enrolment.application_id)
        moot = list(moot.order_by("pk"))
        if not moot:
            return []
        reason = closure_reason(enrolment)
        now = timezone.now()
        for application in moot:
            before = application.status
            application.status = Status.CLOSED
            application.decision_reason = reason
            application.decided_by = user
            application.decided_at = now
            application.save(
                update_fields=[
                    "status",
                    "decision_reason",
                    "decided_by",
                    "decided_at",
                    "updated_at",
                ]
            )
            log(
                instance=application,
                action=CLOSE_ACTION,
                user=user,
                data={
                    "status": application.status,
                    "was": before,
                    "work_group": enrolment.work_group.code,
                    "reason": reason,
                },
            )
    return moot
