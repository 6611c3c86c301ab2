"""Every PD admin listing, export, count and object view obeys the one access rule.

Hub lead: everything. specialist: DEV-26-LDS and its schools. specialist2:
EMB-26-BFD and its schools. head: school 990101. head2: school 990201. editor:
no PD data and no PD menu. Direct GETs and POSTs to objects outside a user's
scope are refused (404, or Wagtail's permission-denied redirect when the role
lacks the model permission) and change nothing.
"""

import csv
import io

from django.urls import reverse

import pytest

from tests.workflows import hubdata
from workflows.models import Enrolment, Meeting, School, Visit, WorkGroup

pytestmark = pytest.mark.django_db

LEEDS = {990101, 990102, 990103, 990104, 990105, 990106}
BRADFORD = {990201, 990202, 990203, 990204, 990205}
SCHOOLS_URL = "/admin/pd/schools/"


def signed_in(client, username):
    client.force_login(hubdata.user(username))
    return client


def export_rows(client, url):
    response = client.get(url, {"export": "csv"})
    assert response.status_code == 200, response
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def refused(response):
    """Not found, forbidden, or Wagtail's redirect to the dashboard with a message."""
    if response.status_code == 302:
        return response["Location"].rstrip("/").endswith("/admin")
    return response.status_code in (403, 404)


@pytest.mark.parametrize(
    ("username", "urns"),
    [("specialist", LEEDS), ("specialist2", BRADFORD), ("head", {990101}), ("head2", {990201})],
)
def test_school_listing_and_export_show_only_the_users_schools(client, demo, username, urns):
    signed_in(client, username)
    response = client.get(SCHOOLS_URL)
    assert {school.urn for school in response.context["object_list"]} == urns
    assert response.context["page_obj"].paginator.count == len(urns)
    rows = export_rows(client, SCHOOLS_URL)
    assert {int(row["URN"]) for row in rows} == urns, rows[:1]


def test_hub_lead_sees_and_exports_every_school(client, demo):
    signed_in(client, "hublead")
    rows = export_rows(client, SCHOOLS_URL)
    assert len(rows) == School.objects.count() >= 14
    xlsx = client.get(SCHOOLS_URL, {"export": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize(
    ("username", "codes"),
    [
        ("hublead", {"DEV-26-LDS", "EMB-26-BFD"}),
        ("specialist", {"DEV-26-LDS"}),
        ("specialist2", {"EMB-26-BFD"}),
    ],
)
def test_work_group_listing_and_export(client, demo, username, codes):
    signed_in(client, username)
    url = reverse("pd_workgroups:index")
    response = client.get(url)
    listed = {group.code for group in response.context["object_list"]}
    assert listed == codes
    assert response.context["paginator"].count == len(codes)
    assert {row["Code"] for row in export_rows(client, url)} == codes


@pytest.mark.parametrize(
    ("username", "urns"),
    [("specialist", LEEDS), ("specialist2", BRADFORD), ("head", {990101}), ("head2", {990201})],
)
def test_enrolment_listing_is_scoped(client, demo, username, urns):
    signed_in(client, username)
    response = client.get(reverse("pd_enrolments:index"))
    assert {e.school.urn for e in response.context["object_list"]} == urns


@pytest.mark.parametrize(
    ("username", "code"), [("specialist", "DEV-26-LDS"), ("specialist2", "EMB-26-BFD")]
)
def test_meetings_visits_and_participants_are_scoped(client, demo, username, code):
    signed_in(client, username)
    meetings = client.get(reverse("pd_meetings:index")).context["object_list"]
    assert meetings and {m.work_group.code for m in meetings} == {code}
    visits = client.get(reverse("pd_visits:index")).context["object_list"]
    assert visits and {v.work_group.code for v in visits} == {code}
    people = client.get(reverse("pd_participants:index")).context["paginator"]
    assert {p.enrolment.work_group.code for p in people.object_list} == {code}


def test_the_placement_board_and_applications_are_the_hub_leads(client, demo):
    signed_in(client, "specialist")
    assert refused(client.get(reverse("pd_applications:placement")))
    assert refused(client.get(reverse("pd_applications:index")))


def test_a_school_leader_sees_only_their_own_applications(client, demo):
    mine = hubdata.application(School.objects.get(urn=990101), year="2029/30")
    theirs = hubdata.application(School.objects.get(urn=990201), year="2029/30")
    signed_in(client, "head")
    listed = client.get(reverse("pd_applications:index")).context["object_list"]
    assert mine in listed and theirs not in listed
    assert {a.school.urn for a in listed} == {990101}
    assert client.get(reverse("pd_applications:inspect", args=[mine.pk])).status_code == 200
    assert client.get(reverse("pd_applications:inspect", args=[theirs.pk])).status_code == 404


def test_editor_has_no_pd_menu_and_no_pd_pages(client, demo):
    signed_in(client, "editor")
    assert b"Professional development" not in client.get("/admin/").content
    group = WorkGroup.objects.first()
    for url in [
        SCHOOLS_URL,
        reverse("pd_workgroups:index"),
        reverse("pd_workgroups:edit", args=[group.pk]),
        reverse("pd_applications:index"),
        reverse("pd_applications:placement"),
        reverse("pd_meetings:index"),
        reverse("pd_visits:index"),
    ]:
        assert refused(client.get(url)), url


def test_menu_items_follow_the_role(client, demo):
    signed_in(client, "specialist")
    menu = client.get("/admin/").content.decode()
    assert "Professional development" in menu
    for label in ("Work Groups", "Meetings", "Support visits", "Schools"):
        assert label in menu
    assert "Placement board" not in menu
    assert "pd/applications" not in menu
    signed_in(client, "hublead")
    assert "Placement board" in client.get("/admin/").content.decode()


@pytest.mark.parametrize(
    ("username", "other"), [("specialist", "EMB-26-BFD"), ("specialist2", "DEV-26-LDS")]
)
def test_another_groups_edit_url_is_refused_and_changes_nothing(client, demo, username, other):
    group = WorkGroup.objects.get(code=other)
    signed_in(client, username)
    edit = reverse("pd_workgroups:edit", args=[group.pk])
    assert client.get(edit).status_code == 404
    response = client.post(
        edit,
        {
            "stage": group.stage_id,
            "academic_year": group.academic_year,
            "code": group.code,
            "name": "Taken over",
            "status": group.status,
        },
    )
    assert response.status_code == 404
    assert client.get(reverse("pd_workgroups:inspect", args=[group.pk])).status_code == 404
    assert refused(client.post(reverse("pd_workgroups:delete", args=[group.pk])))
    assert WorkGroup.objects.get(pk=group.pk).name == group.name


def test_own_group_edit_page_opens_for_its_specialist(client, demo):
    group = WorkGroup.objects.get(code="DEV-26-LDS")
    signed_in(client, "specialist")
    assert client.get(reverse("pd_workgroups:edit", args=[group.pk])).status_code == 200
    assert client.get(reverse("pd_workgroups:inspect", args=[group.pk])).status_code == 200


def test_another_groups_meeting_and_visit_are_refused(client, demo):
    meeting = Meeting.objects.filter(work_group__code="EMB-26-BFD").first()
    visit = Visit.objects.filter(school__urn=990201).first()
    signed_in(client, "specialist")
    for url in [
        reverse("pd_meetings:edit", args=[meeting.pk]),
        reverse("pd_visits:edit", args=[visit.pk]),
        reverse("pd_visits:history", args=[visit.pk]),
    ]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"purpose": "Changed"}).status_code == 404, url
    assert Visit.objects.get(pk=visit.pk).purpose == visit.purpose


