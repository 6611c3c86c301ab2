"""A head's view of a plan that reads, not edits (issue #14, parts 4 and 5).

The plan's inspect view is the page a school leader reads a plan on: "Approve"
and "Request changes" (each with a comment) when the plan waits on them, posting
to Wagtail's own workflow action view; what changed since they last approved or
asked for changes, in plain words; and what each side said. Each test drives the
real admin views with the test client.
"""

import html
import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from wagtail.models import TaskState

import pytest

from tests.workflows.formdata import post_data
from workflows.demo.plans import build_plan, drive
from workflows.models import ActionPlan, School
from workflows.plans.models import PlanState

NS = "wagtailsnippets_workflows_actionplan"
CMS_WORDS = ("revision", "rejected", "moderation", "cancelled")


def user(username):
    return get_user_model().objects.get(username=username)


def name(username):
    someone = user(username)
    return someone.get_full_name() or someone.get_username()


def read_url(plan):
    return reverse(f"{NS}:inspect", args=[plan.pk])


def action_url(plan, action):
    task_state = plan.current_workflow_task_state
    return reverse(f"{NS}:workflow_action", args=[plan.pk, action, task_state.pk])


def visible_text(response) -> str:
    """The words a person sees on the page: no scripts, no tags, no attributes."""
    page = response.content.decode()
    page = re.sub(r"<(script|style|template)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


def refused(response) -> bool:
    """Wagtail's permission denied: 403, or back to the dashboard with a message."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    )


def sent():
    return sorted((to, message.subject) for message in mail.outbox for to in message.to)


@pytest.fixture
def awaiting_head(demo):
    """Brookfield's demo plan (the head's school), awaiting the school's approval."""
    plan = ActionPlan.objects.get(school__urn=990101)
    assert plan.state == PlanState.AWAITING_SCHOOL
    mail.outbox.clear()
    return plan


@pytest.fixture
def fresh(demo):
    """A new Brookfield plan, submitted: awaiting its specialist's sign-off."""
    plan = build_plan(
        School.objects.get(urn=990101), specialist=user("specialist"), title="Brookfield: read"
    )
    drive(
        plan,
        "awaiting_specialist",
        specialist=user("specialist"),
        leader=user("head"),
        hub_lead=user("hublead"),
    )
    plan.refresh_from_db()
    mail.outbox.clear()
    return plan


def test_the_head_reads_the_plan_with_approve_and_request_changes(client, awaiting_head):
    client.force_login(user("head"))

    response = client.get(read_url(awaiting_head))

    assert response.status_code == 200
    page = response.content.decode()
    text = visible_text(response)
    assert "This plan is waiting for you" in text
    assert f'action="{action_url(awaiting_head, "approve")}"' in page
    assert f'action="{action_url(awaiting_head, "reject")}"' in page
    assert f'name="revision" value="{awaiting_head.latest_revision_id}"' in page
    assert "Request changes" in text and "Approve" in text
    # The plan itself, from the shared body.
    assert "Priority 1:" in text and "Agree a calculation policy" in text


def test_approving_from_the_read_page_agrees_the_plan_and_emails_the_comment(client, awaiting_head):
    client.force_login(user("head"))
    revision = awaiting_head.latest_revision_id

    response = client.post(
        action_url(awaiting_head, "approve"),
        {
            "comment": "Governors will love the fluency slots.",
            "revision": revision,
            "next": read_url(awaiting_head),
        },
    )

    assert response.status_code == 302 and response["Location"] == read_url(awaiting_head)
    awaiting_head.refresh_from_db()
    # Exactly as from the editor (test_plan_emails): agreed, live, one email to the specialist.
    assert awaiting_head.state == PlanState.AGREED and awaiting_head.live
    assert awaiting_head.live_revision_id == revision
    approval = TaskState.objects.get(
        workflow_state__object_id=str(awaiting_head.pk),
        finished_by=user("head"),
        status=TaskState.STATUS_APPROVED,
    )
    assert approval.comment == "Governors will love the fluency slots."
    school = awaiting_head.school.name
    assert sent() == [
        (
            "specialist@mathshub.example",
            f"{school} approved its {awaiting_head.academic_year} action plan",
        )
    ]
    assert "Governors will love the fluency slots." in mail.outbox[0].body

    text = visible_text(client.get(read_url(awaiting_head)))
    assert f"Approved by {name('head')} on" in text
    assert "Governors will love the fluency slots." in text
    assert "This plan is waiting for you" not in text


