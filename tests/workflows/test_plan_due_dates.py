"""Due dates moved by the hub's rule are tracking, not a change to the plan (issue #14, part 1).

Within the hub's leeway (``PlanRules``, four weeks unless a hub lead says
otherwise) a date moves on Track progress without approval, logged with who and
when; further, or with no leeway, it is a change to what was agreed, made in the
editor and approved again. Publishing a later change keeps a moved date unless
that change agrees another.
"""

from datetime import timedelta

from django.urls import reverse

import pytest

from tests.workflows import test_plan_tracking as tracking
from tests.workflows.formdata import post_data
from tests.workflows.test_plan_tracking import (
    actions_of,
    approve_all,
    change_content,
    edit_url,
    track_data,
    track_url,
    user,
)
from workflows.models import Action
from workflows.plans.models import ActionPlanLogEntry, PlanRules, PlanState
from workflows.plans.panels import overdue_actions

pytestmark = pytest.mark.django_db

# The tracking tests' agreed plan (Brookfield's, agreed by the specialist and the head).
agreed = tracking.agreed


def move(client, plan, number, new_date, username="head"):
    client.force_login(user(username))
    data = track_data(client, plan, **{f"due_{number}": new_date.isoformat()})
    return client.post(track_url(plan), data)


def test_a_head_moves_an_overdue_date_a_little_and_the_plan_stays_agreed(client, agreed):
    plan = agreed
    first = actions_of(plan)[0]  # five days overdue in the demo plan
    assert first in list(overdue_actions(user("specialist")))
    revisions = plan.revisions.count()
    new_date = first.due_on + timedelta(weeks=3)

    response = move(client, plan, 1, new_date)

    assert response.status_code == 302
    assert Action.objects.get(pk=first.pk).due_on == new_date
    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED and plan.revisions.count() == revisions
    assert plan.current_workflow_state is None
    assert first not in list(overdue_actions(user("specialist")))
    entry = ActionPlanLogEntry.objects.filter(
        object_id=str(plan.pk), action="workflows.plan_tracked"
    ).get()
    assert entry.user == user("head")
    assert f"action 1 due {first.due_on:%-d %b %Y} → {new_date:%-d %b %Y}" in entry.message


def test_a_bigger_move_is_refused_with_the_reason_and_nothing_saved(client, agreed):
    plan = agreed
    first = actions_of(plan)[0]
    client.force_login(user("head"))
    data = track_data(
        client,
        plan,
        due_1=(first.due_on + timedelta(weeks=5)).isoformat(),
        note_1="Typed before the error.",
    )
    response = client.post(track_url(plan), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "more than 4 weeks from the agreed" in page
    assert "edit the plan to send it for approval" in page
    assert "Typed before the error." in page
    assert Action.objects.get(pk=first.pk).due_on == first.due_on
    assert not plan.progress_notes.filter(note="Typed before the error.").exists()


def test_with_no_leeway_every_move_goes_through_the_editor(client, agreed):
    rules = PlanRules.load()
    rules.due_date_leeway_weeks = 0
    rules.save()
    first = actions_of(agreed)[0]
    response = move(client, agreed, 1, first.due_on + timedelta(days=1))
    assert response.status_code == 200
    assert "Moving this date is a change to what was agreed" in response.content.decode()
    assert Action.objects.get(pk=first.pk).due_on == first.due_on


def test_a_moved_date_is_measured_from_the_agreed_date_not_the_last_move(client, agreed):
    first = actions_of(agreed)[0]
    assert move(client, agreed, 1, first.due_on + timedelta(weeks=4)).status_code == 302
    response = move(client, agreed, 1, first.due_on + timedelta(weeks=6))
    assert response.status_code == 200
    assert Action.objects.get(pk=first.pk).due_on == first.due_on + timedelta(weeks=4)


def test_publishing_a_later_change_keeps_the_moved_date(client, agreed):
    second = actions_of(agreed)[1]
    moved = second.due_on + timedelta(weeks=2)
    assert move(client, agreed, 2, moved).status_code == 302
    plan = change_content(client, agreed)  # the first action's wording
    approve_all(plan)
    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED
    assert Action.objects.get(pk=second.pk).due_on == moved


def test_a_change_that_agrees_another_date_wins(client, agreed):
    first = actions_of(agreed)[0]
    assert move(client, agreed, 1, first.due_on + timedelta(weeks=2)).status_code == 302
    client.force_login(user("specialist"))
    data = post_data(client.get(edit_url(agreed)).context["form"])
    agreed_again = first.due_on + timedelta(weeks=10)
    data["actions-0-due_on"] = agreed_again.isoformat()
    assert client.post(edit_url(agreed), data).status_code == 302
    agreed.refresh_from_db()
    approve_all(agreed)
    assert Action.objects.get(pk=first.pk).due_on == agreed_again


def test_the_rule_is_the_hub_leads_to_set(client, demo):
    client.force_login(user("hublead"))
    response = client.get(
        reverse("wagtailsettings:edit", args=["workflows", "planrules"]), follow=True
    )
    assert response.status_code == 200
    url = response.redirect_chain[-1][0]
    assert client.post(url, {"due_date_leeway_weeks": "2"}).status_code == 302
    assert PlanRules.load().due_date_leeway_weeks == 2
    for username in ("specialist", "head"):
        client.force_login(user(username))
        response = client.post(url, {"due_date_leeway_weeks": "26"})
        assert response.status_code in (302, 403)
        assert PlanRules.load().due_date_leeway_weeks == 2


def test_the_saved_message_names_a_moved_date(client, agreed):
    first = actions_of(agreed)[0]
    response = move(client, agreed, 1, first.due_on + timedelta(weeks=1))
    page = client.get(response["Location"]).content.decode()
    assert "Saved: 0 actions updated, 1 due date moved, 0 notes added." in page
