"""The plans' own admin views: print, CSV export of actions, termly review, carry-over.

Tracking progress (statuses and notes on the agreed plan) is in ``tracking``.

Each is built by :class:`workflows.plans.viewsets.ActionPlanViewSet`, which wraps
it in the same per-object scope check as Wagtail's views; each also asks the
permission policy for the action it performs.
"""

import csv
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views import View

from wagtail.log_actions import log
from wagtail.models import WorkflowState
from wagtail.permissions import policy_registry

from cms.spreadsheets import csv_safe
from workflows.models import (
    Action,
    ActionEvidence,
    ActionPlan,
    CriterionProgress,
    Enrolment,
    PlanReview,
    Priority,
    ReviewEntry,
)
from workflows.permissions import is_hub_lead, visible
from workflows.plans.models import (
    ActionStatus,
    CriterionStatus,
    PlanState,
    criteria_lines,
)
from workflows.plans.signals import set_state
from workflows.plans.status import current_status_expression, plan_status, status_label
from workflows.shared.fields import validate_academic_year


def policy():
    return policy_registry.get_by_type(ActionPlan)


def has_stale_approvals(plan) -> bool:
    """Whether the running workflow holds approvals of a revision older than the latest."""
    plan = ActionPlan.objects.get(pk=plan.pk)
    workflow_state = plan.current_workflow_state
    if workflow_state is None or workflow_state.status != WorkflowState.STATUS_IN_PROGRESS:
        return False
    return (
        workflow_state.task_states.filter(status="approved")
        .exclude(revision_id=plan.latest_revision_id)
        .exists()
    )


def restart_approval_after_edit(plan, user):
    """Send ``plan`` back for both approvals if an edit changed what was approved."""
    plan = ActionPlan.objects.get(pk=plan.pk)
    if plan.state == PlanState.CLOSED:
        return
    workflow_state = plan.current_workflow_state
    workflow = plan.get_workflow()
    if workflow is None:
        return
    if workflow_state is None:
        if plan.live and plan.has_unpublished_changes:
            workflow.start(plan, user)
    elif has_stale_approvals(plan):
        workflow_state.cancel(user=user)
        workflow.start(plan, user)


def plan_context(plan, user):
    """What the inspect and print views show about ``plan`` beyond its fields."""
    actions = list(
        plan.actions.annotate(current_status=current_status_expression()).select_related(
            "owner_user"
        )
    )
    priorities = list(plan.priorities.prefetch_related("focus_areas"))
    for number, priority in enumerate(priorities, start=1):
        priority.number = number
        priority.plan_actions = [a for a in actions if a.priority_number == number]
    for number, action in enumerate(actions, start=1):
        action.number = number
        action.current_status_label = status_label(action)
    notes = list(plan.progress_notes.order_by("noted_on", "pk"))
    for action in actions:
        action.notes = [n for n in notes if n.action_number == action.number]
    reviews = list(plan.reviews.prefetch_related("entries__action").select_related("reviewed_by"))
    return {
        **plan_status(plan, user),
        "priorities": priorities,
        "actions": actions,
        "reviews": reviews,
        "can_review": can_review(plan, user),
        "can_track": can_track(plan, user),
        "can_carry_over": can_carry_over(plan, user),
        "review_url": reverse("wagtailsnippets_workflows_actionplan:review", args=[plan.pk]),
        "csv_url": reverse("wagtailsnippets_workflows_actionplan:export_actions")
        + f"?plan={plan.pk}",
        "carry_over_url": reverse(
            "wagtailsnippets_workflows_actionplan:carry_over", args=[plan.pk]
        ),
    }


def can_track(plan, user) -> bool:
    from workflows.plans.tracking import can_track

    return can_track(plan, user)


def can_review(plan, user) -> bool:
    """A termly review is of the agreed version: it counts while a change awaits approval."""
    return (
        plan.in_force
        and (plan.specialist_id == user.pk or is_hub_lead(user))
        and user.has_perm("workflows.add_planreview")
    )


