"""Action plans: co-written after a visit, approved through a Wagtail Workflow.

An :class:`ActionPlan` is a snippet with ``WorkflowMixin, DraftStateMixin,
LockableMixin, RevisionMixin`` (Wagtail checks that order), so drafts, revisions,
compare, locking and moderation come from Wagtail. It is a ``ClusterableModel``:
its priorities, actions and progress notes are edited inline and stored in each
revision with the plan, so "which revision was approved" covers all of them.

Why actions are children of the plan, not of their priority: modelcluster can
nest clusters, but a plan edited after it was agreed keeps its draft only in a
revision, where new children have no primary key yet. An action pointing at its
priority by foreign key would then point at nothing (and the choice list of a
new priority would be empty until saved). So each action names its priority by
its position ("priority 1"), which survives revisions, reordering checks, the
approval of a draft and carry-over to next year's plan. Progress notes likewise
name their action by its number. The form checks both numbers exist.

Termly reviews are *not* part of the plan's revisions: a review records how the
agreed plan is going without changing what was agreed, so it needs no new
approval. Each review keeps a status and comment per action, as history.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone

from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.models.audit_log import BaseLogEntry, BaseLogEntryManager

from workflows.plans.forms import ActionPlanForm
from workflows.plans.status_panel import PlanStatusPanel

from .common import AcademicYearField, TimestampedModel


class FocusArea(models.Model):
    """One item of an editable vocabulary a priority is tied to.

    The items (the Five Big Ideas, Embedding focus areas, Sustaining strands and
    Mastery Readiness foundations) are data, seeded by a migration, because the
    programme's wording changes from year to year.
    """

    class Kind(models.TextChoices):
        BIG_IDEA = "big_idea", "Five Big Ideas"
        EMBEDDING = "embedding", "Embedding focus areas"
        SUSTAINING = "sustaining", "Sustaining strands"
        READINESS = "readiness", "Mastery Readiness foundations"

    kind = models.CharField(
        max_length=12, choices=Kind.choices, help_text="Which vocabulary this item belongs to."
    )
    name = models.CharField(max_length=120, help_text="The item as schools know it.")
    sort_order = models.PositiveSmallIntegerField(
        default=0, help_text="Position within its vocabulary."
    )
    active = models.BooleanField(
        default=True, help_text="Untick to stop offering it on new priorities."
    )

    class Meta:
        ordering = ["kind", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="focus_area_unique_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    DONE = "done", "Done"


class PlanState(models.TextChoices):
    """Where a plan is in its life, kept in step with Wagtail's workflow signals.

    Stored (not computed) so listings, filters and dashboards count plans by state
    in one grouped query; Wagtail's own workflow and task states stay the record.
    """

    DRAFT = "draft", "Draft"
    AWAITING_SPECIALIST = "awaiting_specialist", "Awaiting specialist sign-off"
    AWAITING_SCHOOL = "awaiting_school", "Awaiting school approval"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    AGREED = "agreed", "Agreed"
    IN_PROGRESS = "in_progress", "In progress (reviewed)"
    CLOSED = "closed", "Closed"


class ActionPlan(
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    ClusterableModel,
    TimestampedModel,
):
    """A school's action plan, agreed between its leaders and its specialist."""

    school = models.ForeignKey(
        "workflows.School",
        on_delete=models.PROTECT,
        related_name="action_plans",
        help_text="The school whose plan this is.",
    )
    enrolment = models.ForeignKey(
        "workflows.Enrolment",
        on_delete=models.PROTECT,
        related_name="action_plans",
        help_text="The school's place in the Work Group this plan belongs to.",
    )
    visit = models.ForeignKey(
        "workflows.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_plans",
        help_text="The support visit the plan came out of, if any.",
    )
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="specialist_action_plans",
        help_text="The Mastery Specialist who signs the plan off.",
    )
    academic_year = AcademicYearField(db_index=True)
    title = models.CharField(
        max_length=200, help_text="A short name, such as 'Oakfield: 2026/27 plan'."
    )
    summary = models.TextField(
        blank=True, help_text="Where the school is now and what the plan sets out to change."
    )
    state = models.CharField(
        max_length=20,
        choices=PlanState.choices,
        default=PlanState.DRAFT,
        editable=False,
        db_index=True,
        help_text="Where the plan is in its life; follows the approval workflow.",
    )
    closed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the plan was closed."
    )
    previous_plan = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="next_plans",
        help_text="The plan this one carried over from.",
    )
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When purge_personal_data removed the people the plan names, here and in its revisions; empty while they are kept.",
    )

    panels = [
        PlanStatusPanel(heading="Status"),
        MultiFieldPanel(
            [
                FieldPanel("title"),
                FieldPanel("school"),
                FieldPanel("enrolment"),
                FieldPanel("visit"),
                FieldPanel("specialist"),
                FieldPanel("academic_year"),
                FieldPanel("summary"),
            ],
            heading="The plan",
        ),
        InlinePanel("priorities", heading="Priorities", label="Priority", min_num=1),
        InlinePanel("actions", heading="Actions", label="Action"),
        InlinePanel("progress_notes", heading="Progress notes", label="Progress note"),
    ]

    base_form_class = ActionPlanForm

    class Meta:
        ordering = ["-academic_year", "school__name"]
        verbose_name = "action plan"

    def __str__(self) -> str:
        return self.title

    def clean(self):
        """Keep the plan's school, enrolment and visit consistent."""
        super().clean()
        errors = {}
        if self.enrolment_id and self.school_id and self.enrolment.school_id != self.school_id:
            errors["enrolment"] = "Choose an enrolment of this plan's school."
        if self.visit_id and self.school_id and self.visit.school_id != self.school_id:
            errors["visit"] = "Choose a visit to this plan's school."
        if errors:
            raise ValidationError(errors)

    def with_content_json(self, content):
        """Keep the plan-wide fields (state, closing, lineage, anonymising) when loading a revision.

        They describe the plan as a whole, not one revision of it, so publishing an
        old revision must not bring back an old state.
        """
        obj = super().with_content_json(content)
        obj.state = self.state
        obj.closed_at = self.closed_at
        obj.previous_plan_id = self.previous_plan_id
        obj.anonymised_at = self.anonymised_at
        return obj

    @property
    def work_group(self):
        return self.enrolment.work_group


