"""A Mastery Specialist's to-do (#14, part 8), and "Record a review" from it (part 7).

One panel on the specialist's dashboard: changes requested, plans awaiting their
sign-off, schools of their groups with no plan yet, termly reviews due, overdue
actions, their next meetings and visits. Each section lists the specialist's own
items and never another specialist's, says so when empty, and the whole panel
costs the same number of queries at 50 plans as at 5,000.

The day is fixed (``DAY``, in the demo's academic year and in the spring term's
review window), so what is due does not depend on when the suite runs; the
dashboard's requests read the same day from the clock the panel uses.
"""

from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest
from bs4 import BeautifulSoup

from tests.dbutils import kept_for_module, refresh_planner_statistics
from workflows.accounts import roles
from workflows.demo.plans import drive
from workflows.meetings.viewsets import start_plan_url
from workflows.models import (
    Action,
    ActionPlan,
    Enrolment,
    Meeting,
    School,
    Visit,
    WorkGroup,
)
from workflows.plans import panels
from workflows.plans.models import ActionStatus, PlanState
from workflows.plans.panels import TODO_LIMIT, SpecialistTodoPanel
from workflows.plans.reminders import REMINDER_DAYS_BEFORE, term_on

NS = "wagtailsnippets_workflows_actionplan"
DAY = date(2027, 3, 1)  # spring term 2026/27: its review falls due by 26 February
HOME = "/admin/"


def user(username):
    """A fresh user object, as each request has (no cached scope, groups or permissions)."""
    return get_user_model().objects.get(username=username)


def plan_of(urn):
    return ActionPlan.objects.get(school__urn=urn)


def at(day, hour=13):
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=hour)


def test_the_fixed_day_is_in_a_review_window():
    term = term_on(DAY)
    assert term.name == "spring"
    assert term.review_due_on - timedelta(days=REMINDER_DAYS_BEFORE) <= DAY < term.ends_before


@pytest.fixture
def year(demo):
    """Each specialist's side of the demo on ``DAY``, with one item of each kind to do.

    * ``specialist`` (Leeds): Meadowbank sent back with changes requested, St Mary's
      awaiting sign-off, Kirkstall Valley and Oakwood with no plan, Brookfield agreed
      by its head (through the real workflow) after an autumn visit, so its spring
      review is due and one action is overdue; a meeting and a visit ahead.
    * ``specialist2`` (Bradford): the same kinds of item, none of which
      ``specialist`` may see: Thornbury sent back, St Joseph's awaiting sign-off,
      Heaton Park and Wrose Hill with no plan, Riverside's review due and an
      action overdue, a meeting and a visit ahead.
    """
    specialist, specialist2 = user("specialist"), user("specialist2")
    brookfield = plan_of(990101)  # awaiting the head's approval in the demo
    task_state = brookfield.current_workflow_task_state
    task_state.task.specific.on_action(task_state, user("head"), "approve")
    brookfield.refresh_from_db()
    assert brookfield.in_force and brookfield.state == PlanState.AGREED
    thornbury = plan_of(990203)  # a draft in the demo
    drive(thornbury, "changes_requested", specialist=specialist2, leader=None, hub_lead=None)

    for urn in (990101, 990201):
        plan = plan_of(urn)
        plan.reviews.all().delete()
        Visit.objects.filter(pk=plan.visit_id).update(visited_on=date(2026, 11, 2))
        first, *rest = plan.actions.order_by("sort_order")
        Action.objects.filter(pk=first.pk).update(
            due_on=DAY - timedelta(days=3), status=ActionStatus.ON_TRACK
        )
        Action.objects.filter(pk__in=[a.pk for a in rest]).update(due_on=DAY + timedelta(days=30))

    leeds = WorkGroup.objects.get(code="DEV-26-LDS")
    bradford = WorkGroup.objects.get(code="EMB-26-BFD")
    Meeting.objects.filter(work_group__in=[leeds, bradford]).delete()  # the demo's, by load day
    Meeting.objects.create(
        work_group=leeds,
        starts_at=at(DAY + timedelta(days=2)),
        kind=Meeting.Kind.OBSERVE,
        host_school=School.objects.get(urn=990103),
    )
    Meeting.objects.create(
        work_group=leeds, starts_at=at(DAY - timedelta(days=1)), kind=Meeting.Kind.PLAN
    )  # yesterday's: not "next"
    Meeting.objects.create(
        work_group=bradford,
        starts_at=at(DAY + timedelta(days=1)),
        kind=Meeting.Kind.DISCUSS,
        host_school=School.objects.get(urn=990202),
    )
    Visit.objects.create(
        school=School.objects.get(urn=990105),
        work_group=leeds,
        specialist=specialist,
        visited_on=DAY + timedelta(days=3),
        purpose="Spring support visit to Kirkstall",
    )
    Visit.objects.create(
        school=School.objects.get(urn=990204),
        work_group=bradford,
        specialist=specialist2,
        visited_on=DAY + timedelta(days=1),
        purpose="Spring support visit to Heaton Park",
    )