@pytest.mark.parametrize(
    ("username", "urn"), [("specialist", 990201), ("head", 990201), ("head2", 990101)]
)
def test_another_schools_pages_are_refused(client, demo, username, urn):
    school = School.objects.get(urn=urn)
    signed_in(client, username)
    assert client.get(f"{SCHOOLS_URL}inspect/{school.pk}/").status_code == 404
    assert refused(client.get(f"{SCHOOLS_URL}edit/{school.pk}/"))
    response = client.post(f"{SCHOOLS_URL}edit/{school.pk}/", {"name": "Renamed", "urn": urn})
    assert refused(response)
    assert refused(client.post(f"{SCHOOLS_URL}delete/{school.pk}/"))
    assert School.objects.get(pk=school.pk).name == school.name


def test_a_school_leader_inspects_but_cannot_edit_their_school(client, demo):
    school = School.objects.get(urn=990101)
    signed_in(client, "head")
    assert client.get(f"{SCHOOLS_URL}inspect/{school.pk}/").status_code == 200
    assert refused(client.get(f"{SCHOOLS_URL}edit/{school.pk}/"))


def test_hub_lead_edits_any_school(client, demo):
    school = School.objects.get(urn=990201)
    signed_in(client, "hublead")
    assert client.get(f"{SCHOOLS_URL}edit/{school.pk}/").status_code == 200


def test_another_schools_enrolment_is_refused_to_a_school_leader(client, demo):
    theirs = Enrolment.objects.get(school__urn=990201)
    signed_in(client, "head")
    assert client.get(reverse("pd_enrolments:edit", args=[theirs.pk])).status_code in (302, 404)
    assert refused(client.post(reverse("pd_enrolments:delete", args=[theirs.pk])))
    assert Enrolment.objects.filter(pk=theirs.pk).exists()


def test_the_school_chooser_offers_only_the_users_schools(client, demo):
    signed_in(client, "specialist")
    response = client.get(reverse("pd_school_chooser:choose_results"))
    assert response.status_code == 200
    assert {school.urn for school in response.context["results"]} == LEEDS
    found = client.get(reverse("pd_school_chooser:choose_results"), {"q": "990103"})
    assert [school.urn for school in found.context["results"]] == [990103]
    riverside = School.objects.get(urn=990201)
    assert client.get(reverse("pd_school_chooser:chosen", args=[riverside.pk])).status_code == 404
    mine = School.objects.get(urn=990101)
    assert client.get(reverse("pd_school_chooser:chosen", args=[mine.pk])).status_code == 200


def test_the_enrolment_filter_offers_only_the_users_groups(client, demo):
    signed_in(client, "specialist")
    response = client.get(reverse("pd_enrolments:index"))
    choices = response.context["filters"].form.fields["work_group"].queryset
    assert [group.code for group in choices] == ["DEV-26-LDS"]
