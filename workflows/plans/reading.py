"""A plan as a page to read, and its history in the programme's words.

A school leader's part in a plan is mostly to read it and approve it or ask for
changes; the editor (a long form with inline panels) is the wrong place for that.
:class:`PlanReadView` is the plan's inspect view made into that page: the plan as
awaiting approval, "Approve" and "Request changes" (each with a comment box) when
it waits on the person reading, what changed since they last approved or asked for
changes, and what each side said. Specialists and hub leads use the same page.

The buttons post to Wagtail's own workflow action view (the viewset's
``workflow_action`` URL), so the task's ``on_action`` checks, the comment, the
task states, the log and the signals (our emails) are exactly those of the
editor's footer. The form names the version shown, and the task refuses the
action if the plan changed since (``workflows.plans.tasks.PinnedVersionForm``).

"What changed" uses Wagtail's revision comparison: the comparison classes the
plan's edit handler declares (``wagtail.admin.compare``, as the history's
"Compare" view uses them), read field by field and said in plain words ("Action
3: due date 12 Feb → 5 Mar") rather than as a coloured diff.

The history pages (``history``, ``workflow_history`` and its detail) are Wagtail's
views, subclassed for plans only, saying "Changes requested", "Approval
withdrawn" and "Awaiting approval" where Wagtail says "Rejected", "Cancelled
'Action plan approval'" and "In progress".
"""

from django.contrib import messages
from django.contrib.admin.utils import quote
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import cached_property

from wagtail.admin.ui.tables import TitleColumn
from wagtail.admin.views.generic.history import ActionColumn, HistoryFilterSet
from wagtail.models import Task, TaskState
from wagtail.snippets.views import snippets as snippet_views

from workflows.permissions import is_hub_lead, is_school_leader, is_specialist
from workflows.plans import views
from workflows.plans.status import (
    agreement,
    approval_record,
    is_sign_off,
    person,
    status_label,
    task_state_words,
    task_words,
    workflow_state_words,
)
from workflows.plans.tasks import ApproveForm, RequestChangesForm, StaleVersion

NS = "wagtailsnippets_workflows_actionplan"


# --- The version to read ------------------------------------------------------------


def version_to_read(plan, in_approval):
    """Return the version of ``plan`` people should read on its page.

    While approval runs (``in_approval``), the version awaiting approval (the
    latest revision: the one the last approval publishes); a plan never agreed,
    its latest draft; else the agreed version, which is the live rows.
    """
    if plan.latest_revision_id and (in_approval or not plan.live):
        return plan.latest_revision.as_object()
    return plan


def body_context(plan, version):
    """Priorities and actions of ``version`` numbered as ``plan_body.html`` expects.

    ``views.plan_context`` reads the live rows; a version awaiting approval exists
    only in its revision, whose children are in memory, so they are numbered here
    the same way. Progress notes are tracking, read from their own rows.
    """
    priorities = list(version.priorities.all())
    actions = list(version.actions.all())
    notes = list(plan.progress_notes.order_by("noted_on", "pk"))
    for number, priority in enumerate(priorities, start=1):
        priority.number = number
        priority.plan_actions = [a for a in actions if a.priority_number == number]
    for number, action in enumerate(actions, start=1):
        action.number = number
        action.current_status = action.status
        action.current_status_label = status_label(action)
        action.notes = [n for n in notes if n.action_number == number]
    return {"priorities": priorities, "actions": actions}


# --- What changed, in plain words ---------------------------------------------------


def _day(value, other=None) -> str:
    """A date as "12 Feb" (with the year when the two dates' years differ), or "none"."""
    if value is None:
        return "none"
    if other is not None and other.year != value.year:
        return date_format(value, "j M Y")
    return date_format(value, "j M")


def _short(text, length=80) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _field_name(comparison) -> str:
    return getattr(comparison.field, "name", "")


def _plan_field_words(comparison) -> str:
    name = _field_name(comparison)
    label = comparison.field_label()
    if name == "title":
        return f"Title: “{_short(comparison.val_a)}” → “{_short(comparison.val_b)}”"
    if name == "academic_year":
        return f"Academic year: {comparison.val_a} → {comparison.val_b}"
    return f"{label} changed"


