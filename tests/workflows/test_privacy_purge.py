"""``purge_personal_data``: anonymise exactly what is past retention, keep every count.

Dates are relative to today (academic years counted back from the current one),
so the rows due and the rows kept are the same whenever the suite runs: with the
default policy a year that started four years before the current one is always
past 36 months, one that started three years before never is.
"""

import dataclasses
import io
from collections import Counter
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from wagtail.documents import get_document_model
from wagtail.log_actions import log
from wagtail.models import Revision

import pytest

from tests.workflows import hubdata
from tests.workflows.formdata import post_data
from workflows.applications.decisions import decide
from workflows.audit.models import HubLogEntry, MediaLogEntry
from workflows.demo.plans import build_plan
from workflows.documents.private import school_collection
from workflows.models import (
    Action,
    ActionEvidence,
    ActionPlan,
    AnonymisedAccount,
    Application,
    Attendance,
    CriterionProgress,
    Enrolment,
    Meeting,
    Participant,
    PlanReview,
    ProgressNote,
    RetentionPolicy,
    Visit,
    WorkGroup,
)
from workflows.plans.panels import overview
from workflows.privacy import purge as purge_module
from workflows.privacy.policy import MARKER, MARKER_EMAIL, months_before, years_ended_before
from workflows.privacy.purge import PURGE_ACTION, purge
from workflows.shared.fields import academic_year_of

S = Application.Status


def year_back(n: int) -> str:
    """The academic year that started ``n`` years before the current one."""
    start = int(academic_year_of(timezone.localdate())[:4]) - n
    return f"{start}/{(start + 1) % 100:02d}"


def run(*args) -> str:
    out = io.StringIO()
    call_command("purge_personal_data", *args, stdout=out)
    return out.getvalue()


def enrol(school, group, **fields):
    enrolment = Enrolment.objects.create(school=school, work_group=group, **fields)
    people = [
        Participant.objects.create(
            enrolment=enrolment,
            name=f"{label} at {school.name}",
            email=f"{label.lower()}@{school.urn}.example",
            trn="1234567",
            role=role,
        )
        for label, role in (("Head", Participant.Role.HEAD), ("Teacher", "lead_teacher"))
    ]
    return enrolment, people


