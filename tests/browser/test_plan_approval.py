"""A plan's approval, end to end in headless Chromium, as the people do it.

The specialist drafts a plan and submits it, signs it off; the head asks for a
change with a comment; the specialist edits and resubmits and signs off again;
the head approves; the plan shows as agreed by both.
"""

import re

from django.contrib.auth import get_user_model

from workflows.models import ActionPlan, Enrolment
from workflows.plans.models import PlanState

NS_PATH = "/admin/snippets/workflows/actionplan"


def click_footer_action(page, label, navigates=True):
    """Click an item of the editor's footer action menu (it sits in a dropdown)."""
    button = page.locator("footer button, footer a", has_text=re.compile(f"^\\s*{label}\\s*$"))
    if not navigates:
        button.first.evaluate("element => element.click()")
        return
    with page.expect_navigation():
        button.first.evaluate("element => element.click()")


def choose(page, selector, value):
    """Pick ``value`` in a select, or in the hidden input behind a Wagtail chooser."""
    page.locator(selector).evaluate(
        "(element, value) => { element.value = value;"
        " element.dispatchEvent(new Event('change', {bubbles: true})); }",
        str(value),
    )


def test_specialist_and_head_agree_a_plan(page, login, live_server, demo):
    enrolment = Enrolment.objects.select_related("work_group").get(school__urn=990101)
    specialist = get_user_model().objects.get(username="specialist")

    # The specialist drafts the plan and submits it.
    login("specialist")
    page.goto(f"{live_server.url}{NS_PATH}/add/")
    page.fill("#id_title", "Brookfield: browser plan")
    choose(page, "#id_school", enrolment.school_id)
    choose(page, "#id_enrolment", enrolment.pk)
    choose(page, "#id_specialist", specialist.pk)
    page.fill("#id_academic_year", "2026/27")
    page.fill("#id_priorities-0-title", "Reasoning in every lesson")
    click_footer_action(page, "Send for approval")
    plan = ActionPlan.objects.get(title="Brookfield: browser plan")
    assert plan.state == PlanState.AWAITING_SPECIALIST

    # ... and signs it off.
    edit_url = f"{live_server.url}{NS_PATH}/edit/{plan.pk}/"
    page.goto(edit_url)
    click_footer_action(page, "Sign off")
    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SCHOOL

    # The head asks for a change, with a comment.
    page.context.clear_cookies()
    login("head")
    page.goto(edit_url)
    click_footer_action(page, "Request changes", navigates=False)
    page.fill("textarea[name=comment]", "Please add a measure governors can check.")
    with page.expect_navigation():
        page.locator(".modal button[type=submit]").click()
    plan.refresh_from_db()
    assert plan.state == PlanState.CHANGES_REQUESTED

    # The specialist sees the comment, edits and resubmits, then signs off.
    page.context.clear_cookies()
    login("specialist")
    page.goto(edit_url)
    assert "Please add a measure governors can check." in page.content()
    page.fill("#id_summary", "Success measured by termly pupil interviews.")
    click_footer_action(page, "Resend for approval")
    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SPECIALIST
    page.goto(edit_url)
    click_footer_action(page, "Sign off")
    plan.refresh_from_db()
    assert plan.state == PlanState.AWAITING_SCHOOL

    # The head approves; the plan is agreed by both.
    page.context.clear_cookies()
    login("head")
    page.goto(edit_url)
    # The task's own label: Wagtail's "and Publish" is dropped for plans.
    click_footer_action(page, "Approve")
    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED
    page.goto(f"{live_server.url}{NS_PATH}/inspect/{plan.pk}/")
    text = page.locator(".plan-status__agreed").inner_text()
    assert "(specialist) on" in text and "(school) on" in text
    assert "Agreed by" in text
