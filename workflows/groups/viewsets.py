"""Work Groups, their enrolments and participants, with Wagtail's own ``ModelViewSet``.

Why a viewset rather than modeladmin: these are the hub's working records, edited
every week, and Wagtail's viewsets give them the current admin (filters that
update the listing in place, the history side panel fed by log entries, usage,
panels with help text) and a registered permission policy that the scoped views
in ``scoping`` extend per object.

Enrolments are not edited inline on the group: each one must pass the capacity,
one-group-a-year and once-only rules under a lock on the group's row
(``Enrolment.save_checked``), which an inline formset saving several at once could
not promise; they have their own listing, filterable by group, and the group's
inspect page lists its schools.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import path, reverse

from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic

from workflows.applications.moot import close_moot_applications
from workflows.groups.views import SendMessageView, group_messages_context
from workflows.meetings.register import attendance_over_the_year
from workflows.models import Application, Enrolment, Participant, WorkGroup
from workflows.permissions import visible
from workflows.plans.views import policy as plan_policy
from workflows.shared.exports import attendance_rate, with_attendance, with_summary
from workflows.shared.scoping import (
    ReadableInspectView,
    ScopedIndexView,
    ScopedModelForm,
    ScopedModelViewSet,
    specialists_queryset,
)


class WorkGroupForm(ScopedModelForm):
    # A specialist may update the group they lead (its area, meeting town, status);
    # who leads it, its size and its going over capacity are the hub lead's call.
    hub_lead_only_fields = (
        "stage",
        "academic_year",
        "code",
        "lead_specialist",
        "capacity",
        "allow_over_capacity",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "lead_specialist" in self.fields and self.user_is_hub_lead:
            # Anyone else sees only the lead already named (``ScopedModelForm``).
            self.fields["lead_specialist"].queryset = specialists_queryset()


class WorkGroupIndexView(ScopedIndexView):
    list_select_related = ("stage", "lead_specialist")

    def get_base_queryset(self):
        queryset = super().get_base_queryset().with_places()
        if self.is_export:
            # The per-group summary a hub sends on (``exports``).
            queryset = with_summary(self.request.user, queryset)
        return queryset

    def to_row_dict(self, item):
        item.attendance_rate = attendance_rate(item)
        return super().to_row_dict(item)


class WorkGroupInspectView(ReadableInspectView):
    template_name = "workflows/groups/workgroup_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["enrolments"] = visible(
            self.request.user,
            self.object.enrolments.select_related("school").order_by("school__name"),
        )
        context["places_left"] = self.object.places_left
        context["attendance"] = attendance_over_the_year(self.request.user, self.object)
        # The group's plans side by side, for whoever may read plans (not editors).
        if plan_policy().user_has_any_permission(self.request.user, ["view", "change"]):
            context["plans_url"] = reverse(
                "wagtailsnippets_workflows_actionplan:work_group", args=[self.object.pk]
            )
        context.update(group_messages_context(self.request.user, self.object))
        return context


class WorkGroupDeleteView(generic.DeleteView):
    """Refuse to delete a group while a school holds an unanswered offer of a place in it.

    Enrolments protect a group already; an open offer did not, and deleting the
    group left an offer of a place in nothing that the school could not answer.
    """

    @property
    def open_offers(self):
        return Application.objects.filter(
            offered_group=self.object, status=Application.Status.OFFERED
        ).order_by("school_name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        offers = list(self.open_offers.values_list("school_name", flat=True))
        if offers:
            context["is_protected"] = True
            context["open_offers"] = offers
        return context

    def form_valid(self, form):
        if self.open_offers.exists():
            raise PermissionDenied
        return super().form_valid(form)


class WorkGroupViewSet(ScopedModelViewSet):
    model = WorkGroup
    name = "pd_workgroups"
    url_prefix = "pd/work-groups"
    menu_label = "Work Groups"
    icon = "group"
    index_view_class = WorkGroupIndexView
    inspect_view_class = WorkGroupInspectView
    delete_view_class = WorkGroupDeleteView
    delete_template_name = "workflows/groups/workgroup_confirm_delete.html"

    @property
    def add_view_class(self):
        # "Create a group for this stage and year", linked from placement: pre-filled.
        from workflows.applications.placement import WorkGroupPrefillMixin

        return type("WorkGroupCreateView", (WorkGroupPrefillMixin, super().add_view_class), {})

    def get_urlpatterns(self):
        # "Message the group" (workflows.groups): scoped by the group in the URL.
        return [
            *super().get_urlpatterns(),
            path("message/<str:pk>/", self.construct_view(SendMessageView), name="message"),
        ]

    inspect_view_enabled = True
    # What the hub talks about, not the database's bookkeeping (id, timestamps).
    inspect_view_fields = [
        "name",
        "code",
        "stage",
        "academic_year",
        "lead_specialist",
        "status",
        "capacity",
        "area",
        "meeting_town",
    ]
    list_per_page = 50
    list_display = [
        "code",
        "name",
        "stage",
        "academic_year",
        "lead_specialist",
        "area",
        Column("places_left", label="Places left"),
        "status",
        # From the listing, not only the group's inspect page: the dashboard sends hub
        # leads here to reach a group's plans once it shows stages instead of groups.
        TitleColumn(
            "plans",
            label="Action plans",
            accessor=lambda group: "Side by side",
            get_url=lambda group: reverse(
                "wagtailsnippets_workflows_actionplan:work_group", args=[group.pk]
            ),
        ),
    ]
    list_filter = ["academic_year", "status"]
    search_fields = ["code", "name", "area"]
    list_export = [
        "code",
        "name",
        "stage",
        "academic_year",
        "lead_specialist",
        "area",
        "places_left",
        "get_status_display",
        "schools_enrolled",
        "participant_count",
        "meetings_held",
        "attendance_attended",
        "attendance_recorded",
        "attendance_rate",
        "plans_agreed",
    ]
    export_headings = {
        "lead_specialist": "Lead specialist",
        "places_left": "Places left",
        "get_status_display": "Status",
        "schools_enrolled": "Schools",
        "participant_count": "Participants",
        "meetings_held": "Meetings held",
        "attendance_attended": "Attendances",
        "attendance_recorded": "Attendance recorded",
        "attendance_rate": "Attendance rate",
        "plans_agreed": "Plans agreed",
    }
    export_filename = "work-groups"
    form_class = WorkGroupForm
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("stage"),
                FieldRowPanel([FieldPanel("academic_year"), FieldPanel("code")]),
                FieldPanel("name"),
                FieldPanel("lead_specialist"),
            ],
            heading="Group",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("capacity"), FieldPanel("allow_over_capacity")]),
                FieldPanel("status"),
                FieldRowPanel([FieldPanel("area"), FieldPanel("meeting_town")]),
            ],
            heading="Places and area",
        ),
    ]


class EnrolmentForm(ScopedModelForm):
    def save(self, commit=True):
        """Save through ``Enrolment.save_checked``, the rules re-checked under a lock.

        The form's validation already ran the enrolment rules; repeating them with
        the group's row locked refuses a place taken in the meantime (by another
        hub lead, or an accepted offer) with the same message.
        """
        instance = super().save(commit=False)
        if commit:
            joining = instance._state.adding
            with transaction.atomic():
                instance.save_checked()
                if joining:  # the school's other open applications for the year are moot
                    close_moot_applications(instance, self.for_user)
            self._save_m2m()
        return instance


class EnrolmentSaveMixin:
    """Show a refusal from :meth:`EnrolmentForm.save` on the form, which re-renders."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)


