"""Every create, change, decision, approval and deletion of PD data leaves a log entry.

Each change is made the way people make it, through the admin views as a user
allowed to, and then three places are checked, as the issue asks:

* the log entry itself: the right user, action and object (who, when, what);
* the object's own history view, which shows it;
* Wagtail's site history report, which shows it exactly to the roles whose scope
  holds the object (and whose role may open that kind of record), never to others.

The demo hub has two sides: Leeds (``DEV-26-LDS``, led by ``specialist``;
``head`` leads 990101 in it) and Bradford (``EMB-26-BFD``, ``specialist2``,
``head2``). Labels made here are unique, so finding one in a report means
finding that entry.
"""

import html
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry

import pytest

from tests.workflows import hubdata
from tests.workflows.formdata import post_data
from workflows.audit.models import HubLogEntry
from workflows.models import (
    ActionPlan,
    Application,
    Attendance,
    Enrolment,
    FocusArea,
    Meeting,
    Participant,
    School,
    Visit,
    WorkGroup,
)
from workflows.plans.models import ActionPlanLogEntry, PlanState

SITE_HISTORY = reverse("wagtailadmin_reports:site_history")
SCHOOLS = "/admin/pd/schools/"
PLANS = "wagtailsnippets_workflows_actionplan"
FOCUS = "wagtailsnippets_workflows_focusarea"
EVERYONE = ("hublead", "specialist", "specialist2", "head", "head2", "editor")


def login(client, username):
    client.force_login(hubdata.user(username))


def submit(client, url, changes=None, *, expect=302):
    """Open a form as a browser would, change some fields, and post it."""
    response = client.get(url)
    assert response.status_code == 200, url
    data = post_data(response.context["form"])
    data.update(changes or {})
    response = client.post(url, data)
    assert response.status_code == expect, getattr(response, "context", {}) and (
        response.context["form"].errors
    )
    return response


def latest_entry(obj, action):
    """The newest log entry of ``action`` on ``obj``, from the log model registered for it."""
    entry = (
        log_registry.get_logs_for_instance(obj)
        .filter(action=action)
        .order_by("-timestamp", "-pk")
        .first()
    )
    assert entry is not None, f"no {action} entry for {obj!r}"
    return entry


def seen_in_site_history(username, text) -> bool:
    """Whether ``username`` finds ``text`` in the site history report (own session)."""
    client = Client()
    login(client, username)
    response = client.get(SITE_HISTORY)
    assert response.status_code == 200, username
    return text in html.unescape(response.content.decode())


def assert_audited(
    client,
    obj,
    action,
    username,
    *,
    label,
    message,
    history_url=None,
    shown_as=None,
    seen_by=(),
    log_model=HubLogEntry,
):
    """The entry names the user, the action and the object; it shows where it should.

    :param shown_as: what the object's history page says of it, when that is not
        Wagtail's message (a plan's history speaks the programme's words).
    """
    entry = latest_entry(obj, action)
    assert isinstance(entry, log_model)
    assert entry.user == hubdata.user(username)
    assert entry.object_id == str(obj.pk)
    assert entry.content_type == ContentType.objects.get_for_model(obj, for_concrete_model=False)
    assert entry.label == label
    assert timezone.now() - entry.timestamp < timedelta(minutes=5)
    assert entry.message == message
    if history_url is not None:
        login(client, username)
        page = html.unescape(client.get(history_url).content.decode())
        assert (shown_as or message) in page and entry.user_display_name in page, history_url
    seen_by = {"hublead", *seen_by}
    for other in sorted({*EVERYONE, *seen_by}):
        assert seen_in_site_history(other, label) == (other in seen_by), (other, label)
    return entry


# --- Hub records edited with Wagtail's viewsets -------------------------------------