def test_requesting_changes_from_the_read_page_needs_a_comment_and_sends_it(client, awaiting_head):
    client.force_login(user("head"))
    url = action_url(awaiting_head, "reject")

    # No comment: nothing is sent, and the read page says why (the browser requires it too).
    response = client.post(url, {"comment": "  ", "next": read_url(awaiting_head)}, follow=True)
    assert response.redirect_chain[-1][0] == read_url(awaiting_head)
    assert "Nothing was sent: say what needs to change" in response.content.decode()
    awaiting_head.refresh_from_db()
    assert awaiting_head.state == PlanState.AWAITING_SCHOOL
    assert sent() == []

    response = client.post(
        url, {"comment": "Add a measure governors can see.", "next": read_url(awaiting_head)}
    )

    assert response.status_code == 302 and response["Location"] == read_url(awaiting_head)
    awaiting_head.refresh_from_db()
    assert awaiting_head.state == PlanState.CHANGES_REQUESTED
    assert awaiting_head.current_workflow_state is None  # back to draft, as from the editor
    assert sent() == [
        (
            "specialist@mathshub.example",
            f"Changes requested to the {awaiting_head.academic_year} action plan for "
            f"{awaiting_head.school.name}",
        )
    ]
    assert "Add a measure governors can see." in mail.outbox[0].body

    # On the plan, for both sides: who asked, when, and what.
    for username in ("head", "specialist"):
        client.force_login(user(username))
        text = visible_text(client.get(read_url(awaiting_head)))
        assert f"Changes requested by {name('head')} on" in text
        assert "Add a measure governors can see." in text


def test_a_head_of_another_school_gets_a_404(client, awaiting_head):
    client.force_login(user("head2"))

    assert client.get(read_url(awaiting_head)).status_code == 404
    response = client.post(action_url(awaiting_head, "approve"), {"comment": ""})

    assert response.status_code == 404
    awaiting_head.refresh_from_db()
    assert awaiting_head.state == PlanState.AWAITING_SCHOOL


def test_a_leader_not_yet_asked_reads_without_buttons_and_a_forged_post_changes_nothing(
    client, fresh
):
    """The plan awaits the specialist's sign-off: the head reads it, but cannot act."""
    client.force_login(user("head"))
    task_state = fresh.current_workflow_task_state

    response = client.get(read_url(fresh))

    assert response.status_code == 200
    text = visible_text(response)
    assert f"This plan is waiting for {name('specialist')}'s sign-off." in text
    assert "This plan is waiting for you" not in text
    assert "/workflow/action/" not in response.content.decode()

    forged = client.post(
        reverse(f"{NS}:workflow_action", args=[fresh.pk, "approve", task_state.pk]),
        {"comment": "", "revision": fresh.latest_revision_id},
    )

    assert refused(forged)
    task_state.refresh_from_db()
    fresh.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert fresh.state == PlanState.AWAITING_SPECIALIST
    assert sent() == []


def test_the_specialist_signs_off_from_the_read_page_and_the_head_gets_the_read_link(client, fresh):
    client.force_login(user("specialist"))
    assert "Sign off" in visible_text(client.get(read_url(fresh)))

    response = client.post(
        action_url(fresh, "approve"),
        {"comment": "Ready: the release time is agreed.", "revision": fresh.latest_revision_id},
    )

    assert response.status_code == 302
    fresh.refresh_from_db()
    assert fresh.state == PlanState.AWAITING_SCHOOL
    [email] = mail.outbox
    assert email.to == ["head@mathshub.example"]
    # The head lands on the plan to read, and reads what the specialist added.
    assert email.body.count("http") == 1
    assert f"{reverse(f'{NS}:inspect', args=[fresh.pk])}\n" in email.body
    assert "Ready: the release time is agreed." in email.body