class EnrolmentViewSet(ScopedModelViewSet):
    model = Enrolment
    name = "pd_enrolments"
    url_prefix = "pd/enrolments"
    menu_label = "Enrolments"
    icon = "list-ul"
    list_per_page = 50
    list_display = ["school", "work_group", "academic_year", "joined_on", "left_on"]
    list_filter = ["academic_year", "work_group"]
    search_fields = ["school__name", "school__urn", "work_group__code"]
    list_export = ["school", "work_group", "academic_year", "joined_on", "left_on"]
    export_filename = "enrolments"
    form_class = EnrolmentForm
    form_fields = ["school", "work_group", "application", "joined_on", "left_on"]

    @property
    def index_view_class(self):
        return type(
            "EnrolmentIndexView",
            (ScopedIndexView,),
            {"list_select_related": ("school", "work_group")},
        )

    @property
    def add_view_class(self):
        return type("EnrolmentCreateView", (EnrolmentSaveMixin, super().add_view_class), {})

    @property
    def edit_view_class(self):
        return type("EnrolmentEditView", (EnrolmentSaveMixin, super().edit_view_class), {})


class ParticipantIndexView(ScopedIndexView):
    list_select_related = ("enrolment__school", "enrolment__work_group")

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        if self.is_export:
            # Each person's attendance at their group's meetings (``exports``).
            queryset = with_attendance(queryset)
        return queryset


class ParticipantViewSet(ScopedModelViewSet):
    model = Participant
    name = "pd_participants"
    url_prefix = "pd/participants"
    menu_label = "Participants"
    icon = "user"
    list_per_page = 50
    list_display = ["name", "role", "enrolment", "email"]
    list_filter = ["role", "is_maths_lead"]
    search_fields = ["name", "email", "enrolment__school__name"]
    list_export = [
        "name",
        "get_role_display",
        "is_maths_lead",
        "email",
        "enrolment.school.name",
        "enrolment.school.urn",
        "enrolment.work_group.code",
        "enrolment.academic_year",
        "meetings_held",
        "attended",
        "apologies",
        "absent",
    ]
    export_headings = {
        "get_role_display": "Role",
        "enrolment.school.name": "School",
        "enrolment.school.urn": "URN",
        "enrolment.work_group.code": "Work Group",
        "enrolment.academic_year": "Academic year",
        "meetings_held": "Meetings held",
        "attended": "Attended",
        "apologies": "Apologies",
        "absent": "Absent",
    }
    export_filename = "participants"
    form_class = ScopedModelForm
    form_fields = ["enrolment", "name", "email", "role", "is_maths_lead", "trn"]

    index_view_class = ParticipantIndexView