def _priority_words(number, comparison) -> list[str]:
    lines = []
    for field in comparison.get_field_comparisons():
        if not field.has_changed():
            continue
        name = _field_name(field)
        if name == "title":
            lines.append(f"Priority {number}: now “{_short(field.val_b)}”")
        elif name == "focus_areas":
            lines.append(f"Priority {number}: focus areas changed")
        elif name == "rationale":
            lines.append(f"Priority {number}: why it matters changed")
        else:
            lines.append(f"Priority {number}: {field.field_label().lower()} changed")
    return lines


def _action_words(number, comparison) -> list[str]:
    lines = []
    owner_changed = False
    for field in comparison.get_field_comparisons():
        if not field.has_changed():
            continue
        name = _field_name(field)
        if name == "due_on":
            due = f"{_day(field.val_a, field.val_b)} → {_day(field.val_b, field.val_a)}"
            lines.append(f"Action {number}: due date {due}")
        elif name == "starts_on":
            starts = f"{_day(field.val_a, field.val_b)} → {_day(field.val_b, field.val_a)}"
            lines.append(f"Action {number}: start date {starts}")
        elif name == "what":
            lines.append(f"Action {number}: now “{_short(field.val_b)}”")
        elif name == "success_criteria":
            lines.append(f"Success criteria of action {number} changed")
        elif name == "resources":
            lines.append(f"Action {number}: resources and release time changed")
        elif name == "priority_number":
            lines.append(
                f"Action {number}: moved from priority {field.val_a} to priority {field.val_b}"
            )
        elif name in ("owner_name", "owner_user"):
            owner_changed = True
        else:
            lines.append(f"Action {number}: {field.field_label().lower()} changed")
    if owner_changed:
        before, after = comparison.obj_a.owner or "nobody", comparison.obj_b.owner or "nobody"
        lines.append(f"Action {number}: led by {after} (was {before})")
    return lines


# Inline panels by relation name: how a child is called and described in a line.
CHILDREN = {
    "priorities": ("Priority", lambda obj: obj.title, _priority_words),
    "actions": ("Action", lambda obj: obj.what, _action_words),
}


def _child_lines(comparison) -> list[str]:
    noun, text, describe = CHILDREN[comparison.field.name]
    lines, removed = [], []
    number = 0
    for child in comparison.get_child_comparisons():
        if child.is_deletion():
            removed.append(f"{noun} removed: {_short(text(child.obj_a))}")
            continue
        number += 1
        if child.is_addition():
            lines.append(f"{noun} {number} added: {_short(text(child.obj_b))}")
        else:
            lines.extend(describe(number, child))
    return lines + removed


def describe_changes(plan, before, after, request=None) -> list[str]:
    """Return what changed from version ``before`` to ``after`` of ``plan``, line by line.

    The comparisons are those of the plan's edit handler (``wagtail.admin.compare``),
    so a field added to the editor is compared without a change here; a field this
    function has no words for is named by its label ("Summary changed").
    """
    bound = plan.get_edit_handler().get_bound_panel(instance=plan, request=request, form=None)
    lines = []
    for make in bound.get_comparison():
        comparison = make(before, after)
        if not comparison.has_changed():
            continue
        if getattr(comparison, "is_child_relation", False) and comparison.field.name in CHILDREN:
            lines.extend(_child_lines(comparison))
        elif getattr(comparison, "is_child_relation", False):
            lines.append(f"{comparison.field_label()} changed")
        else:
            lines.append(_plan_field_words(comparison))
    return lines


