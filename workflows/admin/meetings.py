"""Meetings (attendance inline) and support visits, with Wagtail's ``ModelViewSet``.

A viewset rather than modeladmin because a meeting's attendance is edited on the
meeting itself: Wagtail's ``InlinePanel`` over the ``ParentalKey`` of
``Attendance`` gives one row per participant with add, remove and reorder, which
modeladmin's forms only reach through the same panels anyway, without its newer
listing, history and permission-policy plumbing.
"""

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode

from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.admin.widgets.button import Button
from wagtail.permissions import policy_registry

from workflows.admin.scoping import (
    ScopedEditView,
    ScopedIndexView,
    ScopedModelForm,
    ScopedModelViewSet,
    specialists_queryset,
)
from workflows.models import ActionPlan, Attendance, Meeting, Participant, School, Visit, WorkGroup
from workflows.permissions import visible


class MeetingForm(ScopedModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        participants = visible(user, Participant.objects.select_related("enrolment__school"))
        group_id = self.instance.work_group_id
        if group_id:
            # Host and attendance choices come from this group's own schools.
            self.fields["host_school"].queryset = visible(
                user, School.objects.filter(enrolments__work_group_id=group_id)
            )
            participants = participants.filter(enrolment__work_group_id=group_id)
        self.restrict_child_choices("attendance", "participant", participants)

    def clean(self):
        """Refuse attendance rows that are not this meeting's, or name someone twice.

        A row's hidden id comes from the browser: one naming another meeting's
        record (or none at all) would be saved as a new row and collide with the
        one-row-per-participant rule in the database, a server error. Each gets a
        plain message on its row instead, and nothing is saved.
        """
        cleaned = super().clean()
        formset = self.formsets.get("attendance")
        if formset is None:
            return cleaned
        # From the database: the form has already put its own rows on the instance.
        own = {
            str(pk)
            for pk in Attendance.objects.filter(meeting_id=self.instance.pk).values_list(
                "pk", flat=True
            )
        }
        seen = set()
        for form in formset.forms:
            if not form.is_valid():
                continue
            posted_id = form.data.get(form.add_prefix("id")) or ""
            if posted_id and posted_id not in own:
                form.add_error(None, "This row is not part of this meeting: reload the page.")
            participant = form.cleaned_data.get("participant")
            if participant is not None and not form.cleaned_data.get("DELETE"):
                if participant.pk in seen:
                    form.add_error("participant", f"{participant} is already listed.")
                seen.add(participant.pk)
        return cleaned


class MeetingIndexView(ScopedIndexView):
    list_select_related = ("work_group", "host_school")


class MeetingViewSet(ScopedModelViewSet):
    model = Meeting
    name = "pd_meetings"
    url_prefix = "pd/meetings"
    menu_label = "Meetings"
    icon = "date"
    index_view_class = MeetingIndexView
    list_per_page = 50
    list_display = ["__str__", "work_group", "starts_at", "kind", "host_school"]
    list_filter = ["kind", "work_group"]
    search_fields = ["work_group__code", "work_group__name", "agenda"]
    list_export = ["work_group", "starts_at", "ends_at", "kind", "host_school", "agenda"]
    export_filename = "meetings"
    form_class = MeetingForm
    panels = [
        FieldPanel("work_group"),
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("host_school")]),
        FieldPanel("agenda"),
        InlinePanel(
            "attendance",
            heading="Attendance",
            label="Participant",
            panels=[FieldPanel("participant"), FieldPanel("status")],
            help_text="One row per participant: attended, sent apologies or absent.",
        ),
    ]


class VisitForm(ScopedModelForm):
    """A specialist records visits to their own groups' schools, as themselves."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if self.user_is_hub_lead:
            self.fields["specialist"].queryset = specialists_queryset()
            return
        self.fields["work_group"].queryset = visible(
            user, WorkGroup.objects.filter(lead_specialist=user)
        )
        self.fields["school"].queryset = visible(
            user, School.objects.filter(enrolments__work_group__lead_specialist=user).distinct()
        )
        specialist = self.fields["specialist"]
        specialist.disabled = True
        if self.instance.pk is None:
            self.initial["specialist"] = user.pk


class VisitIndexView(ScopedIndexView):
    list_select_related = ("school", "work_group", "specialist")


def start_plan_url(visit) -> str:
    """The new action plan form, filled in from ``visit`` (``PlanCreateView``)."""
    return (
        reverse("wagtailsnippets_workflows_actionplan:add") + "?" + urlencode({"visit": visit.pk})
    )


class VisitEditView(ScopedEditView):
    """A visit, with "Start a plan from this visit" for those who write plans."""

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        policy = policy_registry.get_by_type(ActionPlan)
        if policy.user_has_permission(self.request.user, "add"):
            buttons.append(
                Button(
                    "Start a plan from this visit",
                    url=start_plan_url(self.object),
                    icon_name="tasks",
                    priority=5,
                )
            )
        return buttons


class VisitViewSet(ScopedModelViewSet):
    model = Visit
    name = "pd_visits"
    url_prefix = "pd/visits"
    menu_label = "Support visits"
    icon = "pick"
    index_view_class = VisitIndexView
    edit_view_class = VisitEditView
    list_per_page = 50
    list_display = ["school", "work_group", "visited_on", "purpose", "specialist"]
    list_filter = ["work_group", "visited_on"]
    search_fields = ["school__name", "school__urn", "purpose"]
    list_export = ["school", "work_group", "visited_on", "purpose", "met_with", "next_steps"]
    export_filename = "visits"
    form_class = VisitForm
    panels = [
        FieldRowPanel([FieldPanel("work_group"), FieldPanel("school")]),
        FieldRowPanel([FieldPanel("visited_on"), FieldPanel("specialist")]),
        FieldPanel("purpose"),
        FieldPanel("met_with"),
        FieldPanel("notes"),
        FieldPanel("next_steps"),
    ]
