"""Anonymise the personal data that is past the hub's retention policy.

Anonymise, not delete: each row stays with its status, dates, school, programme,
Work Group and flags, so every count the hub reports (applications per
programme, schools per group, attendance, plans by state) is the same after a
purge as before. Only what identifies a person is replaced by :data:`MARKER`:
names, email addresses, TRNs, roles and the free text people wrote.

Each kind of record says which rows are due (past retention and not anonymised
yet) and how to anonymise them. A row is stamped with ``anonymised_at`` (logins
with an :class:`AnonymisedAccount`), so a second run finds nothing to do; its
``updated_at`` moves too, so an admin form opened before the purge is refused as
stale (``workflows.shared.concurrency``) instead of writing the old details back. A run
with ``apply=True`` is one transaction and writes one summary log entry.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Case, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from wagtail.documents import get_document_model
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry, Revision

from workflows.audit.models import HubLogEntry, MediaLogEntry
from workflows.groups.privacy import (
    anonymise_group_messages,
    anonymised_group_messages,
    due_group_messages,
    forget_recipients,
)
from workflows.models import (
    Action,
    ActionEvidence,
    ActionPlan,
    AnonymisedAccount,
    Application,
    ApplicationParticipant,
    CriterionProgress,
    Participant,
    PlanReview,
    ProgressNote,
    RetentionPolicy,
    ReviewEntry,
    Visit,
)
from workflows.plans.models import ActionPlanLogEntry
from workflows.privacy.policy import (
    MARKER,
    MARKER_EMAIL,
    current_policy,
    cutoff_datetime,
    months_before,
    years_ended_before,
)

PURGE_ACTION = "workflows.personal_data_purged"
CHUNK = 500  # ids per ``IN (...)``: well under every database's parameter limit

Status = Application.Status
# Closed: the school joined a group by another application, so this one is done with.
UNSUCCESSFUL = (Status.DECLINED, Status.WITHDRAWN, Status.CLOSED)
# A lapsed offer is back with the hub, undecided: without it here its details stayed for good.
UNDECIDED = (
    Status.SUBMITTED,
    Status.UNDER_REVIEW,
    Status.WAITLISTED,
    Status.OFFERED,
    Status.LAPSED,
)


def _chunks(ids):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _marker_unless_blank(field_name):
    """Replace a text field with the marker, but leave an empty one empty (nothing was held)."""
    return Case(When(**{field_name: ""}, then=Value("")), default=Value(MARKER))


def _scrub_hub_log(model, ids, *, label=None, drop_keys=()):
    """Remove personal details from the history of anonymised records.

    A log entry keeps the object's label as it was (a participant's name) and,
    for a decline, the reason sent to the school: both are personal data.
    """
    content_type = ContentType.objects.get_for_model(model)
    for chunk in _chunks([str(pk) for pk in ids]):
        entries = HubLogEntry.objects.filter(content_type=content_type, object_id__in=chunk)
        if label is not None:
            entries.update(label=label)
        if drop_keys:
            for entry in entries.exclude(data={}):
                data = dict(entry.data or {})
                if any(key in data for key in drop_keys):
                    for key in drop_keys:
                        data.pop(key, None)
                    HubLogEntry.objects.filter(pk=entry.pk).update(data=data)


# --- How each kind of record is anonymised ------------------------------------------


def anonymise_applications(ids, now):
    for chunk in _chunks(ids):
        Application.objects.filter(pk__in=chunk).update(
            head_name=MARKER,
            head_email=MARKER_EMAIL,
            reason=MARKER,
            decision_reason=_marker_unless_blank("decision_reason"),
            anonymised_at=now,
            updated_at=now,
        )
        ApplicationParticipant.objects.filter(application__in=chunk).update(
            name=MARKER, email=MARKER_EMAIL, role=MARKER, trn=""
        )
    _scrub_hub_log(Application, ids, drop_keys=("reason",))


def anonymise_participants(ids, now):
    for chunk in _chunks(ids):
        Participant.objects.filter(pk__in=chunk).update(
            name=MARKER, email="", trn="", user=None, anonymised_at=now, updated_at=now
        )
        forget_recipients(chunk)  # off the messages sent to their group
    _scrub_hub_log(Participant, ids, label=MARKER)


def anonymise_visits(ids, now):
    for chunk in _chunks(ids):
        Visit.objects.filter(pk__in=chunk).update(
            met_with=_marker_unless_blank("met_with"),
            notes=_marker_unless_blank("notes"),
            next_steps=_marker_unless_blank("next_steps"),
            anonymised_at=now,
            updated_at=now,
        )


def _scrub_plan_revision(content: dict) -> dict:
    """Anonymise the people a plan revision names (the same fields as the live rows)."""
    for action in content.get("actions", []) or []:
        if action.get("owner_name"):
            action["owner_name"] = MARKER
        action["owner_user"] = None
    for note in content.get("progress_notes", []) or []:
        if note.get("note"):
            note["note"] = MARKER
    return content


def delete_plan_evidence(plan_ids) -> None:
    """Delete the evidence of these plans: the rows, their documents and the files.

    Files of pupils' work, minutes and lesson plans are the most personal thing a
    plan holds and nothing counts them, so they go rather than being anonymised.
    The documents' history keeps no title either. Wagtail deletes each file from
    storage once the purge's transaction commits (a rollback keeps them).
    """
    Document = get_document_model()
    evidence = ActionEvidence.objects.filter(plan__in=plan_ids)
    document_ids = set(evidence.values_list("document_id", flat=True))
    # Files removed from a plan earlier are gone, but their history still names them.
    for data in ActionPlanLogEntry.objects.filter(
        object_id__in=[str(pk) for pk in plan_ids], action="workflows.plan_tracked"
    ).values_list("data", flat=True):
        document_ids.update((data or {}).get("documents", []))
    if not document_ids:
        return
    # Deleting the rows deletes their documents (workflows.plans.signals); the
    # second delete is for a document whose evidence row was already gone.
    evidence.delete()
    Document.objects.filter(pk__in=document_ids).delete()
    MediaLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Document),
        object_id__in=[str(pk) for pk in document_ids],
    ).update(label=MARKER)


def anonymise_plans(ids, now):
    """Anonymise action owners, progress and criterion notes and review comments, live
    and in revisions, and delete the plans' evidence files.

    The plan's own words (title, summary, priorities, what each action does, its
    success criteria) are about the school and stay; so do statuses, dates and
    the approval history.
    """
    plan_type = ContentType.objects.get_for_model(ActionPlan)
    for chunk in _chunks(ids):
        Action.objects.filter(plan__in=chunk).update(
            owner_name=_marker_unless_blank("owner_name"), owner_user=None
        )
        # Notes are rows of their own (tracking); revisions saved before notes left
        # the plan's cluster still hold copies, scrubbed with the revisions below.
        ProgressNote.objects.filter(plan__in=chunk).update(note=MARKER, recorded_by=None)
        CriterionProgress.objects.filter(action__plan__in=chunk).update(
            notes=_marker_unless_blank("notes"), updated_by=None
        )
        delete_plan_evidence(chunk)
        PlanReview.objects.filter(plan__in=chunk).update(comment=_marker_unless_blank("comment"))
        ReviewEntry.objects.filter(review__plan__in=chunk).update(
            comment=_marker_unless_blank("comment")
        )
        revisions = Revision.objects.filter(
            base_content_type=plan_type, object_id__in=[str(pk) for pk in chunk]
        ).only("pk", "content")
        for revision in revisions.iterator():
            Revision.objects.filter(pk=revision.pk).update(
                content=_scrub_plan_revision(dict(revision.content))
            )
        ActionPlan.objects.filter(pk__in=chunk).update(anonymised_at=now, updated_at=now)


def anonymise_accounts(ids, now):
    """Anonymise deactivated logins: names, email, password, roles and links to schools."""
    User = get_user_model()
    user_type = ContentType.objects.get_for_model(User)
    for user in User.objects.filter(pk__in=ids).order_by("pk"):
        user.username = f"anonymised-{user.pk}"
        user.first_name = MARKER
        user.last_name = ""
        user.email = ""
        user.set_unusable_password()
        user.save(update_fields=["username", "first_name", "last_name", "email", "password"])
        user.groups.clear()
        user.user_permissions.clear()
        user.led_schools.clear()
        user.participations.update(user=None)
        profile = getattr(user, "wagtail_userprofile", None)
        if profile is not None and profile.avatar:
            avatar = profile.avatar
            profile.avatar = None
            profile.save(update_fields=["avatar"])
            # Only once the anonymisation is committed: a rollback keeps the picture.
            transaction.on_commit(lambda avatar=avatar: avatar.storage.delete(avatar.name))
    AnonymisedAccount.objects.bulk_create(
        AnonymisedAccount(user_id=pk, anonymised_at=now) for pk in ids
    )
    ModelLogEntry.objects.filter(
        content_type=user_type, object_id__in=[str(pk) for pk in ids]
    ).update(label=MARKER)


# --- Which rows are due -------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One kind of personal data, its retention setting, and how to find and anonymise it."""

    key: str
    label: str
    setting: str
    due: Callable[[RetentionPolicy, datetime], QuerySet]
    done: Callable[[], QuerySet]
    anonymise: Callable[[list, datetime], None]