def what_changed(plan, user, request=None, awaiting=None):
    """What changed in the version awaiting approval since ``user`` last acted on ``plan``.

    Compared with the version of the last task state ``user`` finished on this
    plan (an approval or a request for changes), or failing that the version last
    agreed. Nothing to say (``None``) when no approval is running or there is
    nothing to compare with.

    :param awaiting: the version awaiting approval, if the caller has it already
        (from ``version_to_read``); loaded from the latest revision otherwise.
    :returns: ``None`` or a dict with ``since`` (words: "you asked for changes on
        3 Dec 2026") and ``lines`` (plain-words changes; empty when none).
    """
    if awaiting is None:
        if not plan.workflow_in_progress or not plan.latest_revision_id:
            return None
        awaiting = plan.latest_revision.as_object()
    last = (
        TaskState.objects.filter(
            workflow_state__base_content_type=plan.get_base_content_type(),
            workflow_state__object_id=str(plan.pk),
            finished_by=user,
            status__in=[TaskState.STATUS_APPROVED, TaskState.STATUS_REJECTED],
            revision__isnull=False,
        )
        .select_related("revision")
        .order_by("-finished_at", "-pk")
        .first()
    )
    if last is not None:
        verb = "asked for changes" if last.status == TaskState.STATUS_REJECTED else "approved"
        if verb == "approved" and is_sign_off(last.task):
            verb = "signed it off"
        since = f"you {verb} on {date_format(timezone.localtime(last.finished_at), 'j M Y')}"
        before = last.revision
    else:
        agreed = agreement(plan)
        school = agreed and agreed["school"]
        if not (school and school.revision):
            return None
        since = f"it was agreed on {date_format(timezone.localtime(school.finished_at), 'j M Y')}"
        before = school.revision
    if before.pk == plan.latest_revision_id:
        return {"since": since, "lines": []}
    lines = describe_changes(plan, before.as_object(), awaiting, request=request)
    return {"since": since, "lines": lines}


# --- Approve or request changes -------------------------------------------------------


def decision(plan, user, next_url, task_state):
    """What the page offers ``user`` on the approval now running on ``plan``.

    :param task_state: the task state approval waits on (``None`` when none runs).
    :returns: ``None`` when no approval runs; else a dict with ``waiting_on``
        (words) and, when the plan waits on ``user``, the two forms and their
        URLs (Wagtail's workflow action view of this plan and task state).
    """
    if task_state is None:
        return None
    task = task_state.task.specific
    if is_sign_off(task):
        waiting_on = f"{person(plan.specialist)}'s sign-off"
    else:
        waiting_on = f"approval by a leader of {plan.school.name}"
    result = {"waiting_on": waiting_on, "task_state": task_state}
    names = {name for name, _label, _modal in task.get_actions(plan, user)}
    if not {"approve", "reject"} <= names:
        return result

    def url(action):
        return reverse(f"{NS}:workflow_action", args=[quote(plan.pk), action, task_state.pk])

    pinned = {"revision": plan.latest_revision_id}
    result.update(
        {
            "approve_url": url("approve"),
            "approve_label": task.approve_label,
            "approve_form": ApproveForm(initial=pinned),
            "reject_url": url("reject"),
            "reject_form": RequestChangesForm(initial=pinned),
            "next_url": next_url,
        }
    )
    return result


def reads_first(user) -> bool:
    """Whether ``user`` opens plans to read them: a school leader who writes none of them."""
    return is_school_leader(user) and not (is_specialist(user) or is_hub_lead(user))


class ReadFirstListingMixin:
    """For a listing of plans: a school leader's click on a plan opens its read page.

    Wagtail links a listing's title to the editor whenever the user may change the
    object; a head may (they co-edit drafts), but comes to read and approve.
    """

    @cached_property
    def columns(self):
        columns = super().columns
        if reads_first(self.request.user):
            for column in columns:
                if isinstance(column, TitleColumn):
                    # TitleColumn keeps the link as this callable (wagtail.admin.ui.tables).
                    column._get_url_func = self.get_inspect_url
        return columns


