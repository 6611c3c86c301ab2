"""The action plans' admin: Wagtail's snippet views on the scoped viewset base.

Every view the viewset builds (listing, edit, inspect, history, revisions,
compare, revert, workflow history and actions, lock, unlock, preview, usage,
delete, chooser, and our own print, export, review and carry-over views) goes
through :class:`workflows.shared.scoping.ScopedViewSetMixin`, like every PD model's
admin: a plan outside the user's scope is a 404 before the view loads anything,
and a workflow action's task state must belong to the plan in the URL.
"""

from django.contrib import messages
from django.http import Http404
from django.urls import path, reverse
from django.utils.functional import cached_property

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, UpdatedAtColumn
from wagtail.admin.widgets.button import Button
from wagtail.snippets.side_panels import SnippetStatusSidePanel
from wagtail.snippets.views import snippets as snippet_views

import django_filters

from workflows.models import ActionPlan, FocusArea, School, WorkGroup
from workflows.plans import reading, starting, tracking, views
from workflows.plans.models import PlanState
from workflows.plans.status_panel import PlanStatusSidePanel
from workflows.plans.tasks import SpecialistSignOffTask, no_leader_message, user_can_cancel
from workflows.shared.concurrency import StaleRevisionMixin
from workflows.shared.scoping import ScopedSnippetViewSet


class ActionPlanFilterSet(WagtailFilterSet):
    """The plan listing's filters; their choices are narrowed to the scope by the view."""

    academic_year = django_filters.CharFilter(label="Academic year", lookup_expr="exact")
    work_group = django_filters.ModelChoiceFilter(
        label="Work Group", field_name="enrolment__work_group", queryset=WorkGroup.objects.all()
    )
    school = django_filters.ModelChoiceFilter(label="School", queryset=School.objects.all())
    state = django_filters.ChoiceFilter(label="Status", choices=PlanState.choices)

    class Meta:
        model = ActionPlan
        fields = ["academic_year", "work_group", "school", "state"]


class PlanIndexView(reading.ReadFirstListingMixin, snippet_views.IndexView):
    """The listing, with the CSV export of the actions of the plans listed.

    A school leader's click on a plan opens its read page (``reading``).
    """

    @cached_property
    def header_more_buttons(self):
        return [
            *super().header_more_buttons,
            Button(
                "Download actions (CSV)",
                url=reverse("wagtailsnippets_workflows_actionplan:export_actions"),
                icon_name="download",
                priority=50,
            ),
        ]


# The year's work on an agreed plan, offered beside it: who may, the label, the view, the icon.
YEAR_BUTTONS = [
    (tracking.can_track, "Track progress", "track", "list-ul"),
    (views.can_review, "Record a review", "review", "calendar-check"),
]


def track_buttons(plan, user):
    """ "Track progress" and "Record a review" for those who may do each on ``plan``'s agreed version."""
    if plan is None:
        return []
    return [
        Button(
            label,
            url=reverse(f"wagtailsnippets_workflows_actionplan:{view}", args=[plan.pk]),
            icon_name=icon,
            priority=4 + position,
        )
        for position, (allowed, label, view, icon) in enumerate(YEAR_BUTTONS)
        if allowed(plan, user)
    ]


class PlanSubmitGuardMixin:
    """Refuse to send a plan towards a school that has nobody to approve it.

    Checked before anything is saved, so the form re-renders with what the user
    typed and the reason next to the school. Submitting starts the workflow; the
    specialist's sign-off (from the editor) would send the plan to the school.
    ``SpecialistSignOffTask.on_action`` refuses the sign-off too, for callers
    that do not come through this form.
    """

    def sends_towards_school(self) -> bool:
        if self.action == "submit":
            return True
        if self.action != "workflow-action" or getattr(self, "workflow_action", None) != "approve":
            return False
        task = self.object.current_workflow_task if self.object else None
        return task is not None and isinstance(task.specific, SpecialistSignOffTask)

    def form_valid(self, form):
        if self.sends_towards_school() and (message := no_leader_message(form.instance)):
            form.add_error("school", message)
            self.produced_error_message = message
            return self.form_invalid(form)
        return super().form_valid(form)


class PlanSidePanelMixin:
    """Show the plan's own Status side panel in place of Wagtail's (``PlanStatusSidePanel``).

    The panel is built by Wagtail with all its arguments; only its class changes,
    as the subclass adds wording and no state of its own.
    """

    def get_side_panels(self):
        side_panels = super().get_side_panels()
        for panel in side_panels:
            if type(panel) is SnippetStatusSidePanel:
                panel.__class__ = PlanStatusSidePanel
        return side_panels


class PlanCreateView(PlanSidePanelMixin, PlanSubmitGuardMixin, snippet_views.CreateView):
    """A new plan is written first and saved once: no autosave in the background.

    Wagtail's autosave posts the form every few seconds; a plan half-typed fails
    validation (no school yet, no priority), so each of those posts was a failed
    request and an error flash while the specialist was still writing.
    """

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.autosave_enabled = False

    def get_initial_form_instance(self):
        """A plan started from a visit (``?visit=``): school, place, year, specialist and title filled in.

        The visit must be one the user may see: any other id is a 404, like a
        visit that does not exist, so the form tells nobody what it holds.
        """
        instance = super().get_initial_form_instance() or self.model()
        visit_id = self.request.GET.get("visit")
        if visit_id is None:
            return instance
        visit = starting.visible_visit(self.request.user, visit_id)
        if visit is None:
            raise Http404("No such visit.")
        starting.fill_from_visit(instance, visit)
        if existing := starting.existing_plan_for(instance, self.request.user):
            messages.info(
                self.request,
                f"{visit.school.name} already has a plan for {instance.academic_year}: "
                f"“{existing.title}”. Start another only if the school needs two.",
            )
        return instance


