from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import ngettext

from workflows.shared.fields import AcademicYearField, PersonField, TimestampedModel


def _offers():
    """Applications offered a place and not yet answered: each one holds a place."""
    from workflows.applications.models import Application

    return Application.objects.filter(status=Application.Status.OFFERED)


class WorkGroupQuerySet(models.QuerySet):
    def with_places(self):
        """Annotate ``places_taken`` (enrolments plus open offers) with subqueries, not joins.

        An offer holds its place until it is accepted (then it is an enrolment) or
        declined/withdrawn, so the last place cannot be offered twice. Subqueries keep
        the count right whatever else the queryset filters on (a join through
        enrolments, as a school leader's scope has, would count only the matching
        rows) and keep a listing at one query per page.
        """
        taken = (
            Enrolment.objects.filter(work_group=OuterRef("pk"), left_on__isnull=True)
            .order_by()
            .values("work_group")
            .annotate(n=Count("pk"))
            .values("n")
        )
        offered = (
            _offers()
            .filter(offered_group=OuterRef("pk"))
            .order_by()
            .values("offered_group")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(
            places_taken=Coalesce(Subquery(taken), 0) + Coalesce(Subquery(offered), 0)
        )


class WorkGroup(TimestampedModel):
    """Six or seven local schools, two teachers each, led by a Mastery Specialist."""

    class Status(models.TextChoices):
        PLANNING = "planning", "Planning"
        RECRUITING = "recruiting", "Recruiting"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"

    stage = models.ForeignKey(
        "programmes.ProgrammePage",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The programme (stage of the journey) this group belongs to.",
    )
    academic_year = AcademicYearField(db_index=True)
    # Not a SlugField: Wagtail's slug input lower-cases what is typed, and hubs
    # write their codes in capitals. Unique whatever the capitals (Meta).
    code = models.CharField(
        max_length=30,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                "Use letters, digits, hyphens and underscores only, such as DEV-26-N1.",
            )
        ],
        help_text="The hub's short code for the group, such as DEV-26-N1: kept as typed.",
    )
    name = models.CharField(
        max_length=120, help_text="A name schools recognise, such as 'Leeds North'."
    )
    lead_specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_work_groups",
        help_text="The Mastery Specialist who leads the group and visits its schools.",
    )
    capacity = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Most schools the group takes; leave blank to use the programme's group size.",
    )
    allow_over_capacity = models.BooleanField(
        default=False,
        help_text="The hub lead's explicit permission to enrol more schools than the capacity.",
    )
    status = models.CharField(
        max_length=12,
        choices=Status.choices,
        default=Status.PLANNING,
        help_text="Planning, recruiting schools, running, or completed.",
    )
    area = models.CharField(
        max_length=100, blank=True, help_text="The area it serves, usually a local authority."
    )
    meeting_town = models.CharField(
        max_length=100, blank=True, help_text="Where the group usually meets."
    )

    objects = WorkGroupQuerySet.as_manager()

    class Meta:
        ordering = ["-academic_year", "code"]
        constraints = [
            models.UniqueConstraint(
                Lower("code"),
                name="work_group_code_unique_any_case",
                violation_error_message="A Work Group already has this code "
                "(codes count as the same whatever their capitals).",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code}, {self.academic_year})"

    def save(self, *args, **kwargs):
        if self.capacity is None and self.stage_id:
            self.capacity = self.stage.group_size_max
        super().save(*args, **kwargs)

    @property
    def effective_capacity(self) -> int:
        """Return the most schools the group takes: its own capacity or its stage's."""
        return self.capacity if self.capacity is not None else self.stage.group_size_max

    @property
    def places_left(self) -> int:
        """Return how many more schools the group takes (annotated by ``with_places``)."""
        taken = getattr(self, "places_taken", None)
        if taken is None:
            taken = self.places_held()
        return max(self.effective_capacity - taken, 0)

    @property
    def offer_label(self) -> str:
        """The group as offered to a school: "DEV-30-Y: York, York (1 place left)"."""
        area = f", {self.area}" if self.area else ""
        places = ngettext("%(count)d place left", "%(count)d places left", self.places_left)
        return f"{self.code}: {self.name}{area} ({places % {'count': self.places_left}})"

    def places_held(self, *, exclude_enrolment=None, exclude_application=None) -> int:
        """Count current enrolments plus outstanding offers, leaving out the given ones.

        An application being accepted leaves out its own offer (its enrolment is about
        to replace it); an enrolment being edited leaves out itself.
        """
        enrolments = self.enrolments.filter(left_on__isnull=True)
        if exclude_enrolment is not None:
            enrolments = enrolments.exclude(pk=exclude_enrolment)
        offers = _offers().filter(offered_group=self)
        if exclude_application is not None:
            offers = offers.exclude(pk=exclude_application)
        return enrolments.count() + offers.count()

    def clean(self):
        super().clean()
        if self.capacity == 0:
            raise ValidationError({"capacity": "A Work Group needs room for at least one school."})


