"""The plan editor speaks the words of the people who agree plans (issue #14, part 5).

Wagtail's editor says "Submit to Action plan approval", "Cancel workflow", "In
Moderation" and offers a lock toggle; a specialist or head reads "Send for
approval", "Withdraw from approval" and where the plan stands.
"""

import re

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest

from workflows.demo.plans import build_plan, drive
from workflows.models import School

NS = "wagtailsnippets_workflows_actionplan"
CMS_WORDS = re.compile(
    r"Submit to|Resubmit|Cancel workflow|Restart workflow|In Moderation|moderation|"
    r"First published|Sent to|\bLock(ed)?\b",
    re.IGNORECASE,
)


def user(username):
    return get_user_model().objects.get(username=username)


def plan_in(target):
    plan = build_plan(School.objects.get(urn=990101), specialist=user("specialist"), title="Words")
    drive(
        plan, target, specialist=user("specialist"), leader=user("head"), hub_lead=user("hublead")
    )
    plan.refresh_from_db()
    return plan


def editor(client, username, plan):
    client.force_login(user(username))
    response = client.get(reverse(f"{NS}:edit", args=[plan.pk]))
    assert response.status_code == 200
    return response.content.decode()


def visible_text(html):
    """What a reader sees: the page's text, without markup, scripts or templates."""
    html = re.sub(r"<(script|template|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.django_db
def test_a_draft_is_sent_for_approval_not_submitted_to_a_workflow(client, demo):
    html = visible_text(editor(client, "specialist", plan_in("draft")))
    assert "Send for approval" in html
    assert "Not yet sent for approval." in html
    assert not CMS_WORDS.search(html), CMS_WORDS.search(html)


@pytest.mark.django_db
def test_the_side_panel_says_who_the_plan_waits_on(client, demo):
    html = visible_text(editor(client, "head", plan_in("awaiting_school")))
    assert "Awaiting school approval" in html
    assert re.search(r"Waiting for school leader approval; sent .* ago by", html)
    assert not CMS_WORDS.search(html), CMS_WORDS.search(html)


@pytest.mark.django_db
def test_the_specialist_withdraws_a_plan_from_approval(client, demo):
    html = visible_text(editor(client, "specialist", plan_in("awaiting_school")))
    assert "Withdraw from approval" in html
    assert not CMS_WORDS.search(html), CMS_WORDS.search(html)


@pytest.mark.django_db
def test_an_agreed_plan_sends_changes_for_approval(client, demo):
    html = visible_text(editor(client, "specialist", plan_in("agreed")))
    assert "Send changes for approval" in html
    assert "Agreed" in html
    assert not CMS_WORDS.search(html), CMS_WORDS.search(html)


@pytest.mark.django_db
def test_the_lock_toggle_is_for_hub_leads_only(client, demo):
    plan = plan_in("agreed")
    lock_url = reverse(f"{NS}:lock", args=[plan.pk])
    assert lock_url not in editor(client, "specialist", plan)
    assert lock_url in editor(client, "hublead", plan)


@pytest.mark.django_db
def test_record_a_review_is_reachable_from_the_plan(client, demo):
    """Issue #14, part 7: the specialist records a termly review from the plan itself."""
    plan = plan_in("agreed")
    review_url = reverse(f"{NS}:review", args=[plan.pk])
    for view in ("edit", "inspect"):
        client.force_login(user("specialist"))
        page = client.get(reverse(f"{NS}:{view}", args=[plan.pk])).content.decode()
        assert f'href="{review_url}"' in page and "Record a review" in page
        # School leaders read reviews; the specialist and hub leads record them.
        client.force_login(user("head"))
        response = client.get(reverse(f"{NS}:{view}", args=[plan.pk]))
        assert f'href="{review_url}"' not in response.content.decode()


@pytest.mark.django_db
def test_a_plan_sent_back_is_resent_for_approval(client, demo):
    html = visible_text(editor(client, "specialist", plan_in("changes_requested")))
    assert "Resend for approval" in html
    assert "Changes requested" in html
    assert not CMS_WORDS.search(html), CMS_WORDS.search(html)