@pytest.fixture
def world(demo):
    """The demo hub plus records on both sides of every retention period."""
    now = timezone.now()
    today = timezone.localdate()
    hub_lead = hubdata.user("hublead")
    specialist = hubdata.user("specialist")
    # The demo's own records (of a fixed year) fall due one day too: count them apart.
    w = {"baseline": purge().counts()}

    def app(name, status, year, decided_months_ago=None, stage="development-work-groups"):
        school = hubdata.school(name)
        application = hubdata.application(school, stage_slug=stage, year=year, status=status)
        if decided_months_ago is not None:
            Application.objects.filter(pk=application.pk).update(
                decided_at=months_before(now, decided_months_ago), decided_by=hub_lead
            )
        return application

    # Declined or withdrawn (12 months after the decision).
    w["declined_old"] = app("Old Declined Primary", S.DECLINED, year_back(1), 13)
    w["withdrawn_old"] = app("Old Withdrawn Primary", S.WITHDRAWN, year_back(1))
    Application.objects.filter(pk=w["withdrawn_old"].pk).update(
        updated_at=months_before(now, 14)  # never decided by the hub: counted from its last change
    )
    w["declined_recent"] = app("Recent Declined Primary", S.DECLINED, year_back(0), 11)
    # Never decided (12 months after the end of their academic year).
    w["waitlisted_old"] = app("Old Waitlist Primary", S.WAITLISTED, year_back(2))
    w["submitted_recent"] = app("Recent Submitted Primary", S.SUBMITTED, year_back(1))

    # Participation (36 months after the place ends).
    old_group = hubdata.group("DEV-OLD", year=year_back(4), lead_specialist=specialist)
    kept_group = hubdata.group("DEV-KEPT", year=year_back(3), lead_specialist=specialist)
    w["accepted_old"] = app("Old Accepted Primary", S.ACCEPTED, year_back(4), 50)
    w["old_enrolment"], w["old_people"] = enrol(
        w["accepted_old"].school, old_group, application=w["accepted_old"]
    )
    w["kept_enrolment"], w["kept_people"] = enrol(hubdata.school("Kept Primary"), kept_group)
    w["left_enrolment"], w["left_people"] = enrol(
        hubdata.school("Left Early Primary"), kept_group, left_on=months_before(today, 37)
    )
    w["login_user"] = get_user_model().objects.create_user("oldteacher", "t@old.example")
    Participant.objects.filter(pk=w["old_people"][1].pk).update(user=w["login_user"])
    meeting = Meeting.objects.create(
        work_group=old_group, starts_at=months_before(now, 50), kind=Meeting.Kind.PLAN
    )
    for person in w["old_people"]:
        Attendance.objects.create(meeting=meeting, participant=person)
    w["participant_log"] = log(w["old_people"][0], "wagtail.edit", user=hub_lead)

    # Support records (72 months after the end of the academic year).
    ancient = hubdata.group("DEV-ANCIENT", year=year_back(7), lead_specialist=specialist)
    recentish = hubdata.group("DEV-SIX", year=year_back(6), lead_specialist=specialist)
    plans = {}
    for key, group in (("old", ancient), ("kept", recentish)):
        school = hubdata.school(f"Plan {key} Primary")
        Enrolment.objects.create(school=school, work_group=group)
        visit = Visit.objects.create(
            school=school,
            work_group=group,
            specialist=specialist,
            visited_on=today - timedelta(days=400),
            purpose="Autumn support visit",
            met_with="Mrs Jones, head",
            notes="Mr Patel's Year 4 lesson on fractions.",
            next_steps="Mrs Jones to release Mr Patel.",
        )
        plan = build_plan(school, specialist=specialist, academic_year=group.academic_year)
        PlanReview.objects.create(plan=plan, comment="Mr Patel led well.", reviewed_by=specialist)
        Action.objects.filter(plan=plan, sort_order=0).update(owner_user=w["login_user"])
        # A revision saved before progress notes left the plan's revisions still holds them.
        revision = plan.latest_revision
        content = dict(revision.content)
        content["progress_notes"] = [{"action_number": 1, "note": "Mr Patel's note, in 2020."}]
        Revision.objects.filter(pk=revision.pk).update(content=content)
        plans[key], w[f"visit_{key}"] = plan, visit
    w["plan_old"], w["plan_kept"] = plans["old"], plans["kept"]

    # Deactivated logins (12 months after the last sign-in).
    User = get_user_model()

    def login(username, *, active, months, superuser=False):
        user = User.objects.create_user(username, f"{username}@people.example", "x")
        User.objects.filter(pk=user.pk).update(
            is_active=active,
            is_superuser=superuser,
            first_name="Real",
            last_name="Name",
            last_login=months_before(now, months),
        )
        return user

    w["gone"] = login("gone", active=False, months=13)
    w["gone"].groups.add(*hub_lead.groups.all())
    w["gone_recent"] = login("gonerecent", active=False, months=11)
    w["active_old"] = login("activeold", active=True, months=60)
    w["gone_super"] = login("gonesuper", active=False, months=60, superuser=True)
    return w


DUE = {
    "unsuccessful_applications": 2,
    "undecided_applications": 1,
    "accepted_applications": 1,
    "participants": 4,
    "visits": 1,
    "action_plans": 1,
    "group_messages": 0,  # tests/workflows/test_group_messages.py
    "accounts": 1,
}


def expected(world) -> dict[str, int]:
    return {key: world["baseline"][key] + n for key, n in DUE.items()}