def test_work_groups_created_edited_and_deleted(client, demo):
    login(client, "hublead")
    submit(
        client,
        reverse("pd_workgroups:add"),
        {
            "stage": hubdata.stage("embedding").pk,
            "academic_year": "2027/28",
            "code": "EMB-27-AUD",
            "name": "Audit Embedding Group",
            "lead_specialist": hubdata.user("specialist").pk,
            "status": "planning",
        },
    )
    group = WorkGroup.objects.get(code="EMB-27-AUD")
    label = str(group)
    history = reverse("pd_workgroups:history", args=[group.pk])
    assert_audited(
        client,
        group,
        "wagtail.create",
        "hublead",
        label=label,
        message="Created",
        history_url=history,
        seen_by={"specialist"},
    )

    login(client, "specialist")  # a specialist updates the group they lead
    submit(client, reverse("pd_workgroups:edit", args=[group.pk]), {"meeting_town": "Otley"})
    assert_audited(
        client,
        group,
        "wagtail.edit",
        "specialist",
        label=label,
        message="Edited",
        history_url=history,
        seen_by={"specialist"},
    )

    login(client, "hublead")
    client.post(reverse("pd_workgroups:delete", args=[group.pk]))
    assert not WorkGroup.objects.filter(pk=group.pk).exists()
    # Deleted: only those who see everything can still place it.
    assert_audited(client, group, "wagtail.delete", "hublead", label=label, message="Deleted")


def test_enrolments_participants_and_their_people(client, demo):
    group = hubdata.group("EMB-27-AUD", stage_slug="embedding", year="2027/28")
    group.lead_specialist = hubdata.user("specialist")
    group.save()
    school = School.objects.get(urn=990101)  # head's school
    login(client, "hublead")
    submit(client, reverse("pd_enrolments:add"), {"school": school.pk, "work_group": group.pk})
    enrolment = Enrolment.objects.get(work_group=group)
    label = str(enrolment)
    assert_audited(
        client,
        enrolment,
        "wagtail.create",
        "hublead",
        label=label,
        message="Created",
        history_url=reverse("pd_enrolments:history", args=[enrolment.pk]),
        seen_by={"specialist", "head"},  # school leaders may view their enrolments
    )

    login(client, "specialist")
    submit(
        client,
        reverse("pd_participants:add"),
        {"enrolment": enrolment.pk, "name": "Audrey Auditwell", "role": "lead_teacher"},
    )
    person = Participant.objects.get(name="Audrey Auditwell")
    history = reverse("pd_participants:history", args=[person.pk])
    # Participants are not a school leader's to open (0004): not in their report either.
    assert_audited(
        client,
        person,
        "wagtail.create",
        "specialist",
        label="Audrey Auditwell",
        message="Created",
        history_url=history,
        seen_by={"specialist"},
    )
    submit(client, reverse("pd_participants:edit", args=[person.pk]), {"trn": "1234567"})
    assert_audited(
        client,
        person,
        "wagtail.edit",
        "specialist",
        label="Audrey Auditwell",
        message="Edited",
        history_url=history,
        seen_by={"specialist"},
    )

    login(client, "hublead")
    submit(client, reverse("pd_enrolments:edit", args=[enrolment.pk]), {"joined_on": "2027-09-01"})
    assert latest_entry(enrolment, "wagtail.edit").user == hubdata.user("hublead")
    client.post(reverse("pd_participants:delete", args=[person.pk]))
    assert_audited(
        client, person, "wagtail.delete", "hublead", label="Audrey Auditwell", message="Deleted"
    )
    client.post(reverse("pd_enrolments:delete", args=[enrolment.pk]))
    assert_audited(client, enrolment, "wagtail.delete", "hublead", label=label, message="Deleted")


def test_meetings_and_their_inline_attendance(client, demo):
    group = WorkGroup.objects.get(code="DEV-26-LDS")
    login(client, "specialist")
    starts = timezone.localtime() + timedelta(days=60)
    submit(
        client,
        reverse("pd_meetings:add"),
        {
            "work_group": group.pk,
            "starts_at": starts.strftime("%Y-%m-%d %H:%M"),
            "kind": "plan",
            "agenda": "Audit planning meeting",
            "attendance-TOTAL_FORMS": 0,
            "attendance-INITIAL_FORMS": 0,
        },
    )
    meeting = Meeting.objects.get(agenda="Audit planning meeting")
    label = str(meeting)
    history = reverse("pd_meetings:history", args=[meeting.pk])
    assert_audited(
        client,
        meeting,
        "wagtail.create",
        "specialist",
        label=label,
        message="Created",
        history_url=history,
        seen_by={"specialist"},
    )

    # Only the attendance changes: still an edit of the meeting, by its editor.
    held = Meeting.objects.filter(work_group=group, attendance__isnull=False).distinct().first()
    row = held.attendance.order_by("pk").first()
    before = HubLogEntry.objects.count()
    url = reverse("pd_meetings:edit", args=[held.pk])
    data = post_data(client.get(url).context["form"])
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.startswith("attendance-") and key.endswith("-id") and value == row.pk
    )
    data[f"attendance-{index}-status"] = Attendance.Status.ABSENT
    assert client.post(url, data).status_code == 302
    assert Attendance.objects.get(pk=row.pk).status == Attendance.Status.ABSENT
    assert HubLogEntry.objects.count() == before + 1
    entry = assert_audited(
        client,
        held,
        "wagtail.edit",
        "specialist",
        label=str(held),
        message="Edited",
        history_url=reverse("pd_meetings:history", args=[held.pk]),
        seen_by={"specialist"},
    )
    assert entry.content_changed

    login(client, "hublead")
    client.post(reverse("pd_meetings:delete", args=[meeting.pk]))
    assert_audited(client, meeting, "wagtail.delete", "hublead", label=label, message="Deleted")


