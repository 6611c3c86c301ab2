"""Subject-access export: everything the hub holds about one email address.

A person asks the hub what it holds about them (UK GDPR, Article 15); the hub
lead types their email address and downloads a ZIP. The address is matched
case-insensitively wherever the site stores one (a login, an application's
contact, a teacher put forward, a participant, a school's contact), and through
a matching login to what that person did or owns (plans they sign off, actions
they own, reviews they wrote, visits they made, the history of their actions).

What is left out, and why:

* other people's details on the same records (the other teacher of an
  application, the rest of a Work Group): they are third-party data, not the
  requester's;
* records already anonymised by the purge: they no longer hold the address;
* progress notes written before notes named their author (``recorded_by``
  empty): none can be attributed to anyone. Notes, success-criterion notes and
  files of evidence a login recorded are exported with that login.

Every file is UTF-8; CSV cells go through the same formula guard as the action
plan export (``cms.spreadsheets.csv_safe``) so a name typed as ``=HYPERLINK(...)``
is shown as text by a spreadsheet, never run.
"""

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone

from wagtail.models import ModelLogEntry, PageLogEntry

from cms.spreadsheets import csv_safe
from workflows.audit.models import HubLogEntry
from workflows.models import (
    Action,
    ActionEvidence,
    ActionPlan,
    Application,
    ApplicationParticipant,
    Attendance,
    CriterionProgress,
    GroupMessage,
    Participant,
    PlanReview,
    ProgressNote,
    School,
    Visit,
)
from workflows.plans.models import ActionPlanLogEntry

EXPORT_ACTION = "workflows.subject_access_export"


@dataclass
class Section:
    """One file pair of the export: ``<name>.csv`` and a key of ``data.json``."""

    name: str
    title: str
    columns: list[str]
    rows: list[dict] = field(default_factory=list)

    def add(self, **values):
        self.rows.append({column: values.get(column) for column in self.columns})

    @classmethod
    def of(cls, name, title, records, **columns):
        """A section of one row per record, each column read from it by its function."""
        section = cls(name, title, list(columns))
        for record in records:
            section.add(**{column: read(record) for column, read in columns.items()})
        return section


@dataclass
class SubjectData:
    email: str
    sections: list[Section]

    @property
    def total(self) -> int:
        return sum(len(section.rows) for section in self.sections)

    def counts(self) -> dict[str, int]:
        return {section.name: len(section.rows) for section in self.sections}


def _when(value):
    """A moment in the hub's time zone, to the second (microseconds help nobody)."""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.replace(microsecond=0)
    return value


def _school(school):
    return f"{school.name} ({school.urn})" if school else ""


def _account_section(users) -> Section:
    section = Section(
        "account",
        "Login",
        [
            "username",
            "first_name",
            "last_name",
            "email",
            "active",
            "joined",
            "last_sign_in",
            "roles",
            "schools_led",
            "work_groups_led",
        ],
    )
    for user in users:
        section.add(
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email,
            active=user.is_active,
            joined=_when(user.date_joined),
            last_sign_in=_when(user.last_login),
            roles="; ".join(group.name for group in user.groups.all()),
            schools_led="; ".join(_school(school) for school in user.led_schools.all()),
            work_groups_led="; ".join(group.code for group in user.led_work_groups.all()),
        )
    return section


