"""The subject-access export: a hub lead downloads everything held about one address."""

import csv
import io
import json
import zipfile
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

import pytest
from bs4 import BeautifulSoup

from tests.workflows import hubdata
from workflows.accounts import roles
from workflows.audit.models import HubLogEntry
from workflows.demo.plans import build_plan
from workflows.models import (
    Action,
    ApplicationParticipant,
    Attendance,
    Enrolment,
    Meeting,
    Participant,
)
from workflows.privacy.export import EXPORT_ACTION

URL = reverse("pd_personal_data:export")
EMAIL = "maya.lead@school.example"
FILES = {
    "README.txt",
    "data.json",
    "account.csv",
    "applications.csv",
    "participation.csv",
    "attendance.csv",
    "group_messages_received.csv",
    "action_plans.csv",
    "actions.csv",
    "reviews.csv",
    "progress_notes.csv",
    "success_criteria.csv",
    "evidence.csv",
    "visits.csv",
    "group_messages_sent.csv",
    "school_contact.csv",
    "history.csv",
}


@pytest.fixture
def maya(demo):
    """Maya: a school leader with a login, a head's application, a teacher's place
    in another school's application, a participant with attendance, an action."""
    school = hubdata.school("Maya's Primary")
    login = get_user_model().objects.create_user(
        "maya", "Maya.Lead@School.EXAMPLE", first_name="Maya", last_name="Lead"
    )
    login.groups.add(Group.objects.get(name=roles.SCHOOL_LEADERS))
    school.leaders.add(login)
    as_head = hubdata.application(school, head_name="Maya Lead", head_email=EMAIL)
    other = hubdata.application(hubdata.school("Other Primary"), year="2027/28")
    ApplicationParticipant.objects.create(
        application=other,
        name='=HYPERLINK("http://evil.example","Maya")',
        email="MAYA.LEAD@school.example",
        role="Year 5 teacher",
        trn="7654321",
    )
    group = hubdata.group("DEV-MAYA", lead_specialist=hubdata.user("specialist"))
    enrolment = Enrolment.objects.create(school=school, work_group=group)
    person = Participant.objects.create(
        enrolment=enrolment, name="Maya Lead", email="Maya.Lead@school.example", trn="1234567"
    )
    stranger = Participant.objects.create(
        enrolment=enrolment, name="Sam Stranger", email="sam@school.example"
    )
    for days in (30, 10):
        meeting = Meeting.objects.create(
            work_group=group,
            starts_at=timezone.now() - timedelta(days=days),
            agenda=f"Meeting {days} days ago",
        )
        Attendance.objects.create(meeting=meeting, participant=person)
        Attendance.objects.create(meeting=meeting, participant=stranger)
    plan = build_plan(school, specialist=hubdata.user("specialist"))
    Action.objects.filter(plan=plan, sort_order=2).update(owner_user=login)
    return {"login": login, "as_head": as_head, "other": other, "plan": plan}


def export(client, email, username="hublead"):
    client.force_login(hubdata.user(username))
    return client.post(URL, {"email": email})


def unzip(response):
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    files = {name: archive.read(name) for name in archive.namelist()}
    tables = {
        name[:-4]: list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        for name, content in files.items()
        if name.endswith(".csv")
    }
    return files, tables, json.loads(files["data.json"])


def test_hub_lead_downloads_everything_held_about_the_address(client, maya):
    response = export(client, "  MAYA.lead@SCHOOL.example ")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="personal-data-mayalead-at-schoolexample-'
    )
    assert "no-store" in response["Cache-Control"]
    files, tables, data = unzip(response)
    assert set(files) == FILES
    assert [row["username"] for row in tables["account"]] == ["maya"]
    assert tables["account"][0]["roles"] == roles.SCHOOL_LEADERS
    assert tables["account"][0]["schools_led"].startswith("Maya's Primary (")
    assert [(row["reference"], row["as"]) for row in tables["applications"]] == [
        (maya["as_head"].reference, "Head teacher (the application's contact)"),
        (maya["other"].reference, "Teacher put forward"),
    ]
    assert [(r["name"], r["trn"], r["work_group"]) for r in tables["participation"]] == [
        ("Maya Lead", "1234567", "Group DEV-MAYA (DEV-MAYA)")
    ]
    assert [row["meeting"] for row in tables["attendance"]] == [
        "Meeting 30 days ago",
        "Meeting 10 days ago",
    ]
    assert [row["action"] for row in tables["actions"]] == [
        maya["plan"].actions.get(sort_order=2).what
    ]
    # Other people on the same records are theirs, not hers.
    everything = b"".join(files.values()).decode("utf-8-sig", errors="replace")
    for stranger in ("Sam Stranger", "Sam Teacher", "sam@"):
        assert stranger not in everything
    # The JSON holds the same rows, the CSV files are counted in the README.
    assert data["email"] == "MAYA.lead@SCHOOL.example"
    assert {name: len(s["rows"]) for name, s in data["sections"].items()} == {
        name: len(rows) for name, rows in tables.items()
    }
    assert "applications.csv: Applications naming you (2 rows)" in files["README.txt"].decode()