class PlanEditView(
    PlanSidePanelMixin, StaleRevisionMixin, PlanSubmitGuardMixin, snippet_views.EditView
):
    """The edit view, with a print button and "re-approval after edit".

    ``StaleRevisionMixin`` refuses a save (or an approval from the editor) of a
    form loaded from a revision that is no longer the latest.
    """

    def get_available_actions(self):
        """Cancelling the workflow is for the plan's specialist or a hub lead only.

        Wagtail offers it to anyone who may approve the current task (so to the
        school's leaders); their cancelling would leave an edit unapproved.
        """
        actions = super().get_available_actions()
        if self.object is not None and not user_can_cancel(self.object, self.request.user):
            actions = [a for a in actions if a not in ("cancel-workflow", "restart-workflow")]
        return actions

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        buttons.append(
            Button(
                "Print for governors",
                url=self.print_url,
                icon_name="doc-full",
                priority=5,
            )
        )
        buttons.extend(track_buttons(self.object, self.request.user))
        return buttons

    @property
    def print_url(self):
        return reverse("wagtailsnippets_workflows_actionplan:print", args=[self.object.pk])

    def workflow_action_action(self):
        """Approve or request changes, unless this very edit changed what was approved.

        An approver who edits and approves in one go would publish content the other
        side never saw; their edit sends the plan back to the first sign-off instead.
        """
        if self.form.has_changed() and views.has_stale_approvals(self.object):
            return None
        return super().workflow_action_action()

    def run_after_hook(self):
        """Send the plan back for both approvals when an edit changed what was approved.

        An agreed plan, once edited, starts the workflow again (the agreed version
        stays live meanwhile); a plan in approval whose earlier approvals named a
        revision that is no longer the latest restarts at the specialist's sign-off.
        Saving without changes (as Wagtail does when approving from the editor)
        changes nothing.
        """
        if self.form.has_changed():
            views.restart_approval_after_edit(self.object, self.request.user)
        return super().run_after_hook()


class PlanInspectView(reading.PlanReadView):
    """The plan as a page to read (``reading.PlanReadView``), with print and tracking."""

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        buttons.append(
            Button(
                "Print for governors",
                url=reverse("wagtailsnippets_workflows_actionplan:print", args=[self.object.pk]),
                icon_name="doc-full",
                priority=5,
            )
        )
        buttons.extend(track_buttons(self.object, self.request.user))
        return buttons


class ActionPlanViewSet(ScopedSnippetViewSet):
    model = ActionPlan
    icon = "tasks"
    menu_label = "Action plans"
    menu_name = "action_plans"
    add_to_admin_menu = False  # listed in the "Professional development" menu instead
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "title",
        "school",
        Column("work_group", label="Work Group", accessor="enrolment.work_group.code"),
        "academic_year",
        Column("state", label="Status", accessor="status_label"),
        UpdatedAtColumn(),
    ]
    list_per_page = 50
    filterset_class = ActionPlanFilterSet
    # Searched in the database (``icontains``), inside the scoped queryset; plans
    # are not put in the site-wide search index at all.
    search_fields = ["title", "summary", "school__name"]
    search_backend_name = None
    index_view_class = PlanIndexView
    add_view_class = PlanCreateView
    edit_view_class = PlanEditView
    inspect_view_class = PlanInspectView
    inspect_template_name = "workflows/plans/inspect.html"
    # History and approval history in the programme's words (``reading``).
    history_view_class = reading.PlanHistoryView
    workflow_history_view_class = reading.PlanWorkflowHistoryView
    workflow_history_detail_view_class = reading.PlanWorkflowHistoryDetailView
    workflow_action_view_class = reading.PlanWorkflowActionView
    # The outer URL of the print view sits beside Wagtail's ones.
    print_view_class = views.PrintView
    export_view_class = views.ActionsCSVView
    review_view_class = views.ReviewView
    track_view_class = tracking.TrackView
    carry_over_view_class = views.CarryOverView

    def get_queryset(self, request):
        return ActionPlan.objects.select_related(
            "school", "enrolment__work_group", "latest_revision"
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "print/<str:pk>/",
                self.construct_view(self.print_view_class, model=ActionPlan),
                name="print",
            ),
            path(
                "export/actions.csv",
                self.construct_view(self.export_view_class, model=ActionPlan),
                name="export_actions",
            ),
            path(
                "group/<int:group_id>/",
                self.construct_view(views.WorkGroupPlansView, model=ActionPlan),
                name="work_group",
            ),
            path(
                "review/<str:pk>/",
                self.construct_view(self.review_view_class, model=ActionPlan),
                name="review",
            ),
            path(
                "track/<str:pk>/",
                self.construct_view(self.track_view_class, model=ActionPlan),
                name="track",
            ),
            path(
                "carry-over/<str:pk>/",
                self.construct_view(self.carry_over_view_class, model=ActionPlan),
                name="carry_over",
            ),
        ]


class FocusAreaViewSet(ScopedSnippetViewSet):
    """The editable vocabularies priorities are tied to; hub leads keep them."""

    model = FocusArea
    icon = "tag"
    menu_label = "Focus areas"
    menu_name = "focus_areas"
    add_to_admin_menu = False
    list_display = ["name", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    search_backend_name = None
