"""Demo action plans in every state, moved there by the real Workflow.

Each plan is created as a draft with a revision, then submitted, signed off,
approved or sent back with ``workflow.start`` and ``TaskState.approve/reject``,
so Wagtail's workflow history, task states and revisions are genuine. Every
demo user finds something waiting: ``head`` a plan to approve, ``specialist``
one to sign off, ``head2`` an agreed plan with a termly review, and so on.

Idempotent: a plan already present (same school and title) is left alone.
"""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import override_settings

from workflows.demo.hub import DEMO_YEAR
from workflows.models import (
    Action,
    ActionPlan,
    FocusArea,
    PlanReview,
    Priority,
    ProgressNote,
    ReviewEntry,
    School,
    Visit,
)
from workflows.plans.models import ActionStatus, PlanState

# urn, who drives it, the state it ends in
DEMO_PLANS = [
    (990101, "awaiting_school"),
    (990102, "awaiting_specialist"),
    (990103, "draft"),
    (990104, "changes_requested"),
    (990201, "agreed_reviewed"),
    (990202, "awaiting_specialist"),
    (990203, "draft"),
]


def build_plan(school, *, specialist, academic_year=DEMO_YEAR, title=None, visit=None, save=True):
    """Return a plan for ``school`` with two priorities and three actions.

    :param save: save it (with its children) and its first revision.
    """
    enrolment = school.enrolments.select_related("work_group").order_by("-academic_year").first()
    offered = FocusArea.objects.offered_for(enrolment.stage_id if enrolment else None)
    big_ideas = list(offered.filter(kind=FocusArea.Kind.BIG_IDEA)[:3])
    embedding = list(offered.exclude(kind=FocusArea.Kind.BIG_IDEA)[:2]) or big_ideas[2:]
    today = date.today()
    plan = ActionPlan(
        school=school,
        enrolment=enrolment,
        visit=visit,
        specialist=specialist,
        academic_year=academic_year,
        title=title or f"{school.name}: {academic_year} plan",
        live=False,
        summary=(
            "After the autumn visit: fluency in number facts is improving; reasoning "
            "in lessons needs sharper questions and consistent representations."
        ),
    )
    first = Priority(
        title="Lessons build small coherent steps with shared representations",
        rationale="Pupils meet too many representations in one lesson.",
    )
    first.focus_areas = big_ideas[:2]
    second = Priority(
        title="Subject leadership drives in-school professional development",
        rationale="The maths lead needs regular time with colleagues.",
    )
    second.focus_areas = embedding
    first.sort_order, second.sort_order = 0, 1
    plan.priorities = [first, second]
    actions = [
        Action(
            priority_number=1,
            what="Agree a calculation policy with two core representations per year group.",
            owner_name="Maths lead",
            starts_on=today - timedelta(days=60),
            due_on=today - timedelta(days=5),
            success_criteria="Every class uses the agreed representations in observed lessons.",
            resources="Half a day of release time for the maths lead.",
            status=ActionStatus.ON_TRACK,
        ),
        Action(
            priority_number=1,
            what="Observe a research lesson at the Work Group and try the design in Year 3.",
            owner_name="Year 3 teacher",
            starts_on=today,
            due_on=today + timedelta(days=45),
            success_criteria="A lesson study cycle completed and shared at staff meeting.",
            resources="Cover for one afternoon.",
            status=ActionStatus.NOT_STARTED,
        ),
        Action(
            priority_number=2,
            what="Run fortnightly 20-minute professional development slots on fluency.",
            owner_name="Head teacher",
            starts_on=today - timedelta(days=30),
            due_on=today + timedelta(days=120),
            success_criteria="Staff survey shows growing confidence teaching fluency.",
            resources="Staff meeting time.",
            status=ActionStatus.AT_RISK,
        ),
    ]
    for position, action in enumerate(actions):
        action.sort_order = position
    plan.actions = actions
    if save:
        plan.save()
        plan.save_revision(user=specialist, log_action=True)
        # Progress notes are tracking, kept beside the plan's revisions: rows of their own.
        notes = demo_notes(specialist=specialist)
        for note in notes:
            note.plan = plan
        ProgressNote.objects.bulk_create(notes)
    return plan


def demo_notes(*, specialist):
    """The demo's progress notes (unsaved, without a plan): one on the first action."""
    return [
        ProgressNote(
            action_number=1,
            noted_on=date.today() - timedelta(days=10),
            note="Draft policy shared.",
            recorded_by=specialist,
            sort_order=0,
        )
    ]


