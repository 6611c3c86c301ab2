"""The public Work Group finder: is there a local group with room?"""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest
from bs4 import BeautifulSoup

from programmes.models import ProgrammePage
from workflows.applications.public_views import finder_rows
from workflows.models import Enrolment, School, WorkGroup
from workflows.shared.fields import academic_year_of

THIS_YEAR = academic_year_of(timezone.localdate())


@pytest.fixture
def development(demo):
    return ProgrammePage.objects.get(slug="development-work-groups")


@pytest.fixture
def groups(development):
    """Three groups this year in different states, and one completed, one next year."""
    specialist = WorkGroup.objects.get(code="DEV-26-LDS").lead_specialist

    def make(code, status, **extra):
        fields = {
            "code": code,
            "name": f"{code} group",
            "stage": development,
            "academic_year": THIS_YEAR,
            "lead_specialist": specialist,
            "status": status,
            "area": "Calderdale",
            "meeting_town": "Halifax",
            **extra,
        }
        return WorkGroup.objects.create(**fields)

    recruiting = make("DEV-CAL-1", WorkGroup.Status.RECRUITING, capacity=7)
    planning = make("DEV-CAL-2", WorkGroup.Status.PLANNING, capacity=6, area="", meeting_town="")
    make("DEV-OLD", WorkGroup.Status.COMPLETED)
    make("DEV-NEXT", WorkGroup.Status.RECRUITING, academic_year="2099/00")
    for urn in (990301, 990302):
        Enrolment.objects.create(school=School.objects.get(urn=urn), work_group=recruiting)
    # A school that left no longer takes a place.
    left = School.objects.create(urn=990399, name="Left Early Primary")
    Enrolment.objects.create(
        school=left, work_group=recruiting, joined_on=date(2026, 9, 1), left_on=date(2026, 10, 1)
    )
    return {"recruiting": recruiting, "planning": planning}


def finder(client, programme, **params):
    url = reverse("workflows:work_group_finder", kwargs={"programme_id": programme.pk})
    return client.get(url, params)


def table_rows(response):
    soup = BeautifulSoup(response.content, "html.parser")
    table = soup.find("table")
    return [
        [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        for row in table.tbody.find_all("tr")
    ]


def test_lists_this_years_open_groups_with_places_left(client, development, groups):
    response = finder(client, development, year=THIS_YEAR)

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert (
        soup.find("caption").get_text(strip=True)
        == f"Development Work Groups: Work Groups in {THIS_YEAR}"
    )
    assert [th.get_text(strip=True) for th in soup.thead.find_all("th")] == [
        "Group",
        "Area",
        "Meets in",
        "Status",
        "Places left",
    ]
    rows = table_rows(response)
    assert ["DEV-CAL-2 group", "Not set yet", "Not set yet", "Planning", "6"] in rows
    assert ["DEV-CAL-1 group", "Calderdale", "Halifax", "Recruiting", "5"] in rows
    names = [row[0] for row in rows]
    assert "DEV-OLD group" not in names  # completed
    assert "DEV-NEXT group" not in names  # another year


def test_places_left_are_live_and_a_full_group_says_so(client, development, groups):
    group = groups["recruiting"]
    for urn in (990201, 990202, 990203, 990204, 990205):
        Enrolment.objects.create(school=School.objects.get(urn=urn), work_group=group)

    rows = {row[0]: row for row in table_rows(finder(client, development, year=THIS_YEAR))}

    assert rows["DEV-CAL-1 group"][-1] == "Full"


def test_the_demo_groups_show_in_their_programmes(client, demo):
    embedding = ProgrammePage.objects.get(slug="embedding")
    rows = table_rows(finder(client, embedding, year="2026/27"))
    # Five schools and one outstanding offer (990206) in a group of at most six.
    assert rows == [["Bradford Embedding Work Group", "Bradford", "Shipley", "Running", "Full"]]


def test_another_year_can_be_asked_for(client, development, groups):
    rows = table_rows(finder(client, development, year="2099/00"))
    assert [row[0] for row in rows] == ["DEV-NEXT group"]
    # Nonsense falls back to the year applications are for.
    response = finder(client, development, year="'; drop")
    assert response.context["academic_year"] == development.academic_year


def test_no_personal_data_reaches_the_page(client, development, groups):
    specialist = groups["recruiting"].lead_specialist
    specialist.first_name, specialist.last_name = "Priya", "Specialist"
    specialist.email = "priya.specialist@hub.example"
    specialist.save()

    html = finder(client, development, year=THIS_YEAR).content.decode()

    for secret in (
        "Priya",
        "priya.specialist@hub.example",
        specialist.username,
        "Calder Bridge Primary",
        "Sowerby Village School",
        "Left Early Primary",
    ):
        assert secret not in html, secret


def test_finder_rows_carry_only_public_fields(development, groups):
    for row in finder_rows(development, THIS_YEAR):
        assert set(row) == {"name", "area", "meeting_town", "status", "places_left"}


def test_the_data_costs_one_query_however_many_groups(
    client, development, groups, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert len(finder_rows(development, THIS_YEAR)) == 3

    finder(client, development, year=THIS_YEAR)  # warm the per-process caches (site root paths)
    with CaptureQueriesContext(connection) as few:
        finder(client, development, year=THIS_YEAR)
    specialist = groups["recruiting"].lead_specialist
    for n in range(8):
        group = WorkGroup.objects.create(
            code=f"DEV-MORE-{n}",
            name=f"More {n}",
            stage=development,
            academic_year=THIS_YEAR,
            lead_specialist=specialist,
            status=WorkGroup.Status.RECRUITING,
        )
        school = School.objects.create(urn=990500 + n, name=f"Extra Primary {n}")
        Enrolment.objects.create(school=school, work_group=group)
    with django_assert_num_queries(len(few.captured_queries)):
        response = finder(client, development, year=THIS_YEAR)
    assert len(table_rows(response)) == 11


def test_an_unpublished_programme_has_no_finder(client, development):
    development.unpublish()
    assert finder(client, development).status_code == 404


def test_the_finder_has_no_inline_code(client, development, groups):
    soup = BeautifulSoup(finder(client, development).content, "html.parser")
    assert all(script.get("src") for script in soup.find_all("script"))
    assert not soup.find_all(style=True)


def test_the_finder_opens_on_the_year_applications_are_for(client, development, groups):
    development.academic_year = "2099/00"
    development.save_revision().publish()
    response = finder(client, development)
    assert response.context["academic_year"] == "2099/00"
    assert [row[0] for row in table_rows(response)] == ["DEV-NEXT group"]
    soup = BeautifulSoup(response.content, "html.parser")
    years = [a.get_text(strip=True) for a in soup.select(".finder-years a")]
    assert f"Work Groups in {THIS_YEAR}" in years
    assert "near you" not in response.content.decode()


def test_the_table_scroll_region_is_keyboard_reachable_and_named(client, development, groups):
    soup = BeautifulSoup(finder(client, development, year=THIS_YEAR).content, "html.parser")
    region = soup.find(class_="table-wrap")
    assert (region["role"], region["tabindex"]) == ("region", "0")
    assert soup.find(id=region["aria-labelledby"]).name == "caption"
