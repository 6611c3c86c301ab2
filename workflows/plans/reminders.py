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

Each line of a reminder carries the link to act on it, absolute (``emails.plan_url``):
a review due links to "Record a review" for those who record it, a plan waiting
links to where it is approved, an overdue action to the plan.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from workflows.models import Action, ActionPlan, PlanReview, ReminderLog
from workflows.plans.emails import allowed_recipients, plan_url, school_leaders, send_plan_email
from workflows.plans.models import PlanState
from workflows.plans.status import current_status_expression, in_force_q, overdue_q
from workflows.plans.views import can_review
from workflows.shared.fields import academic_year_of

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


def term_on(day: date) -> Term:
    """Return the term ``day`` falls in: the terms of a year follow on without a gap."""
    return next(t for t in terms_of(academic_year_of(day)) if t.starts_on <= day < t.ends_before)


def reviews_due(plan, today: date):
    """Yield the terms whose review of ``plan`` falls due soon and is not yet recorded.

    The rule as people state it, one plan at a time; ``reviews_due_now`` says the
    same in SQL for lists of plans.
    """
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


def reviews_due_now(today: date) -> tuple[Term, Q]:
    """``reviews_due`` in SQL: the term whose review is due on ``today``, and the plans due.

    A dashboard lists reviews due among thousands of plans in one query, so the rule
    must be a filter, not a loop. It can be one because the terms of a year follow
    on without a gap and each term's reminder window lies inside that term: on any
    day at most one review can be due, the review of the term ``today`` is in, and
    only for plans of ``today``'s academic year. A plan is due when it started (its
    visit, or else when it was first agreed) before that term and has no review
    recorded in it.

    :returns: the term, and a ``Q`` on plans (matching none outside the window).
        Combine with ``in_force_q``: only an agreed plan is reviewed.
    """
    term = term_on(today)
    if today < term.review_due_on - timedelta(days=REMINDER_DAYS_BEFORE):
        return term, Q(pk__in=[])
    starts = timezone.make_aware(datetime.combine(term.starts_on, time.min))
    started_before = Q(visit__isnull=False, visit__visited_on__lt=term.starts_on) | Q(
        visit__isnull=True, first_published_at__lt=starts
    )
    reviewed = PlanReview.objects.filter(
        plan=OuterRef("pk"), reviewed_on__gte=term.starts_on, reviewed_on__lt=term.ends_before
    )
    return term, Q(academic_year=academic_year_of(today)) & started_before & ~Exists(reviewed)


@dataclass(frozen=True)
class Line:
    """One reminder in an email: what it is about, and the link to act on it."""

    text: str
    link_label: str = ""
    link: str = ""


# Given a recipient, the (label, absolute URL) of their link, or None for none.
LinkFor = Callable[[object], tuple[str, str] | None]


class Reminders:
    """Collect reminder lines per plan and recipient, then send each email once."""

    def __init__(self, today: date | None = None):
        self.today = today or timezone.localdate()
        self.lines = defaultdict(list)  # (plan, user) -> [(key, Line)]

    def add(self, plan, users, key, text, link_for: LinkFor | None = None):
        """Remind each of ``users`` who may see ``plan``; ``link_for`` gives each their link."""
        for user in allowed_recipients(plan, users):
            label, url = (link_for(user) if link_for else None) or ("", "")
            self.lines[(plan, user)].append((key, Line(text, label, url)))

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
                partial(same_link, ("The plan", plan_url(plan, "inspect"))),
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
            # The specialist signs off in the editor; a school leader approves (or
            # asks for changes) from the plan's read page.
            if plan.state == PlanState.AWAITING_SPECIALIST:
                people, what = [plan.specialist], "sign-off"
                link = ("Sign off the plan", plan_url(plan))
            else:
                people, what = school_leaders(plan), "approval"
                link = ("Approve the plan or request changes", plan_url(plan, "inspect"))
            self.add(
                plan,
                people,
                f"waiting:taskstate:{task_state.pk}",
                f"Waiting for your {what} since {task_state.started_at:%d %B %Y}.",
                partial(same_link, link),
            )

    def collect_reviews_due(self):
        term, due = reviews_due_now(self.today)
        plans = ActionPlan.objects.filter(in_force_q(), due).select_related("school", "specialist")
        for plan in plans:
            self.add(
                plan,
                [plan.specialist, *school_leaders(plan)],
                f"review:{plan.pk}:{plan.academic_year}:{term.name}",
                f"The {term.name} term review falls due by {term.review_due_on:%d %B %Y}.",
                partial(review_link, plan),
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


def same_link(link, user) -> tuple[str, str]:
    """The one link a reminder gives everyone it reaches."""
    return link


def review_link(plan, user) -> tuple[str, str]:
    """Link to "Record a review" for whoever records it (the plan's specialist), else the plan.

    A school leader reads the reviews but the specialist records them with the
    school, so a leader's link goes to the plan, not to a form they are refused.
    """
    if can_review(plan, user):
        return "Record a review", plan_url(plan, "review")
    return "The plan", plan_url(plan, "inspect")


def send_reminders(today: date | None = None) -> int:
    reminders = Reminders(today)
    reminders.collect()
    return reminders.send()
