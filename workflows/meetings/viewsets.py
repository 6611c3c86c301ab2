"""Meetings (attendance inline) and support visits, with Wagtail's ``ModelViewSet``.

A viewset rather than modeladmin because a meeting's attendance is edited on the
meeting itself: Wagtail's ``InlinePanel`` over the ``ParentalKey`` of
``Attendance`` gives one row per participant with add, remove and reorder, which
modeladmin's forms only reach through the same panels anyway, without its newer
listing, history and permission-policy plumbing.
"""

from django.contrib import messages
from django.db import IntegrityError
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode

from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.permissions import policy_registry

from workflows.calendars.invitations import InvitationMessageMixin
from workflows.calendars.views import InvitationDownloadView, invitation_url
from workflows.meetings.models import NOT_ENROLLED, enrolled_participants
from workflows.meetings.register import RegisterView, can_take_register
from workflows.models import ActionPlan, Attendance, Meeting, Participant, School, Visit, WorkGroup
from workflows.permissions import visible
from workflows.shared.scoping import (
    ScopedEditView,
    ScopedIndexView,
    ScopedModelForm,
    ScopedModelViewSet,
    narrowed_form_class,
    specialists_queryset,
)


def _posted_id(form, name):
    """The id posted for ``name`` on a bound ``form`` (``None`` if missing or not a number)."""
    value = form.data.get(form.add_prefix(name)) if form.is_bound else None
    return int(value) if value and str(value).isdigit() else None


def _refuse_strangers_plainly(fields):
    """Say why a participant outside the choices is refused, not "Select a valid choice"."""
    fields["participant"].error_messages["invalid_choice"] = NOT_ENROLLED


class MeetingForm(ScopedModelForm):
    """A meeting and its attendance, one row per participant of the group's schools.

    The participant choices are exactly the participants enrolled in the meeting's
    group (:meth:`Meeting.enrolled_participants`): on the new meeting form, those
    of the group posted with it; before a group is chosen, nobody (the register
    takes attendance once the meeting is saved). A row recorded before this rule
    (naming someone of another group) still opens and saves: it is shown as it
    is, locked and flagged, for someone to remove; any new or changed row must
    name one of the group's own people.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        stored_group_id = self.instance.work_group_id
        group_id = _posted_id(self, "work_group") or stored_group_id
        if stored_group_id:
            # Host choices come from this group's own schools.
            self.fields["host_school"].queryset = visible(
                user, School.objects.filter(enrolments__work_group_id=stored_group_id)
            )
        if group_id:
            if group_id == stored_group_id:
                enrolled = self.instance.enrolled_participants()
            else:
                enrolled = enrolled_participants(group_id)
        else:
            enrolled = Participant.objects.none()
        participants = visible(user, enrolled.select_related("enrolment__school"))
        self.restrict_child_choices("attendance", "participant", participants)
        self.formsets["attendance"].form = narrowed_form_class(
            self.formsets["attendance"].form, _refuse_strangers_plainly
        )
        self.flag_strangers(stored_group_id)

    def flag_strangers(self, stored_group_id):
        """Lock and flag the rows already saved for people outside the group (old data).

        Such a row keeps its one participant as its only choice, so the form
        validates and saves as it is; the row says why it stands out.
        """
        self.stranger_ids = set()
        if self.instance.pk is None or not stored_group_id:
            return
        self.stranger_ids = set(
            Attendance.objects.filter(meeting_id=self.instance.pk)
            .exclude(participant__in=self.instance.enrolled_participants())
            .values_list("participant_id", flat=True)
        )
        if not self.stranger_ids:
            return
        formset = self.formsets["attendance"]
        strangers = self.stranger_ids
        base = formset.form

        class AttendanceRowForm(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if self.instance.pk and self.instance.participant_id in strangers:
                    field = self.fields["participant"]
                    field.queryset = Participant.objects.filter(pk=self.instance.participant_id)
                    field.disabled = True
                    field.help_text = (
                        f"{NOT_ENROLLED} Recorded before this was checked: remove this row."
                    )

        AttendanceRowForm.__name__ = base.__name__
        # The form metaclass rebuilt the fields from the model: keep the narrowed ones.
        AttendanceRowForm.base_fields = base.base_fields
        formset.form = AttendanceRowForm

    def clean(self):
        """Refuse attendance rows that are not this meeting's, name someone twice, or
        name someone outside the meeting's group.

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
        group = cleaned.get("work_group")
        group_changed = group is not None and group.pk != self.initial.get("work_group")
        enrolled = None
        seen = set()
        for form in formset.forms:
            if not form.is_valid():
                continue
            posted_id = form.data.get(form.add_prefix("id")) or ""
            if posted_id and posted_id not in own:
                form.add_error(None, "This row is not part of this meeting: reload the page.")
            participant = form.cleaned_data.get("participant")
            if participant is None or form.cleaned_data.get("DELETE"):
                continue
            if participant.pk in seen:
                form.add_error("participant", f"{participant} is already listed once.")
            seen.add(participant.pk)
            kept_as_recorded = form.fields["participant"].disabled and not group_changed
            if group is not None and not kept_as_recorded:
                if enrolled is None:
                    enrolled = set(enrolled_participants(group.pk).values_list("pk", flat=True))
                if participant.pk not in enrolled:
                    form.add_error("participant", f"{participant}: {NOT_ENROLLED}")
        return cleaned