def test_visits(client, demo):
    group = WorkGroup.objects.get(code="DEV-26-LDS")
    school = School.objects.get(urn=990102)
    login(client, "specialist")
    submit(
        client,
        reverse("pd_visits:add"),
        {
            "work_group": group.pk,
            "school": school.pk,
            "visited_on": timezone.localdate().isoformat(),
            "purpose": "Audit visit",
        },
    )
    visit = Visit.objects.get(purpose="Audit visit")
    label = str(visit)
    history = reverse("pd_visits:history", args=[visit.pk])
    for action, changes, message in (
        ("wagtail.create", None, "Created"),
        ("wagtail.edit", {"notes": "Saw a fractions lesson."}, "Edited"),
    ):
        if changes:
            submit(client, reverse("pd_visits:edit", args=[visit.pk]), changes)
        assert_audited(
            client,
            visit,
            action,
            "specialist",
            label=label,
            message=message,
            history_url=history,
            seen_by={"specialist"},
        )
    login(client, "hublead")
    client.post(reverse("pd_visits:delete", args=[visit.pk]))
    assert_audited(client, visit, "wagtail.delete", "hublead", label=label, message="Deleted")


# --- Schools ------------------------------------------------------------------------


def test_schools_created_edited_and_deleted(client, demo):
    login(client, "hublead")
    submit(client, f"{SCHOOLS}new/", {"urn": 998877, "name": "Audit Lane Primary"})
    school = School.objects.get(urn=998877)
    assert_audited(
        client,
        school,
        "wagtail.create",
        "hublead",
        label="Audit Lane Primary (998877)",
        message="Created",
        history_url=f"{SCHOOLS}history/{school.pk}/",
    )

    brookfield = School.objects.get(urn=990101)
    login(client, "hublead")
    submit(client, f"{SCHOOLS}edit/{brookfield.pk}/", {"notes": "Audit: new head from 2027."})
    assert_audited(
        client,
        brookfield,
        "wagtail.edit",
        "hublead",
        label=str(brookfield),
        message="Edited",
        history_url=f"{SCHOOLS}history/{brookfield.pk}/",
        # Its group's specialist and its own leader may see the school, so its history.
        seen_by={"specialist", "head"},
    )

    login(client, "hublead")
    client.post(f"{SCHOOLS}delete/{school.pk}/")
    assert not School.objects.filter(pk=school.pk).exists()
    assert_audited(
        client,
        school,
        "wagtail.delete",
        "hublead",
        label="Audit Lane Primary (998877)",
        message="Deleted",
    )


# --- Applications: made in public, decided and edited in the admin -------------------


def test_applications_submitted_decided_edited_and_deleted(client, demo):
    application = Application.objects.get(school__urn=990101, academic_year="2027/28")
    label = str(application)
    inspect = reverse("pd_applications:inspect", args=[application.pk])
    login(client, "hublead")
    response = client.post(inspect, {"decision": "waitlist"})
    assert response.status_code == 302
    # The decision shows to the school's own leader (their application), nobody else.
    assert_audited(
        client,
        application,
        "workflows.waitlist",
        "hublead",
        label=label,
        message="Application waitlisted",
        history_url=reverse("pd_applications:history", args=[application.pk]),
        seen_by={"head"},
    )

    login(client, "hublead")
    submit(
        client,
        reverse("pd_applications:edit", args=[application.pk]),
        {"school_postcode": "LS6 9ZZ"},
    )
    assert_audited(
        client,
        application,
        "wagtail.edit",
        "hublead",
        label=label,
        message="Edited",
        seen_by={"head"},
    )

    other = hubdata.application(hubdata.school("Audit Delete Primary"), year="2027/28")
    login(client, "hublead")
    client.post(reverse("pd_applications:delete", args=[other.pk]))
    assert_audited(client, other, "wagtail.delete", "hublead", label=str(other), message="Deleted")


