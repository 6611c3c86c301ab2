from django.conf import settings
from django.db import models
from django.db.models import Q

from workflows.shared.fields import TimestampedModel


class School(TimestampedModel):
    """A school as the DfE's Get Information about Schools (GIAS) knows it.

    Fields under "GIAS" are owned by the national extract and overwritten by each
    import; the hub's own fields (leaders, notes, contact) never are. Schools are
    never deleted: plans and enrolments refer to them. A school missing from a
    later extract is marked closed instead.
    """

    # GIAS-owned fields. The names of the importer's columns live in the importer.
    urn = models.PositiveIntegerField(
        "URN", unique=True, help_text="Unique Reference Number from GIAS (six digits)."
    )
    name = models.CharField(max_length=255, help_text="Establishment name, as GIAS has it.")
    la_code = models.CharField("LA code", max_length=10, blank=True)
    local_authority = models.CharField(max_length=100, blank=True, db_index=True)
    establishment_number = models.CharField(max_length=10, blank=True)
    establishment_type = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=60, blank=True, help_text="GIAS establishment status.")
    phase = models.CharField(max_length=60, blank=True, db_index=True)
    street = models.CharField(max_length=255, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True, db_index=True)
    easting = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="British National Grid easting in metres, from GIAS; places the school on the finder.",
    )
    northing = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="British National Grid northing in metres, from GIAS.",
    )
    head_title = models.CharField(max_length=30, blank=True)
    head_first_name = models.CharField(max_length=100, blank=True)
    head_last_name = models.CharField(max_length=100, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    gias_imported_at = models.DateTimeField(
        null=True, blank=True, help_text="When the GIAS import last wrote this school."
    )
    missing_from_gias = models.BooleanField(
        "missing from GIAS",
        default=False,
        help_text="Set when the latest GIAS extract no longer lists this school.",
    )

    # The hub's own fields.
    leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="led_schools",
        help_text="School leaders who may see this school's applications and plans.",
    )
    contact_email = models.EmailField(
        blank=True, help_text="The hub's usual contact at this school."
    )
    notes = models.TextField(
        blank=True, help_text="The hub's own notes; never overwritten by GIAS."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(urn__gte=100000), name="school_urn_six_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"

    @property
    def head_name(self) -> str:
        return " ".join(
            part for part in (self.head_title, self.head_first_name, self.head_last_name) if part
        )

    @property
    def is_open(self) -> bool:
        return not self.missing_from_gias and not self.status.lower().startswith("closed")
