"""``manage.py scale_demo``: the bench's scale-up makes data the site itself could have made.

The admin benchmarks at 5,000 plans only mean something if the plans are real ones:
scoped to their specialist, openable in the editor, and able to go on through the
approval workflow from the state the bulk load left them in.
"""

import io

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from wagtail.models import Revision, TaskState, WorkflowState

import pytest

from workflows.demo.scale import SCALE_URNS
from workflows.models import Action, ActionPlan, School, WorkGroup
from workflows.permissions import visible
from workflows.plans.models import PlanState

NS = "wagtailsnippets_workflows_actionplan"
DEMO_PLANS = 7


def user(username):
    return get_user_model().objects.get(username=username)


def scale(plans):
    out = io.StringIO()
    with override_settings(DEBUG=True):
        call_command("scale_demo", plans=plans, stdout=out)
    return out.getvalue()


def scaled_plans():
    return ActionPlan.objects.filter(
        school__urn__gte=SCALE_URNS.start, school__urn__lt=SCALE_URNS.stop
    )


@pytest.fixture
def scaled(demo):
    scale(30)


def test_it_reaches_the_count_once_and_only_once(demo):
    assert ActionPlan.objects.count() == DEMO_PLANS
    assert "Made 23 action plans" in scale(30)
    assert ActionPlan.objects.count() == 30
    counts = [m.objects.count() for m in (ActionPlan, School, WorkGroup, Revision, WorkflowState)]

    assert "nothing to do" in scale(30)
    assert "nothing to do" in scale(10)
    assert [
        m.objects.count() for m in (ActionPlan, School, WorkGroup, Revision, WorkflowState)
    ] == (counts)

    scale(33)  # grows on from where it stopped, in fresh schools and groups
    assert ActionPlan.objects.count() == 33
    urns = sorted(scaled_plans().values_list("school__urn", flat=True))
    assert urns == list(range(SCALE_URNS.start, SCALE_URNS.start + 26))
    groups = WorkGroup.objects.filter(code__startswith="SCALE-")
    assert all(6 <= g.enrolments.count() <= 7 for g in groups.order_by("code")[:3])
    assert groups.count() == 5  # 23 schools in 7, 6, 7 and 3, then 3 more in a new group


def test_scale_up_schools_are_marked_and_keep_out_of_real_urns(scaled):
    schools = School.objects.filter(action_plans__in=scaled_plans())
    assert schools.count() == 23
    assert all(s.establishment_type == "Scale-up data (not a real school)" for s in schools)
    assert not School.objects.filter(urn__gte=SCALE_URNS.stop, urn__lt=990101).exists()
    # Each has a leader to approve its plan, who cannot sign in with a password.
    for school in schools:
        (leader,) = school.leaders.all()
        assert leader.username == f"head{school.urn}"
        assert not leader.has_usable_password()


def test_each_specialist_sees_only_their_own_groups_plans(scaled):
    seen = {}
    for username in ("specialist", "specialist2"):
        person = user(username)
        mine = set(visible(person, scaled_plans()).values_list("pk", flat=True))
        led = set(
            scaled_plans()
            .filter(enrolment__work_group__lead_specialist=person)
            .values_list("pk", flat=True)
        )
        assert mine == led
        seen[username] = mine
    assert not seen["specialist"] & seen["specialist2"]
    assert seen["specialist"] | seen["specialist2"] == set(
        scaled_plans().values_list("pk", flat=True)
    )
    assert abs(len(seen["specialist"]) - len(seen["specialist2"])) <= 7  # about half each
    assert visible(user("hublead"), ActionPlan.objects.all()).count() == 30
    assert not visible(user("head"), scaled_plans()).exists()  # another school's leader


def test_plans_come_in_every_state_with_the_workflow_rows_behind_them(scaled):
    plans = scaled_plans()
    assert set(plans.values_list("state", flat=True)) == {
        PlanState.DRAFT,
        PlanState.AWAITING_SPECIALIST,
        PlanState.AWAITING_SCHOOL,
        PlanState.CHANGES_REQUESTED,
        PlanState.AGREED,
        PlanState.IN_PROGRESS,
    }
    for plan in plans:
        assert plan.latest_revision is not None
        assert plan.actions.count() == 3 and plan.priorities.count() == 2
        running = plan.current_workflow_state
        if plan.state in (PlanState.AWAITING_SPECIALIST, PlanState.AWAITING_SCHOOL):
            assert running.status == WorkflowState.STATUS_IN_PROGRESS
            assert running.current_task_state.revision_id == plan.latest_revision_id
        else:
            assert running is None
        assert plan.live == (plan.state in (PlanState.AGREED, PlanState.IN_PROGRESS))
        if plan.live:
            assert plan.live_revision_id == plan.latest_revision_id
        assert plan.reviews.exists() == (plan.state == PlanState.IN_PROGRESS)


def test_a_scaled_plan_opens_for_its_specialist_and_no_other(client, scaled):
    specialist = user("specialist")
    client.force_login(specialist)
    for state in (PlanState.DRAFT, PlanState.AWAITING_SPECIALIST, PlanState.IN_PROGRESS):
        plan = scaled_plans().filter(state=state, specialist=specialist).first()
        response = client.get(reverse(f"{NS}:edit", args=[plan.pk]))
        assert response.status_code == 200
        assert response.context["form"].instance.actions.count() == 3
    others = scaled_plans().exclude(enrolment__work_group__lead_specialist=specialist).first()
    assert client.get(reverse(f"{NS}:edit", args=[others.pk])).status_code == 404
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    awaiting = visible(specialist, ActionPlan.objects.filter(state=PlanState.AWAITING_SPECIALIST))
    # The specialist's to-do counts the plans waiting on their sign-off, at this scale too.
    assert f"Awaiting your sign-off ({awaiting.filter(specialist=specialist).count()})" in page


def test_a_scaled_plan_goes_on_through_the_real_workflow(scaled):
    plan = scaled_plans().filter(state=PlanState.AWAITING_SPECIALIST).first()
    task_state = plan.current_workflow_task_state
    task_state.task.specific.on_action(task_state, plan.specialist, "approve")
    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SCHOOL
    leader = plan.school.leaders.get()
    task_state = plan.current_workflow_task_state
    task_state.task.specific.on_action(task_state, leader, "approve")
    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED and plan.live
    approvals = TaskState.objects.filter(workflow_state__object_id=str(plan.pk))
    assert set(approvals.values_list("revision_id", flat=True)) == {plan.latest_revision_id}


def test_overdue_actions_of_agreed_plans_reach_the_dashboard_data(scaled):
    from workflows.plans.panels import overdue_actions

    overdue = overdue_actions(user("hublead"))
    assert overdue.filter(plan__in=scaled_plans()).exists()
    assert not overdue.filter(plan__state=PlanState.DRAFT).exists()
    assert Action.objects.filter(plan__in=scaled_plans()).count() == 23 * 3


def test_it_refuses_without_debug_or_without_the_demo(db):
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("scale_demo", plans=10)
    with override_settings(DEBUG=True), pytest.raises(CommandError, match="load_demo"):
        call_command("scale_demo", plans=10)
    assert not ActionPlan.objects.exists() and not School.objects.exists()