def _applications_section(email) -> Section:
    section = Section(
        "applications",
        "Applications naming you",
        [
            "reference",
            "as",
            "name",
            "email",
            "role",
            "maths_lead",
            "trn",
            "school",
            "programme",
            "academic_year",
            "status",
            "submitted",
            "decided",
            "reason_for_applying",
            "decision_reason",
        ],
    )

    def common(application):
        return {
            "reference": application.reference,
            "school": _school(application.school) or application.school_name,
            "programme": application.programme.title,
            "academic_year": application.academic_year,
            "status": application.get_status_display(),
            "submitted": _when(application.created_at),
            "decided": _when(application.decided_at),
            "reason_for_applying": application.reason,
            "decision_reason": application.decision_reason,
        }

    related = ("programme", "school")
    for application in (
        Application.objects.filter(head_email__iexact=email, anonymised_at__isnull=True)
        .select_related(*related)
        .order_by("created_at", "pk")
    ):
        section.add(
            **common(application),
            **{"as": "Head teacher (the application's contact)"},
            name=application.head_name,
            email=application.head_email,
        )
    for person in (
        ApplicationParticipant.objects.filter(
            email__iexact=email, application__anonymised_at__isnull=True
        )
        .select_related(*(f"application__{name}" for name in related))
        .order_by("application__created_at", "pk")
    ):
        section.add(
            **common(person.application),
            **{"as": "Teacher put forward"},
            name=person.name,
            email=person.email,
            role=person.role,
            maths_lead=person.is_maths_lead,
            trn=person.trn,
        )
    return section


def _participation_section(participants) -> Section:
    section = Section(
        "participation",
        "Taking part in Work Groups",
        [
            "name",
            "email",
            "role",
            "maths_lead",
            "trn",
            "school",
            "work_group",
            "programme",
            "academic_year",
            "joined",
            "left",
        ],
    )
    for person in participants:
        enrolment = person.enrolment
        section.add(
            name=person.name,
            email=person.email,
            role=person.get_role_display(),
            maths_lead=person.is_maths_lead,
            trn=person.trn,
            school=_school(enrolment.school),
            work_group=f"{enrolment.work_group.name} ({enrolment.work_group.code})",
            programme=enrolment.stage.title,
            academic_year=enrolment.academic_year,
            joined=enrolment.joined_on,
            left=enrolment.left_on,
        )
    return section


def _attendance_section(participants) -> Section:
    section = Section(
        "attendance",
        "Attendance at Work Group meetings",
        ["meeting", "work_group", "starts", "kind", "host_school", "attendance"],
    )
    for row in (
        Attendance.objects.filter(participant__in=[p.pk for p in participants])
        .select_related("meeting__work_group", "meeting__host_school")
        .order_by("meeting__starts_at", "pk")
    ):
        meeting = row.meeting
        section.add(
            meeting=meeting.agenda,
            work_group=meeting.work_group.code,
            starts=_when(meeting.starts_at),
            kind=meeting.get_kind_display(),
            host_school=_school(meeting.host_school),
            attendance=row.get_status_display(),
        )
    return section


def _plans_section(users) -> Section:
    section = Section(
        "action_plans",
        "Action plans you sign off as their specialist",
        ["plan", "school", "academic_year", "state"],
    )
    for plan in (
        ActionPlan.objects.filter(specialist__in=users)
        .select_related("school")
        .order_by("academic_year", "title", "pk")
    ):
        section.add(
            plan=plan.title,
            school=_school(plan.school),
            academic_year=plan.academic_year,
            state=plan.get_state_display(),
        )
    return section


def _actions_section(users) -> Section:
    section = Section(
        "actions",
        "Actions you own in action plans",
        ["plan", "school", "academic_year", "action", "starts", "due", "status"],
    )
    for action in (
        Action.objects.filter(owner_user__in=users)
        .select_related("plan__school")
        .order_by("plan__academic_year", "plan_id", "sort_order", "pk")
    ):
        section.add(
            plan=action.plan.title,
            school=_school(action.plan.school),
            academic_year=action.plan.academic_year,
            action=action.what,
            starts=action.starts_on,
            due=action.due_on,
            status=action.get_status_display(),
        )
    return section


def _reviews_section(users) -> Section:
    section = Section(
        "reviews",
        "Termly reviews you recorded",
        ["plan", "school", "reviewed_on", "comment"],
    )
    for review in (
        PlanReview.objects.filter(reviewed_by__in=users)
        .select_related("plan__school")
        .order_by("reviewed_on", "pk")
    ):
        section.add(
            plan=review.plan.title,
            school=_school(review.plan.school),
            reviewed_on=review.reviewed_on,
            comment=review.comment,
        )
    return section


