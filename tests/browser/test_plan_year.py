"""A plan through the school year, end to end in headless Chromium (issue #14).

The specialist starts a plan from the support visit, writes its priorities and
actions, sends it for approval and signs it off; the head reads it and approves.
Through the year the head records progress (a status, a success criterion, a
progress note and a file of evidence), which changes nothing agreed; the
specialist records a termly review. A change to what was agreed warns before
saving and goes to both again, while the agreed plan keeps counting; the head
sees what changed and approves. The governors' print shows the agreed plan, its
tracking and its evidence, in the programme's words.
"""

import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from wagtail.documents import get_document_model

import pytest
from playwright.sync_api import expect

from tests.browser.test_plan_approval import NS_PATH, click_footer_action
from workflows.models import (
    ActionEvidence,
    ActionPlan,
    CriterionProgress,
    Enrolment,
    PlanReview,
    ProgressNote,
    Visit,
)
from workflows.plans.models import (
    ActionPlanLogEntry,
    ActionStatus,
    CriterionStatus,
    PlanState,
)

TITLE = "Brookfield: the year's plan"
FIRST = "Reasoning in every lesson"
SECOND = "Teaching assistants plan with teachers"
ACTION_1 = "Staff meeting on questioning for reasoning"
ACTION_2 = "Teaching assistants join fortnightly planning"
ACTION_2_CHANGED = "Teaching assistants join weekly planning"
CRITERIA_1 = "Pupils explain their answers in full sentences\nEvery class uses stem sentences"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
#: Words of the CMS that no specialist, head or governor should read.
CMS_WORDS = re.compile(r"revision|moderation|rejected|cancelled", re.IGNORECASE)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Evidence files go to a temporary media root, removed with the test's directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def sign_in_as(page, login, username):
    page.context.clear_cookies()
    login(username)


def header_action(page, label):
    """Follow a link of the page header, opening its "Actions" dropdown if it sits there."""
    link = page.locator("header a, main a").filter(
        has_text=re.compile(f"^\\s*{re.escape(label)}\\s*$")
    )
    if not link.first.is_visible():
        page.locator("header button[aria-label='Actions']").first.click()
    with page.expect_navigation():
        link.first.click()


def add_inline(page, label):
    """Add a row to one of the editor's inline panels ("Add priority", "Add action")."""
    page.get_by_role(
        "button", name=re.compile(f"^\\s*{re.escape(label)}\\s*$", re.IGNORECASE)
    ).click()


def messages_text(page):
    return page.locator(".messages").inner_text()