def can_carry_over(plan, user) -> bool:
    return plan.state != PlanState.CLOSED and (plan.specialist_id == user.pk or is_hub_lead(user))


class PlanObjectView(View):
    """A view of one plan the user may see (the viewset checked the scope already)."""

    model = ActionPlan

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if not policy().user_has_any_permission(request.user, ["view", "change"]):
            raise PermissionDenied
        # A plan outside the user's scope is a 404, as in Wagtail's own views.
        if not (str(kwargs["pk"]).isascii() and str(kwargs["pk"]).isdigit()):
            raise Http404("No such record.")
        self.plan = get_object_or_404(
            visible(request.user, ActionPlan.objects.all()).select_related(
                "school", "enrolment__work_group", "specialist", "visit"
            ),
            pk=kwargs["pk"],
        )


@dataclass
class TrackedCriterion:
    """One success criterion of an action (a line of its agreed text) and how it is going."""

    number: int
    text: str
    progress: CriterionProgress | None

    @property
    def status(self) -> str:
        return self.progress.status if self.progress else CriterionStatus.NOT_STARTED

    @property
    def status_label(self) -> str:
        return CriterionStatus(self.status).label

    @property
    def notes(self) -> str:
        return self.progress.notes if self.progress else ""

    @property
    def reworded(self) -> bool:
        """Whether it was last tracked against other wording (changed in a later agreed version)."""
        return bool(self.progress and self.progress.criterion != self.text)


def attach_tracking(plan, actions) -> None:
    """Give each of ``plan``'s ``actions`` its criteria (``tracked_criteria``) and evidence.

    Tracking lives beside the plan's revisions, so the print and the tracking
    page read it from its own rows: two queries whatever the number of actions,
    each narrowed to ``plan`` and these actions so no other plan's tracking or
    files can appear.
    """
    ids = [action.pk for action in actions]
    progress = {
        (row.action_id, row.number): row
        for row in CriterionProgress.objects.filter(
            action__plan=plan, action__in=ids
        ).select_related("updated_by")
    }
    evidence = {}
    for item in ActionEvidence.objects.filter(plan=plan, action__in=ids).select_related(
        "document", "uploaded_by"
    ):
        evidence.setdefault(item.action_id, []).append(item)
    for action in actions:
        action.tracked_criteria = [
            TrackedCriterion(number, text, progress.get((action.pk, number)))
            for number, text in enumerate(criteria_lines(action.success_criteria), start=1)
        ]
        action.evidence_items = evidence.get(action.pk, [])


class PrintView(PlanObjectView):
    """The agreed plan (or the draft, clearly marked) on paper, for governors.

    With each action: its success criteria and how each stands, and the evidence
    filed for it (links to the files, which only those who may see the plan can open).
    """

    def get(self, request, pk):
        # The database rows of a live plan are its agreed version; a draft's are the draft.
        plan = self.plan
        context = plan_context(plan, request.user)
        attach_tracking(plan, context["actions"])
        context.update(
            {
                "printed_on": timezone.localdate(),
                "pending_changes": plan.live and plan.has_unpublished_changes,
                "back_url": reverse("wagtailsnippets_workflows_actionplan:inspect", args=[plan.pk]),
            }
        )
        return TemplateResponse(request, "workflows/plans/print.html", context)


