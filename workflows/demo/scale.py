"""Grow the demo hub to a given number of action plans, in bulk, for benchmarks.

``manage.py scale_demo --plans N`` calls :func:`scale_to` after ``load_demo``.
It answers "does the admin cost the same at 5,000 plans as at 50?" on a
realistic shape of data, so every row it makes is one the site itself could
have made:

* a school per new plan, with URNs in :data:`SCALE_URNS` (below the demo's
  990101 and far above any URN GIAS issues, so neither can collide), named
  "Scale-up School 00001" and marked in ``establishment_type``, ``local_authority``
  and ``notes`` as scale-up data;
* a leader login per school (``head<URN>``, as the demo's other schools have,
  but with no usable password: nobody signs in as them), so a plan awaiting
  school approval has someone who could approve it;
* Work Groups of seven and six schools, alternately led by the demo's two
  specialists (``specialist`` in the stage of DEV-26-LDS, ``specialist2`` in the
  stage of EMB-26-BFD), so each sees about half the plans; each school has an
  enrolment, a head and a maths lead, and an autumn support visit;
* a plan per school with the priorities, focus areas, actions and progress note
  of :func:`workflows.demo.plans.build_plan`, its first revision (the edit view
  opens the latest revision) and an edit entry in its history;
* plans at every step of the approval workflow (:data:`STATE_CYCLE`: of each
  ten, three drafts, one awaiting sign-off, one awaiting the school, one with
  changes requested, two agreed and published, two agreed with a termly review),
  with the workflow and task states, the revision each approval names, and the
  history entries that ``drive`` in :mod:`workflows.demo.plans` would have left.
  So the dashboard panels have work to show, and the real workflow can take any
  of them further.

Driving 5,000 plans through the real workflow would take many minutes (dozens of
queries and an email each); here each table is written with a few
``bulk_create`` calls and each back-reference (a plan's latest revision, a
workflow state's current task) with one ``UPDATE ... SET = (subquery)``, never
``bulk_update``, whose ``CASE WHEN`` grows with the batch.

Idempotent: it counts the plans that exist and makes only the missing ones, so
running it again with the same ``N`` changes nothing.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from wagtail.models import Revision, TaskState, WorkflowState

from workflows.accounts import roles
from workflows.demo.hub import DEMO_YEAR, head_and_maths_lead
from workflows.demo.plans import build_plan, demo_notes
from workflows.models import (
    Action,
    ActionPlan,
    Enrolment,
    Participant,
    PlanReview,
    Priority,
    ReviewEntry,
    School,
    Visit,
    WorkGroup,
)
from workflows.plans.models import ActionPlanLogEntry, ActionStatus, PlanState

# GIAS URNs are six digits from 100000 and today stay below 160000; the demo's
# schools start at 990101. Scale-up schools take this range and nothing else.
SCALE_URNS = range(900000, 990000)
SCALE_MARK = "Scale-up data (not a real school)"
SCALE_AREA = "Scale-up"
SCALE_NOTES = "Made by manage.py scale_demo for benchmarks of the admin at scale."
GROUP_PREFIX = "SCALE-"
GROUP_SIZES = (7, 6)  # a Work Group holds six or seven schools
# The demo groups whose specialists and stages the new groups take, in turn.
LEAD_GROUPS = ("DEV-26-LDS", "EMB-26-BFD")

DRAFT = "draft"
AWAITING_SPECIALIST = "awaiting_specialist"
AWAITING_SCHOOL = "awaiting_school"
CHANGES_REQUESTED = "changes_requested"
AGREED = "agreed"
REVIEWED = "reviewed"
# Where the n-th plan ends up, by n modulo 10.
STATE_CYCLE = (
    DRAFT,
    DRAFT,
    DRAFT,
    AWAITING_SPECIALIST,
    AWAITING_SCHOOL,
    CHANGES_REQUESTED,
    AGREED,
    AGREED,
    REVIEWED,
    REVIEWED,
)
PLAN_STATE = {
    DRAFT: PlanState.DRAFT,
    AWAITING_SPECIALIST: PlanState.AWAITING_SPECIALIST,
    AWAITING_SCHOOL: PlanState.AWAITING_SCHOOL,
    CHANGES_REQUESTED: PlanState.CHANGES_REQUESTED,
    AGREED: PlanState.AGREED,
    REVIEWED: PlanState.IN_PROGRESS,
}
LIVE = {AGREED, REVIEWED}
CHANGES_COMMENT = "Please add success criteria the governors can check."
REVIEW_ENTRIES = [
    (ActionStatus.DONE, "Policy agreed by all staff."),
    (ActionStatus.ON_TRACK, "Lesson study booked."),
    (ActionStatus.OFF_TRACK, "Two sessions cancelled for parents' evenings."),
]


class ScaleError(Exception):
    """The scale-up cannot run: the demo is missing, or the URN range is full."""


@dataclass
class Lead:
    """A demo specialist and the stage their new groups belong to."""

    user: object
    stage_id: int


def _copy(template, **values):
    """Return a new unsaved instance with ``template``'s concrete fields, then ``values``."""
    model = type(template)
    fields = {
        field.attname: getattr(template, field.attname)
        for field in model._meta.concrete_fields
        if not field.primary_key
    }
    fields.update(values)
    return model(**fields)