class Priority(Orderable, ClusterableModel):
    """One of the plan's priorities, tied to focus areas of the vocabularies.

    A ``ClusterableModel`` itself so its focus areas (a ``ParentalManyToManyField``)
    are kept in the plan's revisions and saved with it.
    """

    plan = ParentalKey(ActionPlan, on_delete=models.CASCADE, related_name="priorities")
    title = models.CharField(max_length=255, help_text="The priority, in a sentence.")
    focus_areas = ParentalManyToManyField(
        FocusArea,
        blank=True,
        related_name="priorities",
        help_text="The Big Ideas, focus areas, strands or foundations it addresses.",
    )
    rationale = models.TextField(blank=True, help_text="Why this matters for the school now.")

    panels = [FieldPanel("title"), FieldPanel("focus_areas"), FieldPanel("rationale")]

    def __str__(self) -> str:
        return self.title


class Action(Orderable):
    """Something someone will do, under one of the plan's priorities."""

    plan = ParentalKey(ActionPlan, on_delete=models.CASCADE, related_name="actions")
    priority_number = models.PositiveSmallIntegerField(
        default=1,
        help_text="The number of the priority it serves: 1 for the first priority above.",
    )
    what = models.TextField(help_text="What will be done.")
    owner_name = models.CharField(
        max_length=150, blank=True, help_text="Who leads it, such as 'Maths lead'."
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Or the school user who leads it, if they have a login.",
    )
    starts_on = models.DateField(null=True, blank=True, help_text="When the work starts.")
    due_on = models.DateField(null=True, blank=True, help_text="When it should be done by.")
    success_criteria = models.TextField(blank=True, help_text="How everyone will know it worked.")
    resources = models.TextField(
        blank=True, help_text="Resources and release time it needs, such as 'half a day a term'."
    )
    status = models.CharField(
        max_length=12,
        choices=ActionStatus.choices,
        default=ActionStatus.NOT_STARTED,
        help_text="How it is going; termly reviews record it too.",
    )

    panels = [
        FieldPanel("priority_number"),
        FieldPanel("what"),
        FieldPanel("owner_name"),
        FieldPanel("owner_user"),
        FieldPanel("starts_on"),
        FieldPanel("due_on"),
        FieldPanel("success_criteria"),
        FieldPanel("resources"),
        FieldPanel("status"),
    ]

    def __str__(self) -> str:
        return self.what[:80]

    def clean(self):
        super().clean()
        if self.starts_on and self.due_on and self.due_on < self.starts_on:
            raise ValidationError({"due_on": "The due date cannot be before the start date."})
        if not (self.owner_name or self.owner_user_id):
            raise ValidationError({"owner_name": "Name who leads this action."})

    @property
    def owner(self) -> str:
        if self.owner_user_id:
            return self.owner_user.get_full_name() or self.owner_user.get_username()
        return self.owner_name

    @property
    def is_overdue(self) -> bool:
        """Overdue by the one definition (``workflows.plans.status.is_overdue``).

        Uses the action's current status (its latest review's) when annotated.
        """
        from workflows.plans.status import is_overdue

        return is_overdue(self.due_on, getattr(self, "current_status", self.status))