class PlanReadView(snippet_views.InspectView):
    """The plan as a page to read, with the approval that waits on the reader.

    Built by the viewset (``inspect``), so it sits behind the same scope check as
    every plan view: a plan outside the reader's scope is a 404.
    """

    page_title = "Action plan"

    def get_page_subtitle(self):
        return self.object.title

    def get_fields_context(self):
        # The page shows the plan through its own template, not Wagtail's field list.
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan, user = self.object, self.request.user
        context.update(views.plan_context(plan, user))
        workflow_state = plan.current_workflow_state
        task_state = None
        if workflow_state and workflow_state.status == workflow_state.STATUS_IN_PROGRESS:
            task_state = workflow_state.current_task_state
        version = version_to_read(plan, in_approval=task_state is not None)
        if version is not plan:
            context.update(body_context(plan, version))
        # Each success criterion's status and the evidence: tracking rows of the live actions.
        views.attach_tracking(plan, context["actions"])
        read_url = reverse(f"{NS}:inspect", args=[quote(plan.pk)])
        context.update(
            {
                "version": version,
                "reading_pending": version is not plan and plan.live,
                "decision": decision(plan, user, read_url, task_state),
                "what_changed": (
                    what_changed(plan, user, self.request, awaiting=version)
                    if task_state is not None
                    else None
                ),
                "approval_record": approval_record(plan),
            }
        )
        return context


# --- History in the programme's words ---------------------------------------------------

# Wagtail's log actions on a plan, as the history listing says them.
LOG_WORDS = {
    "wagtail.create": "Plan started",
    "wagtail.edit": "Changes saved",
    "wagtail.publish": "Agreed version in force",
    "wagtail.revert": "An earlier version brought back",
    "wagtail.workflow.start": "Sent for approval",
    "wagtail.workflow.resume": "Sent for approval again",
    "wagtail.workflow.reject": "Changes requested",
    "wagtail.workflow.cancel": "Approval withdrawn",
    "wagtail.lock": "Locked for editing",
    "wagtail.unlock": "Unlocked",
}


def log_words(entry, sign_off_ids=frozenset(), rejected_ids=frozenset()) -> str:
    """A plan's log entry in the programme's words (Wagtail's own message for the rest).

    :param sign_off_ids: the ids of the specialist sign-off tasks.
    :param rejected_ids: the ids of the plan's task states that asked for changes:
        "Request changes" cancels its round (``workflows.plans.signals``), and that
        cancellation is the plan going back to draft, not an approval withdrawn.
    """
    if entry.action == "wagtail.workflow.cancel":
        try:
            sent_back = entry.data["workflow"]["task_state_id"] in rejected_ids
        except (KeyError, TypeError):
            sent_back = False
        return "Back to draft for the changes asked for" if sent_back else "Approval withdrawn"
    if entry.action == "wagtail.workflow.approve":
        try:
            task_id = entry.data["workflow"]["task"]["id"]
            last = not entry.data["workflow"]["next"]
        except (KeyError, TypeError):
            return "Approved"
        if task_id in sign_off_ids:
            return "Signed off by the specialist; now awaiting the school's approval"
        return "Approved by the school: the plan is agreed" if last else "Approved"
    if entry.action == "wagtail.workflow.start":
        try:
            task_id = entry.data["workflow"]["next"]["id"]
        except (KeyError, TypeError):
            return LOG_WORDS[entry.action]
        if task_id in sign_off_ids:
            return "Sent for the specialist's sign-off"
        return "Sent for the school's approval"
    return LOG_WORDS.get(entry.action) or entry.message


class PlanActionColumn(ActionColumn):
    """Wagtail's history column, saying what happened in the programme's words."""

    def get_value(self, instance):
        return log_words(instance, self.sign_off_ids, self.rejected_ids)

    @cached_property
    def rejected_ids(self):
        """The ids of this plan's task states that asked for changes: one query."""
        return frozenset(
            TaskState.objects.filter(
                workflow_state__base_content_type=self.object.get_base_content_type(),
                workflow_state__object_id=str(self.object.pk),
                status=TaskState.STATUS_REJECTED,
            ).values_list("pk", flat=True)
        )

    @cached_property
    def sign_off_ids(self):
        """The ids of specialist sign-off tasks: one query for the whole listing."""
        from workflows.plans.tasks import SpecialistSignOffTask

        content_type = ContentType.objects.get_for_model(SpecialistSignOffTask)
        return frozenset(
            Task.objects.filter(content_type=content_type).values_list("pk", flat=True)
        )


