"""Two kinds of change to an agreed plan (issue #14, part 1).

*Tracking* (each action's status, progress notes) goes through "Track progress":
it writes the live rows, never a revision, never restarts approval and ignores
the editor's lock. *Agreed content* changes through the editor, which says before
saving that a change goes for both approvals again; meanwhile the agreed version
keeps counting on dashboards, in reminders and for termly reviews, and publishing
the change keeps what was tracked.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from wagtail.models import WorkflowState

import pytest

from tests.workflows.formdata import post_data
from workflows.demo.plans import build_plan, drive
from workflows.models import Action, ActionPlan, ProgressNote, School
from workflows.plans.models import ActionPlanLogEntry, ActionStatus, PlanState
from workflows.plans.panels import OverdueActionsPanel, overdue_actions
from workflows.plans.reminders import Reminders, terms_of
from workflows.plans.status import in_force_q
from workflows.plans.views import can_review

NS = "wagtailsnippets_workflows_actionplan"
STALE = "changed by someone else since you opened this page; check and save again"


def user(username):
    return get_user_model().objects.get(username=username)


def refused(response) -> bool:
    """Wagtail's permission denied: 403, or back to the dashboard with a message."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    )


def track_url(plan):
    return reverse(f"{NS}:track", args=[plan.pk])


def edit_url(plan):
    return reverse(f"{NS}:edit", args=[plan.pk])


@pytest.fixture
def agreed(demo):
    """Brookfield's (head's school) plan, agreed by the specialist and the head."""
    plan = build_plan(
        School.objects.get(urn=990101), specialist=user("specialist"), title="Brookfield: agreed"
    )
    drive(
        plan,
        "agreed",
        specialist=user("specialist"),
        leader=user("head"),
        hub_lead=user("hublead"),
    )
    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED and plan.live
    return plan


def actions_of(plan):
    return list(Action.objects.filter(plan=plan).order_by("sort_order"))


def track_data(client, plan, **changes):
    """The tracking form as loaded, then ``status_N``/``note_N`` (N = action number) changed."""
    response = client.get(track_url(plan))
    assert response.status_code == 200
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: v for k, v in data.items() if v is not None}
    actions = actions_of(plan)
    for key, value in changes.items():
        field, number = key.rsplit("_", 1)
        data[f"{field}_{actions[int(number) - 1].pk}"] = value
    return data


def change_content(client, plan, what="Agree a calculation policy, revised with governors."):
    """Edit what was agreed (the first action's wording) in the editor, as its specialist."""
    client.force_login(user("specialist"))
    data = post_data(client.get(edit_url(plan)).context["form"])
    data["actions-0-what"] = what
    assert client.post(edit_url(plan), data).status_code == 302
    plan.refresh_from_db()
    return plan


def approve_all(plan):
    """The specialist signs the change off, the head approves: it is published."""
    for who in ("specialist", "head"):
        task_state = plan.current_workflow_task_state
        task_state.task.specific.on_action(task_state, user(who), "approve")
        plan.refresh_from_db()


@pytest.mark.parametrize("username", ["head", "specialist"])
def test_tracking_changes_no_agreement_no_revision_no_workflow_and_ignores_the_lock(
    client, agreed, username
):
    plan = agreed
    ActionPlan.objects.filter(pk=plan.pk).update(
        locked=True, locked_by=user("hublead"), locked_at=timezone.now()
    )
    revisions = plan.revisions.count()
    workflows = WorkflowState.objects.filter(object_id=str(plan.pk)).count()
    first, second, _ = actions_of(plan)
    client.force_login(user(username))

    data = track_data(client, plan, status_1=ActionStatus.DONE, note_2="Research lesson booked.")
    response = client.post(track_url(plan), data, follow=True)

    assert response.status_code == 200
    assert "Saved: 1 action updated, 1 note added." in response.content.decode()
    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED
    assert plan.revisions.count() == revisions
    assert WorkflowState.objects.filter(object_id=str(plan.pk)).count() == workflows
    assert plan.current_workflow_state is None
    assert plan.locked and plan.locked_by == user("hublead")  # untouched
    assert Action.objects.get(pk=first.pk).status == ActionStatus.DONE
    assert Action.objects.get(pk=second.pk).status == second.status
    note = ProgressNote.objects.get(plan=plan, note="Research lesson booked.")
    assert (note.action_number, note.noted_on, note.recorded_by) == (
        2,
        timezone.localdate(),
        user(username),
    )
    entry = ActionPlanLogEntry.objects.get(object_id=str(plan.pk), action="workflows.plan_tracked")
    assert entry.user == user(username)
    assert entry.data["statuses"] == [{"action": 1, "from": "On track", "to": "Done"}]
    assert entry.data["notes"] == [2]
    assert "1 action updated, 1 note added" in entry.message