def context(username):
    return SpecialistTodoPanel(user(username), today=DAY).get_context_data()


def names(items, attribute="school"):
    return [getattr(item, attribute).name for item in items]


def test_each_section_lists_the_specialists_own_items(year):
    todo = context("specialist")

    changes = todo["changes_requested"]
    assert names(changes["items"]) == ["Meadowbank Infant School"] and changes["total"] == 1
    (plan,) = changes["items"]
    assert plan.change_comment == "Please add success criteria the governors can check."
    assert plan.url == reverse(f"{NS}:edit", args=[plan.pk])

    awaiting = todo["awaiting"]
    assert names(awaiting["items"]) == ["St Mary's Church of England Primary School"]
    assert awaiting["total"] == 1
    assert awaiting["items"][0].url == reverse(f"{NS}:edit", args=[plan_of(990102).pk])

    without = todo["without_plan"]
    assert todo["year"] == "2026/27"
    assert names(without["items"]) == ["Kirkstall Valley Primary", "Oakwood Junior School"]
    assert without["total"] == 2
    # Kirkstall has a visit (the one ahead), so its plan can start from it.
    kirkstall, oakwood = without["items"]
    visit = Visit.objects.get(school__urn=990105)
    assert kirkstall.start_url == reverse(f"{NS}:add") + f"?visit={visit.pk}"
    assert not hasattr(oakwood, "start_url")

    reviews = todo["reviews"]
    brookfield = plan_of(990101)
    assert [plan.pk for plan in reviews["items"]] == [brookfield.pk]
    assert todo["term"].name == "spring"
    assert reviews["items"][0].review_url == reverse(f"{NS}:review", args=[brookfield.pk])

    overdue = todo["overdue"]
    assert overdue["total"] == 1
    (action,) = overdue["items"]
    assert action.plan_id == brookfield.pk
    assert action.plan_url == reverse(f"{NS}:inspect", args=[brookfield.pk])
    assert action.track_url == reverse(f"{NS}:track", args=[brookfield.pk])

    coming = todo["coming_up"]
    assert [item["what"] for item in coming["items"]] == [
        "DEV-26-LDS meeting: Observe (research lesson)",
        "Visit: Spring support visit to Kirkstall",
    ]
    assert coming["total"] == 2
    assert coming["items"][0]["where"] == "Hollins Lane Academy"


def test_another_specialists_items_are_never_listed(year):
    """Every section of ``specialist2`` holds exactly Bradford's items, and the reverse."""
    mine, theirs = context("specialist"), context("specialist2")
    assert names(theirs["changes_requested"]["items"]) == ["Thornbury Primary Academy"]
    assert names(theirs["awaiting"]["items"]) == ["St Joseph's Catholic Primary School"]
    assert names(theirs["without_plan"]["items"]) == [
        "Heaton Park Primary",
        "Wrose Hill Primary School",
    ]
    assert names(theirs["reviews"]["items"]) == ["Riverside Primary School"]
    assert [a.plan.school.name for a in theirs["overdue"]["items"]] == ["Riverside Primary School"]
    # The same day: the visit (a day, no time) before the meeting at 13:00.
    assert [item["where"] for item in theirs["coming_up"]["items"]] == [
        "Heaton Park Primary",
        "St Joseph's Catholic Primary School",
    ]
    html = SpecialistTodoPanel(user("specialist"), today=DAY).render_html({})
    for school in ("Thornbury", "St Joseph", "Heaton Park", "Wrose Hill", "Riverside"):
        assert school not in html
    # And each of theirs has its counterpart of mine, so the absences above mean something.
    totals = {key: mine[key]["total"] for key in theirs if isinstance(theirs[key], dict)}
    assert totals == {
        "changes_requested": 1,
        "awaiting": 1,
        "without_plan": 2,
        "reviews": 1,
        "overdue": 1,
        "coming_up": 2,
    }


def test_a_review_due_on_a_plan_of_my_group_that_another_specialist_signs_links_to_the_plan(
    year,
):
    """Only the plan's own specialist records its review (``can_review``): no link for others."""
    brookfield = plan_of(990101)
    ActionPlan.objects.filter(pk=brookfield.pk).update(specialist=user("specialist2"))
    (plan,) = context("specialist")["reviews"]["items"]
    assert plan.pk == brookfield.pk and not hasattr(plan, "review_url")
    assert plan.url == reverse(f"{NS}:inspect", args=[brookfield.pk])