class PlanHistoryFilterSet(HistoryFilterSet):
    """The history's "Action" filter, its choices in the same words as the listing."""

    def get_action_choices(self):
        choices = []
        for action, label in super().get_action_choices():
            if action == "wagtail.workflow.approve":
                label = "Signed off or approved"
            elif action == "wagtail.workflow.cancel":
                label = "Back to draft, or approval withdrawn"
            else:
                label = LOG_WORDS.get(action, label)
            choices.append((action, label))
        return choices


class PlanHistoryView(snippet_views.HistoryView):
    """A plan's history listing: "Changes requested", never "Rejected at …"."""

    filterset_class = PlanHistoryFilterSet

    @cached_property
    def columns(self):
        # Wagtail's columns: the action (replaced here), the user, the date.
        columns = list(super().columns)
        action = columns[0]
        columns[0] = PlanActionColumn(
            "message",
            label="What happened",
            object=self.object,
            url_names=action.url_names,
            user_can_unschedule=action.user_can_unschedule,
        )
        return columns


class PlanWorkflowHistoryView(snippet_views.WorkflowHistoryView):
    """Each round of approval of a plan, with its outcome in the programme's words."""

    page_title = "Approval history"
    results_template_name = "workflows/plans/workflow_history/listing_results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for state in context["workflow_states"]:
            tasks = state.all_tasks_with_status()
            for task in tasks:
                task.words = task_words(task, task.status)
            state.tasks_with_words = tasks
            state.words = workflow_state_words(
                state, any(task.status == TaskState.STATUS_REJECTED for task in tasks)
            )
        return context


class PlanWorkflowHistoryDetailView(snippet_views.WorkflowHistoryDetailView):
    """One round of approval of a plan: who signed off, approved or asked for changes."""

    page_title = "Approval"
    plan_template_name = "workflows/plans/workflow_history/detail.html"

    def get_template_names(self):
        # The viewset passes Wagtail's template to every detail view it builds.
        return [self.plan_template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rejected = False
        for _revision, task_states in context["task_states_by_revision"]:
            for state in task_states:
                if state is not None:
                    state.words = task_state_words(state)
                    rejected = rejected or state.status == TaskState.STATUS_REJECTED
        for item in context["timeline"]:
            if item["action"] == "task_completed":
                item["task_state"].words = task_state_words(item["task_state"])
        context["workflow_words"] = workflow_state_words(self.workflow_state, rejected)
        return context


# --- Deciding from the read page ----------------------------------------------------


NOT_SENT_WITHOUT_COMMENT = (
    "Nothing was sent: say what needs to change, so the other side can act on it."
)
NOT_SENT_STALE = (
    "Nothing was sent: the plan has changed since you opened it. Read it again, then decide."
)


class PlanWorkflowActionView(snippet_views.WorkflowActionView):
    """Wagtail's workflow action, saying why a decision from the read page was not taken.

    Wagtail answers an invalid form (a request for changes with no comment) by
    doing nothing and going back, and a refusal from ``PlanTask.on_action`` (the
    plan changed since it was read, or the person may not decide) with its
    generic "no permission" on the dashboard. People deciding on a plan get the
    reason, on the page they came from; nothing is changed either way.
    """

    def post(self, request, *args, **kwargs):
        if self.form_class:
            form = self.form_class(request.POST)
            if not form.is_valid() and not request.headers.get("x-requested-with"):
                # Only the comment is typed; anything else wrong is a page out of date.
                reason = NOT_SENT_WITHOUT_COMMENT if "comment" in form.errors else NOT_SENT_STALE
                messages.error(request, reason)
                return redirect(self.redirect_url)
        try:
            response = super().post(request, *args, **kwargs)
        except StaleVersion:
            messages.error(request, NOT_SENT_STALE)
            return redirect(self.redirect_url)
        confirmations = {"approve": "Approved", "reject": "Changes requested on"}
        if self.action_name in confirmations and not request.headers.get("x-requested-with"):
            # Wagtail's action view confirms nothing: say the decision was taken.
            messages.success(request, f"{confirmations[self.action_name]} “{self.object}”.")
        return response
