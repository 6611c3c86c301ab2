"""The approval Workflow of action plans: who may act, the cycle, emails, revisions.

Every Task hook overridden in ``workflows/plans/tasks.py`` is driven here, the way
Wagtail calls it, so a hook Wagtail renamed would fail a test rather than
silently stop checking.
"""

import io

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from wagtail.models import TaskState, WorkflowState

import pytest

from tests.workflows.formdata import post_data
from workflows.demo.plans import build_plan
from workflows.models import ActionPlan, School
from workflows.plans.models import PlanState
from workflows.plans.tasks import (
    RequestChangesForm,
    SchoolLeaderApprovalTask,
    SpecialistSignOffTask,
)

NS = "wagtailsnippets_workflows_actionplan"


def user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def fresh_plan(demo):
    """A new draft plan for Brookfield (head's school, specialist's group)."""
    school = School.objects.get(urn=990101)
    plan = build_plan(school, specialist=user("specialist"), title="Brookfield: fresh plan")
    mail.outbox.clear()
    return plan


def submit(plan, username="specialist"):
    plan.get_workflow().start(plan, user(username))
    plan.refresh_from_db()
    return plan.current_workflow_task_state


def act(plan, username, action, comment=""):
    task_state = plan.current_workflow_task_state
    task_state.task.specific.on_action(task_state, user(username), action, comment=comment)
    plan.refresh_from_db()


def recipients():
    """Who our emails went to (Wagtail also tells superusers, who see every plan)."""
    superusers = set(
        get_user_model().objects.filter(is_superuser=True).values_list("email", flat=True)
    )
    return [
        address for message in mail.outbox for address in message.to if address not in superusers
    ]


def to(address):
    return [message for message in mail.outbox if address in message.to]


def test_only_the_plans_specialist_may_act_on_sign_off(fresh_plan):
    task_state = submit(fresh_plan)
    task = task_state.task.specific
    assert isinstance(task, SpecialistSignOffTask)
    assert fresh_plan.state == PlanState.AWAITING_SPECIALIST

    specialist, specialist2, head = user("specialist"), user("specialist2"), user("head")
    assert [name for name, _, _ in task.get_actions(fresh_plan, specialist)] == [
        "reject",
        "approve",
        "approve",
    ]
    assert ("reject", "Request changes", True) in task.get_actions(fresh_plan, specialist)
    assert task.get_actions(fresh_plan, specialist2) == []
    assert task.get_actions(fresh_plan, head) == []
    assert task.user_can_access_editor(fresh_plan, specialist)
    assert not task.user_can_access_editor(fresh_plan, specialist2)
    assert not task.locked_for_user(fresh_plan, specialist)
    assert task.locked_for_user(fresh_plan, head)
    assert not task.locked_for_user(fresh_plan, user("hublead"))
    assert task.user_can_lock(fresh_plan, specialist) and task.user_can_unlock(
        fresh_plan, specialist
    )
    assert not task.user_can_lock(fresh_plan, specialist2)
    assert not task.user_can_unlock(fresh_plan, head)
    moderated = task.get_task_states_user_can_moderate(specialist)
    assert task_state in moderated
    assert {state.workflow_state.content_object.specialist_id for state in moderated} == {
        specialist.pk
    }
    assert task_state not in task.get_task_states_user_can_moderate(specialist2)
    assert task_state in TaskState.objects.reviewable_by(specialist)
    assert task_state not in TaskState.objects.reviewable_by(specialist2)

    with pytest.raises(PermissionDenied):
        task.on_action(task_state, specialist2, "approve")
    with pytest.raises(PermissionDenied):
        task.on_action(task_state, head, "approve")
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS


