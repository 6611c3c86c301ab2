"""Dashboard panels: what each role sees, at a fixed query cost at 5 and 500 plans."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from tests.dbutils import refresh_planner_statistics
from tests.workflows import hubdata
from workflows.models import Action, ActionPlan, Enrolment
from workflows.plans.models import ActionStatus, PlanState
from workflows.plans.panels import (
    GROUP_ROWS,
    OverdueActionsPanel,
    PlansAwaitingPanel,
    PlansOverviewPanel,
    overview,
)


def user(username):
    """A fresh user object, as each request has (no cached scope or groups)."""
    return get_user_model().objects.get(username=username)


def add_plans(count):
    """Bulk-create ``count`` plans per demo group, in every state, with overdue actions."""
    states = [
        PlanState.AWAITING_SPECIALIST,
        PlanState.AWAITING_SCHOOL,
        PlanState.AGREED,
        PlanState.IN_PROGRESS,
        PlanState.DRAFT,
    ]
    plans = []
    for urn in (990101, 990201):
        enrolment = Enrolment.objects.select_related("work_group", "school").get(school__urn=urn)
        for index in range(count):
            plans.append(
                ActionPlan(
                    school=enrolment.school,
                    enrolment=enrolment,
                    specialist=enrolment.work_group.lead_specialist,
                    academic_year="2026/27",
                    title=f"Bulk plan {urn} {index}",
                    state=states[index % len(states)],
                    live=states[index % len(states)] in (PlanState.AGREED, PlanState.IN_PROGRESS),
                )
            )
    ActionPlan.objects.bulk_create(plans)
    yesterday = timezone.localdate() - timedelta(days=1)
    Action.objects.bulk_create(
        Action(
            plan=plan,
            what=f"Overdue action of {plan.title}",
            owner_name="Maths lead",
            due_on=yesterday,
            status=ActionStatus.AT_RISK,
        )
        for plan in ActionPlan.objects.filter(title__startswith="Bulk plan")
    )
    refresh_planner_statistics()


def render(panel):
    return panel.render_html({})


# Queries per panel, whatever the number of plans (after the user's groups are known).
PANEL_QUERIES = {
    "head": {"awaiting": 1, "overdue": 1},
    "specialist": {"awaiting": 1, "overdue": 1, "overview": 2},
    "hublead": {"awaiting": 1, "overdue": 1, "overview": 2},
}


@pytest.mark.parametrize("count", [5, 500])
@pytest.mark.parametrize("username", ["head", "specialist", "hublead"])
def test_panels_cost_a_fixed_number_of_queries(demo, django_assert_num_queries, count, username):
    add_plans(count)
    person = user(username)
    expected = PANEL_QUERIES[username]
    panels = {
        "awaiting": PlansAwaitingPanel(person),
        "overdue": OverdueActionsPanel(person),
        "overview": PlansOverviewPanel(person),
    }
    render(panels["awaiting"])  # the first panel learns the user's roles (one query)
    for name, queries in expected.items():
        with django_assert_num_queries(queries):
            html = render(panels[name])
        assert html


def test_whole_dashboard_costs_the_same_at_5_and_500_plans(client, demo):
    client.force_login(user("specialist"))
    add_plans(5)
    client.get(reverse("wagtailadmin_home"))  # warm caches Wagtail fills on first use
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("wagtailadmin_home"))
    add_plans(495)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_each_role_sees_what_waits_on_them(client, demo):
    client.force_login(user("head"))
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Plans awaiting your approval (1)" in page
    assert "Brookfield Primary School: 2026/27 plan" in page
    assert "Riverside" not in page
    # Wagtail's per-item moderation panel is replaced for PD users.
    assert "Awaiting your review" not in page

    # A specialist's sign-offs are in their to-do (tests/workflows/test_plan_todo.py),
    # which takes the place of the "awaiting" and "overdue" panels for them.
    client.force_login(user("specialist"))
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "My to-do" in page and "Awaiting your sign-off (1)" in page
    assert "St Mary&#x27;s Church of England Primary School" in page
    assert "Plans awaiting your approval" not in page and "Actions overdue (0)" in page
    assert "Action plans at a glance" in page and "<svg" in page

    client.force_login(user("head2"))
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Plans awaiting your approval (0)" in page
    assert "Action plans at a glance" not in page

    client.force_login(user("editor"))
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Plans awaiting" not in page


def test_overdue_panel_lists_only_visible_overdue_actions(demo):
    plan = ActionPlan.objects.get(school__urn=990201)
    last = plan.actions.order_by("sort_order").last()
    Action.objects.filter(pk=last.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    html = render(OverdueActionsPanel(user("head2")))
    assert "Actions overdue (1)" in html
    assert "Actions overdue (0)" in render(OverdueActionsPanel(user("head")))
    assert "Actions overdue (1)" in render(OverdueActionsPanel(user("specialist2")))


def test_overview_figures_match_the_table_and_scope(demo):
    figures = overview(user("specialist"))
    rows = {row["label"]: row for row in figures["states"]["rows"]}
    assert set(rows) == {"DEV-26-LDS"}  # only the specialist's own group
    assert rows["DEV-26-LDS"]["total"] == 4  # four Leeds plans in the demo
    everything = overview(user("hublead"))
    assert {row["label"] for row in everything["states"]["rows"]} == {"DEV-26-LDS", "EMB-26-BFD"}
    actions = {row["label"]: row for row in everything["actions"]["rows"]}
    # Riverside's agreed plan: one action done, one on track, one off track at review.
    labels = [series["label"] for series in everything["actions"]["series"]]
    cells = dict(zip(labels, actions["EMB-26-BFD 2026/27"]["cells"], strict=True))
    assert cells["Done"] == 1 and cells["On track"] == 1 and cells["Off track"] == 1
    html = render(PlansOverviewPanel(user("hublead")))
    assert "<table" in html and "<svg" in html and "cdn" not in html.lower()


def add_groups(count):
    """``count`` more 2027/28 groups led by ``specialist2``, each with one agreed plan."""
    for index in range(count):
        group = hubdata.group(
            f"DEV-27-{index:02}", year="2027/28", lead_specialist=user("specialist2")
        )
        enrolment = Enrolment(school=hubdata.school(f"School {index}"), work_group=group)
        enrolment.save_checked()
        plan = ActionPlan.objects.create(
            school=enrolment.school,
            enrolment=enrolment,
            specialist=group.lead_specialist,
            academic_year="2027/28",
            title=f"Plan {index}",
            state=PlanState.AGREED,
            live=True,
        )
        Action.objects.create(
            plan=plan,
            what="Teach fluency daily",
            due_on=timezone.localdate() + timedelta(days=30),
            status=ActionStatus.ON_TRACK,
        )


def test_past_a_dozen_groups_the_overview_shows_one_bar_per_stage_and_year(
    demo, django_assert_num_queries
):
    add_groups(GROUP_ROWS)  # the specialist2 and hub lead now see more than GROUP_ROWS
    per_group = overview(user("specialist"))  # one group still: a bar for it
    assert per_group["by"] == "group"
    assert [row["label"] for row in per_group["states"]["rows"]] == ["DEV-26-LDS"]

    hub_lead = user("hublead")
    overview(hub_lead)  # the first call learns the user's roles
    with django_assert_num_queries(2):
        figures = overview(hub_lead)
    assert figures["by"] == "stage" and figures["group_count"] == GROUP_ROWS + 2
    assert figures["groups"] == []  # no list of every group's link
    states = {row["label"]: row for row in figures["states"]["rows"]}
    # In the stages' order, each stage split by year.
    assert list(states) == [
        "Development Work Groups 2026/27",
        "Development Work Groups 2027/28",
        "Embedding 2026/27",
    ]
    # A stage's bar adds up its groups' bars.
    assert (
        states["Development Work Groups 2026/27"]["total"]
        == per_group["states"]["rows"][0]["total"]
    )
    labels = [series["label"] for series in figures["states"]["series"]]
    new_year = dict(zip(labels, states["Development Work Groups 2027/28"]["cells"], strict=True))
    assert new_year["Agreed"] == GROUP_ROWS and sum(new_year.values()) == GROUP_ROWS
    actions = {row["label"]: row for row in figures["actions"]["rows"]}
    labels = [series["label"] for series in figures["actions"]["series"]]
    cells = dict(zip(labels, actions["Development Work Groups 2027/28"]["cells"], strict=True))
    assert cells["On track"] == GROUP_ROWS and sum(cells.values()) == GROUP_ROWS

    html = render(PlansOverviewPanel(hub_lead))
    assert "per stage and year" in html and "Plans side by side" not in html
    assert f'href="{reverse("pd_workgroups:index")}"' in html


def test_a_work_group_and_the_groups_listing_link_to_its_plans_side_by_side(client, demo):
    group = ActionPlan.objects.get(school__urn=990101).enrolment.work_group
    url = reverse("wagtailsnippets_workflows_actionplan:work_group", args=[group.pk])
    for username in ("specialist", "hublead"):
        client.force_login(user(username))
        for page_url in (
            reverse("pd_workgroups:inspect", args=[group.pk]),
            reverse("pd_workgroups:index"),
        ):
            assert f'href="{url}"' in client.get(page_url).content.decode()
        assert client.get(url).status_code == 200
    # Another specialist's group is not there for them, link and all.
    client.force_login(user("specialist2"))
    assert client.get(reverse("pd_workgroups:inspect", args=[group.pk])).status_code == 404
