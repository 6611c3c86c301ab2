import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from workflows.shared.fields import AcademicYearField, TimestampedModel

# No 0/O or 1/I/L: references are read out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """Return a short unguessable reference such as ``MH-7KQ2-9TXD``."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"MH-{chars[:4]}-{chars[4:]}"


class Application(TimestampedModel):
    """A school's request to join a programme in an academic year.

    Written by the public form; the hub lead decides on it. ``school`` is empty
    when the applicant typed a school we do not list yet: the typed name and
    postcode are kept until the hub links the record to a school.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        UNDER_REVIEW = "under_review", "Under review"
        OFFERED = "offered", "Offered a place"
        WAITLISTED = "waitlisted", "Waitlisted"
        DECLINED = "declined", "Declined"
        ACCEPTED = "accepted", "Accepted"
        WITHDRAWN = "withdrawn", "Withdrawn"
        LAPSED = "lapsed", "Offer lapsed"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    programme = models.ForeignKey(
        "programmes.ProgrammePage", on_delete=models.PROTECT, related_name="+"
    )
    academic_year = AcademicYearField()
    school = models.ForeignKey(
        "workflows.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    school_name = models.CharField(
        max_length=255, help_text="The school's name as the applicant gave it."
    )
    school_postcode = models.CharField(max_length=10, blank=True)
    head_name = models.CharField("head teacher's name", max_length=150)
    head_email = models.EmailField("head teacher's email")
    reason = models.TextField("why the school wants to take part")
    consent = models.BooleanField(default=False)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    offered_group = models.ForeignKey(
        "workflows.WorkGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offers",
        help_text="The Work Group a place was offered in.",
    )
    preferred_group = models.ForeignKey(
        "workflows.WorkGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="preferred_by",
        help_text="The Work Group the school asked to join, if it named one.",
    )
    offer_chased_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the school was reminded of its unanswered offer; an offer is chased once.",
    )
    decision_reason = models.TextField(
        blank=True,
        help_text="Why: sent to the school with a decline; the school's own reason when it "
        "declines an offer; why an application was closed.",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When purge_personal_data removed its personal details (names, emails, TRNs, reasons); empty while they are kept.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "programme", "academic_year"],
                condition=Q(school__isnull=False),
                name="one_application_per_school_programme_year",
                violation_error_message="This school has already applied for this programme this year.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.school_name}"


class ApplicationParticipant(models.Model):
    """One of the two teachers a school puts forward in its application."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="participants"
    )
    name = models.CharField(max_length=150)
    email = models.EmailField()
    role = models.CharField(
        max_length=100, help_text="Their role in school, such as 'Year 3 teacher'."
    )
    is_maths_lead = models.BooleanField(default=False)
    trn = models.CharField("TRN", max_length=7, blank=True)

    class Meta:
        ordering = ["application", "-is_maths_lead", "name"]

    def __str__(self) -> str:
        return self.name