def report_figures():
    """What the hub reports, to compare before and after a purge."""
    return {
        "applications": sorted(
            Application.objects.values_list("programme__title", "academic_year", "status")
            .annotate(n=Count("pk"))
            .order_by("programme__title", "academic_year", "status")
        ),
        "places": sorted(WorkGroup.objects.with_places().values_list("code", "places_taken")),
        "participants": sorted(
            Participant.objects.values_list("enrolment__work_group__code", "role", "is_maths_lead")
            .annotate(n=Count("pk"))
            .order_by("enrolment__work_group__code", "role", "is_maths_lead")
        ),
        "attendance": Counter(Attendance.objects.values_list("status", flat=True)),
        "overview": overview(hubdata.user("hublead")),
        "visits": Visit.objects.count(),
        "actions": sorted(Action.objects.values_list("plan_id", "status", "due_on")),
        "users": get_user_model().objects.count(),
    }


def snapshot():
    """Every personal field the purge may touch, to prove a dry run changes nothing."""
    return {
        "applications": list(
            Application.objects.order_by("pk").values_list(
                "head_name", "head_email", "reason", "decision_reason", "anonymised_at"
            )
        ),
        "participants": list(
            Participant.objects.order_by("pk").values_list("name", "email", "trn", "user_id")
        ),
        "visits": list(Visit.objects.order_by("pk").values_list("met_with", "notes")),
        "actions": list(Action.objects.order_by("pk").values_list("owner_name", "owner_user")),
        "notes": list(ProgressNote.objects.order_by("pk").values_list("note", flat=True)),
        "users": list(
            get_user_model().objects.order_by("pk").values_list("username", "email", "first_name")
        ),
        "log": HubLogEntry.objects.count(),
    }


def test_a_dry_run_says_what_it_would_do_and_changes_nothing(world):
    before = snapshot()
    due = expected(world)

    out = run()

    assert snapshot() == before
    for label, months, key in (
        ("Declined, withdrawn or closed applications", 12, "unsuccessful_applications"),
        ("Applications never decided", 12, "undecided_applications"),
        ("Accepted applications of ended places", 36, "accepted_applications"),
        ("Participants of ended places", 36, "participants"),
        ("Support visit notes", 72, "visits"),
        ("Action plans (owners, progress notes, reviews, evidence)", 72, "action_plans"),
        ("Deactivated logins", 12, "accounts"),
    ):
        assert f"{label} (kept {months} months): would anonymise {due[key]};" in out
    assert f"Dry run: nothing changed. Would anonymise {sum(due.values())} records" in out
    assert not HubLogEntry.objects.filter(action=PURGE_ACTION).exists()


