"""Placement that explains itself (#15, part 3): no suitable group says why and links
to a pre-filled Work Group form; a school's other applications and enrolments are
shown beside each application, in a fixed number of queries."""

from django.urls import reverse
from django.utils.http import urlencode

import pytest

from tests.workflows import hubdata
from workflows.applications.placement import school_records
from workflows.models import Application, Enrolment, HubLogEntry, School, WorkGroup

pytestmark = pytest.mark.django_db

YEAR = "2031/32"
QUERIES = 19
BOARD_QUERIES = 19


@pytest.fixture
def hub_lead_client(client, demo):
    client.force_login(hubdata.user("hublead"))
    return client


def inspect_url(application):
    return reverse("pd_applications:inspect", args=[application.pk])


def create_url(stage):
    return (
        reverse("pd_workgroups:add") + "?" + urlencode({"stage": stage.pk, "academic_year": YEAR})
    )


def test_offering_with_no_group_says_why_links_to_create_one_and_changes_nothing(
    hub_lead_client, django_capture_on_commit_callbacks, mailoutbox
):
    stage = hubdata.stage("development-work-groups")
    application = hubdata.application(hubdata.school(), year=YEAR)
    logs = HubLogEntry.objects.count()
    page = hub_lead_client.get(inspect_url(application)).content.decode()
    assert f"There is no {stage.title} Work Group for {YEAR} yet" in page
    assert f'href="{create_url(stage)}"'.replace("&", "&amp;") in page

    with django_capture_on_commit_callbacks(execute=True):
        response = hub_lead_client.post(inspect_url(application), {"decision": "offer"})
    assert response.status_code == 200
    content = response.content.decode()
    assert f"There is no {stage.title} Work Group for {YEAR} yet" in content
    assert f'href="{create_url(stage)}"'.replace("&", "&amp;") in content
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.offered_group is None
    assert mailoutbox == []
    assert HubLogEntry.objects.count() == logs


def test_when_every_group_is_full_the_page_says_so(
    hub_lead_client, django_capture_on_commit_callbacks, mailoutbox
):
    full = hubdata.group("DEV-31-F", year=YEAR, capacity=1)
    Enrolment(school=hubdata.school(), work_group=full).save_checked()
    application = hubdata.application(hubdata.school(), year=YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        response = hub_lead_client.post(inspect_url(application), {"decision": "offer"})
    assert "The only Development Work Groups Work Group for 2031/32 is full" in (
        response.content.decode()
    )
    application.refresh_from_db()
    assert (application.status, application.offered_group) == ("submitted", None)
    assert mailoutbox == []


def test_the_board_says_why_and_links_to_create_a_group(hub_lead_client):
    stage = hubdata.stage("development-work-groups")
    hubdata.application(hubdata.school(), year=YEAR)
    response = hub_lead_client.get(
        reverse("pd_applications:placement"), {"stage": stage.pk, "year": YEAR}
    )
    content = response.content.decode()
    assert f"There is no {stage.title} Work Group for {YEAR} yet" in content
    assert f'href="{create_url(stage)}"'.replace("&", "&amp;") in content


def test_the_add_form_is_prefilled_with_that_stage_and_year(hub_lead_client):
    stage = hubdata.stage("embedding")
    response = hub_lead_client.get(create_url(stage))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["stage"].value() == stage.pk
    assert form["academic_year"].value() == YEAR
    content = response.content.decode()
    assert f'value="{YEAR}"' in content


def test_a_malformed_prefill_is_ignored(hub_lead_client):
    response = hub_lead_client.get(
        reverse("pd_workgroups:add"), {"stage": "x';--", "academic_year": "<b>1</b>"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form["academic_year"].value() in (None, "")
    assert not form["stage"].value()


def test_the_schools_other_applications_and_enrolments_appear(hub_lead_client):
    brookfield = School.objects.get(urn=990101)
    earlier = hubdata.application(brookfield, year="2026/27", status="declined")
    application = hubdata.application(brookfield, stage_slug="embedding", year="2028/29")
    content = hub_lead_client.get(inspect_url(application)).content.decode()
    assert earlier.reference in content
    assert "Development Work Groups, 2026/27, declined" in content
    assert "Leeds Development Work Group (DEV-26-LDS)" in content
    # The application itself is not listed among the school's others.
    response = hub_lead_client.get(inspect_url(application))
    assert application not in response.context["other_applications"]

    board = hub_lead_client.get(
        reverse("pd_applications:placement"),
        {"stage": hubdata.stage("embedding").pk, "year": "2028/29"},
    )
    row = next(r for r in board.context["rows"] if r["application"] == application)
    assert earlier in row["others"]["applications"]
    assert [e.work_group.code for e in row["others"]["enrolments"]] == ["DEV-26-LDS"]
    assert "In: DEV-26-LDS, 2026/27" in board.content.decode()


def test_a_specialist_never_sees_another_groups_schools_applications(client, demo):
    brookfield = School.objects.get(urn=990101)  # in the specialist's own group
    elsewhere = School.objects.get(urn=990201)  # in another group
    hidden = hubdata.application(elsewhere, year="2026/27")
    own = hubdata.application(brookfield, stage_slug="embedding", year="2028/29")
    # A specialist sees the applications offered a place in their own group, no others.
    sibling = hubdata.application(
        brookfield,
        year="2027/28",
        status="offered",
        offered_group=WorkGroup.objects.get(code="DEV-26-LDS"),
    )
    records = school_records(hubdata.user("specialist"), [own, hidden])
    assert records[brookfield.pk]["applications"] == [sibling]
    assert records[elsewhere.pk] == {"applications": [], "enrolments": []}
    assert hidden in school_records(hubdata.user("hublead"), [hidden])[elsewhere.pk]["applications"]
    client.force_login(hubdata.user("specialist"))
    assert client.get(inspect_url(hidden)).status_code in (302, 403, 404)


def test_the_board_costs_the_same_with_1_and_10_other_applications_a_school(
    hub_lead_client, django_assert_num_queries
):
    stage = hubdata.stage("development-work-groups")
    hubdata.group("DEV-31-A", year=YEAR)
    schools = [hubdata.school(name=f"School {n}") for n in range(3)]
    for school in schools:
        hubdata.application(school, year=YEAR)
    params = {"stage": stage.pk, "year": YEAR}
    for total in (1, 10):
        for school in schools:
            while Application.objects.filter(school=school).count() <= total:
                earlier = 2010 + Application.objects.filter(school=school).count()
                hubdata.application(
                    school, year=f"{earlier}/{(earlier + 1) % 100:02d}", status="declined"
                )
        hub_lead_client.get(reverse("pd_applications:placement"), params)
        with django_assert_num_queries(BOARD_QUERIES):
            response = hub_lead_client.get(reverse("pd_applications:placement"), params)
        assert [len(row["others"]["applications"]) for row in response.context["rows"]] == [
            total
        ] * 3


def test_the_application_page_costs_the_same_with_1_and_10_other_applications(
    hub_lead_client, django_assert_num_queries
):
    school = hubdata.school()
    application = hubdata.application(school, year=YEAR)
    for total in (1, 10):
        while Application.objects.filter(school=school).count() <= total:
            earlier = 2010 + Application.objects.filter(school=school).count()
            hubdata.application(
                school, year=f"{earlier}/{(earlier + 1) % 100:02d}", status="declined"
            )
        hub_lead_client.get(inspect_url(application))
        with django_assert_num_queries(QUERIES):
            response = hub_lead_client.get(inspect_url(application))
        assert len(response.context["other_applications"]) == total