def _progress_notes_section(users) -> Section:
    return Section.of(
        "progress_notes",
        "Progress notes you recorded on action plans",
        ProgressNote.objects.filter(recorded_by__in=users)
        .select_related("plan__school")
        .order_by("noted_on", "pk"),
        plan=lambda note: note.plan.title,
        school=lambda note: _school(note.plan.school),
        action_number=lambda note: note.action_number,
        noted_on=lambda note: note.noted_on,
        note=lambda note: note.note,
    )


def _criteria_section(users) -> Section:
    return Section.of(
        "success_criteria",
        "Success criteria you last recorded progress on",
        CriterionProgress.objects.filter(updated_by__in=users)
        .select_related("action__plan__school")
        .order_by("updated_at", "pk"),
        plan=lambda progress: progress.action.plan.title,
        school=lambda progress: _school(progress.action.plan.school),
        action=lambda progress: progress.action.what,
        criterion=lambda progress: progress.criterion,
        status=lambda progress: progress.get_status_display(),
        notes=lambda progress: progress.notes,
        recorded_at=lambda progress: progress.updated_at,
    )


def _evidence_section(users) -> Section:
    return Section.of(
        "evidence",
        "Files of evidence you added to action plans (the files themselves on request)",
        ActionEvidence.objects.filter(uploaded_by__in=users)
        .select_related("plan__school", "action", "document")
        .order_by("created_at", "pk"),
        plan=lambda item: item.plan.title,
        school=lambda item: _school(item.plan.school),
        action=lambda item: item.action.what,
        file=lambda item: item.document.filename,
        description=lambda item: item.description,
        added_at=lambda item: item.created_at,
    )


def _messages_received_section(participants) -> Section:
    """Messages sent to a Work Group that reached them: what and when, not who else."""
    return Section.of(
        "group_messages_received",
        "Messages from your Work Group's lead that were sent to you",
        GroupMessage.objects.filter(
            recipients__in=[p.pk for p in participants], anonymised_at__isnull=True
        )
        .distinct()
        .select_related("work_group")
        .order_by("sent_at", "pk"),
        work_group=lambda message: message.work_group.code,
        sent=lambda message: _when(message.sent_at),
        subject=lambda message: message.subject,
    )


def _messages_sent_section(users) -> Section:
    return Section.of(
        "group_messages_sent",
        "Messages you sent to Work Groups",
        GroupMessage.objects.filter(sent_by__in=users, anonymised_at__isnull=True)
        .select_related("work_group")
        .order_by("sent_at", "pk"),
        work_group=lambda message: message.work_group.code,
        sent=lambda message: _when(message.sent_at),
        subject=lambda message: message.subject,
        message=lambda message: message.body,
        people_reached=lambda message: message.recipient_count,
    )


def _visits_section(users) -> Section:
    section = Section(
        "visits",
        "Support visits you made",
        ["school", "work_group", "visited_on", "purpose", "met_with", "notes", "next_steps"],
    )
    for visit in (
        Visit.objects.filter(specialist__in=users)
        .select_related("school", "work_group")
        .order_by("visited_on", "pk")
    ):
        section.add(
            school=_school(visit.school),
            work_group=visit.work_group.code,
            visited_on=visit.visited_on,
            purpose=visit.purpose,
            met_with=visit.met_with,
            notes=visit.notes,
            next_steps=visit.next_steps,
        )
    return section


def _school_contact_section(email) -> Section:
    section = Section(
        "school_contact",
        "Schools that list you as their contact",
        ["school", "contact_email"],
    )
    for school in School.objects.filter(contact_email__iexact=email).order_by("name", "pk"):
        section.add(school=_school(school), contact_email=school.contact_email)
    return section