def test_only_leaders_of_the_plans_school_may_approve(fresh_plan):
    submit(fresh_plan)
    act(fresh_plan, "specialist", "approve")
    task_state = fresh_plan.current_workflow_task_state
    task = task_state.task.specific
    assert isinstance(task, SchoolLeaderApprovalTask)
    assert fresh_plan.state == PlanState.AWAITING_SCHOOL

    head, head2, specialist = user("head"), user("head2"), user("specialist")
    assert [label for _, label, _ in task.get_actions(fresh_plan, head)] == [
        "Request changes",
        "Approve",
        "Approve with comment",
    ]
    assert task.get_actions(fresh_plan, head2) == []
    assert task.get_actions(fresh_plan, specialist) == []
    assert task.user_can_access_editor(fresh_plan, head)
    assert not task.user_can_access_editor(fresh_plan, head2)
    assert task.locked_for_user(fresh_plan, specialist)
    assert not task.locked_for_user(fresh_plan, head)
    assert task.user_can_lock(fresh_plan, head) and not task.user_can_lock(fresh_plan, head2)
    moderated = task.get_task_states_user_can_moderate(head)
    assert task_state in moderated
    assert {state.workflow_state.content_object.school.urn for state in moderated} == {990101}
    assert not task.get_task_states_user_can_moderate(head2).exists()
    with pytest.raises(PermissionDenied):
        task.on_action(task_state, head2, "approve")


def test_request_changes_needs_a_comment(fresh_plan):
    task_state = submit(fresh_plan)
    task = task_state.task.specific
    assert task.get_form_for_action("reject") is RequestChangesForm
    assert not RequestChangesForm({"comment": "  "}).is_valid()
    with pytest.raises(PermissionDenied):
        task.on_action(task_state, user("specialist"), "reject", comment="")


def test_wrong_people_posting_to_the_workflow_action_url_change_nothing(client, fresh_plan):
    task_state = submit(fresh_plan)
    url = reverse(f"{NS}:workflow_action", args=[fresh_plan.pk, "approve", task_state.pk])
    for username in ("specialist2", "head2", "head", "editor", "hublead"):
        client.force_login(user(username))
        response = client.post(url)
        # Denied: 404 (not their plan), or Wagtail's redirect to the dashboard for a 403.
        assert response.status_code in (302, 403, 404), username
        if response.status_code == 302:
            assert response.url == reverse("wagtailadmin_home"), username
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS


def test_task_state_of_another_plan_cannot_be_approved_through_ones_own(client, demo):
    """specialist2 acts on their own plan's URL with specialist's task state id."""
    theirs = ActionPlan.objects.get(school__urn=990202)  # awaiting specialist2
    other = ActionPlan.objects.get(school__urn=990102)  # awaiting specialist
    other_state = other.current_workflow_task_state
    client.force_login(user("specialist2"))
    url = reverse(f"{NS}:workflow_action", args=[theirs.pk, "approve", other_state.pk])
    assert client.post(url).status_code == 404
    other_state.refresh_from_db()
    assert other_state.status == TaskState.STATUS_IN_PROGRESS
    assert theirs.current_workflow_task_state.status == TaskState.STATUS_IN_PROGRESS


def test_full_cycle_with_emails_and_pinned_revisions(client, fresh_plan):
    head, specialist = user("head"), user("specialist")
    head.email, specialist.email = "head@example.org", "specialist@example.org"
    head.save()
    specialist.save()

    submit(fresh_plan)
    act(fresh_plan, "specialist", "approve")
    assert fresh_plan.state == PlanState.AWAITING_SCHOOL
    assert recipients() == ["head@example.org"]
    assert "is ready for your approval" in to("head@example.org")[0].subject

    # The head asks for a change through the real action URL, with a comment.
    mail.outbox.clear()
    client.force_login(head)
    task_state = fresh_plan.current_workflow_task_state
    url = reverse(f"{NS}:workflow_action", args=[fresh_plan.pk, "reject", task_state.pk])
    client.post(url, {"comment": "Please add a governor-friendly success measure."})
    fresh_plan.refresh_from_db()
    assert fresh_plan.state == PlanState.CHANGES_REQUESTED
    assert fresh_plan.current_workflow_state is None  # back to draft
    assert "specialist@example.org" in recipients()
    assert any(
        "governor-friendly" in m.body for m in mail.outbox if "specialist@example.org" in m.to
    )
    client.force_login(specialist)
    page = client.get(reverse(f"{NS}:edit", args=[fresh_plan.pk])).content.decode()
    assert "governor-friendly" in page

    # Resubmitted, the plan starts again at the specialist's sign-off.
    fresh_plan.save_revision(user=specialist)
    submit(fresh_plan)
    assert fresh_plan.state == PlanState.AWAITING_SPECIALIST
    act(fresh_plan, "specialist", "approve")
    mail.outbox.clear()
    revision_approved = fresh_plan.latest_revision_id
    act(fresh_plan, "head", "approve")
    assert fresh_plan.state == PlanState.AGREED
    assert fresh_plan.live
    # Ours, and Wagtail's own note to whoever submitted the plan (the specialist too).
    assert set(recipients()) == {"specialist@example.org"}
    assert any(m.subject.startswith("Brookfield Primary School approved") for m in mail.outbox)

    approvals = TaskState.objects.filter(
        workflow_state__object_id=str(fresh_plan.pk),
        workflow_state__status=WorkflowState.STATUS_APPROVED,
        status=TaskState.STATUS_APPROVED,
    )
    assert {state.revision_id for state in approvals} == {revision_approved}
    assert {state.finished_by.username for state in approvals} == {"specialist", "head"}

    page = client.get(reverse(f"{NS}:inspect", args=[fresh_plan.pk])).content.decode()
    assert "Agreed by" in page and "(specialist) on" in page and "(school) on" in page
    # The version agreed, named by its day, never by a revision number.
    agreed_on = fresh_plan.revisions.get(pk=revision_approved).created_at
    assert f"the version of {agreed_on:%-d %B %Y}" in page
    status = page.split('class="plan-status"', 1)[1].split('class="plan-status__agreed"', 1)[1]
    assert "revision" not in status.split("</p>", 1)[0].lower()