def test_apply_anonymises_exactly_the_rows_past_retention(world):
    w = world
    figures = report_figures()
    kept_snapshot = {
        "recent": Application.objects.filter(
            pk__in=[w["declined_recent"].pk, w["submitted_recent"].pk]
        ).values_list("head_name", "head_email", "reason"),
        "people": Participant.objects.filter(enrolment=w["kept_enrolment"]).values_list(
            "name", "email", "trn"
        ),
    }
    kept_before = {key: list(rows) for key, rows in kept_snapshot.items()}

    out = run("--apply")

    assert f"Anonymised {sum(expected(w).values())} records; the purge is in" in out
    assert purge(apply=False).counts() == dict.fromkeys(DUE, 0)
    # Applications past retention: every personal field replaced, the rest kept.
    for key in ("declined_old", "withdrawn_old", "waitlisted_old", "accepted_old"):
        application = Application.objects.get(pk=w[key].pk)
        assert (application.head_name, application.head_email, application.reason) == (
            MARKER,
            MARKER_EMAIL,
            MARKER,
        ), key
        assert application.anonymised_at is not None
        assert application.school_id == w[key].school_id
        assert application.status == w[key].status
        assert (
            list(application.participants.values_list("name", "email", "trn", "role"))
            == [(MARKER, MARKER_EMAIL, "", MARKER)] * 2
        )
    assert {key: list(rows) for key, rows in kept_snapshot.items()} == kept_before
    assert Application.objects.get(pk=w["declined_recent"].pk).anonymised_at is None
    # People of ended places (by year, or left early); the current ones kept.
    gone_people = Participant.objects.filter(
        pk__in=[p.pk for p in w["old_people"] + w["left_people"]]
    )
    assert set(gone_people.values_list("name", "email", "trn", "user")) == {(MARKER, "", "", None)}
    assert gone_people.filter(anonymised_at__isnull=True).count() == 0
    assert (
        Participant.objects.filter(enrolment=w["kept_enrolment"], anonymised_at=None).count() == 2
    )
    # Their history no longer names them.
    w["participant_log"].refresh_from_db()
    assert w["participant_log"].label == MARKER
    # Support records: the old plan's people gone, live and in every revision.
    old_plan = ActionPlan.objects.get(pk=w["plan_old"].pk)
    assert old_plan.anonymised_at is not None
    assert set(old_plan.actions.values_list("owner_name", "owner_user")) == {(MARKER, None)}
    assert set(old_plan.progress_notes.values_list("note", "recorded_by")) == {(MARKER, None)}
    assert set(old_plan.reviews.values_list("comment", flat=True)) == {MARKER}
    for revision in old_plan.revisions.all():
        assert {a["owner_name"] for a in revision.content["actions"]} == {MARKER}
        assert "Mr Patel" not in str(revision.content)
    assert old_plan.latest_revision.content["progress_notes"] == [
        {"action_number": 1, "note": MARKER}
    ]
    assert old_plan.title == w["plan_old"].title and old_plan.state == w["plan_old"].state
    kept_plan = ActionPlan.objects.get(pk=w["plan_kept"].pk)
    assert kept_plan.anonymised_at is None
    assert "Maths lead" in kept_plan.actions.values_list("owner_name", flat=True)
    assert "Maths lead" in str(kept_plan.latest_revision.content)
    assert "Mr Patel's note, in 2020." in str(kept_plan.latest_revision.content)
    visit = Visit.objects.get(pk=w["visit_old"].pk)
    assert (visit.met_with, visit.notes, visit.next_steps, visit.purpose) == (
        MARKER,
        MARKER,
        MARKER,
        "Autumn support visit",
    )
    assert Visit.objects.get(pk=w["visit_kept"].pk).notes.startswith("Mr Patel")
    # Logins: the long-deactivated one only.
    gone = get_user_model().objects.get(pk=w["gone"].pk)
    assert (gone.username, gone.first_name, gone.email) == (f"anonymised-{gone.pk}", MARKER, "")
    assert not gone.has_usable_password() and not gone.groups.exists()
    assert AnonymisedAccount.objects.filter(user=gone).exists()
    for key in ("gone_recent", "active_old", "gone_super"):
        assert get_user_model().objects.get(pk=w[key].pk).email == w[key].email, key
    # Every figure the hub reports is the same.
    assert report_figures() == figures


def test_apply_logs_one_summary_that_hub_leads_see_in_the_site_history(world, client):
    run("--apply")

    entries = HubLogEntry.objects.filter(action=PURGE_ACTION)
    assert entries.count() == 1
    entry = entries.get()
    total = sum(expected(world).values())
    assert entry.data["counts"] == expected(world) and entry.data["total"] == total
    assert entry.user is None  # the command line: "system"
    url = reverse("wagtailadmin_reports:site_history")
    client.force_login(hubdata.user("hublead"))
    assert f"Anonymised {total} records past retention" in client.get(url).content.decode()
    client.force_login(hubdata.user("specialist"))
    assert "records past retention" not in client.get(url).content.decode()


