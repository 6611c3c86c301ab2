"""Take the register of a meeting: everyone expected, one choice each, saved in one go.

The meeting form's attendance rows (an ``InlinePanel``) are one panel per person,
added by hand; the register lists exactly the participants of the schools
enrolled in the meeting's Work Group (:meth:`Meeting.enrolled_participants`),
grouped by school with the host school first, each with attended / apologies /
absent (or not recorded). Nobody else can be added: the form has a field for
each expected person and nothing more, so a posted id of anyone else is ignored.

Built as the meeting viewset's own view (``MeetingViewSet.get_urlpatterns``), so
:class:`~workflows.shared.scoping.ScopedView` turns away a meeting outside the
user's scope with a 404 before this view loads anything. Then only a hub lead,
or the specialist who leads the meeting's group, may take it (a school leader is
refused: the register names other schools' people).

One save, one transaction: the meeting's row is claimed for the version the
register was loaded from (:mod:`workflows.shared.concurrency`, as the meeting
form does), so a register or meeting saved in the meantime refuses this one
with who and when, keeping every choice made. The rows are written a few
statements per status, never one per person, and the save is logged on the
meeting's history. The query count is the same for 5 people as for 500.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connections, transaction
from django.db.models import Value
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views import View

from wagtail import hooks
from wagtail.log_actions import LogFormatter, log
from wagtail.permissions import policy_registry
from wagtail.tasks import update_reference_index_task

from workflows.models import Attendance, Meeting, School
from workflows.permissions import is_hub_lead, is_specialist, visible
from workflows.shared.concurrency import (
    LOADED_VERSION_FIELD,
    LoadedVersionField,
    StaleEdit,
    StaleEditMixin,
)

REGISTER_ACTION = "workflows.register_taken"

#: The register's choices: the attendance statuses, or nothing recorded yet.
NOT_RECORDED = ""
CHOICES = [*Attendance.Status.choices, (NOT_RECORDED, "Not recorded")]


def can_take_register(user, meeting) -> bool:
    """Whether ``user`` may take ``meeting``'s register (``meeting.work_group`` is read).

    A hub lead, or the specialist leading the meeting's group, who may change
    meetings. Scope alone would let a school leader who is also a specialist
    reach groups their school is in; the register is for whoever runs the group.
    """
    if not policy_registry.get_by_type(Meeting).user_has_permission(user, "change"):
        return False
    if is_hub_lead(user):
        return True
    return is_specialist(user) and meeting.work_group.lead_specialist_id == user.pk


def register_url(meeting) -> str:
    from django.urls import reverse

    return reverse("pd_meetings:register", args=[meeting.pk])


class RegisterForm(forms.Form):
    """One choice per expected participant (``person_<pk>``), and the loaded version."""

    def __init__(self, *args, participants, recorded, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[LOADED_VERSION_FIELD] = LoadedVersionField(initial=version)
        for person in participants:
            self.fields[self.name_for(person)] = forms.ChoiceField(
                label=person.name or "(name removed)",
                choices=CHOICES,
                required=False,
                initial=recorded.get(person.pk, NOT_RECORDED),
                widget=forms.RadioSelect,
            )

    @staticmethod
    def name_for(person) -> str:
        return f"person_{person.pk}"


@dataclass
class SchoolRows:
    """A school's people on the register, each with their choice."""

    school: School
    host: bool
    rows: list = field(default_factory=list)


def group_by_school(form, participants, host_school_id) -> list[SchoolRows]:
    """The register's rows, by school (host school first, then by name)."""
    schools: dict[int, SchoolRows] = {}
    for person in participants:
        school = person.enrolment.school
        if school.pk not in schools:
            schools[school.pk] = SchoolRows(school, school.pk == host_school_id)
        schools[school.pk].rows.append((person, form[form.name_for(person)]))
    return sorted(schools.values(), key=lambda s: (not s.host, s.school.name))