def test_a_public_application_is_logged_as_created_by_nobody_signed_in(client, demo):
    today = timezone.localdate()
    programme = hubdata.stage("development-work-groups")
    type(programme).objects.filter(pk=programme.pk).update(
        application_opens=today - timedelta(days=1),
        application_closes=today + timedelta(days=30),
        academic_year="2027/28",
    )
    response = client.post(
        reverse("workflows:apply", kwargs={"programme_id": programme.pk}),
        {
            "school": "Calder Bridge Primary (990301)",
            "school_urn": "990301",
            "head_name": "Ian Walsh",
            "head_email": "head@calderbridge.example",
            "teacher_1_name": "Nadia Shah",
            "teacher_1_email": "n.shah@calderbridge.example",
            "teacher_1_role": "Year 4 teacher",
            "teacher_1_is_maths_lead": "on",
            "teacher_2_name": "Owen Price",
            "teacher_2_email": "o.price@calderbridge.example",
            "teacher_2_role": "Year 2 teacher",
            "reason": "We want every pupil to understand maths deeply.",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    application = Application.objects.get(school__urn=990301, academic_year="2027/28")
    entry = latest_entry(application, "wagtail.create")
    assert entry.user is None and entry.data == {"source": "public form"}
    login(client, "hublead")
    page = client.get(reverse("pd_applications:history", args=[application.pk]))
    assert "Created" in page.content.decode() and "system" in page.content.decode()


def test_accepting_an_offer_logs_the_enrolment_and_people_it_creates(client, demo):
    application = Application.objects.get(school__urn=990206)  # offered, Bradford group
    login(client, "hublead")
    client.post(reverse("pd_applications:inspect", args=[application.pk]), {"decision": "accept"})
    enrolment = Enrolment.objects.get(application=application)
    entry = latest_entry(enrolment, "wagtail.create")
    assert entry.user == hubdata.user("hublead")
    assert entry.data == {"application": application.reference}
    people = list(enrolment.participants.all())
    assert len(people) == 3
    for person in people:
        assert latest_entry(person, "wagtail.create").user == hubdata.user("hublead")
    assert seen_in_site_history("specialist2", str(enrolment))
    assert not seen_in_site_history("specialist", str(enrolment))


def test_placement_board_offers_are_logged_like_any_decision(client, demo):
    application = Application.objects.get(school__urn=990301)  # waitlisted, Development
    group = WorkGroup.objects.get(code="DEV-26-LDS")
    group.allow_over_capacity = True
    group.save()
    board = reverse("pd_applications:placement")
    login(client, "hublead")
    client.post(
        reverse("pd_applications:inspect", args=[application.pk]),
        {"decision": "offer", "work_group": group.pk, "next": board},
    )
    application.refresh_from_db()
    assert application.status == Application.Status.OFFERED
    assert_audited(
        client,
        application,
        "workflows.offer",
        "hublead",
        label=str(application),
        message=f"Application offered a place ({group.code})",
        # Applications are not a specialist's to open (0004), even one offered a
        # place in their group: the offer is in the hub lead's history only.
    )


# --- Action plans: snippets with revisions and a Workflow ----------------------------


def test_plans_created_edited_approved_and_deleted(client, demo):
    school = School.objects.get(urn=990105)
    enrolment = school.enrolments.get()
    specialist = hubdata.user("specialist")
    login(client, "specialist")
    submit(
        client,
        reverse(f"{PLANS}:add"),
        {
            "title": "Audit plan for Kirkstall",
            "school": school.pk,
            "enrolment": enrolment.pk,
            "specialist": specialist.pk,
            "academic_year": "2026/27",
            "priorities-TOTAL_FORMS": 1,
            "priorities-INITIAL_FORMS": 0,
            "priorities-0-title": "Fluency in number facts",
            "priorities-0-ORDER": 1,
        },
    )
    plan = ActionPlan.objects.get(title="Audit plan for Kirkstall")
    history = reverse(f"{PLANS}:history", args=[plan.pk])
    leader = f"head{school.urn}"
    entry = assert_audited(
        client,
        plan,
        "wagtail.create",
        "specialist",
        label=plan.title,
        message="Created",
        history_url=history,
        shown_as="Plan started",
        seen_by={"specialist", leader},
        log_model=ActionPlanLogEntry,
    )
    assert entry.revision_id == plan.latest_revision_id

    submit(client, reverse(f"{PLANS}:edit", args=[plan.pk]), {"summary": "After the visit."})
    assert_audited(
        client,
        plan,
        "wagtail.edit",
        "specialist",
        label=plan.title,
        message="Edited",
        history_url=history,
        shown_as="Changes saved",
        seen_by={"specialist", leader},
        log_model=ActionPlanLogEntry,
    )

    # The specialist signs off a plan waiting on them: an approval naming its revision.
    waiting = ActionPlan.objects.get(school__urn=990102)
    assert waiting.state == PlanState.AWAITING_SPECIALIST
    url = reverse(f"{PLANS}:edit", args=[waiting.pk])
    data = post_data(client.get(url).context["form"])
    data |= {"action-workflow-action": "true", "workflow-action-name": "approve"}
    assert client.post(url, data).status_code == 302
    waiting.refresh_from_db()
    approval = assert_audited(
        client,
        waiting,
        "wagtail.workflow.approve",
        "specialist",
        label=waiting.title,
        message="Approved at 'Specialist sign-off'. Next step 'School leader approval'",
        history_url=reverse(f"{PLANS}:history", args=[waiting.pk]),
        shown_as="Signed off by the specialist; now awaiting the school's approval",
        seen_by={"specialist", "head990102"},
        log_model=ActionPlanLogEntry,
    )
    assert approval.revision_id is not None

    login(client, "hublead")
    client.post(reverse(f"{PLANS}:delete", args=[plan.pk]))
    assert not ActionPlan.objects.filter(pk=plan.pk).exists()
    assert_audited(
        client,
        plan,
        "wagtail.delete",
        "hublead",
        label=plan.title,
        message="Deleted",
        log_model=ActionPlanLogEntry,
    )


def test_focus_areas_created_edited_and_deleted(client, demo):
    login(client, "hublead")
    submit(
        client,
        reverse(f"{FOCUS}:add"),
        {"kind": "embedding", "name": "Audit focus area", "sort_order": 9, "active": "on"},
    )
    area = FocusArea.objects.get(name="Audit focus area")
    label = str(area)
    history = reverse(f"{FOCUS}:history", args=[area.pk])
    # A shared vocabulary: every PD role may view it, so every PD role sees its history.
    pd_roles = {"specialist", "specialist2", "head", "head2"}
    assert_audited(
        client,
        area,
        "wagtail.create",
        "hublead",
        label=label,
        message="Created",
        history_url=history,
        seen_by=pd_roles,
        log_model=ModelLogEntry,
    )
    login(client, "hublead")
    submit(client, reverse(f"{FOCUS}:edit", args=[area.pk]), {"sort_order": 10})
    assert_audited(
        client,
        area,
        "wagtail.edit",
        "hublead",
        label=label,
        message="Edited",
        history_url=history,
        seen_by=pd_roles,
        log_model=ModelLogEntry,
    )
    login(client, "hublead")
    client.post(reverse(f"{FOCUS}:delete", args=[area.pk]))
    assert_audited(
        client,
        area,
        "wagtail.delete",
        "hublead",
        label=label,
        message="Deleted",
        seen_by=pd_roles,
        log_model=ModelLogEntry,
    )


def test_the_retention_policy_edits_are_logged_for_hub_leads_only(client, demo):
    from workflows.models import RetentionPolicy

    policy = RetentionPolicy.load()
    login(client, "hublead")
    url = reverse("wagtailsettings:edit", args=["workflows", "retentionpolicy", policy.pk])
    submit(client, url, {"participation_months": 48})
    policy.refresh_from_db()
    assert policy.participation_months == 48
    assert_audited(
        client,
        policy,
        "wagtail.edit",
        "hublead",
        label="Personal data retention policy",
        message="Edited",
    )
    assert HubLogEntry.objects.filter(action="wagtail.edit", object_id=str(policy.pk)).count() == 1


@pytest.mark.parametrize("username", ["specialist", "head", "editor"])
def test_only_hub_leads_may_edit_the_retention_policy(client, demo, username):
    from workflows.models import RetentionPolicy

    policy = RetentionPolicy.load()
    login(client, username)
    url = reverse("wagtailsettings:edit", args=["workflows", "retentionpolicy", policy.pk])
    assert client.get(url).status_code == 302
    client.post(url, {"participation_months": 1})
    policy.refresh_from_db()
    assert policy.participation_months == 36