def _cutoff(policy, setting, now):
    return cutoff_datetime(now, getattr(policy, setting))


def _year_bound(policy, setting, now):
    return years_ended_before(months_before(timezone.localdate(now), getattr(policy, setting)))


def _due_unsuccessful(policy, now):
    cutoff = _cutoff(policy, "unsuccessful_application_months", now)
    return (
        Application.objects.filter(status__in=UNSUCCESSFUL, anonymised_at__isnull=True)
        .annotate(decided=Coalesce("decided_at", "updated_at"))
        .filter(decided__lt=cutoff)
    )


def _due_undecided(policy, now):
    bound = _year_bound(policy, "undecided_application_months", now)
    return Application.objects.filter(
        status__in=UNDECIDED, anonymised_at__isnull=True, academic_year__lt=bound
    )


def _participation_ended(policy, now, prefix):
    """Enrolments that ended (left early, or their academic year over) before the cut-off."""
    months = policy.participation_months
    left_before = months_before(timezone.localdate(now), months)
    return Q(**{f"{prefix}left_on__lt": left_before}) | Q(
        **{f"{prefix}academic_year__lt": years_ended_before(left_before)}
    )


def _due_participants(policy, now):
    return Participant.objects.filter(
        _participation_ended(policy, now, "enrolment__"), anonymised_at__isnull=True
    )