def test_an_approval_of_a_version_no_longer_awaiting_is_refused(client, awaiting_head):
    """The page pins the version it showed; a change since then refuses the approval."""
    client.force_login(user("head"))
    shown = awaiting_head.latest_revision_id
    awaiting_head.save_revision(user=user("hublead"))  # changed after the head loaded the page

    response = client.post(
        action_url(awaiting_head, "approve"),
        {"comment": "", "revision": shown, "next": read_url(awaiting_head)},
        follow=True,
    )

    # Back on the plan, told why: not Wagtail's "no permission" on the dashboard.
    assert response.redirect_chain[-1][0] == read_url(awaiting_head)
    assert "the plan has changed since you opened it" in response.content.decode()
    awaiting_head.refresh_from_db()
    assert awaiting_head.state == PlanState.AWAITING_SCHOOL
    assert awaiting_head.current_workflow_task_state.status == TaskState.STATUS_IN_PROGRESS
    assert sent() == []


@pytest.fixture
def changed_after_agreement(client, demo):
    """An agreed Brookfield plan whose specialist moved action 3's due date and added a
    priority in the editor, then signed the change off: awaiting the head again."""
    specialist, head = user("specialist"), user("head")
    plan = build_plan(
        School.objects.get(urn=990101), specialist=specialist, title="Brookfield: changed"
    )
    drive(plan, "agreed", specialist=specialist, leader=head, hub_lead=user("hublead"))
    plan.refresh_from_db()
    third = plan.actions.order_by("sort_order")[2]
    old_due, new_due = third.due_on, third.due_on + timedelta(days=21)

    client.force_login(specialist)
    url = reverse(f"{NS}:edit", args=[plan.pk])
    data = post_data(client.get(url).context["form"])
    data["actions-2-due_on"] = new_due.isoformat()
    data["priorities-TOTAL_FORMS"] = 3
    data["priorities-2-title"] = "Pupils explain their reasoning in full sentences"
    data["priorities-2-ORDER"] = 3
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SPECIALIST
    task_state = plan.current_workflow_task_state
    task_state.task.specific.on_action(task_state, specialist, "approve")
    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SCHOOL
    return plan, old_due, new_due


def test_what_changed_since_the_head_approved_is_said_in_plain_words(
    client, changed_after_agreement
):
    plan, old_due, new_due = changed_after_agreement
    client.force_login(user("head"))

    text = visible_text(client.get(read_url(plan)))

    assert "What changed since you last approved or asked for changes" in text
    assert "Since you approved on" in text
    assert "Priority 3 added: Pupils explain their reasoning in full sentences" in text
    assert f"Action 3: due date {old_due:%-d %b} → {new_due:%-d %b}" in text or (
        f"Action 3: due date {old_due:%-d %b %Y} → {new_due:%-d %b %Y}" in text
    )
    # The page shows the version awaiting approval, with the new priority in it.
    assert "Priority 3: Pupils explain their reasoning" in text
    assert not any(word in text.lower() for word in CMS_WORDS)


def test_with_no_approval_of_their_own_a_leader_compares_with_the_agreed_version(
    changed_after_agreement,
):
    from workflows.plans.reading import what_changed

    plan, _old, _new = changed_after_agreement
    other_leader = get_user_model().objects.create_user("head_b", email="b@example.org")
    other_leader.groups.set(user("head").groups.all())
    plan.school.leaders.add(other_leader)

    changes = what_changed(plan, other_leader)

    assert changes["since"].startswith("it was agreed on")
    assert "Priority 3 added: Pupils explain their reasoning in full sentences" in changes["lines"]