class ActionsCSVView(View):
    """Every action of the plans the user may see (or of one plan), as CSV."""

    model = ActionPlan
    header = [
        "Plan",
        "School",
        "URN",
        "Work Group",
        "Academic year",
        "Plan status",
        "Priority",
        "Action",
        "Owner",
        "Starts",
        "Due",
        "Success criteria",
        "Resources and release time",
        "Status",
    ]

    def get(self, request):
        if not policy().user_has_any_permission(request.user, ["view", "change"]):
            raise PermissionDenied
        plans = visible(request.user, ActionPlan.objects.all())
        if plan_id := request.GET.get("plan"):
            plans = (
                plans.filter(pk=plan_id)
                if plan_id.isascii() and plan_id.isdigit()
                else plans.none()
            )
        actions = (
            Action.objects.filter(plan__in=plans.values("pk"))
            .annotate(current_status=current_status_expression())
            .select_related("plan__school", "plan__enrolment__work_group", "owner_user")
            .order_by("plan__school__name", "plan_id", "sort_order")
        )
        # Number each plan's priorities in order: (plan, number) -> title.
        numbered, counts = {}, {}
        for priority in Priority.objects.filter(plan__in=plans.values("pk")).order_by(
            "plan_id", "sort_order"
        ):
            counts[priority.plan_id] = counts.get(priority.plan_id, 0) + 1
            numbered[(priority.plan_id, counts[priority.plan_id])] = priority.title

        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="action-plan-actions.csv"'
        writer = csv.writer(response)
        writer.writerow(self.header)
        for action in actions:
            plan = action.plan
            writer.writerow(
                [
                    csv_safe(value)
                    for value in (
                        plan.title,
                        plan.school.name,
                        plan.school.urn,
                        plan.enrolment.work_group.code,
                        plan.academic_year,
                        plan.status_label(),
                        numbered.get((plan.pk, action.priority_number), ""),
                        action.what,
                        action.owner,
                        action.starts_on or "",
                        action.due_on or "",
                        action.success_criteria,
                        action.resources,
                        status_label(action),
                    )
                ]
            )
        return response


class ActionRowsForm(forms.Form):
    """A status and a text per action of a plan: the shape of tracking and of a review.

    Tracking (``workflows.plans.tracking.TrackForm``) and the termly review
    (:class:`ReviewForm`) ask the same thing of each action, so the fields are
    built here once: ``status_<pk>`` (labelled with the action's number, its
    wording as help) and ``<text_name>_<pk>``. Subclasses say which status a row
    opens with (:meth:`initial_status`), name and describe the text, and may add
    fields of their own per action (:meth:`add_action_fields`).

    Each action gets ``number`` (its position in the plan, from 1), the number
    people and progress notes use.
    """

    text_name = "comment"
    text_label = "comment"
    text_help = ""
    text_max_length = None

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.actions = list(actions)
        for number, action in enumerate(self.actions, start=1):
            action.number = number
            self.fields[f"status_{action.pk}"] = forms.ChoiceField(
                label=f"Action {number}: status",
                choices=ActionStatus.choices,
                initial=self.initial_status(action),
                help_text=action.what,
            )
            self.add_action_fields(action)
            self.fields[f"{self.text_name}_{action.pk}"] = forms.CharField(
                label=f"Action {number}: {self.text_label}",
                required=False,
                max_length=self.text_max_length,
                widget=forms.Textarea({"rows": 2}),
                help_text=self.text_help,
            )

    def initial_status(self, action) -> str:
        return action.status

    def add_action_fields(self, action) -> None:
        """Add fields of a subclass's own for ``action`` (between its status and its text)."""

    def action_fields(self):
        """``(action, status field, text field)`` per action, in the plan's order."""
        for action in self.actions:
            yield action, self[f"status_{action.pk}"], self[f"{self.text_name}_{action.pk}"]


class ReviewForm(ActionRowsForm):
    """A termly review: the date, an overall comment, and a status and comment per action."""

    reviewed_on = forms.DateField(
        label="Date of the review",
        initial=timezone.localdate,
        # A browser's date input reads only ISO dates; the site's own format
        # (dd/mm/yyyy) would leave it blank.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The day the specialist and the school reviewed the plan.",
    )
    comment = forms.CharField(
        label="Overall comment",
        required=False,
        widget=forms.Textarea({"rows": 3}),
        help_text="How the plan is going as a whole.",
    )

    text_name = "comment"
    text_label = "comment"
    text_help = "What was said about this action."

    def initial_status(self, action) -> str:
        # The status the last review or tracking left it at.
        return action.current_status


