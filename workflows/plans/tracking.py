"""Track progress on an agreed plan: statuses, success criteria, progress notes, evidence.

Tracking is the year's work, not a change to what was agreed (see
``workflows.plans.models``): this view writes the live ``Action`` rows'
``status``, each success criterion's :class:`CriterionProgress`, new
``ProgressNote`` rows and evidence files in one transaction and logs one
``workflows.plan_tracked`` entry. It never saves a revision, never starts or
touches the approval workflow and ignores the editor's lock, so progress can be
recorded while someone edits the plan or while a change to it is in approval.

Who may track: the plan's specialist, the leaders of the plan's school (the
people who approve it, ``SchoolLeaderApprovalTask.is_approver``) and hub leads.
Evidence may be removed by whoever added it, the plan's specialist and hub leads.

Evidence files become Wagtail documents in the school's private collection
(``workflows.documents.private.school_collection``), served only through Wagtail's
checked serve view, so a link works for exactly those who may see the plan.

Concurrency: the form carries each action's status, and each criterion's
version (when its row was last written, or nothing), as they were loaded. The
save *claims* each row with a conditional ``UPDATE`` (``... WHERE status =
loaded``; ``... WHERE updated_at = loaded``) and counts the rows it matched, as
``workflows.shared.concurrency`` does for hub records: on PostgreSQL the second of
two simultaneous saves waits on the row lock and then matches nothing; on SQLite
the first write takes the database's write lock. If any claim fails, the whole
transaction rolls back and the page comes back with what the user typed, the
current value noted against each changed row, and the loaded values brought up
to date, so saving again (after checking) goes through. (``select_for_update``
would do on PostgreSQL only: it is a no-op on SQLite.)
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import FileExtensionValidator
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from wagtail.admin.utils import get_user_display_name
from wagtail.documents import get_document_model
from wagtail.log_actions import LogFormatter, log

from workflows.documents.private import school_collection
from workflows.models import Action, ActionEvidence, CriterionProgress, ProgressNote
from workflows.permissions import is_hub_lead
from workflows.plans.models import ActionStatus, CriterionStatus, PlanRules
from workflows.plans.tasks import SchoolLeaderApprovalTask
from workflows.plans.views import ActionRowsForm, PlanObjectView, attach_tracking
from workflows.shared.concurrency import when

STALE_MESSAGE = (
    "This action's status was changed by someone else since you opened this page; "
    "check and save again. It is now “{status}”."
)
STALE_CRITERION_MESSAGE = (
    "{who} changed this success criterion{at}, since you opened this page; "
    "check and save again. It is now “{status}”{notes}."
)
#: Kinds of evidence file when the site names none (``WAGTAILDOCS_EXTENSIONS``).
DEFAULT_EVIDENCE_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "xlsx"]
#: The largest evidence file when the site sets no limit (``WAGTAILDOCS_MAX_UPLOAD_SIZE``).
DEFAULT_EVIDENCE_MAX_SIZE = 10 * 1024 * 1024


def can_track(plan, user) -> bool:
    """Whether ``user`` may record progress on ``plan``: it must have an agreed version."""
    if not (user.is_authenticated and user.is_active) or not plan.in_force:
        return False
    return (
        plan.specialist_id == user.pk
        or is_hub_lead(user)
        or SchoolLeaderApprovalTask().is_approver(plan, user)
    )


def may_remove_evidence(plan, item, user) -> bool:
    """Whether ``user`` may remove ``item``: who added it, the plan's specialist, a hub lead."""
    return item.uploaded_by_id == user.pk or plan.specialist_id == user.pk or is_hub_lead(user)


def counted(n, one, many) -> str:
    return f"{n} {one if n == 1 else many}"


def summary(updated: int, notes: int, criteria: int = 0, files: int = 0, dates: int = 0) -> str:
    """``"2 actions updated, 1 note added"``: what one save of tracking changed.

    Due dates, criteria and files are named only when the save changed some, so
    the common line stays short.
    """
    parts = [counted(updated, "action", "actions") + " updated"]
    if dates:
        parts.append(counted(dates, "due date", "due dates") + " moved")
    if criteria:
        parts.append(counted(criteria, "success criterion", "success criteria") + " updated")
    parts.append(counted(notes, "note", "notes") + " added")
    if files:
        parts.append(counted(files, "file", "files") + " of evidence added")
    return ", ".join(parts)


