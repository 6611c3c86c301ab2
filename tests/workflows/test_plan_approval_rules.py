"""QA findings on plan approval, each driven through the real admin views.

* a plan with a progress note can be sent back, signed off and approved from
  the editor (notes are tracking, rows beside the plan's revisions, so they are
  not in the editor's form at all);
* only the plan's specialist or a hub lead may cancel its workflow;
* action owners come from the plan's own school;
* a plan cannot go to a school with nobody to approve it;
* "overdue" means the same in the print view, the CSV and the dashboard;
* the approve buttons say what the task says, without "and Publish".
"""

import csv
import io
import json
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from wagtail.models import WorkflowState

import pytest

from tests.workflows.formdata import post_data
from workflows.demo.plans import build_plan
from workflows.models import ActionPlan, School
from workflows.plans.models import ActionStatus, PlanState, ProgressNote
from workflows.plans.panels import overdue_actions
from workflows.plans.status import latest_change_request
from workflows.plans.tasks import SpecialistSignOffTask

NS = "wagtailsnippets_workflows_actionplan"


def user(username):
    return get_user_model().objects.get(username=username)


def edit_url(plan):
    return reverse(f"{NS}:edit", args=[plan.pk])


def form_data(client, plan):
    """The edit form's data as the browser posts it (no hidden initial values)."""
    response = client.get(edit_url(plan))
    assert response.status_code == 200
    return post_data(response.context["form"])


def workflow_action(client, plan, action, comment=None):
    """Press a workflow button in the editor's footer (the modal puts the comment in)."""
    data = form_data(client, plan)
    data["action-workflow-action"] = "true"
    data["workflow-action-name"] = action
    if comment is not None:
        data["workflow-action-extra-data"] = json.dumps({"comment": comment})
    return client.post(edit_url(plan), data)


@pytest.fixture
def emails(demo):
    head, specialist = user("head"), user("specialist")
    head.email, specialist.email = "head@example.org", "specialist@example.org"
    head.save()
    specialist.save()
    mail.outbox.clear()


def test_the_demo_brookfield_plan_with_a_note_can_be_sent_back_by_the_head(client, emails):
    plan = ActionPlan.objects.get(school__urn=990101)
    assert plan.state == PlanState.AWAITING_SCHOOL
    assert plan.progress_notes.exists()
    client.force_login(user("head"))

    response = workflow_action(client, plan, "reject", comment="Add a measure governors can see.")

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.CHANGES_REQUESTED
    assert plan.current_workflow_state is None
    rejected = latest_change_request(plan)
    assert rejected.finished_by == user("head")
    assert rejected.comment == "Add a measure governors can see."
    to_specialist = [m for m in mail.outbox if "specialist@example.org" in m.to]
    assert any("governors can see" in m.body for m in to_specialist)


def test_a_plan_with_a_note_can_be_signed_off_and_approved_from_the_editor(client, emails):
    school = School.objects.get(urn=990101)
    plan = build_plan(school, specialist=user("specialist"), title="Brookfield: noted plan")
    assert plan.progress_notes.exists()
    plan.get_workflow().start(plan, user("specialist"))

    client.force_login(user("specialist"))
    assert workflow_action(client, plan, "approve").status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SCHOOL

    client.force_login(user("head"))
    assert workflow_action(client, plan, "approve").status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED
    assert plan.live


def test_the_editor_has_no_tracking_fields_and_an_undated_note_is_dated_today(client, demo):
    plan = ActionPlan.objects.get(school__urn=990103)  # a draft of the specialist's
    client.force_login(user("specialist"))
    form = client.get(edit_url(plan)).context["form"]
    assert "progress_notes" not in form.formsets
    assert "status" not in form.formsets["actions"].forms[0].fields
    assert "owner_name" in form.formsets["actions"].forms[0].fields

    revisions = plan.revisions.count()
    note = ProgressNote(plan=plan, note="x")
    assert note.noted_on is None  # no default on the model
    note.save()
    assert note.noted_on == timezone.localdate()
    assert plan.revisions.count() == revisions  # a note is no revision


def test_a_school_leader_cannot_cancel_the_workflow(client, demo):
    plan = ActionPlan.objects.get(school__urn=990101)  # awaiting head's approval
    client.force_login(user("head"))
    page = client.get(edit_url(plan)).content.decode()
    assert "action-cancel-workflow" not in page
    assert "Request changes" in page

    data = form_data(client, plan)
    data["action-cancel-workflow"] = "true"
    client.post(edit_url(plan), data)

    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SCHOOL
    assert plan.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS


