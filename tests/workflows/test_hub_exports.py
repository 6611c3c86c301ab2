"""The exports a hub sends on (#15, part 9), downloaded as people do (``?export=csv``).

Schools with their Work Group, stage and plan status for the year; participants
with their attendance at their group's meetings; a summary per Work Group. Each
is a scoped listing's export: a specialist's lists only their groups' rows (and
names no other group, even for a school that is in one), a head's only their
school. Each costs the same number of queries for the demo as for many more rows.
"""

import csv
import io
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

import pytest

from tests.workflows import hubdata
from tests.workflows.test_every_admin_url import body
from workflows.models import Attendance, Enrolment, Meeting, Participant, School, WorkGroup

pytestmark = pytest.mark.django_db

YEAR = "2026/27"


def download(client, username, name):
    client.force_login(hubdata.user(username))
    response = client.get(reverse(name), {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(body(response))))


def by(rows, column):
    return {row[column]: row for row in rows}


@pytest.fixture
def demo_year(demo, monkeypatch):
    """The demo's academic year, whatever day the tests run."""
    monkeypatch.setattr("workflows.schools.viewsets.current_academic_year", lambda: YEAR)


# Schools ------------------------------------------------------------------


def test_schools_export_has_each_schools_group_stage_and_plan_status(client, demo_year):
    rows = download(client, "hublead", "pd_schools:index")
    assert list(rows[0])[-5:] == [
        "Academic year",
        "Work Group",
        "Stage",
        "Action plan status",
        "Left the group on",
    ]
    schools = by(rows, "URN")
    assert len(schools) == School.objects.count()
    brookfield = schools["990101"]
    assert (brookfield["Academic year"], brookfield["Work Group"], brookfield["Stage"]) == (
        YEAR,
        "DEV-26-LDS",
        "Development Work Groups",
    )
    assert brookfield["Action plan status"] == "Awaiting school approval"
    assert schools["990201"]["Work Group"] == "EMB-26-BFD"
    assert schools["990201"]["Stage"] == "Embedding"
    assert schools["990201"]["Action plan status"] == "In progress (reviewed)"
    assert schools["990105"]["Action plan status"] == "No plan"
    # Not in a group this year: the group's cells are blank.
    calder = schools["990301"]
    assert [calder[c] for c in ("Work Group", "Stage", "Action plan status")] == ["", "", ""]


def test_a_school_in_two_groups_lists_both(client, demo_year):
    brookfield = School.objects.get(urn=990101)
    other = hubdata.group("SUS-26-X", stage_slug="sustaining", lead_specialist=None)
    Enrolment.objects.create(school=brookfield, work_group=other)
    row = by(download(client, "hublead", "pd_schools:index"), "URN")["990101"]
    assert row["Work Group"] == "DEV-26-LDS; SUS-26-X"
    assert row["Stage"] == "Development Work Groups; Sustaining"
    assert row["Action plan status"] == "Awaiting school approval; No plan"


def test_a_specialists_schools_export_names_only_their_groups(client, demo_year):
    # Brookfield (in specialist's group) is also in a group led by someone else.
    other = hubdata.group(
        "SUS-26-X", stage_slug="sustaining", lead_specialist=hubdata.user("specialist2")
    )
    Enrolment.objects.create(school=School.objects.get(urn=990101), work_group=other)
    rows = download(client, "specialist", "pd_schools:index")
    leeds = set(
        Enrolment.objects.filter(work_group__code="DEV-26-LDS").values_list(
            "school__urn", flat=True
        )
    )
    assert {int(row["URN"]) for row in rows} == leeds
    assert {row["Work Group"] for row in rows} == {"DEV-26-LDS"}
    assert "SUS-26-X" not in str(rows) and "EMB-26-BFD" not in str(rows)


def test_a_heads_schools_export_is_their_school(client, demo_year):
    rows = download(client, "head", "pd_schools:index")
    assert [(row["URN"], row["Work Group"]) for row in rows] == [("990101", "DEV-26-LDS")]


# Participants -------------------------------------------------------------


def test_participants_export_has_school_group_and_attendance(client, demo):
    rows = download(client, "hublead", "pd_participants:index")
    assert list(rows[0]) == [
        "Name",
        "Role",
        "Is maths lead",
        "Email",
        "School",
        "URN",
        "Work Group",
        "Academic year",
        "Meetings held",
        "Attended",
        "Apologies",
        "Absent",
    ]
    assert len(rows) == Participant.objects.count()
    people = by(rows, "Name")
    head = people["Helen Head"]
    assert (head["Role"], head["School"], head["URN"], head["Work Group"]) == (
        "Head teacher",
        "Brookfield Primary School",
        "990101",
        "DEV-26-LDS",
    )
    assert [head[c] for c in ("Meetings held", "Attended", "Apologies", "Absent")] == [
        "3",
        "3",
        "0",
        "0",
    ]
    maths_lead = people["Maths lead at St Mary's Church of England Primary School"]
    assert [maths_lead[c] for c in ("Meetings held", "Attended", "Apologies", "Absent")] == [
        "3",
        "0",
        "3",
        "0",
    ]
    # Every count agrees with the attendance recorded.
    for person in Participant.objects.select_related("enrolment"):
        row = people[person.name]
        for status, column in (("attended", "Attended"), ("apologies", "Apologies")):
            recorded = Attendance.objects.filter(
                participant=person,
                status=status,
                meeting__work_group_id=person.enrolment.work_group_id,
            ).count()
            assert int(row[column]) == recorded, (person.name, column)