def test_the_agreed_plan_keeps_counting_while_a_change_awaits_approval(client, agreed):
    plan = agreed
    overdue = actions_of(plan)[0]  # due five days ago, on track
    assert overdue in overdue_actions(user("head"))

    plan = change_content(client, plan)
    assert plan.state == PlanState.AWAITING_SPECIALIST and plan.live
    assert plan.status_label() == "Agreed; changes awaiting specialist sign-off"

    # Dashboards, the panel's link to tracking, reminders and reviews still count it.
    assert overdue in overdue_actions(user("head"))
    assert overdue in overdue_actions(user("specialist"))
    panel = OverdueActionsPanel(user("head")).get_context_data()
    row = next(a for a in panel["actions"] if a.pk == overdue.pk)
    assert row.track_url == track_url(plan)
    reminders = Reminders()
    reminders.collect_overdue_actions()
    keys = [key for (p, _), items in reminders.lines.items() for key, _ in items if p == plan]
    assert f"overdue:action:{overdue.pk}:{overdue.due_on.isoformat()}" in keys
    started = timezone.localtime(plan.first_published_at).date()
    term = next(t for t in terms_of(plan.academic_year) if t.starts_on > started)
    reminders = Reminders(today=term.review_due_on - timedelta(days=1))
    reminders.collect_reviews_due()
    keys = [key for (p, _), items in reminders.lines.items() for key, _ in items if p == plan]
    assert f"review:{plan.pk}:{plan.academic_year}:{term.name}" in keys
    assert ActionPlan.objects.filter(in_force_q(), pk=plan.pk).exists()
    assert can_review(plan, user("specialist"))

    # The listing says it is agreed, with a change in approval.
    client.force_login(user("specialist"))
    listing = client.get(reverse(f"{NS}:list")).content.decode()
    assert "Agreed; changes awaiting specialist sign-off" in listing

    # Changes requested: still agreed, still counted.
    task_state = plan.current_workflow_task_state
    task_state.task.specific.on_action(task_state, user("specialist"), "reject", comment="No.")
    plan.refresh_from_db()
    assert plan.status_label() == "Agreed; changes requested"
    assert overdue in overdue_actions(user("head"))

    # A closed plan no longer counts.
    ActionPlan.objects.filter(pk=plan.pk).update(state=PlanState.CLOSED)
    assert overdue not in overdue_actions(user("head"))


def test_publishing_a_change_keeps_what_was_tracked(client, agreed):
    plan = agreed
    first, second, third = actions_of(plan)
    # Tracked before the edit: the editor's revision must not bring the old status back.
    client.force_login(user("head"))
    client.post(track_url(plan), track_data(client, plan, status_2=ActionStatus.ON_TRACK))

    plan = change_content(client, plan)
    assert plan.state == PlanState.AWAITING_SPECIALIST

    # Tracked while the change is in approval: the revision in approval predates it.
    client.force_login(user("head"))
    data = track_data(
        client, plan, status_3=ActionStatus.OFF_TRACK, note_1="Governors asked for a date."
    )
    client.post(track_url(plan), data)
    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SPECIALIST  # tracking left the approval alone

    approve_all(plan)

    assert plan.state == PlanState.AGREED and not plan.has_unpublished_changes
    assert Action.objects.get(pk=first.pk).what.startswith("Agree a calculation policy, revised")
    assert Action.objects.get(pk=second.pk).status == ActionStatus.ON_TRACK
    assert Action.objects.get(pk=third.pk).status == ActionStatus.OFF_TRACK
    assert ProgressNote.objects.filter(plan=plan, note="Governors asked for a date.").exists()
    assert ProgressNote.objects.filter(plan=plan, note="Draft policy shared.").exists()


