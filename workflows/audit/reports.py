"""Wagtail's site history and Workflows reports, served scoped.

Wagtail 8.0.1 shows these reports without asking what the viewer may see of the
PD domain:

* the Workflows and Workflow tasks reports list every workflow state of any model
  the user may edit (by content type), so every action plan's;
* site history's "User" filter reads ``PageLogEntry.objects.all()`` (the
  ``get_user_choices`` that gathers every log model's users is never called), so
  it lists page editors to everyone and never the people whose entries live in
  our own log models; a user chosen by hand is then "not one of the available
  choices" and the report drops every filter without a word;
* the Workflows report's "requested by" filter lists everyone who ever started a
  workflow, whatever rows the report shows the viewer;
* their CSV exports write titles as typed, formulas included.

So each report is served by a subclass here (rows narrowed by the one rule of
:mod:`workflows.permissions`, filters listing exactly the users behind rows the
viewer may see, formula-safe CSV), at Wagtail's own addresses through the
``override_admin_urls`` hook (:mod:`cms.admin_urls`): Wagtail's admin URLconf comes
before ``register_admin_urls``, so that is the only way a subclass is reached.
Each people list is one query with subqueries, whatever the number of users.
"""

from functools import reduce
from operator import or_

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.urls import path

from wagtail import hooks
from wagtail.admin.views.reports.audit_logging import (
    LogEntriesView,
    SiteHistoryReportFilterSet,
)
from wagtail.admin.views.reports.workflows import (
    WorkflowReportFilterSet,
    WorkflowTasksView,
    WorkflowView,
)
from wagtail.log_actions import registry as log_action_registry
from wagtail.models import WorkflowMixin

import django_filters

from cms.admin_urls import OVERRIDE_HOOK
from cms.spreadsheets import FormulaSafeExportMixin
from workflows.permissions import is_hub_lead, is_scoped_model, visible


def _ordered_users(q):
    User = get_user_model()
    return User.objects.filter(q).order_by(User.USERNAME_FIELD)


def users_with_visible_log_entries(user):
    """Return the users who made at least one log entry ``user`` may see.

    Every registered log model is asked its ``viewable_by_user``, as the report
    itself does for its rows, and the answers are joined as subqueries: one
    query, however many users or entries there are.
    """
    subqueries = [
        Q(pk__in=log_model.objects.viewable_by_user(user).order_by().values("user_id"))
        for log_model in log_action_registry.get_log_entry_models()
    ]
    if not subqueries:
        return get_user_model().objects.none()
    return _ordered_users(reduce(or_, subqueries))


def workflow_requesters_visible_to(request):
    """Return the users who started a workflow the Workflows report shows ``request.user``.

    The report's own queryset is the rule (pages and snippets the user may edit,
    less the action plans outside their scope), so the filter can never name
    someone whose row the report hides.
    """
    if request is None or not request.user.is_authenticated:
        return get_user_model().objects.none()
    report = ScopedWorkflowView()
    report.setup(request)
    states = report.get_queryset().order_by().values("requested_by_id")
    return _ordered_users(Q(pk__in=states))


class ScopedSiteHistoryFilterSet(SiteHistoryReportFilterSet):
    """Site history filters whose "User" choices are the authors of visible entries."""

    def get_users_queryset(self):
        return users_with_visible_log_entries(self.request.user)

    def get_user_choices(self):
        return self.get_users_queryset()


class ScopedWorkflowReportFilterSet(WorkflowReportFilterSet):
    """Workflows report filters whose "requested by" choices are the visible rows' requesters."""

    requested_by = django_filters.ModelChoiceFilter(
        field_name="requested_by", queryset=workflow_requesters_visible_to
    )


class ScopedSiteHistoryView(FormulaSafeExportMixin, LogEntriesView):
    """Site history: rows from each log model's ``viewable_by_user`` (ours scoped)."""

    filterset_class = ScopedSiteHistoryFilterSet


def hidden_workflow_objects_q(user, prefix=""):
    """Exclude workflow states of PD records (action plans) ``user`` may not see."""
    q = Q(pk__in=[])
    for model in workflow_models():
        ids = visible(user, model.objects.all()).annotate(
            pk_str=Cast("pk", output_field=CharField())
        )
        q |= Q(**{f"{prefix}base_content_type": ContentType.objects.get_for_model(model)}) & ~Q(
            **{f"{prefix}object_id__in": ids.values("pk_str")}
        )
    return q


def workflow_models():
    """The PD models moderated by Wagtail Workflows (their states carry our scope)."""
    return [
        model
        for model in apps.get_app_config("workflows").get_models()
        if issubclass(model, WorkflowMixin) and is_scoped_model(model)
    ]


class ScopedWorkflowView(FormulaSafeExportMixin, WorkflowView):
    filterset_class = ScopedWorkflowReportFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if is_hub_lead(self.request.user):
            return queryset
        return queryset.exclude(hidden_workflow_objects_q(self.request.user))


class ScopedWorkflowTasksView(FormulaSafeExportMixin, WorkflowTasksView):
    def get_queryset(self):
        queryset = super().get_queryset()
        if is_hub_lead(self.request.user):
            return queryset
        return queryset.exclude(hidden_workflow_objects_q(self.request.user, "workflow_state__"))


def _report(path_, view_class):
    return [
        path(path_, view_class.as_view()),
        path(f"{path_}results/", view_class.as_view(results_only=True)),
    ]


@hooks.register(OVERRIDE_HOOK)
def scoped_report_urls():
    return [
        *_report("reports/site-history/", ScopedSiteHistoryView),
        *_report("reports/workflow/", ScopedWorkflowView),
        *_report("reports/workflow_tasks/", ScopedWorkflowTasksView),
    ]