class TrackedLogFormatter(LogFormatter):
    """The history line of one tracking save, naming the actions it changed."""

    label = "Track progress"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        statuses = data.get("statuses", [])
        notes = data.get("notes", [])
        criteria = data.get("criteria", [])
        evidence = data.get("evidence", [])
        removed = data.get("evidence_removed", [])
        if removed and not (statuses or notes or criteria or evidence):
            return "Evidence removed from action " + ", ".join(str(n) for n in removed)
        parts = [
            "Progress recorded: "
            + summary(
                len(statuses),
                len(notes),
                criteria=len(criteria),
                files=len(evidence),
                dates=len(data.get("dates", [])),
            )
        ]
        parts += [f"action {s['action']} {s['from']} → {s['to']}" for s in statuses]
        parts += [
            f"action {d['action']} due {d['from'] or 'no date'} → {d['to']}"
            for d in data.get("dates", [])
        ]
        parts += [
            f"action {c['action']} criterion {c['criterion']} {c['from']} → {c['to']}"
            for c in criteria
        ]
        if notes:
            parts.append("notes on action " + ", ".join(str(n) for n in notes))
        if evidence:
            parts.append("evidence on action " + ", ".join(str(n) for n in evidence))
        return "; ".join(parts)


class EvidenceFileField(forms.FileField):
    """A file of evidence: of a kind and size the site allows documents.

    The kinds are ``WAGTAILDOCS_EXTENSIONS`` and the size
    ``WAGTAILDOCS_MAX_UPLOAD_SIZE``, as on Wagtail's own document upload, so a
    file refused there is refused here with the same reason; without those
    settings, office documents and PDFs of at most 10 MB.
    """

    def __init__(self, **kwargs):
        self.extensions = [
            ext.lower()
            for ext in getattr(settings, "WAGTAILDOCS_EXTENSIONS", None)
            or DEFAULT_EVIDENCE_EXTENSIONS
        ]
        self.max_size = (
            getattr(settings, "WAGTAILDOCS_MAX_UPLOAD_SIZE", None) or DEFAULT_EVIDENCE_MAX_SIZE
        )
        kwargs.setdefault("validators", [FileExtensionValidator(self.extensions)])
        kwargs.setdefault("max_length", 255)
        super().__init__(**kwargs)

    @property
    def limits(self) -> str:
        return f"{', '.join(self.extensions)}; at most {filesizeformat(self.max_size)}"

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is not None and upload.size > self.max_size:
            raise ValidationError(
                f"This file is too big ({filesizeformat(upload.size)}): "
                f"the largest file you can add is {filesizeformat(self.max_size)}.",
                code="file_too_large",
            )
        return upload


def version_of(progress) -> str:
    """The version token of a criterion's row: when it was last written, or ``""`` for none."""
    return progress.updated_at.isoformat() if progress is not None else ""


@dataclass
class CriterionRow:
    """A success criterion on the form: its text and progress, and its three fields."""

    criterion: object  # workflows.plans.views.TrackedCriterion
    status: forms.BoundField
    notes: forms.BoundField
    loaded: forms.BoundField


@dataclass
class TrackRow:
    """One action on the form, with everything tracked about it."""

    action: Action
    status: forms.BoundField
    loaded: forms.BoundField
    due: forms.BoundField
    loaded_due: forms.BoundField
    note: forms.BoundField
    evidence: forms.BoundField
    description: forms.BoundField
    criteria: list[CriterionRow] = field(default_factory=list)


