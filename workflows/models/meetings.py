from django.conf import settings
from django.db import models

from .common import TimestampedModel


class Meeting(TimestampedModel):
    """A Work Group session: planning, a research lesson to observe, discussion, a workshop."""

    class Kind(models.TextChoices):
        PLAN = "plan", "Plan"
        OBSERVE = "observe", "Observe (research lesson)"
        DISCUSS = "discuss", "Discuss"
        WORKSHOP = "workshop", "Workshop"

    work_group = models.ForeignKey(
        "workflows.WorkGroup", on_delete=models.CASCADE, related_name="meetings"
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
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PLAN)
    agenda = models.TextField(blank=True, help_text="What the meeting will cover.")

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.work_group.code}: {self.get_kind_display()} on {self.starts_at:%d %b %Y}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        ATTENDED = "attended", "Attended"
        APOLOGIES = "apologies", "Apologies"
        ABSENT = "absent", "Absent"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(
        "workflows.Participant", on_delete=models.CASCADE, related_name="attendance"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ATTENDED)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "participant"], name="one_attendance_per_meeting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant}: {self.get_status_display()}"


class Visit(TimestampedModel):
    """A specialist's support visit to a school: where an action plan starts."""

    school = models.ForeignKey("workflows.School", on_delete=models.PROTECT, related_name="visits")
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

    class Meta:
        ordering = ["-visited_on"]

    def __str__(self) -> str:
        return f"Visit to {self.school.name} on {self.visited_on:%d %b %Y}"
