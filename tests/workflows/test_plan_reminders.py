"""Reminders, termly review scheduling, carry-over, reviews and the CSV export."""

import csv
import io
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from wagtail.models import TaskState

import pytest
from bs4 import BeautifulSoup

from cms.spreadsheets import csv_safe
from workflows.models import Action, ActionPlan, Enrolment, ReminderLog
from workflows.plans.models import ActionStatus, PlanState
from workflows.plans.reminders import reviews_due, reviews_due_now, terms_of
from workflows.plans.views import carry_over

NS = "wagtailsnippets_workflows_actionplan"


def user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def emails(demo):
    """Give the demo people addresses, so reminders have somewhere to go."""
    for username in ("head", "head2", "specialist", "specialist2", "hublead"):
        person = user(username)
        person.email = f"{username}@example.org"
        person.save()
    mail.outbox.clear()


def sent_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_terms_are_data_from_september_january_and_mid_april():
    terms = terms_of("2026/27")
    assert [(t.name, t.starts_on) for t in terms] == [
        ("autumn", date(2026, 9, 1)),
        ("spring", date(2027, 1, 1)),
        ("summer", date(2027, 4, 15)),
    ]
    assert terms[-1].ends_before == date(2027, 9, 1)


def test_overdue_actions_reach_the_agreed_plans_people_once(emails):
    # head2's plan is agreed; make its off-track action overdue.
    plan = ActionPlan.objects.get(school__urn=990201)
    overdue = plan.actions.order_by("sort_order")[2]
    Action.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    call_command("send_reminders", stdout=io.StringIO())
    head2_mail = sent_to("head2@example.org")
    assert len(head2_mail) == 1
    assert "Overdue since" in head2_mail[0].body
    assert overdue.what[:40] in head2_mail[0].body
    assert sent_to("specialist2@example.org")
    # Nobody outside the plan's scope hears about it.
    assert not any("Riverside" in m.body for m in sent_to("head@example.org"))
    assert not any("Riverside" in m.body for m in sent_to("specialist@example.org"))

    before = len(mail.outbox)
    call_command("send_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == before  # no duplicates on a re-run
    overdue.refresh_from_db()
    logged = ReminderLog.objects.filter(key=f"overdue:action:{overdue.pk}:{overdue.due_on}")
    assert {entry.recipient.username for entry in logged} == {"head2", "specialist2"}


def test_plans_waiting_over_a_week_remind_whoever_must_act(emails):
    plan = ActionPlan.objects.get(school__urn=990101)  # awaiting head
    TaskState.objects.filter(pk=plan.current_workflow_task_state.pk).update(
        started_at=timezone.now() - timedelta(days=8)
    )
    call_command("send_reminders", stdout=io.StringIO())
    to_head = [m for m in sent_to("head@example.org") if "Waiting for your approval" in m.body]
    assert len(to_head) == 1
    assert not any("Waiting for your" in m.body for m in sent_to("head2@example.org"))
    # St Mary's plan waits on the specialist, but for less than a week.
    assert not any("St Mary" in m.subject for m in sent_to("specialist@example.org"))
    mail.outbox.clear()
    call_command("send_reminders", stdout=io.StringIO())
    assert not any("Waiting for your" in m.body for m in mail.outbox)


def test_termly_review_falls_due_from_the_visit_and_terms(emails):
    plan = ActionPlan.objects.get(school__urn=990201)
    plan.reviews.all().delete()
    plan.visit.visited_on = date(2026, 10, 1)
    plan.visit.save()
    spring_due = date(2027, 1, 1) + timedelta(weeks=8)
    call_command("send_reminders", today=spring_due - timedelta(days=20), stdout=io.StringIO())
    assert not any("term review" in m.body for m in mail.outbox)  # too early
    call_command("send_reminders", today=spring_due - timedelta(days=10), stdout=io.StringIO())
    bodies = [m.body for m in sent_to("specialist2@example.org")]
    assert any("spring term review" in body for body in bodies)
    assert not any("autumn term review" in body for body in bodies)  # the visit was autumn's
    mail.outbox.clear()
    call_command("send_reminders", today=spring_due - timedelta(days=9), stdout=io.StringIO())
    assert not any("term review" in m.body for m in mail.outbox)


def test_a_review_due_links_the_specialist_straight_to_record_it(client, emails):
    """Part 7: "Record a review" is one click from the reminder, and the link works."""
    plan = ActionPlan.objects.get(school__urn=990201)
    plan.reviews.all().delete()
    plan.visit.visited_on = date(2026, 10, 1)
    plan.visit.save()
    spring_due = date(2027, 1, 1) + timedelta(weeks=8)
    call_command("send_reminders", today=spring_due - timedelta(days=10), stdout=io.StringIO())
    review_url = "http://testserver" + reverse(f"{NS}:review", args=[plan.pk])
    (to_specialist,) = sent_to("specialist2@example.org")
    assert "spring term review" in to_specialist.body
    assert f"Record a review: {review_url}\n" in to_specialist.body
    # The school leader reads reviews but does not record them: a link to the plan instead.
    (to_head,) = sent_to("head2@example.org")
    assert "spring term review" in to_head.body
    assert review_url not in to_head.body
    inspect_url = "http://testserver" + reverse(f"{NS}:inspect", args=[plan.pk])
    assert f"The plan: {inspect_url}\n" in to_head.body
    # The link opens the review form for the specialist.
    client.force_login(user("specialist2"))
    page = client.get(review_url.removeprefix("http://testserver"))
    assert page.status_code == 200 and 'name="reviewed_on"' in page.content.decode()


def test_overdue_and_waiting_reminders_link_to_the_plan(emails):
    overdue_plan = ActionPlan.objects.get(school__urn=990201)
    actions = list(overdue_plan.actions.order_by("sort_order"))
    yesterday = timezone.localdate() - timedelta(days=1)
    Action.objects.filter(pk__in=[a.pk for a in actions[1:]]).update(due_on=yesterday)
    waiting = ActionPlan.objects.get(school__urn=990101)  # awaiting the head's approval
    sign_off = ActionPlan.objects.get(school__urn=990102)  # awaiting the specialist's
    TaskState.objects.filter(
        pk__in=[waiting.current_workflow_task_state.pk, sign_off.current_workflow_task_state.pk]
    ).update(started_at=timezone.now() - timedelta(days=8))
    call_command("send_reminders", stdout=io.StringIO())

    (to_head2,) = sent_to("head2@example.org")
    inspect_url = "http://testserver" + reverse(f"{NS}:inspect", args=[overdue_plan.pk])
    assert to_head2.body.count("Overdue since") == 2
    # Two overdue actions of one plan, one link after them.
    assert to_head2.body.count(f"The plan: {inspect_url}\n") == 1
    assert to_head2.body.index("The plan:") > to_head2.body.rindex("Overdue since")

    (to_head,) = sent_to("head@example.org")
    read_url = "http://testserver" + reverse(f"{NS}:inspect", args=[waiting.pk])
    assert "Waiting for your approval" in to_head.body
    assert f"Approve the plan or request changes: {read_url}\n" in to_head.body
    words = to_head.body.replace(read_url, "").lower()
    assert not any(word in words for word in ("moderation", "workflow")), to_head.body

    (to_specialist,) = sent_to("specialist@example.org")
    edit_url = "http://testserver" + reverse(f"{NS}:edit", args=[sign_off.pk])
    assert "Waiting for your sign-off" in to_specialist.body
    assert f"Sign off the plan: {edit_url}\n" in to_specialist.body


def test_reviews_due_in_sql_agree_with_the_rule_day_by_day(demo):
    """The dashboard and the reminders list reviews due in one query; it must say what the rule says.

    Plans from a visit in each term and none, reviewed in a term or not, every
    week of the year and the days either side of each reminder window.
    """
    base = ActionPlan.objects.get(school__urn=990201)
    base.reviews.all().delete()
    visit = base.visit
    plans = []
    for index, visited_on in enumerate([date(2026, 7, 1), date(2026, 10, 1), date(2027, 2, 1)]):
        visit.pk = None
        visit.visited_on = visited_on
        visit.save()
        plans.append(_copy_plan(base, f"From a visit {index}", visit=visit))
    for index, published in enumerate([date(2026, 8, 20), date(2027, 1, 20)]):
        plan = _copy_plan(base, f"No visit {index}", visit=None)
        moment = timezone.make_aware(
            timezone.datetime.combine(published, timezone.datetime.min.time())
        )
        ActionPlan.objects.filter(pk=plan.pk).update(first_published_at=moment)
        plans.append(plan)
    reviewed = _copy_plan(base, "Reviewed in spring", visit=plans[0].visit)
    reviewed.reviews.create(reviewed_on=date(2027, 2, 3))
    plans.append(reviewed)
    ids = [plan.pk for plan in plans]

    days = [date(2026, 9, 1) + timedelta(days=7 * week) for week in range(53)]
    for term in terms_of("2026/27"):
        opens = term.review_due_on - timedelta(days=14)
        days += [opens - timedelta(days=1), opens, term.ends_before - timedelta(days=1)]
    due_somewhere = set()
    for today in days:
        term, due = reviews_due_now(today)
        by_sql = set(ActionPlan.objects.filter(due, pk__in=ids).values_list("pk", flat=True))
        by_rule = set()
        for plan in ActionPlan.objects.filter(pk__in=ids).select_related("visit"):
            terms = list(reviews_due(plan, today))
            if terms:
                assert terms == [term]  # one term at a time
                by_rule.add(plan.pk)
        assert by_sql == by_rule, today
        due_somewhere |= by_sql
    assert due_somewhere == set(ids)  # every shape of plan falls due at some point


def _copy_plan(plan, title, **fields):
    """A copy of ``plan`` (its row only), agreed and live."""
    return ActionPlan.objects.create(
        school=plan.school,
        enrolment=plan.enrolment,
        specialist=plan.specialist,
        academic_year=plan.academic_year,
        title=title,
        state=PlanState.AGREED,
        live=True,
        first_published_at=plan.first_published_at,
        **fields,
    )


def test_recording_a_review_keeps_history_and_sets_in_progress(client, demo):
    plan = ActionPlan.objects.get(school__urn=990201)
    actions = list(plan.actions.order_by("sort_order"))
    client.force_login(user("specialist2"))
    url = reverse(f"{NS}:review", args=[plan.pk])
    data = {"reviewed_on": "2027-03-01", "comment": "Spring review"}
    for action in actions:
        data[f"status_{action.pk}"] = ActionStatus.DONE
        data[f"comment_{action.pk}"] = "Done"
    response = client.post(url, data)
    assert response.status_code == 302
    assert plan.reviews.count() == 2
    page = client.get(reverse(f"{NS}:inspect", args=[plan.pk])).content.decode()
    assert "Review of 1 March 2027" in page and "Spring review" in page
    # A bad date re-renders the form with the message by the field.
    response = client.post(url, {**data, "reviewed_on": "not a date"})
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    # The school leader reads reviews but does not record them.
    client.force_login(user("head2"))
    response = client.get(url)
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def test_carry_over_copies_open_work_into_a_new_draft_and_closes_the_old_plan(demo):
    plan = ActionPlan.objects.get(school__urn=990201)  # reviewed: first action done
    enrolment = Enrolment.objects.get(school__urn=990201)
    new = carry_over(
        plan,
        user("specialist2"),
        enrolment=enrolment,
        academic_year="2027/28",
        title="Riverside: 2027/28 plan",
    )
    plan.refresh_from_db()
    assert plan.state == PlanState.CLOSED and plan.closed_at
    assert new.previous_plan == plan
    assert not new.live and new.state == PlanState.DRAFT
    assert new.latest_revision is not None
    assert new.actions.count() == 2  # the done action stays behind
    assert set(new.actions.values_list("status", flat=True)) == {
        ActionStatus.ON_TRACK,
        ActionStatus.OFF_TRACK,
    }
    assert new.priorities.count() == 2
    assert new.priorities.first().focus_areas.exists()
    assert plan.revisions.count() >= 1 and plan.reviews.count() == 1  # history kept


def test_carry_over_view_is_for_the_plans_specialist(client, demo):
    plan = ActionPlan.objects.get(school__urn=990201)
    url = reverse(f"{NS}:carry_over", args=[plan.pk])
    client.force_login(user("head2"))
    response = client.get(url)
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    client.force_login(user("specialist2"))
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "enrolment": Enrolment.objects.get(school__urn=990201).pk,
            "academic_year": "2027/28",
            "title": "Next",
        },
    )
    new = ActionPlan.objects.get(title="Next")
    assert response.url == reverse(f"{NS}:edit", args=[new.pk])


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_csv_neutralises_formulas(prefix):
    assert csv_safe(f"{prefix}HYPERLINK(1)") == f"'{prefix}HYPERLINK(1)"
    assert csv_safe("Plain") == "Plain"


def test_csv_export_neutralises_formulas_in_real_rows(client, demo):
    plan = ActionPlan.objects.get(school__urn=990101)
    Action.objects.filter(plan=plan).update(what="=cmd|' /C calc'!A0")
    client.force_login(user("head"))
    body = client.get(reverse(f"{NS}:export_actions")).content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "Plan"
    assert all(row[7] == "'=cmd|' /C calc'!A0" for row in rows[1:])


def test_the_review_date_opens_on_today_in_the_format_a_browser_date_input_reads(client, demo):
    """A date input shows only an ISO value: the site's dd/mm/yyyy left it blank."""
    plan = ActionPlan.objects.get(school__urn=990201)
    client.force_login(user("specialist2"))
    page = client.get(reverse(f"{NS}:review", args=[plan.pk])).content.decode()
    field = BeautifulSoup(page, "html.parser").find("input", {"name": "reviewed_on"})
    assert field["type"] == "date"
    assert field["value"] == timezone.localdate().isoformat()