def test_a_plan_through_the_year(page, login, live_server, demo, tmp_path):
    base = live_server.url
    visit = Visit.objects.select_related("school", "work_group").get(
        school__urn=990101, specialist__username="specialist"
    )
    school = visit.school
    head = get_user_model().objects.get(username="head")

    # --- The specialist starts a plan from the visit ---------------------------------
    sign_in_as(page, login, "specialist")
    page.goto(f"{base}/admin/pd/visits/edit/{visit.pk}/")
    header_action(page, "Start a plan from this visit")
    assert f"visit={visit.pk}" in page.url
    # What the visit already says is filled in.
    assert page.input_value("#id_title") == f"{school.name}: {visit.work_group.academic_year} plan"
    assert page.input_value("#id_school") == str(school.pk)
    assert page.input_value("#id_visit") == str(visit.pk)
    assert page.input_value("#id_specialist") == str(visit.specialist_id)
    assert page.input_value("#id_academic_year") == visit.work_group.academic_year
    enrolment = Enrolment.objects.get(school=school, work_group=visit.work_group)
    assert page.input_value("#id_enrolment") == str(enrolment.pk)
    # The school's demo plan for the year is named, in case this one is a mistake.
    assert "already has a plan for" in messages_text(page)
    page.fill("#id_title", TITLE)

    # Two priorities; each action chooses its priority by title, kept in step as they are typed.
    page.fill("#id_priorities-0-title", FIRST)
    add_inline(page, "Add action")
    page.fill("#id_actions-0-what", ACTION_1)
    page.fill("#id_actions-0-owner_name", "Maths lead")
    page.fill("#id_actions-0-success_criteria", CRITERIA_1)
    add_inline(page, "Add priority")
    page.fill("#id_priorities-1-title", SECOND)
    priorities = [f"1. {FIRST}", f"2. {SECOND}"]
    expect(page.locator("#id_actions-0-priority_number option")).to_have_text(priorities)
    expect(page.locator("#id_actions-0-priority_number")).to_have_value("1")
    add_inline(page, "Add action")
    expect(page.locator("#id_actions-1-priority_number option")).to_have_text(priorities)
    page.select_option("#id_actions-1-priority_number", label=f"2. {SECOND}")
    page.fill("#id_actions-1-what", ACTION_2)
    page.fill("#id_actions-1-owner_name", "Head teacher")
    page.fill("#id_actions-1-success_criteria", "Every TA has planned with their teacher")
    click_footer_action(page, "Send for approval")
    plan = ActionPlan.objects.get(title=TITLE)
    assert (plan.school, plan.enrolment, plan.visit, plan.specialist_id) == (
        school,
        enrolment,
        visit,
        visit.specialist_id,
    )
    assert plan.state == PlanState.AWAITING_SPECIALIST

    # ... and signs it off in the editor.
    edit_url = f"{base}{NS_PATH}/edit/{plan.pk}/"
    read_url = f"{base}{NS_PATH}/inspect/{plan.pk}/"
    page.goto(edit_url)
    click_footer_action(page, "Sign off")
    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SCHOOL

    # --- The head reads the plan and approves it ----------------------------------------
    sign_in_as(page, login, "head")
    page.goto(f"{base}{NS_PATH}/")
    with page.expect_navigation():
        page.get_by_role("link", name=TITLE).click()
    assert page.url == read_url  # a school leader reads, not edits
    decision = page.locator(".plan-decision")
    assert "This plan is waiting for you" in decision.inner_text()
    body = page.locator("main").inner_text()
    assert FIRST in body and SECOND in body and ACTION_1 in body and ACTION_2 in body
    assert "Every class uses stem sentences" in body
    assert not CMS_WORDS.search(body), CMS_WORDS.findall(body)
    mail.outbox.clear()
    with page.expect_navigation():
        decision.get_by_role("button", name="Approve", exact=True).click()
    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED and plan.live
    assert "Agreed by" in page.locator(".plan-status__agreed").inner_text()
    assert f"{school.name} approved its {plan.academic_year} action plan" in [
        message.subject for message in mail.outbox
    ]
    agreed_revision = plan.live_revision_id
    action_1, action_2 = plan.actions.order_by("sort_order", "pk")
    assert action_2.priority_number == 2

    # --- The head tracks progress: a status, a criterion, a note, a file ----------------
    header_action(page, "Track progress")
    assert "/track/" in page.url
    page.select_option(f"#id_status_{action_1.pk}", ActionStatus.ON_TRACK.value)
    page.select_option(f"#id_criterion_{action_1.pk}_2", CriterionStatus.PARTLY_MET.value)
    page.fill(f"#id_criterion_notes_{action_1.pk}_2", "Four classes of seven so far.")
    page.fill(f"#id_note_{action_1.pk}", "Staff meeting held; stems on every working wall.")
    evidence = tmp_path / "staff-meeting-minutes.pdf"
    evidence.write_bytes(PDF)
    page.set_input_files(f"#id_evidence_{action_1.pk}", str(evidence))
    page.fill(f"#id_evidence_description_{action_1.pk}", "Minutes of the staff meeting")
    with page.expect_navigation():
        page.get_by_role("button", name="Save progress").click()
    assert page.url == read_url
    assert "1 file of evidence added" in messages_text(page)
    plan.refresh_from_db()
    # Tracking changed nothing agreed: no new version, no approval, nobody locked out.
    assert plan.state == PlanState.AGREED
    assert plan.latest_revision_id == agreed_revision and not plan.workflow_in_progress
    assert not plan.locked
    logged = ActionPlanLogEntry.objects.get(object_id=str(plan.pk), action="workflows.plan_tracked")
    assert logged.user == head
    action_1.refresh_from_db()
    assert action_1.status == ActionStatus.ON_TRACK
    note = ProgressNote.objects.get(plan=plan)
    assert (note.action_number, note.recorded_by) == (1, head)
    criterion = CriterionProgress.objects.get(action=action_1)
    assert (criterion.number, criterion.status) == (2, CriterionStatus.PARTLY_MET)
    item = ActionEvidence.objects.select_related("document__collection").get(plan=plan)
    assert (item.action, item.uploaded_by) == (action_1, head)
    assert school.name in item.document.collection.name
    # The file is listed with its action, and opens for the head.
    link = page.locator(".plan-evidence a", has_text="Minutes of the staff meeting")
    assert link.count() == 1
    served = page.request.get(base + link.get_attribute("href"))
    assert served.ok and served.body() == PDF
    assert "Staff meeting held; stems on every working wall." in page.locator("main").inner_text()

    # --- The specialist records a termly review -----------------------------------------
    sign_in_as(page, login, "specialist")
    page.goto(read_url)
    with page.expect_navigation():
        page.get_by_role("link", name="Record a termly review").click()
    assert "/review/" in page.url
    assert page.input_value("#id_reviewed_on") == timezone.localdate().isoformat()
    # The review starts from the status tracking left.
    assert page.input_value(f"#id_status_{action_1.pk}") == ActionStatus.ON_TRACK.value
    page.fill("#id_comment", "A good first term; planning time is protected.")
    page.select_option(f"#id_status_{action_2.pk}", ActionStatus.AT_RISK.value)
    page.fill(f"#id_comment_{action_2.pk}", "Two TAs could not attend yet.")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the review").click()
    assert "recorded" in messages_text(page)
    review = PlanReview.objects.get(plan=plan)
    assert (review.reviewed_on, review.reviewed_by.username) == (
        timezone.localdate(),
        "specialist",
    )
    plan.refresh_from_db()
    assert plan.state == PlanState.IN_PROGRESS
    assert "A good first term" in page.locator("main").inner_text()

    # --- The specialist changes what was agreed: warned first ---------------------------
    page.goto(edit_url)
    notice = page.locator(".plan-status__agreed-notice")
    assert "This plan is agreed." in notice.inner_text()
    assert "to approve again" in notice.inner_text()
    page.fill("#id_actions-1-what", ACTION_2_CHANGED)
    click_footer_action(page, "Send changes for approval")
    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SPECIALIST
    # The agreed plan stays in force and counts: the listing still says agreed.
    assert plan.live and plan.live_revision_id == agreed_revision and plan.in_force
    action_2.refresh_from_db()
    assert action_2.what == ACTION_2
    page.goto(f"{base}{NS_PATH}/?q=year%27s")
    row = page.locator("tr", has_text=TITLE)
    assert "Agreed; changes awaiting specialist sign-off" in row.inner_text()
    # The governors' print keeps the agreed wording meanwhile.
    page.goto(f"{base}{NS_PATH}/print/{plan.pk}/")
    printed = page.locator("body").inner_text()
    assert ACTION_2 in printed and ACTION_2_CHANGED not in printed
    assert "this is the version agreed" in printed

    # The specialist signs the change off.
    page.goto(edit_url)
    click_footer_action(page, "Sign off")
    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SCHOOL

    # --- The head sees what changed and approves again ----------------------------------
    sign_in_as(page, login, "head")
    page.goto(read_url)
    changes = page.locator(".plan-changes")
    assert "you approved on" in changes.inner_text()
    assert f"Action 2: now “{ACTION_2_CHANGED}”" in changes.inner_text()
    body = page.locator("main").inner_text()
    assert "You are reading the plan as changed" in body
    assert not CMS_WORDS.search(body), CMS_WORDS.findall(body)
    # Tracking goes on while the change is in approval.
    assert page.locator("main a", has_text="Track progress").count() >= 1
    with page.expect_navigation():
        page.locator(".plan-decision").get_by_role("button", name="Approve", exact=True).click()
    plan.refresh_from_db()
    assert plan.state == PlanState.IN_PROGRESS and not plan.workflow_in_progress
    assert plan.live_revision_id == plan.latest_revision_id != agreed_revision
    action_1.refresh_from_db()
    action_2.refresh_from_db()
    assert action_2.what == ACTION_2_CHANGED
    # Tracking survives the new agreed version.
    assert action_1.status == ActionStatus.ON_TRACK and action_2.status == ActionStatus.AT_RISK
    assert ActionEvidence.objects.filter(plan=plan, action=action_1).count() == 1
    assert get_document_model().objects.filter(pk=item.document_id).exists()

    # --- The governors' print --------------------------------------------------------------
    page.goto(f"{base}{NS_PATH}/print/{plan.pk}/")
    printed = page.locator("body").inner_text()
    for words in (
        TITLE,
        FIRST,
        SECOND,
        ACTION_1,
        ACTION_2_CHANGED,
        "Agreed by",
        "Every class uses stem sentences \N{EN DASH} Partly met",
        "Staff meeting held; stems on every working wall.",
        "Minutes of the staff meeting",
        "A good first term; planning time is protected.",
    ):
        assert words in printed, words
    assert ACTION_2 not in printed
    assert "this is the version agreed" not in printed
    assert not CMS_WORDS.search(printed), CMS_WORDS.findall(printed)
    assert not CMS_WORDS.search(page.title())
    assert page.locator("a", has_text="Minutes of the staff meeting").count() == 1