def test_the_dashboard_shows_the_to_do_and_the_review_link_opens_the_review(
    client, year, monkeypatch
):
    monkeypatch.setattr(panels.timezone, "localdate", lambda *args, **kwargs: DAY)
    client.force_login(user("specialist"))
    page = client.get(HOME).content.decode()
    soup = BeautifulSoup(page, "html.parser")
    todo = soup.find("section", attrs={"aria-labelledby": "todo-heading"})
    assert todo is not None
    text = " ".join(todo.get_text(" ").split())
    assert "Changes requested, waiting on you (1)" in text
    assert "Please add success criteria the governors can check." in text
    assert "Awaiting your sign-off (1)" in text
    assert "Schools with no plan yet for 2026/27 (2)" in text
    assert "Termly reviews due (1)" in text
    assert "The spring term review falls due by 26 February 2027." in text
    assert "Actions overdue (1)" in text
    assert "Your next meetings and visits (2)" in text
    for school in ("Thornbury", "St Joseph", "Heaton Park", "Wrose Hill", "Riverside"):
        assert school not in page
    # The to-do replaces the separate "awaiting" and "overdue" panels for a specialist.
    assert "Plans awaiting your approval" not in page
    assert "Action plans at a glance" in page

    # The new plan form, filled in from the visit (tests/workflows/test_plan_setup.py).
    start = todo.find("a", string="Start a plan from the visit")
    assert start["href"] == start_plan_url(Visit.objects.get(school__urn=990105))
    assert client.get(start["href"]).status_code == 200

    link = todo.find("a", string="Record a review")
    brookfield = plan_of(990101)
    assert link["href"] == reverse(f"{NS}:review", args=[brookfield.pk])
    form = client.get(link["href"])
    assert form.status_code == 200
    assert 'name="reviewed_on"' in form.content.decode()


def test_empty_sections_say_so(client, demo):
    """A specialist with nothing to do is told so, section by section."""
    for plan in ActionPlan.objects.filter(enrolment__work_group__code="DEV-26-LDS"):
        ActionPlan.objects.filter(pk=plan.pk).update(state=PlanState.DRAFT, live=False)
    Meeting.objects.filter(work_group__code="DEV-26-LDS").delete()
    for urn in (990105, 990106):
        Enrolment.objects.filter(school__urn=urn).update(left_on=date(2026, 10, 1))
    html = SpecialistTodoPanel(user("specialist"), today=DAY).render_html({})
    text = " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())
    for sentence in (
        "Changes requested, waiting on you (0) No plan of yours has changes requested.",
        "Awaiting your sign-off (0) No plan is waiting for your sign-off.",
        "Schools with no plan yet for 2026/27 (0) Every school in your groups has a plan",
        "Termly reviews due (0) No termly review is due.",
        "Actions overdue (0) No action is overdue.",
        "Your next meetings and visits (0) No meeting or visit is coming up.",
    ):
        assert sentence in text


def test_other_roles_keep_their_panels(client, demo):
    client.force_login(user("hublead"))
    page = client.get(HOME).content.decode()
    assert "Plans awaiting approval" in page and "Actions overdue" in page
    assert "My to-do" not in page
    client.force_login(user("head"))
    page = client.get(HOME).content.decode()
    assert "Plans awaiting your approval (1)" in page and "My to-do" not in page


def test_a_specialist_who_also_leads_a_school_sees_its_approvals_in_the_to_do(year):
    """The to-do replaces the "awaiting" panel, so a leader's approvals must not go missing."""
    specialist = user("specialist")
    specialist.groups.add(Group.objects.get(name=roles.SCHOOL_LEADERS))
    school = School.objects.get(urn=990102)
    school.leaders.add(specialist)
    st_marys = plan_of(990102)
    task_state = st_marys.current_workflow_task_state
    task_state.task.specific.on_action(task_state, specialist, "approve")  # now the school's turn
    todo = context("specialist")
    assert todo["awaiting_heading"] == "Awaiting your sign-off or approval"
    (plan,) = todo["awaiting"]["items"]
    assert plan.pk == st_marys.pk
    assert plan.url == reverse(f"{NS}:inspect", args=[st_marys.pk])


# The queries of the to-do panel, rendered for a user whose groups and permissions
# are known: one a section, meetings and visits one each.
TODO_QUERIES = 7


STATES = [
    PlanState.DRAFT,
    PlanState.AWAITING_SPECIALIST,
    PlanState.AWAITING_SCHOOL,
    PlanState.CHANGES_REQUESTED,
    PlanState.AGREED,
    PlanState.IN_PROGRESS,
]