def test_csv_cells_cannot_run_as_formulas_but_json_keeps_the_text(client, maya):
    _, tables, data = unzip(export(client, EMAIL))
    put_forward = next(r for r in tables["applications"] if r["as"] == "Teacher put forward")
    assert put_forward["name"] == '\'=HYPERLINK("http://evil.example","Maya")'
    json_row = next(
        r for r in data["sections"]["applications"]["rows"] if r["as"] == "Teacher put forward"
    )
    assert json_row["name"] == '=HYPERLINK("http://evil.example","Maya")'


def test_a_specialist_export_holds_their_visits_plans_and_history(client, maya):
    specialist = hubdata.user("specialist")
    _, tables, _ = unzip(export(client, specialist.email))
    assert {row["school"].split(" (")[0] for row in tables["visits"]} == {
        "Brookfield Primary School",
        "St Mary's Church of England Primary School",
        "Hollins Lane Academy",
        "Meadowbank Infant School",
    }
    assert maya["plan"].title in [row["plan"] for row in tables["action_plans"]]
    assert tables["history"] and {row["about"] for row in tables["history"]} == {
        "Something you did"
    }


def test_the_export_is_logged_for_hub_leads_eyes_only(client, maya):
    export(client, EMAIL)

    entry = HubLogEntry.objects.get(action=EXPORT_ACTION)
    assert entry.user == hubdata.user("hublead")
    assert entry.data["email"] == EMAIL and entry.data["total"] > 0
    assert entry.data["counts"]["applications"] == 2
    history = reverse("wagtailadmin_reports:site_history")
    assert f"Exported the personal data of {EMAIL}" in client.get(history).content.decode()
    client.force_login(hubdata.user("specialist"))
    assert "Exported the personal data" not in client.get(history).content.decode()


def test_someone_with_no_data_gets_a_clear_answer_not_an_empty_zip(client, demo):
    response = export(client, "nobody@nowhere.example")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    text = BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)
    assert "The hub holds nothing about nobody@nowhere.example" in text
    entry = HubLogEntry.objects.get(action=EXPORT_ACTION)
    assert entry.data == {
        "email": "nobody@nowhere.example",
        "total": 0,
        "counts": dict.fromkeys(entry.data["counts"], 0),
    }


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the email address of the person asking for their data."),
        ("not-an-address", "Enter an email address in the right format"),
        ("a@" + "b" * 300 + ".example", "has at most 254 characters"),
    ],
)
def test_bad_input_re_renders_with_what_was_typed(client, demo, typed, message):
    response = export(client, typed)

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    field = soup.find("input", attrs={"name": "email"})
    assert field.get("value", "") == typed
    assert field["aria-invalid"] == "true"
    assert message in soup.get_text(" ")
    assert not HubLogEntry.objects.filter(action=EXPORT_ACTION).exists()


def test_the_form_is_in_the_hub_leads_menu(client, demo):
    client.force_login(hubdata.user("hublead"))
    response = client.get(URL)
    assert response.status_code == 200
    assert "Download their data" in response.content.decode()
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert URL in dashboard
    client.force_login(hubdata.user("specialist"))
    assert URL not in client.get(reverse("wagtailadmin_home")).content.decode()


@pytest.mark.parametrize("username", ["specialist", "head", "editor"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_everyone_else_is_refused(client, maya, username, method):
    client.force_login(hubdata.user(username))
    response = getattr(client, method)(URL, {"email": EMAIL} if method == "post" else None)
    assert response.status_code == 302
    assert response["Location"].rstrip("/").endswith("/admin")
    assert not HubLogEntry.objects.filter(action=EXPORT_ACTION).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_sign_in(client, demo, method):
    response = getattr(client, method)(URL, {"email": EMAIL} if method == "post" else None)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))
    assert not HubLogEntry.objects.filter(action=EXPORT_ACTION).exists()


def test_what_a_leader_tracked_on_a_plan_is_exported_with_them(client, maya, settings, tmp_path):
    """Progress notes, success-criterion notes and evidence name their author: they are hers."""
    from django.core.files.base import ContentFile

    from wagtail.documents import get_document_model

    from workflows.models import ActionEvidence, CriterionProgress, ProgressNote

    settings.MEDIA_ROOT = str(tmp_path)
    plan, login = maya["plan"], maya["login"]
    action = plan.actions.order_by("sort_order").first()
    ProgressNote.objects.create(plan=plan, action_number=1, note="Maya's note", recorded_by=login)
    ProgressNote.objects.create(plan=plan, action_number=1, note="Someone else's note")
    CriterionProgress.objects.create(
        action=action, number=1, criterion="Every class", notes="Seen in Y4", updated_by=login
    )
    document = get_document_model().objects.create(
        title="Books", file=ContentFile(b"%PDF-1.4", name="books.pdf")
    )
    ActionEvidence.objects.create(
        plan=plan, action=action, document=document, description="Y4 books", uploaded_by=login
    )

    files, tables, _ = unzip(export(client, EMAIL))

    assert [row["note"] for row in tables["progress_notes"]] == ["Maya's note"]
    assert [(r["criterion"], r["notes"]) for r in tables["success_criteria"]] == [
        ("Every class", "Seen in Y4")
    ]
    assert [(r["description"], r["file"]) for r in tables["evidence"]] == [
        ("Y4 books", document.filename)
    ]
    assert "progress_notes.csv: Progress notes you recorded on action plans (1 row)" in (
        files["README.txt"].decode()
    )