class OneRowPerPersonMixin:
    """The last word on "one row per participant": the database's own rule.

    The form refuses duplicates it can see; two rows swapping their people pass
    it and then collide mid-save. Whatever slips through is a message, not a
    server error, and nothing is saved (the view's save runs in one transaction).
    """

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except IntegrityError:
            self.produced_error_message = "This meeting was not saved."
            form.add_error(
                None,
                "Each participant can be listed once in a meeting's attendance: "
                "two rows name the same person. Nothing was saved.",
            )
            return self.form_invalid(form)


def download_invitation_button(obj):
    """The "Download invitation" button: the record's ``.ics`` (``calendars.views``)."""
    return Button("Download invitation", url=invitation_url(obj), icon_name="download", priority=6)


def invitation_url_pattern(viewset):
    """``<viewset>:invitation``, built by the viewset so ``ScopedView`` guards it."""
    return path(
        "invitation/<str:pk>/",
        viewset.construct_view(InvitationDownloadView, model=viewset.model),
        name="invitation",
    )


class CalendarDeleteView(InvitationMessageMixin, generic.DeleteView):
    """Delete; the success message says how many cancellations went (``calendars``)."""


class MeetingCreateView(InvitationMessageMixin, OneRowPerPersonMixin, generic.CreateView):
    pass


class MeetingEditView(InvitationMessageMixin, OneRowPerPersonMixin, ScopedEditView):
    """A meeting, with "Take the register" for those who may take it."""

    @cached_property
    def header_buttons(self):
        # In sight beside the title, not only in the "Actions" menu: it is what a
        # specialist opens a past meeting for.
        if not can_take_register(self.request.user, self.object):
            return []
        return [
            HeaderButton(
                "Take the register",
                url=reverse("pd_meetings:register", args=[self.object.pk]),
                icon_name="tick",
            )
        ]

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        buttons.append(download_invitation_button(self.object))
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        strangers = getattr(form, "stranger_ids", ())
        if strangers and self.request.method == "GET":
            messages.warning(
                self.request,
                f"{len(strangers)} attendance row{'s' if len(strangers) != 1 else ''} "
                "name someone who is not a participant of a school enrolled in this "
                "meeting's Work Group (recorded before this was checked). They are "
                "marked below: remove them, or leave them as they are.",
            )
        return context


class MeetingIndexView(ScopedIndexView):
    list_select_related = ("work_group", "host_school")

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        # The group is already loaded with the row; the user's rights are cached.
        if can_take_register(self.request.user, instance):
            buttons.append(
                MenuItem(
                    "Take the register",
                    url=reverse("pd_meetings:register", args=[instance.pk]),
                    icon_name="tick",
                    priority=15,
                )
            )
        return buttons


class MeetingViewSet(ScopedModelViewSet):
    model = Meeting
    name = "pd_meetings"
    url_prefix = "pd/meetings"
    menu_label = "Meetings"
    icon = "date"
    index_view_class = MeetingIndexView
    add_view_class = MeetingCreateView
    edit_view_class = MeetingEditView
    delete_view_class = CalendarDeleteView
    register_view_class = RegisterView
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
            help_text=(
                "One row per participant of the group's schools: attended, sent apologies "
                "or absent. To mark everyone at once, take the register."
            ),
        ),
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "register/<str:pk>/",
                self.construct_view(self.register_view_class, model=Meeting),
                name="register",
            ),
            invitation_url_pattern(self),
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


class VisitCreateView(InvitationMessageMixin, generic.CreateView):
    pass


class VisitEditView(InvitationMessageMixin, ScopedEditView):
    """A visit, with "Start a plan from this visit" for those who write plans."""

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        buttons.append(download_invitation_button(self.object))
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
    add_view_class = VisitCreateView
    edit_view_class = VisitEditView
    delete_view_class = CalendarDeleteView
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

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), invitation_url_pattern(self)]