class ReviewView(PlanObjectView):
    """Record a termly review: a status and comment per action, kept as history."""

    template_name = "workflows/plans/review.html"

    def dispatch(self, request, *args, **kwargs):
        if not can_review(self.plan, request.user):
            raise PermissionDenied
        self.actions = list(self.plan.actions.annotate(current_status=current_status_expression()))
        return super().dispatch(request, *args, **kwargs)

    def render(self, form):
        return TemplateResponse(self.request, self.template_name, {"plan": self.plan, "form": form})

    def get(self, request, pk):
        return self.render(ReviewForm(actions=self.actions))

    def post(self, request, pk):
        form = ReviewForm(request.POST, actions=self.actions)
        if not form.is_valid():
            return self.render(form)
        with transaction.atomic():
            review = PlanReview.objects.create(
                plan=self.plan,
                reviewed_on=form.cleaned_data["reviewed_on"],
                comment=form.cleaned_data["comment"],
                reviewed_by=request.user,
            )
            ReviewEntry.objects.bulk_create(
                ReviewEntry(
                    review=review,
                    action=action,
                    status=form.cleaned_data[f"status_{action.pk}"],
                    comment=form.cleaned_data[f"comment_{action.pk}"],
                )
                for action in self.actions
            )
            # The review's statuses are the actions' tracked status from now on.
            for action in self.actions:
                status = form.cleaned_data[f"status_{action.pk}"]
                if status != action.status:
                    Action.objects.filter(pk=action.pk).update(status=status)
            # A change in approval keeps its state; the agreed version is now reviewed.
            if self.plan.state == PlanState.AGREED:
                set_state(self.plan, PlanState.IN_PROGRESS)
            log(self.plan, "workflows.plan_reviewed", user=request.user)
        messages.success(request, f"Review of {review.reviewed_on:%d %B %Y} recorded.")
        return redirect("wagtailsnippets_workflows_actionplan:inspect", self.plan.pk)


def next_academic_year(year: str) -> str:
    start = int(year[:4]) + 1
    return f"{start}/{(start + 1) % 100:02d}"


class CarryOverForm(forms.Form):
    enrolment = forms.ModelChoiceField(
        queryset=Enrolment.objects.none(),
        label="Next Work Group place",
        help_text="The school's place in the group (next stage or year) the new plan belongs to.",
    )
    academic_year = forms.CharField(
        label="Academic year of the new plan",
        validators=[validate_academic_year],
        help_text="Such as 2027/28.",
    )
    title = forms.CharField(label="Title of the new plan", max_length=200)


def carry_over(plan, user, *, enrolment, academic_year, title):
    """Start the next plan from ``plan`` and close ``plan``, keeping its history.

    The new plan is a draft with ``plan``'s priorities and its open actions (not
    done); progress notes and reviews stay with the old plan. The old plan is
    closed, not changed: its revisions, approvals and reviews remain as they were.

    :returns: the new plan.
    """
    with transaction.atomic():
        actions = plan.actions.annotate(current_status=current_status_expression())
        open_actions = [a for a in actions if a.current_status != ActionStatus.DONE]
        kept_numbers = sorted({a.priority_number for a in open_actions})
        priorities = list(plan.priorities.prefetch_related("focus_areas"))
        new = ActionPlan(
            school=plan.school,
            enrolment=enrolment,
            visit=None,
            specialist=plan.specialist,
            academic_year=academic_year,
            title=title,
            summary=plan.summary,
            previous_plan=plan,
            live=False,
        )
        renumber = {}
        new_priorities = []
        for number, priority in enumerate(priorities, start=1):
            if kept_numbers and number not in kept_numbers:
                continue
            renumber[number] = len(new_priorities) + 1
            copy = Priority(
                title=priority.title,
                rationale=priority.rationale,
                sort_order=len(new_priorities),
            )
            copy.focus_areas = list(priority.focus_areas.all())
            new_priorities.append(copy)
        new.priorities = new_priorities
        new.actions = [
            Action(
                priority_number=renumber.get(action.priority_number, 1),
                what=action.what,
                owner_name=action.owner_name,
                owner_user=action.owner_user,
                starts_on=action.starts_on,
                due_on=action.due_on,
                success_criteria=action.success_criteria,
                resources=action.resources,
                status=action.current_status,
                sort_order=position,
            )
            for position, action in enumerate(open_actions)
        ]
        new.save()
        new.save_revision(user=user, log_action=True)
        ActionPlan.objects.filter(pk=plan.pk).update(
            state=PlanState.CLOSED, closed_at=timezone.now()
        )
        log(plan, "workflows.plan_closed", user=user, data={"next_plan": new.pk})
    return new


