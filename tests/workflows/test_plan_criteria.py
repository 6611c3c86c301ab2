"""Success criteria tracked per line on "Track progress" (issue #14, part 2).

An action's success criteria are the lines of its agreed text; their status and
notes are tracking (``CriterionProgress``): recorded by the plan's people without
a new revision or approval, logged with who and when, refused when someone else
changed the same criterion since the page was loaded, and shown on the print.
"""

from django.urls import reverse

from wagtail.models import WorkflowState

import pytest

from tests.workflows.test_plan_tracking import (
    NS,
    STALE,
    actions_of,
    track_data,
    track_url,
    user,
)
from workflows.demo.plans import build_plan, drive
from workflows.models import Action, ActionPlan, CriterionProgress, School
from workflows.plans import tracking
from workflows.plans.models import (
    ActionPlanLogEntry,
    ActionStatus,
    CriterionStatus,
    PlanState,
)
from workflows.plans.panels import overdue_actions
from workflows.plans.status import in_force_q

TWO_CRITERIA = "Every class uses the agreed representations.\n\n- Pupils explain with a model."


@pytest.fixture
def agreed(demo):
    """Brookfield's plan, agreed by the specialist and the head; its first action has two criteria."""
    plan = build_plan(
        School.objects.get(urn=990101), specialist=user("specialist"), title="Brookfield: agreed"
    )
    drive(
        plan, "agreed", specialist=user("specialist"), leader=user("head"), hub_lead=user("hublead")
    )
    plan.refresh_from_db()
    first = actions_of(plan)[0]
    # Agreed wording, as a later agreed version would have left it on the live row.
    Action.objects.filter(pk=first.pk).update(success_criteria=TWO_CRITERIA)
    return plan


def key(action, number):
    return f"{action.pk}_{number}"


def test_a_head_tracks_criteria_and_the_plan_stays_agreed_and_counted(client, agreed):
    plan = agreed
    first, second, _ = actions_of(plan)
    revisions = plan.revisions.count()
    workflows = WorkflowState.objects.filter(object_id=str(plan.pk)).count()
    overdue = first  # due five days ago, on track
    assert overdue in overdue_actions(user("head"))
    client.force_login(user("head"))

    page = client.get(track_url(plan)).content.decode()
    assert "1. Every class uses the agreed representations." in page
    assert "2. Pupils explain with a model." in page  # a line of its own, bullet dropped
    data = track_data(client, plan)
    data[f"criterion_{key(first, 2)}"] = CriterionStatus.PARTLY_MET
    data[f"criterion_notes_{key(first, 2)}"] = "Year 3 and 4 books show it."
    data[f"criterion_{key(second, 1)}"] = CriterionStatus.MET
    response = client.post(track_url(plan), data, follow=True)

    assert "Saved: 0 actions updated, 2 success criteria updated, 0 notes added." in (
        response.content.decode()
    )
    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED and plan.live
    assert plan.revisions.count() == revisions
    assert WorkflowState.objects.filter(object_id=str(plan.pk)).count() == workflows
    assert ActionPlan.objects.filter(in_force_q(), pk=plan.pk).exists()
    assert overdue in overdue_actions(user("head"))
    assert overdue in overdue_actions(user("specialist"))
    rows = {(r.action_id, r.number): r for r in CriterionProgress.objects.all()}
    assert set(rows) == {(first.pk, 2), (second.pk, 1)}  # untouched criteria get no row
    row = rows[(first.pk, 2)]
    assert (row.criterion, row.status, row.notes, row.updated_by) == (
        "Pupils explain with a model.",
        CriterionStatus.PARTLY_MET,
        "Year 3 and 4 books show it.",
        user("head"),
    )
    assert rows[(second.pk, 1)].criterion == second.success_criteria
    entry = ActionPlanLogEntry.objects.get(object_id=str(plan.pk), action="workflows.plan_tracked")
    assert entry.user == user("head") and entry.timestamp
    assert entry.data["criteria"] == [
        {"action": 1, "criterion": 2, "from": "Not started", "to": "Partly met"},
        {"action": 2, "criterion": 1, "from": "Not started", "to": "Met"},
    ]
    assert "action 1 criterion 2 Not started → Partly met" in entry.message

    # The specialist updates the same criterion later: the row changes, the author too.
    client.force_login(user("specialist"))
    data = track_data(client, plan)
    assert data[f"criterion_notes_{key(first, 2)}"] == "Year 3 and 4 books show it."
    data[f"criterion_{key(first, 2)}"] = CriterionStatus.MET
    assert client.post(track_url(plan), data).status_code == 302
    row.refresh_from_db()
    assert (row.status, row.updated_by) == (CriterionStatus.MET, user("specialist"))
    assert CriterionProgress.objects.count() == 2


