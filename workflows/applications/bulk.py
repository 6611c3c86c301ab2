"""Offer, waitlist or decline several applications at once, from the applications queue.

Built on Wagtail's bulk actions: a hub lead ticks applications in the queue
(filtered, say, to this year's Development applications), picks "Offer a place",
"Waitlist" or "Decline" in the footer, and confirms on a page that lists the
chosen applications with the one thing the decision needs: the Work Group, or the
reason sent to every school declined. The queue, filters and search stay the
hub lead's usual ones, and the confirmation page is where a mistake is caught.

Each application then goes through :func:`workflows.applications.decisions.decide`, one at a
time and oldest first (so the last places go to the earliest applicants): the
same state machine, row lock, log entry and email as deciding on its own page.
Nothing is decided that could not be decided there, so a re-posted page finds
every application already decided and changes, logs and sends nothing more. The
hub lead reads back one summary, such as "3 offered a place in DWG-01; 1 not
offered: already declined (Brookfield Primary School)".

An offer goes either to one chosen group (those that do not fit it are refused
and named: another programme or year, no places left, no linked school) or to
the group each school asked for on the form (``preferred_group``); a hub lead
places a batch of one stage and year in one group, or honours the schools'
choices in one go, without a page per school.

Only hub leads may act (anyone else gets a 403 and never sees the actions in
the queue); the ids asked for are narrowed by :func:`workflows.permissions.visible`
like any other bulk action here (``workflows.shared.bulk_actions``), malformed or
unknown ids are ignored, and so is Wagtail's ``id=all`` ("every application in
the listing", which would ignore the listing's filters): the footer never offers it.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.utils.functional import cached_property

from wagtail.admin.views.bulk_action import BulkAction

from workflows.applications.decisions import DECISIONS, DecisionRefused, decide
from workflows.models import Application, WorkGroup
from workflows.permissions import is_hub_lead, visible
from workflows.shared.bulk_actions import ActionableOnlyMixin

PREFERRED = "preferred"


@dataclass
class BulkResult:
    """What happened to each application of a bulk decision, for the summary."""

    decision: object
    done: dict = field(default_factory=lambda: defaultdict(list))  # group code or "" -> names
    refused: dict = field(default_factory=lambda: defaultdict(list))  # why -> names

    @property
    def done_count(self) -> int:
        return sum(len(names) for names in self.done.values())

    @property
    def refused_count(self) -> int:
        return sum(len(names) for names in self.refused.values())

    def summary(self) -> str:
        """ "3 offered a place in DWG-01 (...); 1 not offered: DWG-01 is full (Elm Primary)"."""
        past = self.decision.past
        parts = []
        for code, names in self.done.items():
            where = f" in {code}" if code else ""
            parts.append(f"{len(names)} {past}{where} ({', '.join(names)})")
        if not self.done:
            parts.append(f"None {past}")
        verb = past.split(" ")[0]  # "offered", "waitlisted", "declined"
        for why, names in self.refused.items():
            parts.append(f"{len(names)} not {verb}: {why} ({', '.join(names)})")
        return "; ".join(parts) + "."


def school_name(application) -> str:
    return application.school.name if application.school_id else application.school_name


def why_refused(application, decision, group, refusal) -> str:
    """Say briefly why ``decision`` was refused for ``application``, the school left out.

    ``refusal`` is what ``decide`` said; the application's status is read again,
    as it was when ``decide`` looked (another hub lead may have decided first).
    """
    now = (
        Application.objects.filter(pk=application.pk)
        .values("status", "offered_group__code", "school_id")
        .first()
    )
    if now is None:
        return "no longer listed"
    if now["status"] not in decision.sources:
        status = Application.Status(now["status"]).label.lower()
        code = now["offered_group__code"]
        shown = (
            f"{status} ({code})" if code and now["status"] == Application.Status.OFFERED else status
        )
        return f"already {shown}"
    if decision.needs_group:
        if now["school_id"] is None:
            return "not linked to a school yet"
        if group is None:
            return "named no Work Group on its application"
        if group.stage_id != application.programme_id or (
            group.academic_year != application.academic_year
        ):
            return f"{group.code} is for {group.stage.title}, {group.academic_year}"
        if " is full" in refusal.message:
            return f"{group.code} is full"
    return refusal.message.rstrip(".")


def decide_each(applications, name, user, *, work_group=None, preferred=False, reason=""):
    """Make decision ``name`` on each of ``applications`` through ``decide``; return a :class:`BulkResult`.

    Each is its own transaction, so each school's email goes as its decision
    commits, and one refusal leaves the others made.
    """
    decision = DECISIONS[name]
    result = BulkResult(decision)
    for application in applications:
        group = application.preferred_group if preferred else work_group
        try:
            if decision.needs_group and group is None:
                raise DecisionRefused("No Work Group named.")
            decided = decide(application.pk, name, user, work_group=group, reason=reason)
        except DecisionRefused as refusal:
            why = why_refused(application, decision, group, refusal)
            result.refused[why].append(school_name(application))
        else:
            code = decided.offered_group.code if decision.needs_group else ""
            result.done[code].append(school_name(application))
    return result


class BulkOfferForm(forms.Form):
    work_group = forms.ChoiceField(
        label="Work Group",
        help_text=(
            "Offer every chosen school a place in this group, or in the group each school "
            "asked for. A school that does not fit (another programme or year, no places "
            "left, not linked to a school) is not offered one; the summary says why."
        ),
    )

    def __init__(self, *args, applications=(), **kwargs):
        super().__init__(*args, **kwargs)
        pairs = {(a.programme_id, a.academic_year) for a in applications}
        groups = WorkGroup.objects.none()
        if pairs:
            match = Q()
            for stage_id, year in sorted(pairs):
                match |= Q(stage_id=stage_id, academic_year=year)
            groups = (
                WorkGroup.objects.with_places().select_related("stage").filter(match)
            ).order_by("academic_year", "code")
        self.groups = {str(group.pk): group for group in groups}
        self.fields["work_group"].choices = [
            ("", "Choose a Work Group"),
            (PREFERRED, "The group each school asked for"),
            *((pk, group.offer_label) for pk, group in self.groups.items()),
        ]
        if applications and all(a.preferred_group_id for a in applications):
            self.fields["work_group"].initial = PREFERRED

    def decision_kwargs(self):
        value = self.cleaned_data["work_group"]
        if value == PREFERRED:
            return {"preferred": True}
        return {"work_group": self.groups[value]}


class BulkWaitlistForm(forms.Form):
    def decision_kwargs(self):
        return {}


class BulkDeclineForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Sent to every school declined, in its email: word it so it reads right for each.",
        error_messages={"required": "Give the reason; it is sent to each school declined."},
    )

    def decision_kwargs(self):
        return {"reason": self.cleaned_data["reason"]}


class ApplicationDecisionBulkAction(ActionableOnlyMixin, BulkAction):
    """One decision on the chosen applications, each through ``decide``."""

    models = [Application]
    template_name = "workflows/applications/bulk_confirm.html"
    decision_name = ""
    form_class = BulkWaitlistForm

    def dispatch(self, request, *args, **kwargs):
        if not is_hub_lead(request.user):
            raise PermissionDenied  # decisions are the hub lead's alone
        return super().dispatch(request, *args, **kwargs)

    @property
    def decision(self):
        return DECISIONS[self.decision_name]

    def narrow(self, queryset):
        return (
            visible(self.request.user, queryset)
            .select_related("school", "programme", "offered_group", "preferred_group")
            .order_by("created_at", "pk")
        )

    @cached_property
    def chosen(self):
        return self.get_queryset(self.model, self.request.GET.getlist("id"))

    def get_actionable_objects(self):
        return self.chosen, {"items_with_no_access": []}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.form_class is BulkOfferForm:
            kwargs["applications"] = self.chosen
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        count = len(self.chosen)
        context["decision"] = self.decision
        context["chosen_label"] = f"{count} application{'s' if count != 1 else ''} chosen"
        context["action_button_class"] = "serious" if "serious" in self.classes else ""
        return context

    def form_valid(self, form):
        result = decide_each(
            self.chosen, self.decision_name, self.request.user, **form.decision_kwargs()
        )
        if not result.refused_count:
            messages.success(self.request, result.summary())
        elif result.done_count:
            messages.warning(self.request, result.summary())
        else:
            messages.error(self.request, result.summary())
        return redirect(self.next_url)


class OfferBulkAction(ApplicationDecisionBulkAction):
    display_name = "Offer a place"
    action_type = "offer"
    aria_label = "Offer the chosen schools a place"
    decision_name = "offer"
    form_class = BulkOfferForm
    action_priority = 10


class WaitlistBulkAction(ApplicationDecisionBulkAction):
    display_name = "Waitlist"
    action_type = "waitlist"
    aria_label = "Waitlist the chosen applications"
    decision_name = "waitlist"
    form_class = BulkWaitlistForm
    action_priority = 20


class DeclineBulkAction(ApplicationDecisionBulkAction):
    display_name = "Decline"
    action_type = "decline"
    aria_label = "Decline the chosen applications"
    decision_name = "decline"
    form_class = BulkDeclineForm
    action_priority = 30
    classes = {"serious"}


BULK_DECISIONS = [OfferBulkAction, WaitlistBulkAction, DeclineBulkAction]