def _task_state(plan):
    return plan.current_workflow_task_state


def drive(plan, target, *, specialist, leader, hub_lead):
    """Move ``plan`` to ``target`` through the real workflow."""
    workflow = plan.get_workflow()
    if target == "draft":
        return
    workflow.start(plan, specialist)
    plan.refresh_from_db()
    if target == "awaiting_specialist":
        return
    if target == "changes_requested":
        _task_state(plan).task.specific.on_action(
            _task_state(plan),
            specialist,
            "reject",
            comment="Please add success criteria the governors can check.",
        )
        return
    _task_state(plan).task.specific.on_action(_task_state(plan), specialist, "approve")
    plan.refresh_from_db()
    if target == "awaiting_school":
        return
    _task_state(plan).task.specific.on_action(_task_state(plan), leader, "approve")
    plan.refresh_from_db()
    if target == "agreed_reviewed":
        review = PlanReview.objects.create(
            plan=plan,
            reviewed_on=date.today() - timedelta(days=3),
            comment="A good start; professional development slots keep slipping.",
            reviewed_by=specialist,
        )
        ReviewEntry.objects.bulk_create(
            ReviewEntry(review=review, action=action, status=status, comment=comment)
            for action, (status, comment) in zip(
                plan.actions.order_by("sort_order"),
                [
                    (ActionStatus.DONE, "Policy agreed by all staff."),
                    (ActionStatus.ON_TRACK, "Lesson study booked."),
                    (ActionStatus.OFF_TRACK, "Two sessions cancelled for parents' evenings."),
                ],
                strict=False,
            )
        )
        # A review's statuses are the actions' tracked status from then on.
        for entry in ReviewEntry.objects.filter(review=review):
            Action.objects.filter(pk=entry.action_id).update(status=entry.status)
        ActionPlan.objects.filter(pk=plan.pk).update(state=PlanState.IN_PROGRESS)


# Which vocabularies each demo programme's plans offer, by the programme's slug.
FOCUS_AREAS_OF = {
    "mastery-readiness": [FocusArea.Kind.READINESS],
    "development-work-groups": [FocusArea.Kind.BIG_IDEA],
    "embedding": [FocusArea.Kind.BIG_IDEA, FocusArea.Kind.EMBEDDING],
    "sustaining": [FocusArea.Kind.BIG_IDEA, FocusArea.Kind.SUSTAINING],
    "mastery-specialists": [FocusArea.Kind.BIG_IDEA],
}


def link_focus_areas():
    """Offer each vocabulary on the demo programmes' plans; areas already linked are kept."""
    from programmes.models import ProgrammePage

    # Computed once: an area linked to one programme here is still linked to the next.
    unlinked = FocusArea.objects.filter(
        pk__in=list(FocusArea.objects.filter(programmes__isnull=True).values_list("pk", flat=True))
    )
    for programme in ProgrammePage.objects.filter(slug__in=FOCUS_AREAS_OF):
        for area in unlinked.filter(kind__in=FOCUS_AREAS_OF[programme.slug]):
            area.programmes.add(programme)


def load(stdout):
    link_focus_areas()
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=["hublead", "head", "head2"])}
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        outbox = list(getattr(mail, "outbox", []))
        for urn, target in DEMO_PLANS:
            school = School.objects.filter(urn=urn).first()
            if school is None:
                continue
            enrolment = school.enrolments.select_related("work_group").first()
            if enrolment is None or enrolment.work_group.lead_specialist is None:
                continue
            specialist = enrolment.work_group.lead_specialist
            title = f"{school.name}: {DEMO_YEAR} plan"
            if ActionPlan.objects.filter(school=school, title=title).exists():
                continue
            visit, _ = Visit.objects.get_or_create(
                school=school,
                work_group=enrolment.work_group,
                specialist=specialist,
                purpose="Autumn support visit",
                defaults={"visited_on": date.today() - timedelta(days=21)},
            )
            plan = build_plan(school, specialist=specialist, title=title, visit=visit)
            leader = school.leaders.first() or users.get("hublead")
            drive(plan, target, specialist=specialist, leader=leader, hub_lead=users.get("hublead"))
            stdout.write(f"Created demo action plan for {school.name} ({target.replace('_', ' ')})")
        # Demo emails are not news to anyone: keep them out of the outbox.
        mail.outbox = outbox