class CarryOverView(PlanObjectView):
    """One action for the specialist: next year's plan from this one."""

    template_name = "workflows/plans/carry_over.html"

    def dispatch(self, request, *args, **kwargs):
        if not can_carry_over(self.plan, request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        plan = self.plan
        form = CarryOverForm(
            data,
            initial={
                "academic_year": next_academic_year(plan.academic_year),
                "title": f"{plan.school.name}: {next_academic_year(plan.academic_year)} plan",
                "enrolment": plan.enrolment_id,
            },
        )
        form.fields["enrolment"].queryset = visible(
            self.request.user,
            Enrolment.objects.filter(school=plan.school).select_related("work_group"),
        )
        return form

    def render(self, form):
        return TemplateResponse(self.request, self.template_name, {"plan": self.plan, "form": form})

    def get(self, request, pk):
        return self.render(self.get_form())

    def post(self, request, pk):
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render(form)
        new = carry_over(self.plan, request.user, **form.cleaned_data)
        messages.success(request, f"Started “{new.title}” from this plan; this plan is closed.")
        return redirect("wagtailsnippets_workflows_actionplan:edit", new.pk)


class WorkGroupPlansView(View):
    """A Work Group's plans side by side: focus areas chosen and how actions stand.

    Common themes across the group's schools show at a glance and feed the next
    meeting's agenda. Three queries whatever the size of the group.
    """

    model = ActionPlan
    template_name = "workflows/plans/work_group.html"

    def get(self, request, group_id):
        from workflows.models import FocusArea, WorkGroup

        if not policy().user_has_any_permission(request.user, ["view", "change"]):
            raise PermissionDenied
        group = get_object_or_404(visible(request.user, WorkGroup.objects.all()), pk=group_id)
        plans = list(
            visible(request.user, ActionPlan.objects.filter(enrolment__work_group=group))
            .exclude(state=PlanState.CLOSED)
            .select_related("school")
            .prefetch_related("priorities__focus_areas")
            .order_by("school__name")
        )
        counts = {}
        for row in (
            Action.objects.filter(plan__in=[plan.pk for plan in plans])
            .annotate(current_status=current_status_expression())
            .values("plan_id", "current_status")
            .annotate(n=Count("pk"))
        ):
            counts.setdefault(row["plan_id"], {})[row["current_status"]] = row["n"]
        chosen = {
            plan.pk: {area.pk for p in plan.priorities.all() for area in p.focus_areas.all()}
            for plan in plans
        }
        areas = [
            area for area in FocusArea.objects.all() if any(area.pk in c for c in chosen.values())
        ]
        rows = [
            {"area": area, "cells": [area.pk in chosen[plan.pk] for plan in plans]}
            for area in areas
        ]
        status_rows = [
            {"label": label, "cells": [counts.get(plan.pk, {}).get(value, 0) for plan in plans]}
            for value, label in ActionStatus.choices
        ]
        return TemplateResponse(
            request,
            self.template_name,
            {
                "group": group,
                "plans": plans,
                "focus_rows": rows,
                "status_rows": status_rows,
                "priorities": [list(plan.priorities.all()) for plan in plans],
            },
        )