class RegisterView(StaleEditMixin, View):
    """``pd_meetings:register``: the register of one meeting (see the module docstring)."""

    model = Meeting
    template_name = "workflows/meetings/register.html"

    def dispatch(self, request, *args, **kwargs):
        self.object = get_object_or_404(
            visible(request.user, Meeting.objects.select_related("work_group", "host_school")),
            pk=kwargs["pk"],
        )
        if not can_take_register(request.user, self.object):
            raise PermissionDenied
        # Whom the register lists: scope applied too, so it never widens what a user sees.
        self.participants = list(
            visible(
                request.user,
                self.object.enrolled_participants().select_related("enrolment__school"),
            ).order_by("enrolment__school__name", "role", "name", "pk")
        )
        self.recorded_rows = {
            row.participant_id: row
            for row in Attendance.objects.filter(meeting=self.object).only(
                "pk", "participant_id", "status", "meeting_id"
            )
        }
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        return RegisterForm(
            data,
            participants=self.participants,
            recorded={pk: row.status for pk, row in self.recorded_rows.items()},
            version=self.version_of(self.object),
        )

    def render(self, form, status=200):
        expected = {person.pk for person in self.participants}
        context = {
            "meeting": self.object,
            "form": form,
            "schools": group_by_school(form, self.participants, self.object.host_school_id),
            "others": sum(1 for pk in self.recorded_rows if pk not in expected),
            "edit_url": self.edit_url(),
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def edit_url(self) -> str:
        from django.urls import reverse

        return reverse("pd_meetings:edit", args=[self.object.pk])

    def get(self, request, pk):
        return self.render(self.get_form())

    def post(self, request, pk):
        form = self.get_form(request.POST)
        self.form = form
        if not form.is_valid() or self.refused_as_stale(form):
            return self.render(form)
        try:
            counts = self.save(form)
        except StaleEdit:
            self.refuse_stale(form, self.loaded_version(form))
            return self.render(form)
        messages.success(
            request,
            f"Register of {self.object} saved: {summary(counts)}.",
        )
        return redirect(self.edit_url())

    def changes(self, form):
        """What the register changes: rows to add and to update by status, rows to remove."""
        insert, update, remove = defaultdict(list), defaultdict(list), []
        for person in self.participants:
            chosen = form.cleaned_data[form.name_for(person)]
            row = self.recorded_rows.get(person.pk)
            if row is None:
                if chosen != NOT_RECORDED:
                    insert[chosen].append(person.pk)
            elif chosen == NOT_RECORDED:
                remove.append(row.pk)
            elif chosen != row.status:
                update[chosen].append(row.pk)
        return insert, update, remove

    def save(self, form) -> dict:
        """Write the register in one transaction after claiming the meeting's row.

        Raise :class:`StaleEdit` (nothing written) if the meeting was saved since
        the register was loaded. At most one ``UPDATE`` and one ``INSERT`` per
        status and one ``DELETE``, whatever the number of people: the new rows
        are inserted from a ``SELECT`` over their participants, not one by one
        (``bulk_create`` splits large batches on SQLite).
        """
        insert, update, remove = self.changes(form)
        with transaction.atomic():
            # Every save claims the row; a post without a version is refused as stale.
            self.claim_row(self.loaded_version(form) or "")
            for status, row_ids in update.items():
                Attendance.objects.filter(meeting=self.object, pk__in=row_ids).update(status=status)
            if remove:
                # One DELETE: ``delete()`` would fetch the rows and delete them 100 at a
                # time to send ``post_delete`` (heard only by the public page cache,
                # which PD records do not touch).
                Attendance.objects.filter(meeting=self.object, pk__in=remove)._raw_delete(
                    Attendance.objects.db
                )
            for status, person_ids in insert.items():
                insert_rows(self.object, person_ids, status)
            counts = self.counts(form)
            log(
                self.object,
                REGISTER_ACTION,
                user=self.request.user,
                data={
                    **counts,
                    "added": sum(len(ids) for ids in insert.values()),
                    "changed": sum(len(ids) for ids in update.values()),
                    "removed": len(remove),
                },
            )
            # The meeting's usage (whom it names) is derived data: refreshed once the
            # register is committed, as the task Wagtail enqueues after any save, and
            # never a reason to lose the register. Its cost grows with the rows it
            # indexes, so it is not part of the register's own (fixed) count.
            meeting_pk = str(self.object.pk)
            transaction.on_commit(
                lambda: update_reference_index_task.enqueue("workflows", "meeting", meeting_pk)
            )
        return counts

    def counts(self, form) -> dict:
        counts = {value: 0 for value, _ in Attendance.Status.choices}
        for person in self.participants:
            chosen = form.cleaned_data[form.name_for(person)]
            if chosen != NOT_RECORDED:
                counts[chosen] += 1
        return counts


def insert_rows(meeting, person_ids, status) -> None:
    """Add attendance rows for ``person_ids`` at ``meeting``: one ``INSERT ... SELECT``."""
    from workflows.models import Participant

    select = (
        Participant.objects.filter(pk__in=person_ids)
        .order_by()
        .values_list(Value(meeting.pk), "pk", Value(status))
    )
    sql, params = select.query.sql_with_params()
    table = Attendance._meta.db_table
    connection = connections[Attendance.objects.db]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        columns = ", ".join(quote(c) for c in ("meeting_id", "participant_id", "status"))
        cursor.execute(f"INSERT INTO {quote(table)} ({columns}) {sql}", params)


def summary(counts: dict) -> str:
    """``12 attended, 1 apologies, 0 absent``."""
    return ", ".join(
        f"{counts.get(value, 0)} {label.lower()}" for value, label in Attendance.Status.choices
    )


class RegisterLogFormatter(LogFormatter):
    label = "Take the register"

    def format_message(self, log_entry):
        return "Register taken: " + summary(log_entry.data or {})


@hooks.register("register_log_actions")
def register_register_log_action(actions):
    actions.register_action(REGISTER_ACTION)(RegisterLogFormatter)


@dataclass
class AttendanceLine:
    """One participant's or one school's attendance over the group's meetings so far."""

    label: str
    school: str = ""
    attended: int = 0
    apologies: int = 0
    absent: int = 0

    def add(self, status: str, n: int) -> None:
        setattr(self, status, getattr(self, status) + n)

    @property
    def recorded(self) -> int:
        return self.attended + self.apologies + self.absent


@dataclass
class YearAttendance:
    """A Work Group's attendance over its year: per participant, per school."""

    meetings_held: int
    people: list[AttendanceLine]
    schools: list[AttendanceLine]


def attendance_over_the_year(user, group) -> YearAttendance:
    """Attendance of ``group``'s participants (those ``user`` may see) at its meetings.

    Three queries whatever the size of the group: the meetings held so far, the
    participants, and the attendance counted by participant and status in the
    database. Only the group's own participants count: a row recorded for
    someone of another group (before that was refused) is not theirs to show.
    """
    from django.db.models import Count
    from django.utils import timezone

    from workflows.models import Participant

    held = group.meetings.filter(starts_at__lte=timezone.now()).count()
    in_group = visible(user, Participant.objects.filter(enrolment__work_group=group))
    participants = list(
        in_group.select_related("enrolment__school").order_by(
            "enrolment__school__name", "role", "name", "pk"
        )
    )
    counts = (
        Attendance.objects.filter(meeting__work_group=group, participant__in=in_group.values("pk"))
        .order_by()
        .values("participant_id", "status")
        .annotate(n=Count("pk"))
    )
    people, schools, school_of = {}, {}, {}
    for p in participants:
        school = p.enrolment.school
        people[p.pk] = AttendanceLine(p.name or "(name removed)", school.name)
        schools.setdefault(school.pk, AttendanceLine(school.name))
        school_of[p.pk] = school.pk
    for row in counts:
        person = row["participant_id"]
        if person in people:  # the scope could change between the two reads
            people[person].add(row["status"], row["n"])
            schools[school_of[person]].add(row["status"], row["n"])
    return YearAttendance(held, list(people.values()), list(schools.values()))