class TrackForm(ActionRowsForm):
    """Per action: a status (and the status it was loaded with), each success
    criterion's status and notes (and the version it was loaded from), a file of
    evidence with what it shows, and an optional new progress note.

    Each action must carry ``tracked_criteria`` (``workflows.plans.views.attach_tracking``).
    """

    text_name = "note"
    text_label = "new progress note"
    text_help = "What has happened; dated today and kept with the plan."
    text_max_length = 5000

    def __init__(self, *args, leeway_weeks=0, **kwargs):
        # Read by ``add_action_fields``, which the base class calls while building fields.
        self.leeway = timedelta(weeks=leeway_weeks)
        super().__init__(*args, **kwargs)

    def add_action_fields(self, action):
        number = action.number
        self.fields[f"loaded_{action.pk}"] = forms.ChoiceField(
            choices=ActionStatus.choices, initial=action.status, widget=forms.HiddenInput
        )
        agreed = getattr(action, "agreed_due_on", action.due_on)
        if agreed and self.leeway:
            help_text = (
                f"Agreed: {agreed:%-d %B %Y}. It may move up to {self.leeway.days // 7} weeks "
                "either way here; a bigger move is a change to the plan, approved again."
            )
        else:
            help_text = "Moving it is a change to the plan: edit the plan to send it for approval."
        self.fields[f"due_{action.pk}"] = forms.DateField(
            label=f"Action {number}: due date",
            required=False,
            initial=action.due_on,
            # A browser's date input reads only ISO dates.
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            help_text=help_text,
        )
        self.fields[f"loaded_due_{action.pk}"] = forms.DateField(
            required=False, initial=action.due_on, widget=forms.HiddenInput
        )
        for criterion in action.tracked_criteria:
            key = f"{action.pk}_{criterion.number}"
            self.fields[f"criterion_{key}"] = forms.ChoiceField(
                label=f"Action {number}, success criterion {criterion.number}: status",
                choices=CriterionStatus.choices,
                initial=criterion.status,
                help_text="Whether it is met yet.",
            )
            self.fields[f"criterion_notes_{key}"] = forms.CharField(
                label=f"Action {number}, success criterion {criterion.number}: notes",
                required=False,
                max_length=5000,
                widget=forms.Textarea({"rows": 2}),
                initial=criterion.notes,
                help_text="What shows it, or what is still missing.",
            )
            self.fields[f"criterion_loaded_{key}"] = forms.CharField(
                required=False, initial=version_of(criterion.progress), widget=forms.HiddenInput
            )
        evidence = EvidenceFileField(
            label=f"Action {number}: add a file of evidence",
            required=False,
            help_text="",
        )
        evidence.help_text = (
            "Such as minutes, a lesson plan or a scan of pupils' work "
            f"({evidence.limits}). Only those who may see this plan can open it."
        )
        self.fields[f"evidence_{action.pk}"] = evidence
        self.fields[f"evidence_description_{action.pk}"] = forms.CharField(
            label=f"Action {number}: what the file shows",
            required=False,
            max_length=255,
            help_text="Such as 'Year 4 books, spring term'; leave blank to use the file's name.",
        )

    def clean(self):
        cleaned = super().clean()
        for action in self.actions:
            self.check_due_date(action, cleaned)
            name = f"evidence_{action.pk}"
            described = cleaned.get(f"evidence_description_{action.pk}")
            if described and not cleaned.get(name) and name not in self.errors:
                self.add_error(name, "Choose the file this description is for.")
        return cleaned

    def check_due_date(self, action, cleaned) -> None:
        """A due date moves here only within the hub's leeway of the date both sides agreed."""
        name = f"due_{action.pk}"
        if name not in cleaned or cleaned[name] == cleaned.get(f"loaded_due_{action.pk}"):
            return
        new, agreed = cleaned[name], getattr(action, "agreed_due_on", action.due_on)
        if new is None:
            self.add_error(name, "An agreed due date cannot be removed here: edit the plan.")
        elif agreed is None or not self.leeway:
            self.add_error(
                name,
                "Moving this date is a change to what was agreed: edit the plan to send it "
                "for approval.",
            )
        elif abs(new - agreed) > self.leeway:
            self.add_error(
                name,
                f"That is more than {self.leeway.days // 7} weeks from the agreed "
                f"{agreed:%-d %B %Y}: a bigger move is a change to the plan, so edit the plan "
                "to send it for approval.",
            )

    def action_fields(self):
        for action in self.actions:
            row = TrackRow(
                action=action,
                status=self[f"status_{action.pk}"],
                loaded=self[f"loaded_{action.pk}"],
                due=self[f"due_{action.pk}"],
                loaded_due=self[f"loaded_due_{action.pk}"],
                note=self[f"note_{action.pk}"],
                evidence=self[f"evidence_{action.pk}"],
                description=self[f"evidence_description_{action.pk}"],
            )
            for criterion in action.tracked_criteria:
                key = f"{action.pk}_{criterion.number}"
                row.criteria.append(
                    CriterionRow(
                        criterion=criterion,
                        status=self[f"criterion_{key}"],
                        notes=self[f"criterion_notes_{key}"],
                        loaded=self[f"criterion_loaded_{key}"],
                    )
                )
            yield row


class StaleTracking(Exception):
    """Rows on the page changed after it was loaded; the save's transaction rolls back.

    :param actions: the actions whose status changed.
    :param criteria: ``(action, criterion)`` pairs whose progress changed.
    """

    def __init__(self, actions=(), criteria=()):
        super().__init__()
        self.actions = list(actions)
        self.criteria = list(criteria)


