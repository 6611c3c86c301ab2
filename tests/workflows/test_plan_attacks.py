"""Issue #14 attacked from a low role: tracking, evidence, approvals, plan set-up.

Each test is a finding of the review of issue #14 (or a probe kept as a guard),
driven through the real admin views with the test client as the attacker: a
Mastery Specialist of another group, a head of a sibling school, an editor, or
someone posting ids and values the pages never offered.
"""

import html

from django.urls import reverse

import pytest

from tests.workflows.test_plan_reading import CMS_WORDS, visible_text
from tests.workflows.test_plan_tracking import NS, user
from workflows.demo.plans import build_plan, drive
from workflows.meetings.viewsets import start_plan_url
from workflows.models import ActionPlan, Enrolment, School, Visit, WorkGroup


@pytest.fixture
def shared_school(demo):
    """Kirkstall Valley (990105): in the demo specialist's Leeds group, with no plan there,
    and also in specialist2's Bradford group, where specialist2 has written its plan."""
    school = School.objects.get(urn=990105)
    leeds = WorkGroup.objects.get(code="DEV-26-LDS")
    bradford = WorkGroup.objects.get(code="EMB-26-BFD")
    bradford.allow_over_capacity = True
    bradford.save(update_fields=["allow_over_capacity"])
    enrolment = Enrolment(school=school, work_group=bradford)
    enrolment.full_clean()
    enrolment.save()
    hidden = build_plan(
        school, specialist=user("specialist2"), title="Kirkstall: specialist2's confidential plan"
    )
    ActionPlan.objects.filter(pk=hidden.pk).update(enrolment=enrolment)
    hidden.refresh_from_db()
    visit = Visit.objects.create(
        school=school,
        work_group=leeds,
        specialist=user("specialist"),
        visited_on=leeds.enrolments.first().created_at.date(),
        purpose="Autumn support visit",
    )
    return school, hidden, visit


def test_starting_a_plan_never_names_a_plan_outside_the_specialists_scope(client, shared_school):
    """ "Start a plan from this visit" said which plan the school already had that year,
    by title, even a plan of another group the specialist may not open."""
    school, hidden, visit = shared_school
    client.force_login(user("specialist"))
    assert client.get(reverse(f"{NS}:inspect", args=[hidden.pk])).status_code == 404

    response = client.get(start_plan_url(visit), follow=True)

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert hidden.title not in page
    assert "already has a plan" not in page
    # Its own specialist, starting from a visit of their group, is told of it.
    client.force_login(user("specialist2"))
    theirs = Visit.objects.create(
        school=school,
        work_group=hidden.enrolment.work_group,
        specialist=user("specialist2"),
        visited_on=visit.visited_on,
        purpose="Embedding visit",
    )
    page = html.unescape(client.get(start_plan_url(theirs), follow=True).content.decode())
    assert "already has a plan" in page and hidden.title in page


@pytest.mark.parametrize("username", ["head", "specialist"])
def test_the_site_history_report_says_plan_approvals_in_the_programmes_words(
    client, demo, username
):
    """Wagtail's site history report read "Action plan rejected at 'Specialist sign-off'"
    and "Action plan cancelled 'Action plan approval'" to heads and specialists."""
    plan = build_plan(
        School.objects.get(urn=990101), specialist=user("specialist"), title="Brookfield: words"
    )
    drive(
        plan,
        "awaiting_school",
        specialist=user("specialist"),
        leader=user("head"),
        hub_lead=user("hublead"),
    )
    plan.refresh_from_db()
    task_state = plan.current_workflow_task_state
    task_state.task.specific.on_action(task_state, user("head"), "reject", comment="Name them.")
    client.force_login(user(username))

    response = client.get(reverse("wagtailadmin_reports:site_history"))

    assert response.status_code == 200
    text = visible_text(response).lower()
    assert "brookfield: words" in text
    assert "changes requested" in text
    assert [word for word in CMS_WORDS if word in text] == []