def _leads() -> list[Lead]:
    groups = {
        group.code: group
        for group in WorkGroup.objects.filter(code__in=LEAD_GROUPS).select_related(
            "lead_specialist"
        )
    }
    missing = [code for code in LEAD_GROUPS if code not in groups]
    if missing or any(groups[code].lead_specialist is None for code in LEAD_GROUPS):
        raise ScaleError(
            f"The demo Work Groups {', '.join(LEAD_GROUPS)} (with their specialists) are "
            "missing: run `manage.py load_demo` first."
        )
    return [Lead(groups[code].lead_specialist, groups[code].stage_id) for code in LEAD_GROUPS]


def _next_urn(count: int) -> int:
    last = (
        School.objects.filter(urn__gte=SCALE_URNS.start, urn__lt=SCALE_URNS.stop)
        .order_by("-urn")
        .values_list("urn", flat=True)
        .first()
    )
    first = SCALE_URNS.start if last is None else last + 1
    if first + count > SCALE_URNS.stop:
        raise ScaleError(
            f"The scale-up URN range {SCALE_URNS.start}-{SCALE_URNS.stop - 1} has room for "
            f"{SCALE_URNS.stop - first} more schools, not {count}."
        )
    return first


def _next_group_number() -> int:
    codes = WorkGroup.objects.filter(code__startswith=GROUP_PREFIX).values_list("code", flat=True)
    numbers = [
        int(code[len(GROUP_PREFIX) :]) for code in codes if code[len(GROUP_PREFIX) :].isdigit()
    ]
    return max(numbers, default=0) + 1


def _make_schools(count: int) -> list[School]:
    first = _next_urn(count)
    schools = []
    for urn in range(first, first + count):
        number = urn - SCALE_URNS.start + 1
        schools.append(
            School(
                urn=urn,
                name=f"Scale-up School {number:05d}",
                local_authority=SCALE_AREA,
                town=SCALE_AREA,
                phase="Primary",
                status="Open",
                establishment_type=SCALE_MARK,
                head_title="Ms",
                head_first_name="Head",
                head_last_name=f"of {number:05d}",
                notes=SCALE_NOTES,
            )
        )
    return School.objects.bulk_create(schools)


