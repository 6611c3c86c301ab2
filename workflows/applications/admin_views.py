"""The hub lead's view of one application: the school's facts, its history, decisions.

It is the viewset's inspect view with a ``post`` that makes a decision through
``workflows.applications.decisions``; a refused decision re-renders the page with the message
next to the field and what the hub lead typed still in it.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from workflows.applications.decisions import (
    DECISIONS,
    DecisionRefused,
    available_decisions,
    create_group_url,
    decide,
    has_room,
    no_group_reason,
)
from workflows.applications.offers import answered_without_hub, offer_story
from workflows.applications.placement import can_create_groups, others_for, school_records
from workflows.models import WorkGroup
from workflows.permissions import is_hub_lead
from workflows.shared.scoping import ReadableInspectView


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, group):
        return group.offer_label


class DecisionForm(forms.Form):
    """One decision on one application; which fields matter depends on the decision."""

    decision = forms.ChoiceField(
        choices=[(d.name, d.label) for d in DECISIONS.values()], widget=forms.HiddenInput
    )
    work_group = GroupChoiceField(
        queryset=WorkGroup.objects.none(),
        required=False,
        label="Work Group",
        help_text="The group to offer a place in; groups of this programme and year.",
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason",
        help_text="Required to decline; sent to the school in the email.",
    )

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        if groups is not None:
            self.fields["work_group"].queryset = groups


def auto_id(decision_name):
    """Give each decision's form its own element ids: they share one page."""
    return f"id_{decision_name}_%s"


def offer_groups(application):
    """Return the groups a place can be offered in, with their places annotated."""
    return (
        WorkGroup.objects.with_places()
        .select_related("stage")
        .filter(stage_id=application.programme_id, academic_year=application.academic_year)
    )


def suggested_group(application, groups):
    """Pick the group the school asked for if it has room, else one in its own local
    authority that has, else any with room; ``None`` when none has."""
    area = application.school.local_authority if application.school else ""
    with_room = [g for g in groups if has_room(g)]
    for group in with_room:
        if group.pk == application.preferred_group_id:
            return group
    for group in with_room:
        if area and group.area == area:
            return group
    return with_room[0] if with_room else None


def said_once(form, no_group) -> bool:
    """Drop the no-group refusal from ``form``'s field errors; whether it was there.

    The page explains a missing or full group above the field already (with the
    link to create one), so the refused offer's error would say it a second time.
    """
    errors = form.errors.get("work_group")
    if not errors or no_group not in errors:
        return False
    rest = [message for message in errors if message != no_group]
    if rest:
        form.errors["work_group"] = form.error_class(rest)
    else:
        del form.errors["work_group"]
    return True


class ApplicationInspectView(ReadableInspectView):
    template_name = "workflows/applications/application_inspect.html"

    def get_fields(self):
        return []

    def get_forms(self, posted=None):
        """Return a form per decision available now; ``posted`` replaces its own."""
        application = self.object
        groups = self.offer_groups_list = list(offer_groups(application))
        forms_by_name = {}
        for decision in available_decisions(application):
            if posted is not None and posted.data.get("decision") == decision.name:
                forms_by_name[decision.name] = posted
                continue
            initial = {"decision": decision.name}
            if decision.needs_group:
                suggestion = suggested_group(application, groups)
                initial["work_group"] = suggestion.pk if suggestion else None
            forms_by_name[decision.name] = DecisionForm(
                initial=initial, groups=offer_groups(application), auto_id=auto_id(decision.name)
            )
        return [(DECISIONS[name], form) for name, form in forms_by_name.items()]

    def get_context_data(self, posted=None, **kwargs):
        context = super().get_context_data(**kwargs)
        application = self.object
        context["application"] = application
        context["school"] = application.school
        context["participants"] = application.participants.all()
        others = others_for(school_records(self.request.user, [application]), application)
        context["other_applications"] = others["applications"]
        context["earlier_enrolments"] = others["enrolments"]
        context["can_decide"] = is_hub_lead(self.request.user)
        if context["can_decide"]:
            context["decision_forms"] = self.get_forms(posted)
            if any(decision.needs_group for decision, _ in context["decision_forms"]):
                groups = self.offer_groups_list
                context["no_group"] = no_group_reason(
                    application.programme.title, application.academic_year, groups
                )
                if context["no_group"] and can_create_groups(self.request.user):
                    context["create_group_url"] = create_group_url(
                        application.programme_id, application.academic_year
                    )
                if context["no_group"] and posted is not None:
                    context["no_group_refused"] = said_once(posted, context["no_group"])
            shown = any(form is posted for _, form in context["decision_forms"])
            if posted is not None and not shown:
                # The decision is no longer on offer (made already, say): say why here.
                context["refusal"] = " ".join(
                    message for errors in posted.errors.values() for message in errors
                )
        context["history_url"] = reverse("pd_applications:history", args=[application.pk])
        # When the offer was sent, chased and answered (online, by email, or lapsed).
        context["offer_story"] = story = offer_story(application)
        context["answered_without_hub"] = answered_without_hub(application, story)
        return context

    def post(self, request, *args, **kwargs):
        if not is_hub_lead(request.user):
            raise PermissionDenied  # decisions are the hub lead's alone
        application = self.object
        name = request.POST.get("decision", "")
        form = DecisionForm(
            request.POST,
            groups=offer_groups(application),
            auto_id=auto_id(name if name in DECISIONS else "decision"),
        )
        if form.is_valid():
            try:
                decide(
                    application.pk,
                    form.cleaned_data["decision"],
                    request.user,
                    work_group=form.cleaned_data["work_group"],
                    reason=form.cleaned_data["reason"],
                )
            except DecisionRefused as refusal:
                form.add_error(refusal.field, refusal.message)
            else:
                decision = DECISIONS[name]
                messages.success(
                    request,
                    f"{application.school_name} {decision.past}; the school has been emailed.",
                )
                next_url = request.POST.get("next", "")
                if url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                    return redirect(next_url)
                return redirect("pd_applications:inspect", application.pk)
        messages.error(request, "The decision was not made; see the message below.")
        return self.render_to_response(self.get_context_data(posted=form))