def _due_accepted(policy, now):
    bound = _year_bound(policy, "participation_months", now)
    left_before = months_before(timezone.localdate(now), policy.participation_months)
    return Application.objects.filter(
        Q(academic_year__lt=bound) | Q(enrolment__left_on__lt=left_before),
        status=Status.ACCEPTED,
        anonymised_at__isnull=True,
    )


def _due_visits(policy, now):
    bound = _year_bound(policy, "support_record_months", now)
    return Visit.objects.filter(anonymised_at__isnull=True, work_group__academic_year__lt=bound)


def _due_plans(policy, now):
    bound = _year_bound(policy, "support_record_months", now)
    return ActionPlan.objects.filter(anonymised_at__isnull=True, academic_year__lt=bound)


def _due_accounts(policy, now):
    cutoff = _cutoff(policy, "inactive_account_months", now)
    return (
        get_user_model()
        .objects.filter(is_active=False, is_superuser=False, anonymised__isnull=True)
        .annotate(last_seen=Coalesce("last_login", "date_joined"))
        .filter(last_seen__lt=cutoff)
    )


KINDS = [
    Kind(
        "unsuccessful_applications",
        "Declined, withdrawn or closed applications",
        "unsuccessful_application_months",
        _due_unsuccessful,
        lambda: Application.objects.filter(status__in=UNSUCCESSFUL, anonymised_at__isnull=False),
        anonymise_applications,
    ),
    Kind(
        "undecided_applications",
        "Applications never decided",
        "undecided_application_months",
        _due_undecided,
        lambda: Application.objects.filter(status__in=UNDECIDED, anonymised_at__isnull=False),
        anonymise_applications,
    ),
    Kind(
        "accepted_applications",
        "Accepted applications of ended places",
        "participation_months",
        _due_accepted,
        lambda: Application.objects.filter(status=Status.ACCEPTED, anonymised_at__isnull=False),
        anonymise_applications,
    ),
    Kind(
        "participants",
        "Participants of ended places",
        "participation_months",
        _due_participants,
        lambda: Participant.objects.filter(anonymised_at__isnull=False),
        anonymise_participants,
    ),
    Kind(
        "visits",
        "Support visit notes",
        "support_record_months",
        _due_visits,
        lambda: Visit.objects.filter(anonymised_at__isnull=False),
        anonymise_visits,
    ),
    Kind(
        "action_plans",
        "Action plans (owners, progress notes, reviews, evidence)",
        "support_record_months",
        _due_plans,
        lambda: ActionPlan.objects.filter(anonymised_at__isnull=False),
        anonymise_plans,
    ),
    Kind(
        "group_messages",
        "Messages sent to Work Groups (subject, text and recipients)",
        "participation_months",
        due_group_messages,
        anonymised_group_messages,
        anonymise_group_messages,
    ),
    Kind(
        "accounts",
        "Deactivated logins",
        "inactive_account_months",
        _due_accounts,
        lambda: AnonymisedAccount.objects.all(),
        anonymise_accounts,
    ),
]


# --- The run ------------------------------------------------------------------------


@dataclass
class KindResult:
    kind: Kind
    months: int
    due: int
    already: int


@dataclass
class PurgeReport:
    applied: bool
    results: list[KindResult] = field(default_factory=list)

    @property
    def total_due(self) -> int:
        return sum(result.due for result in self.results)

    def counts(self) -> dict[str, int]:
        return {result.kind.key: result.due for result in self.results}


def purge(*, apply: bool = False, now: datetime | None = None, user=None) -> PurgeReport:
    """Find (and with ``apply``, anonymise) every record past its retention period.

    :param apply: anonymise; otherwise change nothing and only count.
    :param now: the moment retention is measured from (the current time by default).
    :param user: who ran it, for the log entry (``None`` for the command line).
    :returns: a :class:`PurgeReport` with, per kind, the rows due and already anonymised.
    """
    now = now or timezone.now()
    policy = current_policy()
    report = PurgeReport(applied=apply)
    with transaction.atomic():
        for kind in KINDS:
            # Ids first: the count reported and the rows changed are the same rows,
            # and anonymising one kind cannot move rows into or out of the next.
            ids = sorted(kind.due(policy, now).order_by().values_list("pk", flat=True).distinct())
            report.results.append(
                KindResult(kind, getattr(policy, kind.setting), len(ids), kind.done().count())
            )
            if apply and ids:
                kind.anonymise(ids, now)
        if apply and report.total_due:
            log(
                instance=policy,
                action=PURGE_ACTION,
                user=user,
                data={"counts": report.counts(), "total": report.total_due},
            )
    return report