def test_editing_an_agreed_plan_sends_it_back_for_approval(client, demo):
    plan = ActionPlan.objects.get(school__urn=990201)  # agreed, reviewed
    assert plan.live and plan.state == PlanState.IN_PROGRESS
    client.force_login(user("specialist2"))
    url = reverse(f"{NS}:edit", args=[plan.pk])
    data = post_data(client.get(url).context["form"])
    data["summary"] = "Summary changed after agreement."
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    plan.refresh_from_db()
    assert plan.has_unpublished_changes
    assert plan.state == PlanState.AWAITING_SPECIALIST
    assert plan.current_workflow_task.specific.__class__ is SpecialistSignOffTask
    # The agreed version stays live until both approve again.
    assert plan.summary != "Summary changed after agreement."


def test_edit_after_sign_off_restarts_at_the_specialist(fresh_plan):
    from workflows.plans.views import restart_approval_after_edit

    submit(fresh_plan)
    act(fresh_plan, "specialist", "approve")
    fresh_plan.summary = "Changed by the head while approving."
    fresh_plan.save_revision(user=user("head"))
    restart_approval_after_edit(fresh_plan, user("head"))
    fresh_plan.refresh_from_db()
    assert fresh_plan.state == PlanState.AWAITING_SPECIALIST
    assert isinstance(fresh_plan.current_workflow_task.specific, SpecialistSignOffTask)


def test_a_plan_awaiting_the_specialist_is_locked_to_the_head(client, fresh_plan):
    submit(fresh_plan)
    client.force_login(user("head"))
    url = reverse(f"{NS}:edit", args=[fresh_plan.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["locked_for_user"]
    revisions = fresh_plan.revisions.count()
    client.post(url, {"title": "Renamed by the head", "summary": "x"})
    fresh_plan.refresh_from_db()
    assert fresh_plan.revisions.count() == revisions
    assert fresh_plan.get_latest_revision_as_object().title == "Brookfield: fresh plan"


def test_demo_plans_load_once_in_every_state(demo):
    states = set(ActionPlan.objects.values_list("state", flat=True))
    assert {
        PlanState.DRAFT,
        PlanState.AWAITING_SPECIALIST,
        PlanState.AWAITING_SCHOOL,
        PlanState.CHANGES_REQUESTED,
        PlanState.IN_PROGRESS,
    } <= states
    count = ActionPlan.objects.count()
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=io.StringIO())
    assert ActionPlan.objects.count() == count


def test_no_role_may_publish_a_plan_without_the_workflow(db):
    """Only the last approval publishes: no role holds "publish" on plans."""
    from django.contrib.auth.models import Group

    from workflows.accounts import roles

    for role in roles.PD_ROLES:
        granted = set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))
        assert "publish_actionplan" not in granted, role
    specialists = Group.objects.get(name=roles.SPECIALISTS).permissions
    assert specialists.filter(codename="change_actionplan").exists()
    leaders = Group.objects.get(name=roles.SCHOOL_LEADERS).permissions
    assert leaders.filter(codename="change_actionplan").exists()
    assert not leaders.filter(codename__in=["add_actionplan", "delete_actionplan"]).exists()