def test_a_criterion_changed_by_someone_else_is_refused_and_typed_values_kept(client, agreed):
    plan = agreed
    first = actions_of(plan)[0]
    client.force_login(user("head"))
    data = track_data(client, plan, status_1=ActionStatus.DONE, note_2="Typed while waiting.")
    data[f"criterion_{key(first, 1)}"] = CriterionStatus.MET
    data[f"criterion_notes_{key(first, 1)}"] = "All classes, seen in May."
    # Meanwhile the specialist records the same criterion.
    specialist = client_for("specialist")
    theirs = track_data(specialist, plan)
    theirs[f"criterion_{key(first, 1)}"] = CriterionStatus.NOT_MET
    theirs[f"criterion_notes_{key(first, 1)}"] = "Not in Year 6."
    assert specialist.post(track_url(plan), theirs).status_code == 302
    entries = ActionPlanLogEntry.objects.filter(action="workflows.plan_tracked").count()

    response = client.post(track_url(plan), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page
    row = CriterionProgress.objects.get(action=first, number=1)
    assert (row.status, row.notes, row.updated_by) == (
        CriterionStatus.NOT_MET,
        "Not in Year 6.",
        user("specialist"),
    )
    assert Action.objects.get(pk=first.pk).status == ActionStatus.ON_TRACK  # rolled back
    assert not plan.progress_notes.filter(note="Typed while waiting.").exists()
    assert ActionPlanLogEntry.objects.filter(action="workflows.plan_tracked").count() == entries
    form = response.context["form"]
    assert form[f"criterion_{key(first, 1)}"].value() == CriterionStatus.MET
    assert form[f"criterion_notes_{key(first, 1)}"].value() == "All classes, seen in May."
    message = " ".join(form.errors[f"criterion_{key(first, 1)}"])
    assert message.startswith(
        f"{user('specialist').get_full_name()} changed this success criterion"
    )
    assert "It is now “Not met”, with the notes “Not in Year 6.”" in message

    # Having checked, saving the page as it came back replaces theirs deliberately.
    again = {name: form[name].value() or "" for name in form.fields}
    assert client.post(track_url(plan), again).status_code == 302
    row.refresh_from_db()
    assert (row.status, row.updated_by) == (CriterionStatus.MET, user("head"))
    assert Action.objects.get(pk=first.pk).status == ActionStatus.DONE


def client_for(username):
    from django.test import Client

    other = Client()
    other.force_login(user(username))
    return other


def test_a_criterion_first_recorded_by_someone_else_is_refused(client, agreed):
    """No row when the page loaded, one by the time of the save: not overwritten."""
    plan = agreed
    first = actions_of(plan)[0]
    client.force_login(user("head"))
    data = track_data(client, plan)
    data[f"criterion_{key(first, 1)}"] = CriterionStatus.MET
    CriterionProgress.objects.create(
        action=first,
        number=1,
        criterion="Every class uses the agreed representations.",
        status=CriterionStatus.IN_PROGRESS,
        updated_by=user("hublead"),
    )
    response = client.post(track_url(plan), data)
    assert response.status_code == 200
    assert STALE in response.content.decode()
    assert CriterionProgress.objects.get(action=first, number=1).status == (
        CriterionStatus.IN_PROGRESS
    )


def test_a_criterion_overtaken_between_the_check_and_the_write_is_refused(
    client, agreed, monkeypatch
):
    """The other save lands after this one's read: the conditional UPDATE matches nothing."""
    plan = agreed
    first = actions_of(plan)[0]
    row = CriterionProgress.objects.create(
        action=first, number=1, criterion="Every class uses the agreed representations."
    )
    client.force_login(user("head"))
    data = track_data(client, plan, status_2=ActionStatus.DONE)
    data[f"criterion_{key(first, 1)}"] = CriterionStatus.MET
    claim_criteria = tracking.TrackView.claim_criteria

    def checked_then_overtaken(view, posted):
        changed = claim_criteria(view, posted)
        assert changed  # the page was current when it was checked
        other = CriterionProgress.objects.get(pk=row.pk)
        other.status = CriterionStatus.NOT_MET
        other.save()
        return changed

    monkeypatch.setattr(tracking.TrackView, "claim_criteria", checked_then_overtaken)
    response = client.post(track_url(plan), data)

    assert response.status_code == 200
    assert STALE in response.content.decode()
    # The test's "other save" shares the request's connection, so the rollback
    # takes it too; what matters is that this save wrote nothing.
    assert CriterionProgress.objects.get(pk=row.pk).status != CriterionStatus.MET
    assert Action.objects.get(pk=actions_of(plan)[1].pk).status == ActionStatus.NOT_STARTED


def test_an_action_status_overtaken_after_validation_is_refused(client, agreed, monkeypatch):
    """Claimed by a conditional UPDATE, not read then written: the later writer loses."""
    plan = agreed
    first = actions_of(plan)[0]
    client.force_login(user("head"))
    data = track_data(client, plan, status_1=ActionStatus.DONE)
    is_valid = tracking.TrackForm.is_valid

    def validated_then_overtaken(form):
        valid = is_valid(form)
        assert valid
        Action.objects.filter(pk=first.pk).update(status=ActionStatus.OFF_TRACK)
        return valid

    monkeypatch.setattr(tracking.TrackForm, "is_valid", validated_then_overtaken)
    response = client.post(track_url(plan), data)
    assert response.status_code == 200
    assert STALE in response.content.decode()
    assert Action.objects.get(pk=first.pk).status == ActionStatus.OFF_TRACK


def test_bad_criterion_input_comes_back_with_errors_and_nothing_saved(client, agreed):
    plan = agreed
    first = actions_of(plan)[0]
    client.force_login(user("specialist"))
    data = track_data(client, plan, note_1="Kept as typed.")
    data[f"criterion_{key(first, 1)}"] = "done"
    response = client.post(track_url(plan), data)
    assert response.status_code == 200
    assert response.context["form"].errors[f"criterion_{key(first, 1)}"]
    assert "Kept as typed." in response.content.decode()
    assert not CriterionProgress.objects.exists()
    assert not plan.progress_notes.filter(note="Kept as typed.").exists()


def test_the_print_shows_each_criterion_and_how_it_stands(client, agreed):
    plan = agreed
    first = actions_of(plan)[0]
    CriterionProgress.objects.create(
        action=first,
        number=2,
        criterion="Pupils explain with a model.",
        status=CriterionStatus.PARTLY_MET,
        notes="Year 3 and 4 books.",
    )
    client.force_login(user("head"))
    page = client.get(reverse(f"{NS}:print", args=[plan.pk])).content.decode()
    assert (
        "Every class uses the agreed representations. \N{EN DASH} <strong>Not started</strong>"
        in page
    )
    assert (
        "Pupils explain with a model. \N{EN DASH} <strong>Partly met</strong> (Year 3 and 4 books.)"
        in page
    )