def test_a_second_run_is_a_no_op_and_says_so(world):
    run("--apply")
    before = snapshot()

    out = run("--apply")

    assert snapshot() == before
    assert "Nothing to anonymise: every record past its retention period is anonymised" in out
    done = expected(world)["unsuccessful_applications"]
    assert (
        f"Declined, withdrawn or closed applications (kept 12 months): anonymised 0; {done} anonymised"
        in out
    )
    assert HubLogEntry.objects.filter(action=PURGE_ACTION).count() == 1


def test_the_retention_setting_changes_what_is_purged(world):
    w = world
    policy = RetentionPolicy.load()
    policy.unsuccessful_application_months = 24
    policy.participation_months = 60
    policy.save()
    counts = purge().counts()
    base = w["baseline"]
    assert counts["unsuccessful_applications"] == base["unsuccessful_applications"]
    assert counts["participants"] == base["participants"]
    assert counts["accepted_applications"] == base["accepted_applications"]

    policy.unsuccessful_application_months = 6
    policy.save()
    purge(apply=True)
    assert Application.objects.get(pk=w["declined_recent"].pk).head_name == MARKER
    assert (
        Participant.objects.filter(pk__in=[p.pk for p in w["old_people"]], name=MARKER).count() == 0
    )


def test_a_failure_part_way_leaves_everything_as_it_was(world, monkeypatch):
    before = snapshot()
    index = next(i for i, kind in enumerate(purge_module.KINDS) if kind.key == "visits")

    def boom(ids, now):
        raise RuntimeError("disk full")

    kinds = list(purge_module.KINDS)
    kinds[index] = dataclasses.replace(kinds[index], anonymise=boom)
    monkeypatch.setattr(purge_module, "KINDS", kinds)
    with pytest.raises(RuntimeError):
        purge(apply=True)
    assert snapshot() == before


def test_a_decline_reason_leaves_the_history_with_the_application(demo):
    school = hubdata.school("Reasoned Primary")
    application = hubdata.application(school, year=year_back(0))
    decide(application.pk, "decline", hubdata.user("hublead"), reason="Mr Smith was rude.")
    Application.objects.filter(pk=application.pk).update(
        decided_at=months_before(timezone.now(), 13)
    )

    purge(apply=True)

    entry = HubLogEntry.objects.get(action="workflows.decline", object_id=str(application.pk))
    assert "reason" not in entry.data and entry.data["status"] == S.DECLINED
    assert Application.objects.get(pk=application.pk).decision_reason == MARKER


@pytest.mark.parametrize(
    ("cutoff", "bound"),
    [
        ("2025-09-01", "2025/"),  # 2024/25 ended the day before
        ("2025-08-31", "2024/"),  # 2024/25 ends that very day: not before it
        ("2026-01-15", "2025/"),
    ],
)
def test_academic_years_end_on_31_august(cutoff, bound):
    from datetime import date

    assert years_ended_before(date.fromisoformat(cutoff)) == bound
    assert "2024/25" < "2025/" and not "2025/26" < "2025/"


def test_months_back_clamp_to_the_end_of_a_short_month():
    from datetime import date

    assert months_before(date(2025, 3, 31), 1) == date(2025, 2, 28)
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_before(date(2025, 1, 15), 13) == date(2023, 12, 15)


def test_a_form_opened_before_the_purge_cannot_write_the_details_back(client, world):
    person = world["old_people"][0]
    client.force_login(hubdata.user("hublead"))
    url = reverse("pd_participants:edit", args=[person.pk])
    data = post_data(client.get(url).context["form"])

    purge(apply=True)
    response = client.post(url, data)

    assert response.status_code == 200  # the form again, with a message: not saved
    person.refresh_from_db()
    assert (person.name, person.email) == (MARKER, "")