def test_publishing_keeps_live_statuses_by_action_and_a_new_actions_own(agreed):
    plan = agreed
    first = actions_of(plan)[0]
    draft = plan.get_latest_revision_as_object()
    draft.actions.add(
        Action(
            priority_number=2,
            what="A new action.",
            owner_name="Maths lead",
            status=ActionStatus.AT_RISK,
            sort_order=3,
        )
    )
    revision = draft.save_revision(user=user("specialist"))
    Action.objects.filter(pk=first.pk).update(status=ActionStatus.DONE)  # tracked since
    revision.publish()
    assert Action.objects.get(plan=plan, what="A new action.").status == ActionStatus.AT_RISK
    assert Action.objects.get(pk=first.pk).status == ActionStatus.DONE


def test_the_editor_of_an_agreed_plan_says_what_saving_does_before_saving(client, agreed):
    client.force_login(user("head"))
    page = client.get(edit_url(agreed)).content.decode()
    assert "This plan is agreed." in page
    assert (
        "Saving a change to what was agreed sends it to "
        f"{user('specialist').get_full_name()} and the school's leaders to approve again; "
        "the agreed plan stays in force until they do." in page
    )
    assert f'href="{track_url(agreed)}"' in page  # the notice's link and the header button
    assert "Track progress" in page

    draft = ActionPlan.objects.get(school__urn=990103)
    client.force_login(user("specialist"))
    page = client.get(edit_url(draft)).content.decode()
    assert "This plan is agreed." not in page
    assert track_url(draft) not in page


def test_the_inspect_page_links_to_tracking(client, agreed):
    client.force_login(user("head"))
    page = client.get(reverse(f"{NS}:inspect", args=[agreed.pk])).content.decode()
    assert f'href="{track_url(agreed)}"' in page
    assert "Draft policy shared." in page  # the notes show with their action


