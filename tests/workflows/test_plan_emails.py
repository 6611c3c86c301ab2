"""Each step of a plan's approval emails exactly the people our notifications name.

Wagtail's own workflow emails ("…has been submitted to workflow" to every
superuser, "…has been rejected/approved" to whoever submitted) used to go out
as well: one "Request changes" reached the specialist twice, and every
submission reached ``admin``, who is outside every plan's scope. Each test
drives the real admin views and compares every email sent, recipients and
subjects, with exactly the ones expected. Page moderation keeps Wagtail's emails.
"""

from django.contrib.auth import get_user_model
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse

from wagtail.models import Page, Workflow

import pytest

from tests.workflows.test_plan_approval_rules import edit_url, form_data, workflow_action
from workflows.demo.plans import build_plan
from workflows.models import ActionPlan, School
from workflows.plans.models import PlanState


def user(username):
    return get_user_model().objects.get(username=username)


def sent():
    """Every email sent so far, as sorted ``(recipient, subject)`` pairs."""
    return sorted((to, message.subject) for message in mail.outbox for to in message.to)


@pytest.fixture
def outbox(demo):
    """The demo hub, with every demo login's address as the demo gives it."""
    admin = user("admin")
    assert admin.is_superuser and admin.email == "admin@mathshub.example"
    for username in ("specialist", "head", "head990103", "hublead"):
        assert user(username).email == f"{username}@mathshub.example"
    mail.outbox.clear()


def submit(client, plan):
    data = form_data(client, plan)
    data["action-submit"] = "true"
    response = client.post(edit_url(plan), data)
    assert response.status_code == 302
    plan.refresh_from_db()


def test_the_specialist_submitting_their_own_plan_emails_nobody(client, outbox):
    plan = ActionPlan.objects.get(school__urn=990103)  # a draft of the specialist's
    client.force_login(user("specialist"))

    submit(client, plan)

    assert plan.state == PlanState.AWAITING_SPECIALIST
    assert sent() == []  # least of all Wagtail's "submitted to workflow" to admin@


def test_the_hub_lead_submitting_a_plan_emails_only_its_specialist(client, outbox):
    plan = ActionPlan.objects.get(school__urn=990103)
    client.force_login(user("hublead"))

    submit(client, plan)

    assert plan.state == PlanState.AWAITING_SPECIALIST
    assert sent() == [
        (
            "specialist@mathshub.example",
            f"The {plan.academic_year} action plan for {plan.school.name} is ready for your sign-off",
        )
    ]


def awaiting_specialist(client):
    """Hollins Lane's draft, submitted by its specialist, with the outbox emptied after.

    (The demo's other plans awaiting sign-off are for schools whose names have an
    apostrophe, which the subject templates HTML-escape: a separate fault.)
    """
    plan = ActionPlan.objects.get(school__urn=990103)
    client.force_login(user("specialist"))
    submit(client, plan)
    assert plan.state == PlanState.AWAITING_SPECIALIST
    mail.outbox.clear()
    return plan


def test_signing_off_emails_only_the_plans_school_leaders(client, outbox):
    plan = awaiting_specialist(client)

    assert workflow_action(client, plan, "approve", comment="Over to you.").status_code == 302

    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SCHOOL
    assert sent() == [
        (
            "head990103@mathshub.example",
            f"The {plan.academic_year} action plan for {plan.school.name} is ready for your approval",
        )
    ]
    # The specialist's comment, and a link to the plan's read page (not the editor).
    body = mail.outbox[0].body
    assert "Over to you." in body
    assert reverse("wagtailsnippets_workflows_actionplan:inspect", args=[plan.pk]) + "\n" in body
    assert "/edit/" not in body


def test_the_school_requesting_changes_emails_the_specialist_once(client, outbox):
    plan = ActionPlan.objects.get(school__urn=990101)  # awaiting head's approval
    assert plan.current_workflow_state.requested_by == user("specialist")
    client.force_login(user("head"))

    response = workflow_action(client, plan, "reject", comment="Add a measure governors see.")

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.CHANGES_REQUESTED
    assert sent() == [
        (
            "specialist@mathshub.example",
            f"Changes requested to the {plan.academic_year} action plan for {plan.school.name}",
        )
    ]
    assert "Add a measure governors see." in mail.outbox[0].body


def test_the_specialist_requesting_changes_emails_only_the_school(client, outbox):
    plan = awaiting_specialist(client)

    response = workflow_action(client, plan, "reject", comment="Name the Year 4 teacher.")

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.CHANGES_REQUESTED
    assert sent() == [
        (
            "head990103@mathshub.example",
            f"Changes requested to the {plan.academic_year} action plan for {plan.school.name}",
        )
    ]


def test_the_school_approving_emails_the_specialist_once(client, outbox):
    plan = ActionPlan.objects.get(school__urn=990101)  # awaiting head's approval
    client.force_login(user("head"))

    assert workflow_action(client, plan, "approve", comment="Well done, all.").status_code == 302

    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED
    school = plan.school.name
    assert sent() == [
        ("specialist@mathshub.example", f"{school} approved its {plan.academic_year} action plan")
    ]
    # The approval's comment travels with it.
    assert "Well done, all." in mail.outbox[0].body


def test_a_whole_approval_emails_each_side_only_what_it_must_act_on(client, outbox):
    school = School.objects.get(urn=990101)
    plan = build_plan(school, specialist=user("specialist"), title="Brookfield: second plan")
    client.force_login(user("specialist"))
    submit(client, plan)
    assert workflow_action(client, plan, "approve").status_code == 302
    client.force_login(user("head"))
    assert workflow_action(client, plan, "approve").status_code == 302

    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED
    assert sent() == [
        (
            "head@mathshub.example",
            f"The {plan.academic_year} action plan for {plan.school.name} is ready for your approval",
        ),
        (
            "specialist@mathshub.example",
            f"{school.name} approved its {plan.academic_year} action plan",
        ),
    ]


def test_page_moderation_still_sends_wagtails_own_emails(outbox):
    """Only plans are exempt: a page's submission reaches superusers, its rejection the editor."""
    workflow = Workflow.objects.get(name="Moderators approval")
    page = Page.objects.get(depth=2).specific
    assert page.get_workflow() == workflow

    workflow.start(page, user("editor"))

    submitted = f'The page "{page.title}" has been submitted to workflow "Moderators approval"'
    assert ("admin@mathshub.example", submitted) in sent()

    mail.outbox.clear()
    task_state = page.current_workflow_task_state
    task_state.task.specific.on_action(task_state, user("admin"), "reject", comment="Typo.")

    assert sent() == [
        (
            "editor@mathshub.example",
            f'The page "{page.title}" has been rejected during "Moderators approval".',
        )
    ]


@pytest.mark.parametrize(
    "template",
    ["awaiting_school", "awaiting_specialist", "changes_requested", "reminder", "school_approved"],
)
def test_subjects_read_as_written_not_html_escaped(template):
    """Plain-text emails: "St Mary's", never "St Mary&#x27;s", in the subject line."""
    plan = ActionPlan(
        title="St Mary's: 2026/27 plan",
        academic_year="2026/27",
        school=School(name="St Mary's Church of England Primary"),
    )
    subject = render_to_string(f"workflows/plans/emails/{template}_subject.txt", {"plan": plan})
    assert "St Mary's" in subject and "&#x27;" not in subject
    # Domain words: the school and the year, never a CMS word.
    assert "2026/27 action plan" in subject
    assert not any(word in subject.lower() for word in ("moderation", "revision", "workflow"))