class ProgressNote(Orderable):
    """A dated note of progress on one action, kept with the plan."""

    plan = ParentalKey(ActionPlan, on_delete=models.CASCADE, related_name="progress_notes")
    action_number = models.PositiveSmallIntegerField(
        default=1, help_text="The number of the action it is about: 1 for the first action."
    )
    # No callable default (such as ``timezone.localdate``): Django then gives the
    # form field ``show_hidden_initial``, Wagtail renders no hidden initial, and
    # every save of a plan with a note counted as an edit, restarting approval.
    # A blank date is filled with today in ``clean`` and ``save`` instead.
    noted_on = models.DateField(
        blank=True, help_text="The date of the note; leave blank for today."
    )
    note = models.TextField(help_text="What has happened.")

    panels = [FieldPanel("action_number"), FieldPanel("noted_on"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        ordering = ["sort_order", "noted_on"]

    def clean(self):
        super().clean()
        if self.noted_on is None:
            self.noted_on = timezone.localdate()

    def save(self, *args, **kwargs):
        if self.noted_on is None:
            self.noted_on = timezone.localdate()
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.noted_on}: {self.note[:60]}"


class PlanReview(models.Model):
    """A termly review of an agreed plan, kept as history beside its revisions."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField(default=timezone.localdate, help_text="The date of the review.")
    comment = models.TextField(blank=True, help_text="How the plan is going overall.")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text="Who recorded the review.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_on", "-pk"]

    def __str__(self) -> str:
        return f"Review of {self.plan} on {self.reviewed_on:%d %b %Y}"


class ReviewEntry(models.Model):
    """The status of one action at a review, and what was said about it."""

    review = models.ForeignKey(PlanReview, on_delete=models.CASCADE, related_name="entries")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="review_entries")
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, help_text="The action's status at the review."
    )
    comment = models.TextField(blank=True, help_text="What was said about it.")

    class Meta:
        ordering = ["review", "action__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["review", "action"], name="one_entry_per_action")
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.get_status_display()}"


class ActionPlanLogEntryManager(BaseLogEntryManager):
    """Wagtail's model log manager, made to answer "viewable by" per plan.

    Wagtail's site history report lists each log model's ``viewable_by_user``;
    the stock one lets anyone with a permission on action plans read every
    plan's history. Registered for ``ActionPlan`` with ``register_log_actions``.
    """

    def log_action(self, instance, action, **kwargs):
        kwargs.update(object_id=str(instance.pk))
        return super().log_action(instance, action, **kwargs)

    def for_instance(self, instance):
        return self.filter(object_id=str(instance.pk))

    def viewable_by_user(self, user):
        # Not ``super()``: Wagtail caches the permitted content types on the user
        # from whichever log model it asks first, which would hide plans entirely.
        from wagtail.permissions import policy_registry

        from workflows.permissions import scope_for

        if scope_for(user).everything:
            # Hub leads see every plan, so every entry: a deleted plan's included,
            # which no scope filter by existing plans could ever find again.
            return self.all()
        policy = policy_registry.get_by_type(ActionPlan)
        plans = policy.instances_user_has_any_permission_for(user, ["view", "change"])
        ids = plans.annotate(pk_str=Cast("pk", output_field=models.CharField())).values("pk_str")
        return self.filter(object_id__in=ids)


class ActionPlanLogEntry(BaseLogEntry):
    """The history of action plans, kept apart so it can be scoped per plan."""

    object_id = models.CharField(max_length=255, db_index=True)

    objects = ActionPlanLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = "action plan log entry"
        verbose_name_plural = "action plan log entries"


class ReminderLog(models.Model):
    """One reminder sent, so ``send_reminders`` never sends it twice.

    ``key`` names what the reminder was about and when (an action and its due
    date, a plan and the task it waits on, a plan and a term).
    """

    key = models.CharField(max_length=200, help_text="What the reminder was about.")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    plan = models.ForeignKey(
        ActionPlan, on_delete=models.CASCADE, related_name="reminders", null=True
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "recipient"], name="reminder_once_per_key")
        ]

    def __str__(self) -> str:
        return self.key


# The workflow tasks live with the rest of the plans' machinery; importing them
# here registers them as models of this app (and keeps the plan's signals wired).
from workflows.plans import signals as _plan_signals  # noqa: E402
from workflows.plans.tasks import (  # noqa: E402, F401
    SchoolLeaderApprovalTask,
    SpecialistSignOffTask,
)

_plan_signals.connect()