def _history_section(users, participants, applications) -> Section:
    """Log entries of what the person did (signed in), and of records about them."""
    section = Section(
        "history",
        "History: what you did on the site, and changes to records about you",
        ["when", "about", "record", "action", "by"],
    )
    entries = []
    if users:
        for model in (HubLogEntry, ActionPlanLogEntry, ModelLogEntry, PageLogEntry):
            entries += [
                ("Something you did", entry)
                for entry in model.objects.filter(user__in=users).select_related(
                    "user", "content_type"
                )
            ]
    about = Q(pk__in=[])
    for model, ids in ((Participant, participants), (Application, applications)):
        if ids:
            about |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(pk) for pk in ids],
            )
    user_ids = {user.pk for user in users}
    entries += [
        ("A record about you", entry)
        for entry in HubLogEntry.objects.filter(about).select_related("user", "content_type")
        if entry.user_id not in user_ids  # already listed as something they did
    ]
    entries.sort(key=lambda pair: (pair[1].timestamp, pair[1].pk))
    for about_label, entry in entries:
        section.add(
            when=_when(entry.timestamp),
            about=about_label,
            record=entry.label,
            action=entry.message,
            by=entry.user_display_name if entry.user_id else "The system",
        )
    return section


def collect(email: str) -> SubjectData:
    """Return everything held about ``email``, one :class:`Section` per kind of record."""
    email = email.strip()
    users = list(
        get_user_model()
        .objects.filter(email__iexact=email)
        .prefetch_related("groups", "led_schools", "led_work_groups")
        .order_by("pk")
    )
    participants = list(
        Participant.objects.filter(
            Q(email__iexact=email) | Q(user__in=[user.pk for user in users]),
            anonymised_at__isnull=True,
        )
        .select_related("enrolment__school", "enrolment__work_group", "enrolment__stage")
        .order_by("enrolment__academic_year", "pk")
    )
    applications = _applications_section(email)
    application_ids = sorted(
        set(
            Application.objects.filter(
                Q(head_email__iexact=email) | Q(participants__email__iexact=email),
                anonymised_at__isnull=True,
            ).values_list("pk", flat=True)
        )
    )
    sections = [
        _account_section(users),
        applications,
        _participation_section(participants),
        _attendance_section(participants),
        _messages_received_section(participants),
        _plans_section(users),
        _actions_section(users),
        _reviews_section(users),
        _progress_notes_section(users),
        _criteria_section(users),
        _evidence_section(users),
        _visits_section(users),
        _messages_sent_section(users),
        _school_contact_section(email),
        _history_section(users, [p.pk for p in participants], application_ids),
    ]
    return SubjectData(email=email, sections=sections)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return csv_safe(value)


def _readme(data: SubjectData, generated_at, generated_by) -> str:
    lines = [
        f"Personal data held by the Maths Hub about {data.email}",
        f"Exported {generated_at:%d %B %Y at %H:%M} by {generated_by}.",
        "",
        "data.json holds everything below in one file; each CSV holds one part:",
        "",
    ]
    lines += [
        f"  {section.name}.csv: {section.title} "
        f"({len(section.rows)} row{'s' if len(section.rows) != 1 else ''})"
        for section in data.sections
    ]
    lines += [
        "",
        "Not included: other people's details on the same records (for example the other",
        "teacher named on an application), records already anonymised under the hub's",
        "retention policy, and progress notes written before notes recorded their author.",
    ]
    return "\n".join(lines) + "\n"


def build_zip(data: SubjectData, *, generated_by: str, now=None) -> bytes:
    """Return the ZIP: ``README.txt``, ``data.json`` and one CSV per section."""
    generated_at = timezone.localtime(now or timezone.now())
    payload = {
        "email": data.email,
        "generated_at": generated_at,
        "generated_by": generated_by,
        "sections": {
            section.name: {"title": section.title, "rows": section.rows}
            for section in data.sections
        },
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(data, generated_at, generated_by))
        archive.writestr(
            "data.json", json.dumps(payload, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
        for section in data.sections:
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(section.columns)
            for row in section.rows:
                writer.writerow([_csv_cell(row[column]) for column in section.columns])
            # A byte-order mark, so spreadsheet programs read accented names as UTF-8.
            archive.writestr(f"{section.name}.csv", text.getvalue().encode("utf-8-sig"))
    return buffer.getvalue()
