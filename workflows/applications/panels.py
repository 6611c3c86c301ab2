"""The hub lead's "Applications" dashboard panel, at a fixed number of queries.

Three sections, each a count and its first few applications with the school,
the programme and year, and how long ago it happened, each linking to the
application's own page (where the decisions are made):

* **new**: submitted and not yet looked at, newest first (as the queue lists them);
* **waiting for a decision**: under review, waitlisted or its offer lapsed, oldest
  application first;
* **offers not yet answered**: offered a place, the longest-unanswered offer first.

Each section is one query, its total counted on the same rows
(``plans.panels.first_with_total``), so the panel costs three queries at 5 or
500 applications. What it lists goes through ``permissions.visible``, the one
rule of scope, though only hub leads get the panel: deciding on applications is
their job, and a specialist sees an application only once it is offered a place
in one of their groups.
"""

from django.db.models.functions import Coalesce
from django.urls import reverse

from wagtail import hooks
from wagtail.admin.ui.components import Component

from workflows.models import Application
from workflows.permissions import is_hub_lead, visible
from workflows.plans.panels import TODO_LIMIT, first_with_total, section

Status = Application.Status
# A lapsed offer comes back to the hub: it waits for a decision like the others.
WAITING = (Status.UNDER_REVIEW, Status.WAITLISTED, Status.LAPSED)


def _rows(user, statuses, order_by, limit):
    """The first ``limit`` applications in ``statuses`` that ``user`` sees, and their total.

    ``since`` is when the application entered the section: its arrival, or the
    offer (``decided_at``; the last change where an older row has none).
    """
    items, total = first_with_total(
        visible(user, Application.objects.filter(status__in=statuses))
        .select_related("school", "programme", "offered_group")
        .annotate(offered_at=Coalesce("decided_at", "updated_at"))
        .order_by(*order_by),
        limit,
    )
    for application in items:
        application.url = reverse("pd_applications:inspect", args=[application.pk])
        application.display_school = (
            application.school.name if application.school_id else application.school_name
        )
    return items, total


def application_sections(user, limit=TODO_LIMIT) -> dict:
    """The panel's three sections for ``user``: one query each."""
    return {
        "new": section(*_rows(user, [Status.SUBMITTED], ["-created_at", "-pk"], limit)),
        "waiting": section(*_rows(user, WAITING, ["created_at", "pk"], limit)),
        "offers": section(*_rows(user, [Status.OFFERED], ["offered_at", "pk"], limit)),
    }


class ApplicationsPanel(Component):
    name = "pd_applications"
    order = 85
    template_name = "workflows/applications/applications_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        queue = reverse("pd_applications:index")
        return {
            **application_sections(self.user),
            "queue_url": queue,
            "new_url": f"{queue}?status={Status.SUBMITTED}",
            "under_review_url": f"{queue}?status={Status.UNDER_REVIEW}",
            "waitlisted_url": f"{queue}?status={Status.WAITLISTED}",
            "lapsed_url": f"{queue}?status={Status.LAPSED}",
            "offers_url": f"{queue}?status={Status.OFFERED}",
            "placement_url": reverse("pd_applications:placement"),
        }


@hooks.register("construct_homepage_panels")
def application_panels(request, panel_list):
    """Put the applications panel on a hub lead's dashboard (nobody else's)."""
    if is_hub_lead(request.user):
        panel_list.append(ApplicationsPanel(request.user))
