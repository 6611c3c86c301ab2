from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from workflows.shared.fields import TimestampedModel


class Meeting(TimestampedModel, ClusterableModel):
    """A Work Group session: planning, a research lesson to observe, discussion, a workshop.

    A ``ClusterableModel`` so its attendance is edited inline on the meeting's own
    admin form (Wagtail's ``InlinePanel`` needs the child's ``ParentalKey``).
    """

    class Kind(models.TextChoices):
        PLAN = "plan", "Plan"
        OBSERVE = "observe", "Observe (research lesson)"
        DISCUSS = "discuss", "Discuss"
        WORKSHOP = "workshop", "Workshop"

    work_group = models.ForeignKey(
        "workflows.WorkGroup",
        on_delete=models.CASCADE,
        related_name="meetings",
        help_text="The Work Group that meets.",
    )
    starts_at = models.DateTimeField(help_text="Date and start time.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Finish time, if known.")
    host_school = models.ForeignKey(
        "workflows.School",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hosted_meetings",
        help_text="The school that hosts the meeting, if it is at a school.",
    )
    kind = models.CharField(
        max_length=10,
        choices=Kind.choices,
        default=Kind.PLAN,
        help_text="Plan, observe a research lesson, discuss, or a workshop.",
    )
    agenda = models.TextField(blank=True, help_text="What the meeting will cover.")
    sequence = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="How many times its calendar invitation was updated (iCalendar SEQUENCE).",
    )

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.work_group.code}: {self.get_kind_display()} on {self.starts_at:%d %b %Y}"

    def enrolled_participants(self):
        """Return the people expected at this meeting: :func:`enrolled_participants`."""
        day = timezone.localdate(self.starts_at) if self.starts_at else None
        return enrolled_participants(self.work_group_id, on=day)

    def clean(self):
        """A meeting ends after it starts and is hosted by one of the group's own schools."""
        super().clean()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The meeting must finish after it starts."
        if (
            self.host_school_id
            and self.work_group_id
            and not self.work_group.enrolments.filter(school_id=self.host_school_id).exists()
        ):
            errors["host_school"] = "The host school must be one of this Work Group's schools."
        if errors:
            raise ValidationError(errors)


def enrolled_participants(work_group_id, on=None):
    """Return the participants of the schools enrolled in the Work Group ``work_group_id``.

    With a day ``on`` (the meeting's), a school that had left the group before that
    day is left out; one that left later was still enrolled then. The one answer
    to "who may be on this meeting's attendance": the meeting form's choices, the
    register's rows and the check on each attendance row all ask it.
    """
    from workflows.groups.models import Participant

    participants = Participant.objects.filter(enrolment__work_group_id=work_group_id)
    if on is not None:
        participants = participants.exclude(enrolment__left_on__lt=on)
    return participants


#: Why an attendance row naming someone outside the meeting's group is refused.
NOT_ENROLLED = "This person is not a participant of a school enrolled in the meeting's Work Group."


class Attendance(models.Model):
    """Whether one participant came to one meeting."""

    class Status(models.TextChoices):
        ATTENDED = "attended", "Attended"
        APOLOGIES = "apologies", "Apologies"
        ABSENT = "absent", "Absent"

    meeting = ParentalKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(
        "workflows.Participant",
        on_delete=models.CASCADE,
        related_name="attendance",
        help_text="A participant of one of the group's schools.",
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.ATTENDED,
        help_text="Attended, sent apologies, or absent without apologies.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "participant"], name="one_attendance_per_meeting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant}: {self.get_status_display()}"

    def clean(self):
        """A participant of a school enrolled in the meeting's group on the meeting's day.

        The meeting may not be saved yet (a row added on the new meeting form): its
        group is then read from the meeting object the row is attached to. A row
        saved before this rule, unchanged since (same person, same group), passes
        as recorded, so its meeting can still be saved.
        """
        super().clean()
        meeting = self.meeting if Attendance.meeting.is_cached(self) else None
        if meeting is None and self.meeting_id:
            meeting = Meeting.objects.filter(pk=self.meeting_id).first()
        if not (self.participant_id and meeting is not None and meeting.work_group_id):
            return
        if meeting.enrolled_participants().filter(pk=self.participant_id).exists():
            return
        as_recorded = Attendance.objects.filter(
            pk=self.pk,
            participant_id=self.participant_id,
            meeting__work_group_id=meeting.work_group_id,
        )
        if self.pk is None or not as_recorded.exists():
            raise ValidationError({"participant": NOT_ENROLLED})


class Visit(TimestampedModel):
    """A specialist's support visit to a school: where an action plan starts."""

    school = models.ForeignKey(
        "workflows.School",
        on_delete=models.PROTECT,
        related_name="visits",
        help_text="The school visited; one of the Work Group's schools.",
    )
    work_group = models.ForeignKey(
        "workflows.WorkGroup",
        on_delete=models.PROTECT,
        related_name="visits",
        help_text="The Work Group the visit supports.",
    )
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visits",
        help_text="Who made the visit.",
    )
    visited_on = models.DateField(help_text="The date of the visit.")
    purpose = models.CharField(max_length=255, help_text="Why the visit happened, in a line.")
    met_with = models.CharField(
        max_length=255,
        blank=True,
        help_text="Who the specialist met, such as the head and maths lead.",
    )
    notes = models.TextField(blank=True, help_text="What was seen and discussed.")
    next_steps = models.TextField(
        blank=True, help_text="What was agreed; the action plan builds on it."
    )
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When purge_personal_data removed the people named in the visit's notes; empty while they are kept.",
    )
    sequence = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="How many times its calendar invitation was updated (iCalendar SEQUENCE).",
    )

    class Meta:
        ordering = ["-visited_on"]
        # What the hub calls them, in the menu, headings and messages alike.
        verbose_name = "support visit"

    def __str__(self) -> str:
        return f"Visit to {self.school.name} on {self.visited_on:%d %b %Y}"

    def clean(self):
        """A visit supports a school of the group it is recorded against."""
        super().clean()
        if (
            self.school_id
            and self.work_group_id
            and not self.work_group.enrolments.filter(school_id=self.school_id).exists()
        ):
            raise ValidationError({"school": "This school is not in the chosen Work Group."})