def test_no_cms_words_on_the_read_page_status_and_histories(client, fresh):
    """A whole round trip: sign-off, changes requested, again, agreed; then every page a head reads."""
    specialist, head = user("specialist"), user("head")
    task_state = fresh.current_workflow_task_state
    task_state.task.specific.on_action(task_state, specialist, "approve")
    fresh.refresh_from_db()
    client.force_login(head)
    client.post(action_url(fresh, "reject"), {"comment": "Name the Year 4 teacher."})
    fresh.refresh_from_db()
    assert fresh.state == PlanState.CHANGES_REQUESTED
    fresh.save_revision(user=specialist)
    fresh.get_workflow().start(fresh, specialist)
    fresh.refresh_from_db()
    task_state = fresh.current_workflow_task_state
    task_state.task.specific.on_action(task_state, specialist, "approve", comment="Done.")
    fresh.refresh_from_db()
    client.post(action_url(fresh, "approve"), {"comment": "Thank you."})
    fresh.refresh_from_db()
    assert fresh.state == PlanState.AGREED

    workflow_state = fresh.workflow_states.order_by("created_at").first()
    pages = {
        "read": read_url(fresh),
        "history": reverse(f"{NS}:history", args=[fresh.pk]),
        "approvals": reverse(f"{NS}:workflow_history", args=[fresh.pk]),
        "first round": reverse(f"{NS}:workflow_history_detail", args=[fresh.pk, workflow_state.pk]),
    }
    texts = {}
    for label, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, label
        texts[label] = visible_text(response)
        for word in CMS_WORDS:
            assert word not in texts[label].lower(), (label, word)

    assert f"Changes requested by {name('head')} on" in texts["read"]
    assert "the version of" in texts["read"]
    assert "Changes requested" in texts["history"] and "Approval withdrawn" not in texts["history"]
    assert "Changes requested" in texts["approvals"] and "Agreed" in texts["approvals"]
    assert "Changes requested" in texts["first round"]
    assert "Name the Year 4 teacher." in texts["first round"]


def test_approval_withdrawn_reads_as_such_in_the_approval_history(client, fresh):
    from workflows.plans.views import restart_approval_after_edit

    specialist = user("specialist")
    task_state = fresh.current_workflow_task_state
    task_state.task.specific.on_action(task_state, specialist, "approve")
    fresh.refresh_from_db()
    fresh.summary = "Changed while the school was reading it."
    fresh.save_revision(user=specialist)
    restart_approval_after_edit(fresh, specialist)

    client.force_login(user("head"))
    history = visible_text(client.get(reverse(f"{NS}:history", args=[fresh.pk])))
    approvals = visible_text(client.get(reverse(f"{NS}:workflow_history", args=[fresh.pk])))

    assert "Approval withdrawn" in history and "Approval withdrawn" in approvals
    assert "Awaiting approval" in approvals
    for text in (history, approvals):
        assert not any(word in text.lower() for word in CMS_WORDS)


def test_heads_land_on_the_read_page_from_the_listing_and_the_dashboard(client, awaiting_head):
    client.force_login(user("head"))
    inspect = f'href="{read_url(awaiting_head)}"'
    edit = f'href="{reverse(f"{NS}:edit", args=[awaiting_head.pk])}"'

    listing = client.get(reverse(f"{NS}:list")).content.decode()
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()

    assert inspect in listing
    assert inspect in dashboard and edit not in dashboard
    # A specialist still opens the editor from the listing.
    client.force_login(user("specialist"))
    assert edit in client.get(reverse(f"{NS}:list")).content.decode()


def test_the_read_page_costs_a_fixed_number_of_queries(
    client, changed_after_agreement, django_assert_num_queries
):
    """The head's page for a changed plan: the plan, its approval, two versions compared.

    Most of the cost is Wagtail loading the two versions from their revisions
    (modelcluster checks each child's foreign keys as it rebuilds it), as the
    history's own "Compare" does: it follows the size of the plan, not the number
    of plans.
    """
    plan, _old, _new = changed_after_agreement
    client.force_login(user("head"))
    client.get(read_url(plan))  # warm: content types, the user's session and groups

    with django_assert_num_queries(QUERIES):
        response = client.get(read_url(plan))

    assert response.status_code == 200


QUERIES = 66


def test_a_decision_from_the_read_page_is_confirmed(client, awaiting_head):
    client.force_login(user("head"))
    response = client.post(
        action_url(awaiting_head, "approve"),
        {
            "comment": "",
            "revision": awaiting_head.latest_revision_id,
            "next": read_url(awaiting_head),
        },
        follow=True,
    )
    assert f"Approved “{awaiting_head.title}”." in response.content.decode()