class Enrolment(TimestampedModel):
    """A school's place in a Work Group.

    ``stage`` and ``academic_year`` repeat the group's so the database itself
    enforces "at most one group per stage per year" with a unique constraint.
    """

    school = models.ForeignKey(
        "workflows.School",
        on_delete=models.PROTECT,
        related_name="enrolments",
        help_text="The school taking a place.",
    )
    work_group = models.ForeignKey(
        WorkGroup,
        on_delete=models.PROTECT,
        related_name="enrolments",
        help_text="The Work Group the school joins.",
    )
    stage = models.ForeignKey(
        "programmes.ProgrammePage", on_delete=models.PROTECT, related_name="+", editable=False
    )
    academic_year = AcademicYearField(editable=False)
    application = models.OneToOneField(
        "workflows.Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolment",
        help_text="The application this place came from, if any.",
    )
    joined_on = models.DateField(null=True, blank=True, help_text="When the school joined.")
    left_on = models.DateField(
        null=True, blank=True, help_text="When the school left, if it left early; frees its place."
    )

    class Meta:
        ordering = ["work_group", "school__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "stage", "academic_year"],
                name="one_group_per_stage_per_year",
                violation_error_message="This school is already in a Work Group of this programme this year.",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(left_on__gte=models.F("joined_on")),
                name="enrolment_left_after_joined",
                violation_error_message="A school cannot leave a group before it joined.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school.name} in {self.work_group.code}"

    def _copy_group_fields(self):
        if self.work_group_id:
            self.stage_id = self.work_group.stage_id
            self.academic_year = self.work_group.academic_year

    ONE_GROUP_MESSAGE = "This school is already in a Work Group of this programme this year."

    def clean(self):
        """Keep the rules of enrolment, each with a message a hub lead understands.

        The same rules run for the admin form (through ``full_clean``) and for an
        accepted offer (through :meth:`save_checked`), so both say the same thing.
        """
        self._copy_group_fields()
        super().clean()
        if not (self.school_id and self.work_group_id):
            return
        group = self.work_group
        others = Enrolment.objects.exclude(pk=self.pk)
        if others.filter(
            school_id=self.school_id, stage_id=group.stage_id, academic_year=group.academic_year
        ).exists():
            raise ValidationError({"work_group": self.ONE_GROUP_MESSAGE})
        if (
            group.stage.once_per_school
            and others.filter(school_id=self.school_id, stage_id=group.stage_id).exists()
        ):
            raise ValidationError(
                {
                    "work_group": f"This school has already taken part in {group.stage.title}; "
                    "schools do it once."
                }
            )
        if self._takes_a_new_place() and not group.allow_over_capacity:
            taken = group.places_held(
                exclude_enrolment=self.pk, exclude_application=self.application_id
            )
            if taken >= group.effective_capacity:
                raise ValidationError(
                    {
                        "work_group": f"{group.name} is full: every place ({group.effective_capacity}) "
                        "is taken or offered. "
                        "The hub lead can allow it to go over capacity."
                    }
                )

    def _takes_a_new_place(self) -> bool:
        """Return whether saving this enrolment fills a place it did not hold before.

        Editing the dates of a school already in a group that the hub lead let go
        over capacity must not be refused; joining, moving group or coming back does.
        """
        if self.left_on is not None:
            return False
        if self.pk is None:
            return True
        before = Enrolment.objects.filter(pk=self.pk).values("work_group_id", "left_on").first()
        return (
            before is None
            or before["work_group_id"] != self.work_group_id
            or before["left_on"] is not None
        )

    def save_checked(self):
        """Validate and save with the group's row locked; raise ``ValidationError`` if refused.

        Two hub leads filling a group's last place at the same moment would both
        pass a plain ``clean()``; locking the group row (``select_for_update``, a
        no-op on SQLite, whose writers are serialised anyway) makes the second wait
        and then see the first. The unique constraint is the last guard: a clash it
        catches becomes the same message instead of a server error.
        """
        with transaction.atomic():
            if self.work_group_id:
                list(
                    WorkGroup.objects.select_for_update().filter(pk=self.work_group_id).values("pk")
                )
            # ``clean`` words the one-group-a-year rule itself; skipping ``stage`` here
            # keeps the unique constraint from repeating it (the database still checks).
            self.full_clean(exclude=["stage"])
            try:
                with transaction.atomic():
                    self.save()
            except IntegrityError as error:
                raise ValidationError({"work_group": self.ONE_GROUP_MESSAGE}) from error
        return self

    def save(self, *args, **kwargs):
        self._copy_group_fields()
        super().save(*args, **kwargs)


class Participant(TimestampedModel):
    """A person taking part for an enrolled school: a lead teacher or the head."""

    class Role(models.TextChoices):
        LEAD_TEACHER = "lead_teacher", "Lead teacher"
        HEAD = "head", "Head teacher"

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="participants",
        help_text="The school's place in a Work Group this person takes part for.",
    )
    name = models.CharField(max_length=150, help_text="Their full name.")
    email = models.EmailField(blank=True, help_text="Where the group's messages reach them.")
    role = models.CharField(
        max_length=20,
        choices=Role.choices,
        default=Role.LEAD_TEACHER,
        help_text="A lead teacher or the head teacher.",
    )
    is_maths_lead = models.BooleanField(
        default=False, help_text="Tick for the school's maths lead."
    )
    trn = models.CharField(
        "TRN", max_length=7, blank=True, help_text="Teacher reference number (7 digits), if known."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participations",
        help_text="Their login, if they have one.",
    )
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When purge_personal_data removed this person's name, email and TRN; empty while they are kept.",
    )

    class Meta:
        ordering = ["enrolment", "role", "name"]

    def __str__(self) -> str:
        return self.name


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
