"""Action plans: co-written after a visit, approved through a Wagtail Workflow.

An :class:`ActionPlan` is a snippet with ``WorkflowMixin, DraftStateMixin,
LockableMixin, RevisionMixin`` (Wagtail checks that order), so drafts, revisions,
compare, locking and moderation come from Wagtail. It is a ``ClusterableModel``:
its priorities and actions are edited inline and stored in each revision with the
plan, so "which revision was approved" covers all of them.

Two kinds of change after a plan is agreed. The *agreed content* (priorities,
what each action is, owners, dates, success criteria) changes only through the
editor, and a change needs both approvals again (the agreed version stays live
meanwhile). *Tracking* is the year's work and never needs approval: an action's
``status`` and the plan's :class:`ProgressNote` rows are written straight onto
the live rows by the "Track progress" view (``workflows.plans.tracking``), never
into a revision, and publishing a revision keeps the tracked statuses
(:meth:`ActionPlan.with_content_json`).

Why actions are children of the plan, not of their priority: modelcluster can
nest clusters, but a plan edited after it was agreed keeps its draft only in a
revision, where new children have no primary key yet. An action pointing at its
priority by foreign key would then point at nothing (and the choice list of a
new priority would be empty until saved). So each action names its priority by
its position ("priority 1"), which survives revisions, reordering checks, the
approval of a draft and carry-over to next year's plan. Progress notes likewise
name their action by its number in the agreed plan. The form checks priority
numbers exist; the tracking view only offers actions that do.

Termly reviews are *not* part of the plan's revisions: a review records how the
agreed plan is going without changing what was agreed, so it needs no new
approval. Each review keeps a status and comment per action, as history.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.functional import cached_property

from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
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
from workflows.shared.fields import AcademicYearField, PersonField, TimestampedModel


class FocusAreaQuerySet(models.QuerySet):
    def offered_for(self, programme_id):
        """The active items a plan of ``programme_id`` offers: its programme's, and those of every programme.

        ``None`` (a plan whose Work Group is not chosen yet) offers every active item.
        """
        active = self.filter(active=True)
        if programme_id is None:
            return active
        links = self.model.programmes.through.objects
        return active.filter(
            models.Q(pk__in=links.filter(programmepage_id=programme_id).values("focusarea_id"))
            | ~models.Q(pk__in=links.values("focusarea_id"))
        )


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
    programmes = models.ManyToManyField(
        "programmes.ProgrammePage",
        blank=True,
        related_name="+",
        help_text="The programmes whose plans offer it; leave empty to offer it on every plan.",
    )

    objects = FocusAreaQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="focus_area_unique_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


@register_setting(icon="tasks", name="plan-rules")
class PlanRules(BaseGenericSetting):
    """The hub's rules for agreed action plans: what counts as tracking, not a change.

    One record for the hub, edited by hub leads (granted in migration 0017).
    Moving an action's due date a little is the year's work (a lesson study
    slips a fortnight); moving it further changes what was agreed, so it goes
    through the editor and both approvals again.
    """

    due_date_leeway_weeks = models.PositiveSmallIntegerField(
        default=4,
        validators=[MaxValueValidator(26)],
        verbose_name="Due date leeway (weeks)",
        help_text="How many weeks either side of its agreed due date an action's date may move on "
        "Track progress without approval. 0: every move is a change both sides approve.",
    )

    class Meta:
        verbose_name = "action plan rules"


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
        """Keep the plan-wide fields and the tracking when loading a revision.

        State, closing, lineage and anonymising describe the plan as a whole, not
        one revision of it, so publishing an old revision must not bring back an
        old state. Each action's ``status`` is tracking, recorded on the live rows
        after the revision was saved: an action the revision shares with the live
        plan (same primary key) keeps its live status; an action new in the
        revision keeps the status it was written with.
        """
        obj = super().with_content_json(content)
        obj.state = self.state
        obj.closed_at = self.closed_at
        obj.previous_plan_id = self.previous_plan_id
        obj.anonymised_at = self.anonymised_at
        if self.pk:
            tracked = {
                pk: (status, due_on)
                for pk, status, due_on in Action.objects.filter(plan=self.pk).values_list(
                    "pk", "status", "due_on"
                )
            }
            agreed = self.agreed_due_dates()
            for action in obj.actions.all():
                if action.pk in tracked:
                    action.status, moved_due_on = tracked[action.pk]
                    # A date moved on Track progress stays, unless this revision agrees another.
                    if action.pk in agreed and action.due_on == agreed[action.pk]:
                        action.due_on = moved_due_on
        return obj

    def agreed_due_dates(self) -> dict:
        """Each action's due date (by its pk) in the agreed version: the revision approved last.

        The live rows may carry a date moved since by the hub's rule (``PlanRules``).
        """
        revision = self.live_revision
        if revision is None:
            return {}
        return {
            row.get("pk"): datetime.date.fromisoformat(row["due_on"]) if row.get("due_on") else None
            for row in revision.content.get("actions", []) or []
        }

    @property
    def in_force(self) -> bool:
        """Whether the plan has an agreed version that counts (live and not closed).

        ``workflows.plans.status.in_force_q`` says the same in SQL.
        """
        return bool(self.live and self.state != PlanState.CLOSED)

    def status_label(self) -> str:
        """The plan's status as people read it.

        A plan with an agreed version and a change to it in approval is still
        agreed: "Agreed; changes awaiting school approval", not the bare state.
        """
        if self.live and self.state in PENDING_CHANGE_LABELS:
            return PENDING_CHANGE_LABELS[self.state]
        return self.get_state_display()

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
    owner_user = PersonField("Or the school user who leads it, if they have a login.")
    starts_on = models.DateField(null=True, blank=True, help_text="When the work starts.")
    due_on = models.DateField(null=True, blank=True, help_text="When it should be done by.")
    success_criteria = models.TextField(
        blank=True,
        help_text="How everyone will know it worked: one criterion per line, each tracked through the year.",
    )
    resources = models.TextField(
        blank=True, help_text="Resources and release time it needs, such as 'half a day a term'."
    )
    status = models.CharField(
        max_length=12,
        choices=ActionStatus.choices,
        default=ActionStatus.NOT_STARTED,
        help_text="How it is going: tracked on the agreed plan (Track progress and termly reviews), not part of what is agreed.",
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
    """A dated note of progress on one action: tracking, kept beside the plan's revisions.

    A plain foreign key, not part of the plan's cluster: adding a note changes
    nothing that was agreed, so it never makes a revision or restarts approval.
    Old revisions may still hold the notes they were saved with (before notes
    left the cluster); those copies are history only.
    """

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="progress_notes")
    action_number = models.PositiveSmallIntegerField(
        default=1,
        help_text="The number of the action it is about in the agreed plan: 1 for the first action.",
    )
    # No callable default (such as ``timezone.localdate``): a blank date is filled
    # with today in ``clean`` and ``save``.
    noted_on = models.DateField(
        blank=True, help_text="The date of the note; leave blank for today."
    )
    note = models.TextField(help_text="What has happened.")
    recorded_by = PersonField("Who recorded the note.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the note was recorded.")

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


class CriterionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    NOT_MET = "not_met", "Not met"
    PARTLY_MET = "partly_met", "Partly met"
    MET = "met", "Met"


def criteria_lines(text: str) -> list[str]:
    """The success criteria of an action, one per non-blank line of its agreed text."""
    return [line.strip(" -•*\t") for line in (text or "").splitlines() if line.strip(" -•*\t")]


class CriterionProgress(models.Model):
    """How one success criterion of an agreed action is going: tracking, not agreed content.

    The criteria themselves are lines of the action's ``success_criteria`` (agreed
    and approved with the plan); their status and notes are the year's tracking,
    written by the "Track progress" view and never part of a revision. A row names
    its criterion by position (``number``, from 1) and keeps the wording it was
    tracked against, so a criterion reworded in a later agreed version shows as such.
    """

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="criteria_progress")
    number = models.PositiveSmallIntegerField(
        help_text="Which success criterion of the action: 1 for its first line."
    )
    criterion = models.TextField(help_text="The criterion's wording when it was last tracked.")
    status = models.CharField(
        max_length=12,
        choices=CriterionStatus.choices,
        default=CriterionStatus.NOT_STARTED,
        help_text="Whether the criterion is met yet.",
    )
    notes = models.TextField(blank=True, help_text="What shows it, or what is still missing.")
    updated_by = PersonField("Who last recorded it.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When it was last recorded.")

    class Meta:
        ordering = ["action", "number"]
        constraints = [
            models.UniqueConstraint(fields=["action", "number"], name="one_progress_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion[:60]}: {self.get_status_display()}"


class ActionEvidence(models.Model):
    """A file showing progress on an action, kept in the school's private collection.

    The file is a Wagtail document in the school's "PD attachments" collection
    (``workflows.documents.private.school_collection``), so it is served only through the
    checked view to those whose scope holds the school. Evidence is tracking: it
    never makes a revision or restarts approval.
    """

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="evidence")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="evidence")
    document = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The file, in the school's private collection.",
    )
    description = models.CharField(
        max_length=255, blank=True, help_text="What the file shows, such as 'Year 4 books, spring'."
    )
    uploaded_by = PersonField("Who added the file.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the file was added.")

    class Meta:
        ordering = ["action", "created_at", "pk"]
        verbose_name_plural = "action evidence"

    def __str__(self) -> str:
        return self.description or self.document.title


PENDING_CHANGE_LABELS = {
    PlanState.AWAITING_SPECIALIST: "Agreed; changes awaiting specialist sign-off",
    PlanState.AWAITING_SCHOOL: "Agreed; changes awaiting school approval",
    PlanState.CHANGES_REQUESTED: "Agreed; changes requested",
}


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


#: Wagtail's messages a plan's history entry says in the programme's words wherever
#: it is listed (the site history report, its export): not "Rejected at 'Specialist
#: sign-off'" or "Cancelled 'Action plan approval'". Each entry is read alone, with
#: no query; the plan's own history says more (``workflows.plans.reading.log_words``).
LOG_MESSAGES = {
    "wagtail.workflow.reject": "Changes requested",
    "wagtail.workflow.cancel": "Back to draft, or approval withdrawn",
}


class ActionPlanLogEntry(BaseLogEntry):
    """The history of action plans, kept apart so it can be scoped per plan."""

    object_id = models.CharField(max_length=255, db_index=True)

    objects = ActionPlanLogEntryManager()

    @cached_property
    def message(self):
        return LOG_MESSAGES.get(self.action) or super().message

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