def test_attendance_at_another_groups_meeting_is_not_counted(client, demo):
    person = Participant.objects.get(name="Helen Head")
    foreign = Meeting.objects.filter(work_group__code="EMB-26-BFD").order_by("starts_at").first()
    Attendance.objects.create(meeting=foreign, participant=person, status="absent")
    row = by(download(client, "hublead", "pd_participants:index"), "Name")["Helen Head"]
    assert row["Absent"] == "0"


def test_a_specialists_participants_export_holds_only_their_group(client, demo):
    rows = download(client, "specialist", "pd_participants:index")
    assert rows
    assert {row["Work Group"] for row in rows} == {"DEV-26-LDS"}
    assert len(rows) == Participant.objects.filter(enrolment__work_group__code="DEV-26-LDS").count()


# Work Groups --------------------------------------------------------------

SUMMARY = [
    "Schools",
    "Participants",
    "Meetings held",
    "Attendances",
    "Attendance recorded",
    "Attendance rate",
    "Plans agreed",
]


def test_work_groups_export_summarises_each_group(client, demo):
    rows = download(client, "hublead", "pd_workgroups:index")
    assert list(rows[0])[-len(SUMMARY) :] == SUMMARY
    groups = by(rows, "Code")
    assert set(groups) == {"DEV-26-LDS", "EMB-26-BFD"}
    assert [groups["DEV-26-LDS"][c] for c in SUMMARY] == ["6", "18", "3", "51", "54", "94%", "0"]
    assert [groups["EMB-26-BFD"][c] for c in SUMMARY] == ["5", "15", "2", "28", "30", "93%", "1"]
    assert groups["DEV-26-LDS"]["Status"] == "Running"
    assert groups["DEV-26-LDS"]["Lead specialist"] == "Sam Specialist"


def test_a_group_with_nothing_yet_has_zeros_and_no_rate(client, demo):
    hubdata.group("DEV-26-NEW")
    row = by(download(client, "hublead", "pd_workgroups:index"), "Code")["DEV-26-NEW"]
    assert [row[c] for c in SUMMARY] == ["0", "0", "0", "0", "0", "", "0"]


def test_a_specialists_group_summary_is_their_group_only(client, demo):
    rows = download(client, "specialist", "pd_workgroups:index")
    assert [row["Code"] for row in rows] == ["DEV-26-LDS"]
    assert [rows[0][c] for c in SUMMARY] == ["6", "18", "3", "51", "54", "94%", "0"]


# Queries ------------------------------------------------------------------


def more_rows():
    """Many more schools, groups, participants and attendance rows than the demo."""
    stage = hubdata.stage("sustaining")
    schools = School.objects.bulk_create(
        School(urn=995000 + n, name=f"Bulk School {n}", local_authority="Leeds") for n in range(60)
    )
    groups = WorkGroup.objects.bulk_create(
        WorkGroup(code=f"SUS-26-B{n}", name=f"Bulk {n}", stage=stage, academic_year=YEAR)
        for n in range(20)
    )
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(
            school=school,
            work_group=groups[n % len(groups)],
            stage=stage,
            academic_year=YEAR,
        )
        for n, school in enumerate(schools)
    )
    people = Participant.objects.bulk_create(
        Participant(enrolment=enrolments[n % len(enrolments)], name=f"Bulk person {n}")
        for n in range(200)
    )
    meetings = Meeting.objects.bulk_create(
        Meeting(work_group=group, starts_at=timezone.now() - timedelta(days=3)) for group in groups
    )
    meeting_of = {group.pk: meeting for group, meeting in zip(groups, meetings, strict=True)}
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting_of[person.enrolment.work_group_id], participant=person)
        for person in people
    )


@pytest.mark.parametrize(
    ("name", "username", "queries"),
    [
        ("pd_schools:index", "hublead", 8),
        ("pd_participants:index", "hublead", 7),
        ("pd_workgroups:index", "hublead", 7),
        ("pd_schools:index", "specialist", 8),
        ("pd_participants:index", "specialist", 7),
        ("pd_workgroups:index", "specialist", 7),
    ],
)
def test_each_export_costs_the_same_queries_for_more_rows(
    client, demo_year, django_assert_num_queries, name, username, queries
):
    client.force_login(hubdata.user(username))
    url = reverse(name)
    client.get(url, {"export": "csv"})  # warm caches (content types, site)
    with django_assert_num_queries(queries) as small:
        before = len(body(client.get(url, {"export": "csv"})).splitlines())
    more_rows()
    with django_assert_num_queries(queries) as large:
        after = len(body(client.get(url, {"export": "csv"})).splitlines())
    if username == "hublead":
        assert after > before
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.parametrize(
    "name", ["pd_schools:index", "pd_participants:index", "pd_workgroups:index"]
)
def test_each_export_also_downloads_as_xlsx(client, demo_year, name):
    from openpyxl import load_workbook

    client.force_login(hubdata.user("hublead"))
    response = client.get(reverse(name), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    headings = rows[0]
    csv_rows = download(client, "hublead", name)
    assert list(headings) == list(csv_rows[0])
    assert len(rows) - 1 == len(csv_rows)
