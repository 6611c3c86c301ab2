"""Track progress on an agreed plan: each action's status and new progress notes.

Tracking is the year's work, not a change to what was agreed (see
``workflows.models.action_plans``): this view writes the live ``Action`` rows'
``status`` and new ``ProgressNote`` rows in one transaction and logs one
``workflows.plan_tracked`` entry. It never saves a revision, never starts or
touches the approval workflow and ignores the editor's lock, so progress can be
recorded while someone edits the plan or while a change to it is in approval.

Who may track: the plan's specialist, the leaders of the plan's school (the
people who approve it, ``SchoolLeaderApprovalTask.is_approver``) and hub leads.

Concurrency: the form carries each action's status as it was loaded. If any
row's status changed since (someone else tracked it), nothing of the post is
saved; the page comes back with what the user typed, the current status noted
against each changed action, and the loaded values brought up to date, so
saving again (after checking) goes through.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from wagtail.log_actions import LogFormatter, log

from workflows.models import Action, ProgressNote
from workflows.models.action_plans import ActionStatus
from workflows.permissions import is_hub_lead
from workflows.plans.tasks import SchoolLeaderApprovalTask
from workflows.plans.views import PlanObjectView

STALE_MESSAGE = (
    "This action's status was changed by someone else since you opened this page; "
    "check and save again. It is now “{status}”."
)


def can_track(plan, user) -> bool:
    """Whether ``user`` may record progress on ``plan``: it must have an agreed version."""
    if not (user.is_authenticated and user.is_active) or not plan.in_force:
        return False
    return (
        plan.specialist_id == user.pk
        or is_hub_lead(user)
        or SchoolLeaderApprovalTask().is_approver(plan, user)
    )


def counted(n, one, many) -> str:
    return f"{n} {one if n == 1 else many}"


def summary(updated: int, notes: int) -> str:
    """``"2 actions updated, 1 note added"``: what one save of tracking changed."""
    return (
        f"{counted(updated, 'action', 'actions')} updated, {counted(notes, 'note', 'notes')} added"
    )


class TrackedLogFormatter(LogFormatter):
    """The history line of one tracking save, naming the actions it changed."""

    label = "Track progress"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        statuses = data.get("statuses", [])
        notes = data.get("notes", [])
        parts = [f"Progress recorded: {summary(len(statuses), len(notes))}"]
        parts += [f"action {s['action']} {s['from']} → {s['to']}" for s in statuses]
        if notes:
            parts.append("notes on action " + ", ".join(str(n) for n in notes))
        return "; ".join(parts)


class TrackForm(forms.Form):
    """A status (and the status it was loaded with) and an optional new note per action."""

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.actions = list(actions)
        for number, action in enumerate(self.actions, start=1):
            action.number = number
            self.fields[f"status_{action.pk}"] = forms.ChoiceField(
                label=f"Action {number}: status",
                choices=ActionStatus.choices,
                initial=action.status,
                help_text=action.what,
            )
            self.fields[f"loaded_{action.pk}"] = forms.ChoiceField(
                choices=ActionStatus.choices,
                initial=action.status,
                widget=forms.HiddenInput,
            )
            self.fields[f"note_{action.pk}"] = forms.CharField(
                label=f"Action {number}: new progress note",
                required=False,
                strip=True,
                max_length=5000,
                widget=forms.Textarea({"rows": 2}),
                help_text="What has happened; dated today and kept with the plan.",
            )

    def action_fields(self):
        for action in self.actions:
            yield (
                action,
                self[f"status_{action.pk}"],
                self[f"loaded_{action.pk}"],
                self[f"note_{action.pk}"],
            )


class TrackView(PlanObjectView):
    """Record progress on the agreed plan, outside its revisions and approvals."""

    template_name = "workflows/plans/track.html"

    def dispatch(self, request, *args, **kwargs):
        if not can_track(self.plan, request.user):
            raise PermissionDenied
        # The live rows are the agreed version: edits in approval live in revisions.
        self.actions = list(self.plan.actions.order_by("sort_order", "pk"))
        return super().dispatch(request, *args, **kwargs)

    def render(self, form):
        notes = {}
        for note in self.plan.progress_notes.select_related("recorded_by").order_by(
            "noted_on", "pk"
        ):
            notes.setdefault(note.action_number, []).append(note)
        for number, action in enumerate(self.actions, start=1):
            action.notes = notes.get(number, [])
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "plan": self.plan,
                "form": form,
                "inspect_url": reverse(
                    "wagtailsnippets_workflows_actionplan:inspect", args=[self.plan.pk]
                ),
            },
        )

    def get(self, request, pk):
        return self.render(TrackForm(actions=self.actions))

    def post(self, request, pk):
        form = TrackForm(request.POST, actions=self.actions)
        if not form.is_valid():
            return self.render(form)
        data = form.cleaned_data
        today = timezone.localdate()
        changed, notes = [], []
        with transaction.atomic():
            current = dict(
                Action.objects.select_for_update()
                .filter(pk__in=[a.pk for a in self.actions])
                .values_list("pk", "status")
            )
            stale = [a for a in self.actions if current.get(a.pk) != data[f"loaded_{a.pk}"]]
            if not stale:
                changed = [
                    a for a in self.actions if data[f"status_{a.pk}"] != data[f"loaded_{a.pk}"]
                ]
                for action in changed:
                    Action.objects.filter(pk=action.pk).update(status=data[f"status_{action.pk}"])
                notes = [
                    ProgressNote(
                        plan=self.plan,
                        action_number=action.number,
                        noted_on=today,
                        note=data[f"note_{action.pk}"],
                        recorded_by=request.user,
                    )
                    for action in self.actions
                    if data[f"note_{action.pk}"]
                ]
                ProgressNote.objects.bulk_create(notes)
                if changed or notes:
                    log(
                        self.plan,
                        "workflows.plan_tracked",
                        user=request.user,
                        data={
                            "statuses": [
                                {
                                    "action": a.number,
                                    "from": ActionStatus(data[f"loaded_{a.pk}"]).label,
                                    "to": ActionStatus(data[f"status_{a.pk}"]).label,
                                }
                                for a in changed
                            ],
                            "notes": [n.action_number for n in notes],
                        },
                    )
        if stale:
            return self.refuse_stale(request, stale, current)
        if changed or notes:
            messages.success(request, f"Saved: {summary(len(changed), len(notes))}.")
        else:
            messages.info(request, "Nothing to save: no status changed and no note added.")
        return redirect("wagtailsnippets_workflows_actionplan:inspect", self.plan.pk)

    def refuse_stale(self, request, stale, current):
        """Re-render with what was typed, the changed rows named and their loaded status renewed."""
        data = request.POST.copy()
        for action in stale:
            data[f"loaded_{action.pk}"] = current.get(action.pk, "")
        form = TrackForm(data, actions=self.actions)
        form.is_valid()
        for action in stale:
            status = current.get(action.pk)
            label = ActionStatus(status).label if status in ActionStatus.values else "removed"
            form.add_error(f"status_{action.pk}", STALE_MESSAGE.format(status=label))
        messages.error(
            request,
            "Nothing was saved: "
            f"{counted(len(stale), 'action was', 'actions were')} changed by someone else "
            "since you opened this page; check and save again.",
        )
        return self.render(form)