def test_the_plans_specialist_may_cancel_the_workflow(client, demo):
    plan = ActionPlan.objects.get(school__urn=990101)
    client.force_login(user("specialist"))
    assert "action-cancel-workflow" in client.get(edit_url(plan)).content.decode()
    data = form_data(client, plan)
    data["action-cancel-workflow"] = "true"
    client.post(edit_url(plan), data)
    plan.refresh_from_db()
    assert plan.current_workflow_state is None


def test_action_owners_are_only_the_plans_own_school_and_specialist(client, demo):
    plan = ActionPlan.objects.get(school__urn=990103)  # not Brookfield
    client.force_login(user("specialist"))
    response = client.get(edit_url(plan))
    owners = response.context["form"].formsets["actions"].forms[0].fields["owner_user"].queryset
    usernames = {u.username for u in owners}
    assert "head" not in usernames and "head2" not in usernames
    assert "specialist" in usernames

    revisions = plan.revisions.count()
    data = form_data(client, plan)
    data["actions-0-owner_user"] = user("head").pk
    response = client.post(edit_url(plan), data)
    assert response.status_code == 200
    errors = response.context["form"].formsets["actions"].forms[0].errors["owner_user"]
    assert errors == [
        "Choose a leader of this plan's school or its specialist: "
        "that person does not lead this school."
    ]
    assert plan.revisions.count() == revisions


def test_brookfields_head_may_own_an_action_on_brookfields_plan(client, demo):
    plan = ActionPlan.objects.get(school__urn=990101)
    client.force_login(user("specialist"))
    response = client.get(edit_url(plan))
    owners = response.context["form"].formsets["actions"].forms[0].fields["owner_user"].queryset
    assert "head" in {u.username for u in owners}


def test_a_plan_cannot_be_submitted_for_a_school_with_no_leader(client, demo):
    plan = ActionPlan.objects.get(school__urn=990103)
    plan.school.leaders.clear()  # the hub has not added this school's leader yet
    client.force_login(user("specialist"))
    data = form_data(client, plan)
    data["action-submit"] = "true"
    response = client.post(edit_url(plan), data)

    assert response.status_code == 200
    message = f"{plan.school.name} has no school leader in the system; ask the hub lead to add one."
    assert response.context["form"].errors["school"] == [message]
    assert message in response.content.decode()
    plan.refresh_from_db()
    assert plan.current_workflow_state is None
    assert plan.state == PlanState.DRAFT


def test_a_plan_cannot_be_signed_off_for_a_school_with_no_leader(client, demo):
    plan = ActionPlan.objects.get(school__urn=990102)  # awaiting specialist
    plan.school.leaders.clear()  # the hub has not added this school's leader yet
    client.force_login(user("specialist"))
    response = workflow_action(client, plan, "approve")
    assert response.status_code == 200
    assert "has no school leader in the system" in response.content.decode()
    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SPECIALIST

    task_state = plan.current_workflow_task_state
    assert isinstance(task_state.task.specific, SpecialistSignOffTask)
    with pytest.raises(PermissionDenied):
        task_state.task.specific.on_action(task_state, user("specialist"), "approve")


def test_overdue_reads_the_same_on_the_dashboard_in_print_and_csv(client, demo):
    plan = ActionPlan.objects.get(school__urn=990201)  # agreed and reviewed
    done, on_track, _ = plan.actions.order_by("sort_order")
    yesterday = timezone.localdate() - timedelta(days=1)
    # Reviewed "done" and "on track"; both now past their due dates.
    type(done).objects.filter(pk__in=[done.pk, on_track.pk]).update(due_on=yesterday)

    assert set(overdue_actions(user("specialist2"))) == {on_track}

    client.force_login(user("specialist2"))
    page = client.get(reverse(f"{NS}:print", args=[plan.pk])).content.decode()
    assert page.count("Overdue (") == 1
    assert "Overdue (On track)" in page

    response = client.get(reverse(f"{NS}:export_actions") + f"?plan={plan.pk}")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    statuses = {row[7]: row[-1] for row in rows[1:]}
    assert statuses[on_track.what] == "Overdue (On track)"
    assert statuses[done.what] == "Done"


def test_done_actions_past_due_are_not_overdue(demo):
    plan = ActionPlan.objects.get(school__urn=990101)
    action = plan.actions.get(sort_order=0)  # on track, due five days ago
    assert action.is_overdue
    action.status = ActionStatus.DONE
    assert not action.is_overdue


def test_approve_buttons_use_the_tasks_own_labels(client, demo):
    plan = ActionPlan.objects.get(school__urn=990101)  # the last task: the school's
    client.force_login(user("head"))
    page = client.get(edit_url(plan)).content.decode()
    assert "and Publish" not in page
    assert "Approve with comment" in page