@dataclass
class Saved:
    """What one save wrote, for the message and the log."""

    statuses: list = field(default_factory=list)
    dates: list = field(default_factory=list)
    criteria: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    evidence: list = field(default_factory=list)
    # The evidence documents' ids, in the log so the retention purge finds every one
    # (``workflows.privacy.purge.delete_plan_evidence``), removed ones included.
    documents: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.statuses or self.dates or self.criteria or self.notes or self.evidence)


class TrackView(PlanObjectView):
    """Record progress on the agreed plan, outside its revisions and approvals."""

    template_name = "workflows/plans/track.html"

    def dispatch(self, request, *args, **kwargs):
        if not self.plan.in_force:
            # Someone who may see the plan (the viewset checked) but it is not agreed yet.
            messages.info(
                request,
                "Progress is tracked once the plan is agreed by the specialist and the school.",
            )
            return redirect("wagtailsnippets_workflows_actionplan:inspect", self.plan.pk)
        if not can_track(self.plan, request.user):
            raise PermissionDenied
        # The live rows are the agreed version: edits in approval live in revisions.
        self.actions = list(self.plan.actions.order_by("sort_order", "pk"))
        agreed = self.plan.agreed_due_dates()
        for number, action in enumerate(self.actions, start=1):
            action.number = number
            action.agreed_due_on = agreed.get(action.pk, action.due_on)
        attach_tracking(self.plan, self.actions)
        self.leeway_weeks = PlanRules.load(request_or_site=request).due_date_leeway_weeks
        return super().dispatch(request, *args, **kwargs)

    def track_form(self, *args):
        return TrackForm(*args, actions=self.actions, leeway_weeks=self.leeway_weeks)

    def render(self, form):
        notes = {}
        for note in self.plan.progress_notes.select_related("recorded_by").order_by(
            "noted_on", "pk"
        ):
            notes.setdefault(note.action_number, []).append(note)
        user = self.request.user
        for action in self.actions:
            action.notes = notes.get(action.number, [])
            for item in action.evidence_items:
                item.removable = may_remove_evidence(self.plan, item, user)
        inspect_url = reverse("wagtailsnippets_workflows_actionplan:inspect", args=[self.plan.pk])
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "plan": self.plan,
                "form": form,
                "inspect_url": inspect_url,
                # The way back to the plan at the top, as on the plan's other pages.
                "breadcrumbs_items": [
                    {
                        "url": reverse("wagtailsnippets_workflows_actionplan:list"),
                        "label": "Action plans",
                    },
                    {"url": inspect_url, "label": self.plan.title},
                    {"url": "", "label": "Track progress"},
                ],
            },
        )

    def get(self, request, pk):
        return self.render(self.track_form())

    def post(self, request, pk):
        if "remove_evidence" in request.POST:
            return self.remove_evidence(request)
        form = self.track_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form)
        stored = []  # names of files written to storage, removed again if the save fails
        try:
            with transaction.atomic():
                saved = self.save(form.cleaned_data, stored)
        except StaleTracking as stale:
            return self.refuse_stale(request, stale)
        except BaseException:
            storage = get_document_model()._meta.get_field("file").storage
            for name in stored:
                storage.delete(name)
            raise
        if saved:
            messages.success(
                request,
                "Saved: "
                + summary(
                    len(saved.statuses),
                    len(saved.notes),
                    criteria=len(saved.criteria),
                    files=len(saved.evidence),
                    dates=len(saved.dates),
                )
                + ".",
            )
        else:
            messages.info(request, "Nothing to save: no status changed and no note added.")
        return redirect("wagtailsnippets_workflows_actionplan:inspect", self.plan.pk)

    # --- Saving -------------------------------------------------------------------

    def save(self, data, stored) -> Saved:
        """Write the post; raise :class:`StaleTracking` (rolling back) on any conflict.

        Runs inside the caller's transaction. The claims come first, so nothing
        (least of all a file) is written unless every row is as the page loaded it.
        """
        saved = Saved()
        self.claim_statuses(data, saved)
        changed = self.claim_criteria(data)
        self.write_criteria(changed, saved)
        self.write_notes(data, saved)
        self.write_evidence(data, saved, stored)
        if saved:
            log(
                self.plan,
                "workflows.plan_tracked",
                user=self.request.user,
                data={
                    "statuses": saved.statuses,
                    "dates": saved.dates,
                    "criteria": saved.criteria,
                    "notes": saved.notes,
                    "evidence": saved.evidence,
                    "documents": saved.documents,
                },
            )
        return saved

    def claim_statuses(self, data, saved) -> None:
        """Set each action's status where it is still the loaded one (unchanged ones too).

        Every action is claimed, even one whose status the user left alone: the
        save refuses a page any part of which is out of date, as it always has.
        """
        stale = []
        for action in self.actions:
            loaded, status = data[f"loaded_{action.pk}"], data[f"status_{action.pk}"]
            loaded_due, due = data[f"loaded_due_{action.pk}"], data[f"due_{action.pk}"]
            claimed = (
                Action.objects.filter(
                    pk=action.pk, plan=self.plan, status=loaded, due_on=loaded_due
                )
                .order_by()
                .update(status=status, due_on=due)
            )
            if not claimed:
                stale.append(action)
                continue
            if due != loaded_due:
                saved.dates.append(
                    {
                        "action": action.number,
                        "from": f"{loaded_due:%-d %b %Y}" if loaded_due else "",
                        "to": f"{due:%-d %b %Y}",
                    }
                )
            if status != loaded:
                saved.statuses.append(
                    {
                        "action": action.number,
                        "from": ActionStatus(loaded).label,
                        "to": ActionStatus(status).label,
                    }
                )
        if stale:
            raise StaleTracking(actions=stale)

    def claim_criteria(self, data) -> list:
        """Return the criteria the user changed, after checking none changed since loading.

        One read of the criteria's rows, after the status claims took their locks;
        each changed row is then claimed again by its own conditional write.
        """
        current = {
            (row.action_id, row.number): row
            for row in CriterionProgress.objects.filter(action__in=[a.pk for a in self.actions])
        }
        stale, changed = [], []
        for action in self.actions:
            for criterion in action.tracked_criteria:
                key = f"{action.pk}_{criterion.number}"
                row = current.get((action.pk, criterion.number))
                if version_of(row) != (data[f"criterion_loaded_{key}"] or ""):
                    stale.append((action, criterion))
                    continue
                now = (data[f"criterion_{key}"], data[f"criterion_notes_{key}"])
                was = (row.status, row.notes) if row else (CriterionStatus.NOT_STARTED, "")
                if now != was:
                    changed.append((action, criterion, row, was[0], *now))
        if stale:
            raise StaleTracking(criteria=stale)
        return changed

    def write_criteria(self, changed, saved) -> None:
        user, stale = self.request.user, []
        for action, criterion, row, was, status, notes in changed:
            values = {
                "criterion": criterion.text,
                "status": status,
                "notes": notes,
                "updated_by": user,
            }
            if row is None:
                try:
                    with transaction.atomic():
                        CriterionProgress.objects.create(
                            action=action, number=criterion.number, **values
                        )
                except IntegrityError:  # someone else recorded it first
                    stale.append((action, criterion))
                    continue
            elif (
                not CriterionProgress.objects.filter(pk=row.pk, updated_at=row.updated_at)
                .order_by()
                .update(updated_at=timezone.now(), **values)
            ):
                stale.append((action, criterion))
                continue
            saved.criteria.append(
                {
                    "action": action.number,
                    "criterion": criterion.number,
                    "from": CriterionStatus(was).label,
                    "to": CriterionStatus(status).label,
                }
            )
        if stale:
            raise StaleTracking(criteria=stale)

    def write_notes(self, data, saved) -> None:
        today = timezone.localdate()
        notes = [
            ProgressNote(
                plan=self.plan,
                action_number=action.number,
                noted_on=today,
                note=data[f"note_{action.pk}"],
                recorded_by=self.request.user,
            )
            for action in self.actions
            if data[f"note_{action.pk}"]
        ]
        ProgressNote.objects.bulk_create(notes)
        saved.notes = [note.action_number for note in notes]

    def write_evidence(self, data, saved, stored) -> None:
        """File each uploaded file as a document of the school's private collection."""
        uploads = [
            (action, data[f"evidence_{action.pk}"])
            for action in self.actions
            if data.get(f"evidence_{action.pk}")
        ]
        if not uploads:
            return
        Document = get_document_model()
        collection = school_collection(self.plan.school)
        user = self.request.user
        for action, upload in uploads:
            description = data[f"evidence_description_{action.pk}"]
            document = Document(
                title=(description or upload.name)[:255],
                file=upload,
                collection=collection,
                uploaded_by_user=user,
            )
            document._set_document_file_metadata()
            document.save()
            stored.append(document.file.name)
            log(document, "wagtail.create", user=user)
            ActionEvidence.objects.create(
                plan=self.plan,
                action=action,
                document=document,
                description=description,
                uploaded_by=user,
            )
            saved.evidence.append(action.number)
            saved.documents.append(document.pk)

    # --- Refusing a stale page ----------------------------------------------------

    def refuse_stale(self, request, stale):
        """Re-render with what was typed, the changed rows named and their loaded versions renewed."""
        data = request.POST.copy()
        rows = list(
            Action.objects.filter(pk__in=[a.pk for a in self.actions]).values_list(
                "pk", "status", "due_on"
            )
        )
        current = {pk: status for pk, status, _ in rows}
        current_due = {pk: due for pk, _, due in rows}
        for action in stale.actions:
            data[f"loaded_{action.pk}"] = current.get(action.pk, "")
            due = current_due.get(action.pk)
            data[f"loaded_due_{action.pk}"] = due.isoformat() if due else ""
        # The criteria as they are now: their versions go into the form.
        attach_tracking(self.plan, self.actions)
        for action in self.actions:
            for criterion in action.tracked_criteria:
                data[f"criterion_loaded_{action.pk}_{criterion.number}"] = version_of(
                    criterion.progress
                )
        form = self.track_form(data)
        form.is_valid()
        for action in stale.actions:
            status = current.get(action.pk)
            label = ActionStatus(status).label if status in ActionStatus.values else "removed"
            form.add_error(f"status_{action.pk}", STALE_MESSAGE.format(status=label))
        for action, stale_criterion in stale.criteria:
            now = next(
                (c for c in action.tracked_criteria if c.number == stale_criterion.number),
                stale_criterion,
            )
            form.add_error(
                f"criterion_{action.pk}_{now.number}", self.criterion_message(now.progress)
            )
        for action in self.actions:
            if request.FILES.get(f"evidence_{action.pk}"):
                form.add_error(
                    f"evidence_{action.pk}", "Nothing was saved, so choose the file again."
                )
        changed = []
        if stale.actions:
            changed.append(counted(len(stale.actions), "action", "actions"))
        if stale.criteria:
            changed.append(counted(len(stale.criteria), "success criterion", "success criteria"))
        messages.error(
            request,
            f"Nothing was saved: {' and '.join(changed)} "
            f"{'was' if len(stale.actions) + len(stale.criteria) == 1 else 'were'} "
            "changed by someone else since you opened this page; check and save again.",
        )
        return self.render(form)

    def criterion_message(self, progress) -> str:
        if progress is None:  # recorded, then removed with its action's wording
            return STALE_CRITERION_MESSAGE.format(
                who="Someone else", at="", status=CriterionStatus.NOT_STARTED.label, notes=""
            )
        if progress.updated_by_id == self.request.user.pk:
            who = "You (in another window or tab)"
        else:
            who = get_user_display_name(progress.updated_by) if progress.updated_by else ""
        return STALE_CRITERION_MESSAGE.format(
            who=who or "Someone else",
            at=f" at {when(progress.updated_at)}",
            status=progress.get_status_display(),
            notes=f", with the notes “{progress.notes}”" if progress.notes else "",
        )

    # --- Removing evidence --------------------------------------------------------

    def remove_evidence(self, request):
        """Remove one file of evidence (and the document) from this plan; logged."""
        raw = request.POST.get("remove_evidence", "")
        if not (raw.isascii() and raw.isdigit()):
            raise Http404("No such file.")
        item = (
            ActionEvidence.objects.filter(plan=self.plan, action__in=self.actions, pk=raw)
            .select_related("document")
            .first()
        )
        if item is None:
            raise Http404("No such file.")
        if not may_remove_evidence(self.plan, item, request.user):
            raise PermissionDenied
        number = next(a.number for a in self.actions if a.pk == item.action_id)
        name = str(item)
        with transaction.atomic():
            log(item.document, "wagtail.delete", user=request.user)
            # The signal on ActionEvidence deletes its document; Wagtail then
            # deletes the file once the transaction commits.
            item.delete()
            log(
                self.plan,
                "workflows.plan_tracked",
                user=request.user,
                data={"evidence_removed": [number], "documents": [item.document_id]},
            )
        messages.success(request, f"Removed “{name}” from the evidence of action {number}.")
        return redirect("wagtailsnippets_workflows_actionplan:track", self.plan.pk)
