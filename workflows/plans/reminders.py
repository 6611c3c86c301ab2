"""Daily reminders about plans: overdue actions, plans waiting, termly reviews due.

Run by ``manage.py send_reminders`` (daily, from cron or the platform's
scheduler). Each reminder has a key naming what it is about; a ``ReminderLog``
row per key and recipient (unique in the database) means running the command
twice, or twice a day, never sends the same reminder twice.

Term dates are data here, not buried in logic: English schools' terms start
around 1 September, 1 January and mid-April. A plan's termly reviews fall due
in each term after the visit the plan came from (or after it was first agreed),
``REVIEW_WEEKS_INTO_TERM`` weeks into the term; the reminder goes
``REMINDER_DAYS_BEFORE`` days before, unless the review is already recorded.

Overdue actions and reviews due are about the agreed version of a plan, which
counts while a change to it awaits approval (``status.in_force_q``).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from workflows.models import Action, ActionPlan, ReminderLog
from workflows.models.action_plans import PlanState
from workflows.plans.emails import allowed_recipients, school_leaders, send_plan_email
from workflows.plans.status import current_status_expression, in_force_q, overdue_q

# (term, month, day it starts, whether it falls in the second calendar year)
TERMS = [("autumn", 9, 1, False), ("spring", 1, 1, True), ("summer", 4, 15, True)]
REVIEW_WEEKS_INTO_TERM = 8
REMINDER_DAYS_BEFORE = 14
WAITING_DAYS = 7


@dataclass(frozen=True)
class Term:
    name: str
    starts_on: date
    ends_before: date

    @property
    def review_due_on(self) -> date:
        return self.starts_on + timedelta(weeks=REVIEW_WEEKS_INTO_TERM)


def terms_of(academic_year: str) -> list[Term]:
    """Return the three terms of a ``2026/27``-style academic year, in order."""
    first = int(academic_year[:4])
    starts = [date(first + 1 if second else first, month, day) for _, month, day, second in TERMS]
    ends = [*starts[1:], date(first + 1, 9, 1)]
    return [
        Term(name, start, end) for (name, *_), start, end in zip(TERMS, starts, ends, strict=True)
    ]


def reviews_due(plan, today: date):
    """Yield the terms whose review of ``plan`` falls due soon and is not yet recorded."""
    if plan.visit_id:
        started = plan.visit.visited_on
    else:
        started = timezone.localtime(plan.first_published_at or timezone.now()).date()
    reviewed = [review.reviewed_on for review in plan.reviews.all()]
    for term in terms_of(plan.academic_year):
        if term.starts_on <= started:
            continue  # the visit itself is this term's review point
        if any(term.starts_on <= day < term.ends_before for day in reviewed):
            continue
        if term.review_due_on - timedelta(days=REMINDER_DAYS_BEFORE) <= today < term.ends_before:
            yield term


class Reminders:
    """Collect reminder lines per plan and recipient, then send each email once."""

    def __init__(self, today: date | None = None):
        self.today = today or timezone.localdate()
        self.lines = defaultdict(list)  # (plan, user) -> [(key, line)]

    def add(self, plan, users, key, line):
        for user in allowed_recipients(plan, users):
            self.lines[(plan, user)].append((key, line))

    def collect(self):
        self.collect_overdue_actions()
        self.collect_waiting_plans()
        self.collect_reviews_due()

    def collect_overdue_actions(self):
        actions = (
            Action.objects.filter(in_force_q("plan__"))
            .annotate(current_status=current_status_expression())
            .filter(overdue_q(self.today))
            .select_related("plan__school", "plan__specialist", "owner_user")
        )
        for action in actions:
            plan = action.plan
            people = [plan.specialist, *school_leaders(plan)]
            if action.owner_user_id:
                people.append(action.owner_user)
            self.add(
                plan,
                people,
                f"overdue:action:{action.pk}:{action.due_on.isoformat()}",
                f"Overdue since {action.due_on:%d %B %Y}: {action.what[:120]} ({action.owner})",
            )

    def collect_waiting_plans(self):
        cutoff = timezone.now() - timedelta(days=WAITING_DAYS)
        plans = ActionPlan.objects.filter(
            state__in=[PlanState.AWAITING_SPECIALIST, PlanState.AWAITING_SCHOOL]
        ).select_related("school", "specialist")
        for plan in plans:
            task_state = plan.current_workflow_task_state
            if task_state is None or task_state.started_at > cutoff:
                continue
            if plan.state == PlanState.AWAITING_SPECIALIST:
                people = [plan.specialist]
            else:
                people = school_leaders(plan)
            what = "sign-off" if plan.state == PlanState.AWAITING_SPECIALIST else "approval"
            self.add(
                plan,
                people,
                f"waiting:taskstate:{task_state.pk}",
                f"Waiting for your {what} since {task_state.started_at:%d %B %Y}.",
            )

    def collect_reviews_due(self):
        plans = (
            ActionPlan.objects.filter(in_force_q())
            .select_related("school", "specialist", "visit")
            .prefetch_related("reviews")
        )
        for plan in plans:
            for term in reviews_due(plan, self.today):
                self.add(
                    plan,
                    [plan.specialist, *school_leaders(plan)],
                    f"review:{plan.pk}:{plan.academic_year}:{term.name}",
                    f"The {term.name} term review falls due by {term.review_due_on:%d %B %Y}.",
                )

    def send(self) -> int:
        """Send what has not been sent before; return the number of emails sent."""
        sent = 0
        for (plan, user), items in self.lines.items():
            fresh = []
            for key, line in items:
                try:
                    with transaction.atomic():
                        ReminderLog.objects.create(key=key, recipient=user, plan=plan)
                except IntegrityError:
                    continue  # sent on an earlier run
                fresh.append(line)
            if fresh:
                send_plan_email(plan, [user], "reminder", {"lines": fresh})
                sent += 1
        return sent


def send_reminders(today: date | None = None) -> int:
    reminders = Reminders(today)
    reminders.collect()
    return reminders.send()