def test_a_stale_tracking_post_saves_nothing_and_keeps_what_was_typed(client, agreed):
    plan = agreed
    first, second, _ = actions_of(plan)
    client.force_login(user("head"))
    data = track_data(client, plan, status_1=ActionStatus.DONE, note_2="Typed while waiting.")
    # Meanwhile the specialist tracks the first action.
    Action.objects.filter(pk=first.pk).update(status=ActionStatus.AT_RISK)
    notes = ProgressNote.objects.count()

    response = client.post(track_url(plan), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page
    assert Action.objects.get(pk=first.pk).status == ActionStatus.AT_RISK
    assert ProgressNote.objects.count() == notes
    assert not ActionPlanLogEntry.objects.filter(action="workflows.plan_tracked").exists()
    form = response.context["form"]
    assert form[f"status_{first.pk}"].value() == ActionStatus.DONE
    assert form[f"note_{second.pk}"].value() == "Typed while waiting."
    assert "Typed while waiting." in page
    assert STALE in " ".join(form.errors[f"status_{first.pk}"])

    # Having checked, saving the page as it came back goes through.
    again = {name: form[name].value() or "" for name in form.fields}
    assert client.post(track_url(plan), again).status_code == 302
    assert Action.objects.get(pk=first.pk).status == ActionStatus.DONE
    assert ProgressNote.objects.filter(note="Typed while waiting.").count() == 1


def test_bad_input_comes_back_with_errors_and_typed_values(client, agreed):
    plan = agreed
    first = actions_of(plan)[0]
    client.force_login(user("specialist"))
    data = track_data(client, plan, status_1="finished", note_2="Kept as typed.")
    response = client.post(track_url(plan), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[f"status_{first.pk}"]
    assert "Kept as typed." in response.content.decode()
    assert Action.objects.get(pk=first.pk).status == first.status
    assert not ProgressNote.objects.filter(note="Kept as typed.").exists()


def test_a_save_with_nothing_changed_writes_nothing(client, agreed):
    client.force_login(user("head"))
    response = client.post(track_url(agreed), track_data(client, agreed), follow=True)
    assert "Nothing to save" in response.content.decode()
    assert not ActionPlanLogEntry.objects.filter(action="workflows.plan_tracked").exists()


@pytest.mark.parametrize(
    ("username", "statuses"),
    [
        ("head2", {404}),  # another school, another group
        ("specialist2", {404}),  # another group's specialist
        ("editor", {302, 403, 404}),  # 302: Wagtail's "permission denied" back to the dashboard
        ("hublead", {200}),
    ],
)
def test_who_may_track(client, agreed, username, statuses):
    client.force_login(user(username))
    assert client.get(track_url(agreed)).status_code in statuses
    before = Action.objects.get(pk=actions_of(agreed)[0].pk).status
    response = client.post(
        track_url(agreed), {f"status_{actions_of(agreed)[0].pk}": ActionStatus.DONE}
    )
    if statuses != {200}:
        assert response.status_code in statuses
        assert Action.objects.get(pk=actions_of(agreed)[0].pk).status == before


def test_a_plan_without_an_agreed_version_cannot_be_tracked(client, demo):
    """Those who may see the plan are told why, and sent back to it; nothing is saved."""
    draft = ActionPlan.objects.get(school__urn=990101)  # awaiting the head, never agreed
    first = draft.actions.order_by("sort_order").first()
    client.force_login(user("head"))
    response = client.get(track_url(draft), follow=True)
    assert response.redirect_chain[-1][0] == reverse(f"{NS}:inspect", args=[draft.pk])
    assert "Progress is tracked once the plan is agreed" in response.content.decode()
    client.post(track_url(draft), {f"status_{first.pk}": ActionStatus.DONE})
    assert Action.objects.get(pk=first.pk).status == first.status
    assert not ProgressNote.objects.filter(plan=draft, recorded_by=user("head")).exists()
    closed = ActionPlan.objects.get(school__urn=990201)
    ActionPlan.objects.filter(pk=closed.pk).update(state=PlanState.CLOSED)
    client.force_login(user("head2"))
    response = client.get(track_url(closed))
    assert response["Location"] == reverse(f"{NS}:inspect", args=[closed.pk])
    # Outside the plan's scope it stays a 404, agreed or not.
    client.force_login(user("head2"))
    assert client.get(track_url(draft)).status_code == 404


def test_a_review_sets_the_tracked_status_and_leaves_a_change_in_approval_alone(client, agreed):
    plan = change_content(client, agreed)
    assert plan.state == PlanState.AWAITING_SPECIALIST
    review = reverse(f"{NS}:review", args=[plan.pk])
    response = client.get(review)
    assert response.status_code == 200
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    third = actions_of(plan)[2]
    data[f"status_{third.pk}"] = ActionStatus.DONE
    data["reviewed_on"] = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert client.post(review, data).status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SPECIALIST
    assert Action.objects.get(pk=third.pk).status == ActionStatus.DONE
    assert plan.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS


def test_a_new_plan_is_not_autosaved_while_it_is_written_but_an_agreed_one_is(client, demo):
    """Autosave posted the half-written new plan every few seconds, failing validation."""
    client.force_login(user("specialist"))
    new = client.get(reverse("wagtailsnippets_workflows_actionplan:add")).content.decode()
    assert "data-w-autosave-interval-value" not in new
    plan = ActionPlan.objects.get(school__urn=990103)
    edit = client.get(reverse("wagtailsnippets_workflows_actionplan:edit", args=[plan.pk]))
    assert "data-w-autosave-interval-value" in edit.content.decode()


def test_the_track_page_leads_back_to_the_plan_from_its_header(client, agreed):
    client.force_login(user("head"))
    page = client.get(track_url(agreed)).content.decode()
    header = page.split('<div class="nice-padding">')[0]
    inspect = reverse(f"{NS}:inspect", args=[agreed.pk])
    assert f'href="{inspect}"' in header
    assert f'href="{reverse(f"{NS}:list")}"' in header
