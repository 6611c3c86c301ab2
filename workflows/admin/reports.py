"""The people filters of Wagtail's site history and Workflows reports, scoped.

Wagtail 8.0.1 names people in two report filters without asking what the viewer
may see:

* site history's "User" filter: ``HistoryFilterSet.get_users_queryset`` reads the
  filterset's default queryset, ``PageLogEntry.objects.all()``, and the
  ``get_user_choices`` that ``SiteHistoryReportFilterSet`` defines to gather
  every log model's users is never called. So it lists page editors to everyone
  and never the people whose entries live in our own log models
  (``ActionPlanLogEntry``, ``HubLogEntry``); a user chosen by hand is then "not
  one of the available choices", the form is invalid and the report drops every
  filter without a word;
* the Workflows report's "requested by" filter lists everyone who ever started a
  workflow, whatever rows the report shows the viewer.

Here each filter lists exactly the users behind rows the viewer may see: the
log entries each log model's ``viewable_by_user`` lets them read (ours are
scoped per record by :mod:`workflows.permissions`), and the workflow states the
Workflows report itself lists them (plans narrowed in ``workflows.plans``).
Each list is one query with subqueries, whatever the number of users.

Both reports are served from Wagtail's own admin URLconf, which is included
ahead of every ``register_admin_urls`` hook, so a subclassed view registered at
the same address would never be reached. The generic listing views' extension
point, ``filterset_class``, is set to these filtersets instead
(:func:`scope_report_filters`).
"""

from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.db.models import Q

from wagtail.admin.views.reports.audit_logging import (
    LogEntriesView,
    SiteHistoryReportFilterSet,
)
from wagtail.admin.views.reports.workflows import WorkflowReportFilterSet, WorkflowView
from wagtail.log_actions import registry as log_action_registry

import django_filters


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
    report = WorkflowView()
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


def scope_report_filters():
    """Serve Wagtail's site history and Workflows reports with the scoped filtersets.

    The views read ``filterset_class`` per request, so setting it once when the
    admin hooks load covers the report pages, their results fragments and exports.
    """
    LogEntriesView.filterset_class = ScopedSiteHistoryFilterSet
    WorkflowView.filterset_class = ScopedWorkflowReportFilterSet