def _make_leaders(schools: list[School]) -> dict[int, object]:
    """One leader login per school, with no usable password; return them by school id."""
    User = get_user_model()
    users = []
    for school in schools:
        user = User(
            username=f"head{school.urn}",
            first_name=school.head_first_name,
            last_name=school.head_last_name,
            email=f"head{school.urn}@mathshub.example",
        )
        user.set_unusable_password()  # no hashing, and no way to sign in
        users.append(user)
    users = User.objects.bulk_create(users)
    leaders_group = Group.objects.get(name=roles.SCHOOL_LEADERS)
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=user.pk, group_id=leaders_group.pk) for user in users
    )
    School.leaders.through.objects.bulk_create(
        School.leaders.through(school_id=school.pk, user_id=user.pk)
        for school, user in zip(schools, users, strict=True)
    )
    return {school.pk: user for school, user in zip(schools, users, strict=True)}


def _make_groups(schools: list[School], leads: list[Lead]) -> dict[int, WorkGroup]:
    """Split ``schools`` into new groups of seven and six; return each school's group."""
    number = _next_group_number()
    chunks, start = [], 0
    while start < len(schools):
        size = GROUP_SIZES[len(chunks) % len(GROUP_SIZES)]
        chunks.append(schools[start : start + size])
        start += size
    groups = []
    for index in range(len(chunks)):
        # Leads take groups in pairs (one of seven, one of six), so each gets half the schools.
        lead = leads[((number + index - 1) // len(GROUP_SIZES)) % len(leads)]
        code = f"{GROUP_PREFIX}{number + index:04d}"
        groups.append(
            WorkGroup(
                code=code,
                name=f"Scale-up Work Group {number + index:04d}",
                stage_id=lead.stage_id,
                academic_year=DEMO_YEAR,
                lead_specialist=lead.user,
                capacity=max(GROUP_SIZES),
                status=WorkGroup.Status.RUNNING,
                area=SCALE_AREA,
                meeting_town=SCALE_AREA,
            )
        )
    groups = WorkGroup.objects.bulk_create(groups)
    return {
        school.pk: group for group, chunk in zip(groups, chunks, strict=True) for school in chunk
    }


def _make_enrolments(schools, group_of, today) -> dict[int, Enrolment]:
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(
            school=school,
            work_group=group_of[school.pk],
            stage_id=group_of[school.pk].stage_id,
            academic_year=group_of[school.pk].academic_year,
            joined_on=today - timedelta(days=80),
        )
        for school in schools
    )
    Participant.objects.bulk_create(
        participant
        for enrolment, school in zip(enrolments, schools, strict=True)
        for participant in head_and_maths_lead(enrolment, school)
    )
    return {enrolment.school_id: enrolment for enrolment in enrolments}


def _make_visits(schools, group_of, today) -> dict[int, Visit]:
    visits = Visit.objects.bulk_create(
        Visit(
            school=school,
            work_group=group_of[school.pk],
            specialist=group_of[school.pk].lead_specialist,
            visited_on=today - timedelta(days=21),
            purpose="Autumn support visit",
            met_with="The head and the maths lead",
            notes="Scale-up data: a visit like the demo's.",
        )
        for school in schools
    )
    return {visit.school_id: visit for visit in visits}


def _make_plans(schools, group_of, enrolment_of, visit_of, states, now) -> list[ActionPlan]:
    """The plans with their children, each child list also kept in memory on its plan."""
    first = schools[0]
    template = build_plan(first, specialist=group_of[first.pk].lead_specialist, save=False)
    template_priorities = list(template.priorities.all())
    template_areas = [list(priority.focus_areas.all()) for priority in template_priorities]
    template_actions = list(template.actions.all())
    # Progress notes are tracking, not part of the plan's revisions: rows only.
    template_notes = demo_notes(specialist=None)

    plans = []
    for school, state in zip(schools, states, strict=True):
        live = state in LIVE
        plans.append(
            _copy(
                template,
                school_id=school.pk,
                enrolment_id=enrolment_of[school.pk].pk,
                visit_id=visit_of[school.pk].pk,
                specialist_id=group_of[school.pk].lead_specialist_id,
                title=f"{school.name}: {DEMO_YEAR} plan",
                state=PLAN_STATE[state],
                live=live,
                has_unpublished_changes=not live,
                first_published_at=now if live else None,
                last_published_at=now if live else None,
            )
        )
    plans = ActionPlan.objects.bulk_create(plans)

    def children(templates):
        rows = [_copy(row, plan_id=plan.pk) for plan in plans for row in templates]
        rows = type(templates[0]).objects.bulk_create(rows)
        size = len(templates)
        return [rows[i * size : (i + 1) * size] for i in range(len(plans))]

    priorities = children(template_priorities)
    Priority.focus_areas.through.objects.bulk_create(
        Priority.focus_areas.through(priority_id=priority.pk, focusarea_id=area.pk)
        for plan_priorities in priorities
        for priority, areas in zip(plan_priorities, template_areas, strict=True)
        for area in areas
    )
    actions = children(template_actions)
    children(template_notes)
    # Hand each plan its children in memory, so its revision serialises them as
    # ``save_revision`` would, without a query per plan.
    for plan, plan_priorities, plan_actions in zip(plans, priorities, actions, strict=True):
        for priority, areas in zip(plan_priorities, template_areas, strict=True):
            priority.focus_areas = areas
        plan.priorities = plan_priorities
        plan.actions = plan_actions
    return plans


def _pk_range(rows) -> dict:
    """A filter on the primary keys of ``rows`` without an ``IN`` list of thousands of
    parameters (SQLite caps them). Callers add a condition only new rows meet, so a row
    another writer slipped into the range is left alone."""
    pks = [row.pk for row in rows]
    return {"pk__gte": min(pks), "pk__lte": max(pks)}


def _make_revisions(plans, content_type, now) -> list[Revision]:
    """Each plan's first revision, then point the plans at it in one ``UPDATE``."""
    revisions = Revision.objects.bulk_create(
        Revision(
            content_type=content_type,
            base_content_type=content_type,
            object_id=str(plan.pk),
            created_at=now,
            user_id=plan.specialist_id,
            object_str=plan.title,
            content=plan.serializable_data(),
        )
        for plan in plans
    )
    own = _pk_range(plans)
    latest = (
        Revision.objects.filter(
            base_content_type=content_type,
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
        )
        .order_by("-pk")
        .values("pk")[:1]
    )
    ActionPlan.objects.filter(**own, latest_revision__isnull=True).update(
        latest_revision=Subquery(latest)
    )
    ActionPlan.objects.filter(**own, live=True, live_revision__isnull=True).update(
        live_revision=Subquery(latest)
    )
    return revisions


def _workflow_of(content_type):
    from wagtail.models import WorkflowContentType

    link = (
        WorkflowContentType.objects.filter(content_type=content_type)
        .select_related("workflow")
        .first()
    )
    if link is None:
        raise ScaleError("Action plans have no approval workflow: run `manage.py load_demo` first.")
    workflow = link.workflow
    tasks = [step.task.specific for step in workflow.workflow_tasks.order_by("sort_order")]
    if len(tasks) != 2:
        raise ScaleError(f"The workflow {workflow.name} has {len(tasks)} tasks; expected two.")
    return workflow, tasks


class _Log:
    """History entries; each plan's are a second apart, in the order they are added."""

    def __init__(self, content_type, start):
        self.content_type = content_type
        self.start = start
        self.rows = []
        self.per_plan = {}

    def add(self, plan, action, user_id, revision, data=None, **fields):
        step = self.per_plan[plan.pk] = self.per_plan.get(plan.pk, -1) + 1
        self.rows.append(
            ActionPlanLogEntry(
                content_type=self.content_type,
                object_id=str(plan.pk),
                label=plan.title,
                action=action,
                data=data or {},
                timestamp=self.start + timedelta(seconds=step),
                user_id=user_id,
                revision=revision,
                **fields,
            )
        )

    def save(self):
        ActionPlanLogEntry.objects.bulk_create(self.rows)


def _make_workflow_history(plans, revisions, states, leader_of, content_type, now, today):
    """Workflow and task states, reviews and history, as ``drive`` would have left them."""
    workflow, (sign_off, approval) = _workflow_of(content_type)
    task_state_type = ContentType.objects.get_for_model(TaskState)
    log = _Log(content_type, now - timedelta(minutes=10))
    for plan, revision in zip(plans, revisions, strict=True):
        log.add(plan, "wagtail.edit", plan.specialist_id, revision, content_changed=True)

    in_workflow = [
        (plan, revision, state)
        for plan, revision, state in zip(plans, revisions, states, strict=True)
        if state != DRAFT
    ]
    if not in_workflow:
        log.save()
        return
    status = {
        AWAITING_SPECIALIST: WorkflowState.STATUS_IN_PROGRESS,
        AWAITING_SCHOOL: WorkflowState.STATUS_IN_PROGRESS,
        CHANGES_REQUESTED: WorkflowState.STATUS_CANCELLED,
        AGREED: WorkflowState.STATUS_APPROVED,
        REVIEWED: WorkflowState.STATUS_APPROVED,
    }
    workflow_states = WorkflowState.objects.bulk_create(
        WorkflowState(
            content_type=content_type,
            base_content_type=content_type,
            object_id=str(plan.pk),
            workflow=workflow,
            status=status[state],
            requested_by_id=plan.specialist_id,
        )
        for plan, _revision, state in in_workflow
    )

    def task_state(workflow_state, revision, task, task_status, by=None, comment=""):
        return TaskState(
            workflow_state=workflow_state,
            revision=revision,
            task=task,
            status=task_status,
            finished_at=None if task_status == TaskState.STATUS_IN_PROGRESS else now,
            finished_by_id=by,
            comment=comment,
            content_type=task_state_type,
        )

    first_tasks, second_tasks = [], []
    for (plan, revision, state), workflow_state in zip(in_workflow, workflow_states, strict=True):
        if state == AWAITING_SPECIALIST:
            first = task_state(workflow_state, revision, sign_off, TaskState.STATUS_IN_PROGRESS)
        elif state == CHANGES_REQUESTED:
            first = task_state(
                workflow_state,
                revision,
                sign_off,
                TaskState.STATUS_REJECTED,
                plan.specialist_id,
                CHANGES_COMMENT,
            )
        else:
            first = task_state(
                workflow_state, revision, sign_off, TaskState.STATUS_APPROVED, plan.specialist_id
            )
        first_tasks.append(first)
    TaskState.objects.bulk_create(first_tasks)
    for (plan, revision, state), workflow_state in zip(in_workflow, workflow_states, strict=True):
        if state == AWAITING_SCHOOL:
            second_tasks.append(
                task_state(workflow_state, revision, approval, TaskState.STATUS_IN_PROGRESS)
            )
        elif state in LIVE:
            second_tasks.append(
                task_state(
                    workflow_state,
                    revision,
                    approval,
                    TaskState.STATUS_APPROVED,
                    leader_of[plan.school_id].pk,
                )
            )
    TaskState.objects.bulk_create(second_tasks)
    current = (
        TaskState.objects.filter(workflow_state=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    )
    WorkflowState.objects.filter(
        **_pk_range(workflow_states), current_task_state__isnull=True
    ).update(current_task_state=Subquery(current))

    # History, in the words Wagtail's own workflow methods log.
    def step(task, task_state_id, workflow_status, next_task=None, **extra):
        data = {
            "workflow": {
                "id": workflow.pk,
                "title": workflow.name,
                "status": workflow_status,
                "task_state_id": task_state_id,
                **extra,
            }
        }
        if task is not None:
            data["workflow"]["task"] = {"id": task.pk, "title": task.name}
        if next_task is not False:
            data["workflow"]["next"] = (
                {"id": next_task.pk, "title": next_task.name} if next_task else None
            )
        return data

    seconds = iter(second_tasks)
    reviewed = []
    for (plan, revision, state), first in zip(in_workflow, first_tasks, strict=True):
        by = plan.specialist_id
        log.add(
            plan,
            "wagtail.workflow.start",
            by,
            revision,
            step(None, first.pk, WorkflowState.STATUS_IN_PROGRESS, sign_off),
        )
        if state == AWAITING_SPECIALIST:
            continue
        if state == CHANGES_REQUESTED:
            data = step(sign_off, first.pk, TaskState.STATUS_REJECTED, sign_off)
            log.add(
                plan, "wagtail.workflow.reject", by, revision, {**data, "comment": CHANGES_COMMENT}
            )
            data = step(sign_off, first.pk, WorkflowState.STATUS_CANCELLED, next_task=False)
            log.add(plan, "wagtail.workflow.cancel", by, revision, data)
            continue
        data = step(sign_off, first.pk, TaskState.STATUS_APPROVED, approval)
        log.add(plan, "wagtail.workflow.approve", by, revision, {**data, "comment": ""})
        second = next(seconds)
        if state == AWAITING_SCHOOL:
            continue
        leader = leader_of[plan.school_id].pk
        data = step(approval, second.pk, TaskState.STATUS_APPROVED, None)
        log.add(plan, "wagtail.workflow.approve", leader, revision, {**data, "comment": ""})
        log.add(plan, "wagtail.publish", leader, revision)
        if state == REVIEWED:
            reviewed.append(plan)
            log.add(plan, "workflows.plan_reviewed", by, None)
    log.save()

    reviews = PlanReview.objects.bulk_create(
        PlanReview(
            plan=plan,
            reviewed_on=today - timedelta(days=3),
            comment="A good start; professional development slots keep slipping.",
            reviewed_by_id=plan.specialist_id,
        )
        for plan in reviewed
    )
    ReviewEntry.objects.bulk_create(
        ReviewEntry(review=review, action=action, status=entry_status, comment=comment)
        for review, plan in zip(reviews, reviewed, strict=True)
        for action, (entry_status, comment) in zip(plan.actions.all(), REVIEW_ENTRIES, strict=True)
    )
    # A review's statuses are the actions' tracked status from then on.
    for position, (entry_status, _) in enumerate(REVIEW_ENTRIES):
        pks = [list(plan.actions.all())[position].pk for plan in reviewed]
        for start in range(0, len(pks), 500):
            Action.objects.filter(pk__in=pks[start : start + 500]).update(status=entry_status)


@dataclass
class Outcome:
    """What one run did: how many plans there were, and how many it made."""

    before: int
    made: int
    groups: int

    @property
    def total(self) -> int:
        return self.before + self.made


@transaction.atomic
def scale_to(plans: int) -> Outcome:
    """Make action plans (with schools, groups and history) until there are ``plans``.

    :returns: an :class:`Outcome`; nothing is made when there are enough already.
    :raises ScaleError: when the demo is not loaded or the URN range is full.
    """
    before = ActionPlan.objects.count()
    missing = plans - before
    if missing <= 0:
        return Outcome(before, 0, 0)
    leads = _leads()
    now = timezone.now()
    today = timezone.localdate()
    content_type = ContentType.objects.get_for_model(ActionPlan)
    states = [STATE_CYCLE[(before + index) % len(STATE_CYCLE)] for index in range(missing)]

    schools = _make_schools(missing)
    leader_of = _make_leaders(schools)
    group_of = _make_groups(schools, leads)
    enrolment_of = _make_enrolments(schools, group_of, today)
    visit_of = _make_visits(schools, group_of, today)
    new_plans = _make_plans(schools, group_of, enrolment_of, visit_of, states, now)
    revisions = _make_revisions(new_plans, content_type, now)
    _make_workflow_history(new_plans, revisions, states, leader_of, content_type, now, today)
    return Outcome(before, missing, len({group.pk for group in group_of.values()}))