def test_apply_deletes_old_plans_evidence_files_and_anonymises_criterion_notes(
    world, settings, tmp_path, django_capture_on_commit_callbacks
):
    """Evidence is the most personal part of a plan and nothing counts it: it goes."""
    settings.MEDIA_ROOT = tmp_path / "media"
    Document = get_document_model()
    w = world
    files = {}
    for key in ("old", "kept"):
        plan = w[f"plan_{key}"]
        action = plan.actions.order_by("sort_order").first()
        document = Document(
            title=f"Mr Patel's Year 4 books ({key})",
            file=ContentFile(b"%PDF-1.4 books", name=f"books-{key}.pdf"),
            collection=school_collection(plan.school),
        )
        document.save()
        log(document, "wagtail.create", user=hubdata.user("specialist"))
        ActionEvidence.objects.create(
            plan=plan, action=action, document=document, description="Mr Patel's class"
        )
        CriterionProgress.objects.create(
            action=action, number=1, criterion="Seen", notes="Mr Patel's lesson, May."
        )
        CriterionProgress.objects.create(action=action, number=2, criterion="Also seen")
        files[key] = (document.pk, settings.MEDIA_ROOT / document.file.name)
        assert files[key][1].exists()

    with django_capture_on_commit_callbacks(execute=True):
        purge(apply=True)

    old_pk, old_path = files["old"]
    assert not ActionEvidence.objects.filter(plan=w["plan_old"]).exists()
    assert not Document.objects.filter(pk=old_pk).exists()
    assert not old_path.exists()
    history = MediaLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Document), object_id=str(old_pk)
    )
    assert history.exists() and set(history.values_list("label", flat=True)) == {MARKER}
    old_criteria = CriterionProgress.objects.filter(action__plan=w["plan_old"])
    assert sorted(old_criteria.values_list("number", "criterion", "notes")) == [
        (1, "Seen", MARKER),
        (2, "Also seen", ""),  # nothing was written, nothing to anonymise
    ]
    # The plan within retention keeps everything.
    kept_pk, kept_path = files["kept"]
    assert ActionEvidence.objects.get(plan=w["plan_kept"]).document_id == kept_pk
    assert kept_path.read_bytes() == b"%PDF-1.4 books"
    assert CriterionProgress.objects.get(action__plan=w["plan_kept"], number=1).notes.startswith(
        "Mr Patel"
    )


def test_the_titles_of_evidence_removed_earlier_go_with_the_plan(world, settings, tmp_path):
    """A file removed on Track progress is gone, but its history named it: that name goes too."""
    settings.MEDIA_ROOT = tmp_path / "media"
    Document = get_document_model()
    plan = world["plan_old"]
    document = Document(
        title="Mr Patel's Year 4 books",
        file=ContentFile(b"%PDF-1.4 books", name="books.pdf"),
        collection=school_collection(plan.school),
    )
    document.save()
    log(document, "wagtail.create", user=hubdata.user("specialist"))
    # As Track progress records an upload and then its removal.
    log(plan, "workflows.plan_tracked", data={"evidence": [1], "documents": [document.pk]})
    log(document, "wagtail.delete", user=hubdata.user("specialist"))
    document_pk = document.pk
    document.delete()

    purge(apply=True)

    history = MediaLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Document), object_id=str(document_pk)
    )
    assert history.count() == 2 and set(history.values_list("label", flat=True)) == {MARKER}


def test_an_application_closed_by_an_enrolment_is_anonymised_as_a_decline_is(demo):
    """Closed when the school joined a group by another application: kept as long as a decline."""
    now = timezone.now()
    closed = {}
    for key, months in (("old", 13), ("recent", 11)):
        school = hubdata.school(f"Closed {key.title()} Primary")
        closed[key] = hubdata.application(school, year=year_back(1), status=S.CLOSED)
        Application.objects.filter(pk=closed[key].pk).update(decided_at=months_before(now, months))

    purge(apply=True)

    old, recent = (Application.objects.get(pk=closed[key].pk) for key in ("old", "recent"))
    assert (old.head_name, old.head_email, old.reason) == (MARKER, MARKER_EMAIL, MARKER)
    assert old.anonymised_at is not None
    assert recent.head_name == closed["recent"].head_name
    assert recent.anonymised_at is None