def grow(plans, today):
    """The demo grown to ``plans`` plans, with the to-do's other rows in proportion, in bulk.

    Plans in every state on the demo's places in both specialists' groups, the
    agreed ones first agreed in the autumn (so their spring review is due) with an
    overdue action each; and for one plan in ten, a school with a place but no
    plan, a meeting ahead and a visit ahead. So every section has many rows at
    5,000 and few at 50, and a query a row would show as a different count.
    ``bulk_create`` rather than ``scale_to``: the panel reads rows, not workflow
    history, and this keeps the test to seconds.
    """
    enrolments = list(
        Enrolment.objects.filter(work_group__code__in=["DEV-26-LDS", "EMB-26-BFD"])
        .select_related("work_group")
        .order_by("pk")
    )
    autumn = at(date(2026, 11, 2))
    new = []
    for index in range(plans - ActionPlan.objects.count()):
        enrolment = enrolments[index % len(enrolments)]
        state = STATES[index % len(STATES)]
        live = state in (PlanState.AGREED, PlanState.IN_PROGRESS)
        new.append(
            ActionPlan(
                school_id=enrolment.school_id,
                enrolment=enrolment,
                specialist_id=enrolment.work_group.lead_specialist_id,
                academic_year="2026/27",
                title=f"Bulk plan {index}",
                state=state,
                live=live,
                first_published_at=autumn if live else None,
            )
        )
    ActionPlan.objects.bulk_create(new)
    Action.objects.bulk_create(
        Action(
            plan=plan, what="Bulk action", owner_name="Maths lead", due_on=today - timedelta(days=1)
        )
        for plan in ActionPlan.objects.filter(title__startswith="Bulk plan", live=True)
    )
    extra = plans // 10
    groups = list(WorkGroup.objects.filter(code__in=["DEV-26-LDS", "EMB-26-BFD"]))
    schools = School.objects.bulk_create(
        School(urn=980000 + index, name=f"Unplanned School {index:05}", status="Open")
        for index in range(extra)
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            school=school,
            work_group=groups[index % len(groups)],
            stage_id=groups[index % len(groups)].stage_id,
            academic_year="2026/27",
        )
        for index, school in enumerate(schools)
    )
    Meeting.objects.bulk_create(
        Meeting(
            work_group=groups[index % len(groups)], starts_at=at(today + timedelta(days=index % 30))
        )
        for index in range(extra)
    )
    Visit.objects.bulk_create(
        Visit(
            school=school,
            work_group=groups[index % len(groups)],
            specialist_id=groups[index % len(groups)].lead_specialist_id,
            visited_on=today + timedelta(days=index % 30),
            purpose="Next support visit",
        )
        for index, school in enumerate(schools)
    )
    refresh_planner_statistics()


@pytest.fixture(scope="class", params=[50, 5000], ids=lambda n: f"{n}-plans")
def scaled(request, demo_snapshot, django_db_blocker):
    """The demo grown once per size for the class, undone when the class is done."""
    with kept_for_module(django_db_blocker):
        with django_db_blocker.unblock():
            grow(request.param, DAY)
        yield request.param


# The whole dashboard of a specialist: the session and user, Wagtail's own panels
# and menus, the to-do and the overview; measured, and the same at both sizes.
DASHBOARD_QUERIES = 21


class TestFixedCost:
    """The to-do costs the same at 50 plans as at 5,000: no query a row."""

    def test_the_panel(self, scaled, demo, django_assert_num_queries):
        specialist = user("specialist")
        panel = SpecialistTodoPanel(specialist, today=DAY)
        panel.render_html({})  # learns the user's roles and permissions
        with django_assert_num_queries(TODO_QUERIES):
            html = panel.render_html({})
        assert "My to-do" in html
        todo = panel.get_context_data()
        sections = ("changes_requested", "awaiting", "without_plan", "reviews", "overdue")
        totals = {key: todo[key]["total"] for key in (*sections, "coming_up")}
        assert all(totals.values()), totals  # every section has rows to show
        if scaled == 5000:
            assert all(total > TODO_LIMIT for total in totals.values()), totals

    def test_the_whole_dashboard(self, scaled, demo, client, monkeypatch):
        monkeypatch.setattr(panels.timezone, "localdate", lambda *args, **kwargs: DAY)
        client.force_login(user("specialist"))
        client.get(HOME)  # warm caches Wagtail fills on first use
        with CaptureQueriesContext(connection) as queries:
            response = client.get(HOME)
        assert response.status_code == 200
        assert len(queries.captured_queries) == DASHBOARD_QUERIES
