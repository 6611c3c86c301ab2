from django.db import models
from django.utils import timezone

from .common import PersonField


class GroupMessage(models.Model):
    """One email sent to a whole Work Group (its participants and heads), kept as its record.

    The text and the list of who it reached are personal data: the retention purge
    clears them and sets ``anonymised_at``, leaving when it was sent and to how many.
    """

    work_group = models.ForeignKey(
        "workflows.WorkGroup",
        on_delete=models.CASCADE,
        related_name="messages",
        help_text="The Work Group the message went to.",
    )
    sent_by = PersonField("Who sent the message.")
    sent_at = models.DateTimeField(default=timezone.now, help_text="When it was sent.")
    subject = models.CharField(max_length=200, help_text="The email's subject line.")
    body = models.TextField(help_text="The message, as plain text.")
    recipients = models.ManyToManyField(
        "workflows.Participant",
        blank=True,
        related_name="+",
        help_text="The participants it was sent to.",
    )
    recipient_count = models.PositiveIntegerField(
        default=0, help_text="How many addresses it was sent to."
    )
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When purge_personal_data removed its text and recipients; empty while they are kept.",
    )

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.subject} ({self.sent_at:%d %b %Y})"
