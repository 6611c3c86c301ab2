"""The hub-wide Work Group finder: where visitors look, nearest group first (#15, part 7)."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest
from bs4 import BeautifulSoup

from programmes.models import ProgrammePage
from tests.workflows import hubdata
from tests.workflows.gias_sample import synthetic_rows, write_gias_csv
from tests.workflows.test_gias_import import school_row
from workflows.finder.places import about_miles, parse_postcode, place_postcode
from workflows.finder.views import nearest_year
from workflows.models import School, WorkGroup
from workflows.schools.gias import GiasImporter

FINDER = "/work-groups/"
NEXT = "2027/28"  # hubdata.open_for_applications' year


def get(client, **params):
    return client.get(reverse("workflows:finder"), params)


def soup_of(response):
    return BeautifulSoup(response.content, "html.parser")


def rows(response):
    """Each group row as {column heading: text}."""
    soup = soup_of(response)
    table = soup.find("table")
    if table is None:
        return []
    heads = [th.get_text(strip=True) for th in table.thead.find_all("th")]
    return [
        dict(
            zip(
                heads, [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])], strict=True
            )
        )
        for tr in table.tbody.find_all("tr")
    ]


def error_text(response):
    soup = soup_of(response)
    message = soup.find(id="id_near-error")
    return message.get_text(" ", strip=True).removeprefix("Error: ") if message else ""


@pytest.fixture
def towns(demo):
    """Recruiting Development groups for 2027/28 meeting in Halifax, Leeds and Bradford."""
    development = hubdata.open_for_applications(year=NEXT)
    made = {}
    for code, town, area in (
        ("DEV-27-HFX", "Halifax", "Calderdale"),
        ("DEV-27-LDS", "Leeds", "Leeds"),
        ("DEV-27-BFD", "Bradford", "Bradford"),
    ):
        made[town] = hubdata.group(
            code,
            year=NEXT,
            name=f"{town} Development",
            status=WorkGroup.Status.RECRUITING,
            meeting_town=town,
            area=area,
        )
    return development, made


# Where a postcode is --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ls6 2ab", "LS6 2AB"),
        ("LS62AB", "LS6 2AB"),
        ("  LS6   2 ", "LS6 2"),
        ("ls6", "LS6"),
        ("BD18 1WX", "BD18 1WX"),
        ("EC1A 1BB", "EC1A 1BB"),
    ],
)
def test_postcodes_are_read_whole_to_their_sector_or_district(typed, expected):
    assert str(parse_postcode(typed)) == expected


@pytest.mark.parametrize("typed", ["LS", "6LS", "LS6 2ABC", "L$6", "LS6 AB"])
def test_what_is_not_a_postcode_is_not_read_as_one(typed):
    assert parse_postcode(typed) is None


def test_a_postcode_is_placed_at_its_school_else_its_sector_else_its_district(demo):
    # Brookfield Primary is LS6 2AB at (427650, 436150); the demo has no other LS6 school.
    School.objects.create(urn=991901, name="A", postcode="LS6 2ZZ", easting=428650, northing=436150)
    School.objects.create(urn=991902, name="B", postcode="LS6 4QQ", easting=429650, northing=438150)
    School.objects.create(urn=991903, name="C", postcode="LS6 3QQ")  # no coordinates: ignored

    exact = place_postcode(parse_postcode("LS6 2AB"))
    assert (exact.precision, exact.point.easting, exact.point.northing) == (
        "postcode",
        427650,
        436150,
    )
    sector = place_postcode(parse_postcode("LS6 2XY"))  # no school: the middle of LS6 2
    assert (sector.precision, sector.label) == ("sector", "LS6 2")
    assert (sector.point.easting, sector.point.northing) == (428150, 436150)
    district = place_postcode(parse_postcode("LS6 9XY"))  # no LS6 9 school: all of LS6
    assert (district.precision, district.label) == ("district", "LS6")
    assert round(district.point.easting) == round((427650 + 428650 + 429650) / 3)
    # "LS60" is a district of its own, not LS6's.
    assert place_postcode(parse_postcode("LS60 1AA")) is None


@pytest.mark.parametrize(
    ("miles", "said"),
    [
        (0.3, "less than a mile"),
        (1.2, "about 1 mile"),
        (2.6, "about 3 miles"),
        (11.4, "about 11 miles"),
    ],
)
def test_distances_are_said_as_people_say_them(miles, said):
    assert about_miles(miles) == said


def test_the_nearest_year_with_groups_is_chosen():
    years = {"2024/25", "2026/27", "2029/30"}
    assert nearest_year("2026/27", years) == "2026/27"
    assert nearest_year("2027/28", years) == "2026/27"
    assert nearest_year("2028/29", years) == "2029/30"  # a tie goes to the later year
    assert nearest_year("2027/28", set()) == "2027/28"


# The page ---------------------------------------------------------------------------------


def test_a_postcode_lists_groups_nearest_first_with_their_distance(client, towns):
    response = get(client, near="hx1 2ab", programme=towns[0].pk)

    assert response.status_code == 200
    found = rows(response)
    assert [row["Group"] for row in found] == [
        "Halifax Development",
        "Bradford Development",
        "Leeds Development",
    ]
    assert [row["Distance"] for row in found] == [
        "less than a mile",
        "about 7 miles",
        "about 15 miles",
    ]
    heading = soup_of(response).find(id="results-heading").get_text(strip=True)
    assert heading.startswith("Work Groups nearest HX1 2AB")


def test_a_postcode_only_known_to_its_district_says_so(client, towns):
    response = get(client, near="BD18 9ZZ", programme=towns[0].pk)
    assert error_text(response) == ""
    assert rows(response)[0]["Group"] == "Bradford Development"
    assert "with postcodes starting BD18" in response.content.decode()


def test_a_town_is_searched_by_our_schools_towns(client, towns):
    found = rows(get(client, near="shipley", programme=towns[0].pk))
    assert found[0]["Group"] == "Bradford Development"
    assert found[0]["Distance"] == "about 4 miles"  # Shipley's schools to Bradford's


def test_a_town_no_school_is_in_still_finds_the_groups_meeting_there(client, towns):
    hubdata.group(
        "DEV-27-OTL",
        year=NEXT,
        name="Otley Development",
        status=WorkGroup.Status.RECRUITING,
        meeting_town="Otley",
    )
    response = get(client, near="Otley", programme=towns[0].pk)
    assert error_text(response) == ""
    assert [row["Group"] for row in rows(response)] == ["Otley Development"]


def test_an_unknown_postcode_says_so_and_still_lists_the_groups(client, towns):
    response = get(client, near="LS99 9ZZ", programme=towns[0].pk)

    assert response.status_code == 200
    message = "We couldn't find LS99 9ZZ among our schools' postcodes; try your town"
    assert error_text(response) == message
    soup = soup_of(response)
    # In the summary too, linked to the box, and the box points at its message.
    assert soup.select_one(".error-summary a")["href"] == "#id_near"
    assert soup.select_one(".error-summary a").get_text(strip=True) == message
    box = soup.find(id="id_near")
    assert box["aria-invalid"] == "true"
    assert "id_near-error" in box["aria-describedby"].split()
    assert box["value"] == "LS99 9ZZ"  # what was typed stays
    assert soup.title.get_text().startswith("Error: ")
    assert len(rows(response)) == 3


@pytest.mark.parametrize("typed", ["LS6 ABC", "1234", "L$6 2AB"])
def test_a_malformed_postcode_gets_a_plain_message(client, towns, typed):
    response = get(client, near=typed)
    assert response.status_code == 200
    assert "is not a postcode we recognise" in error_text(response)


def test_an_unknown_town_says_so(client, towns):
    response = get(client, near="Atlantis")
    assert error_text(response) == (
        "We couldn't find Atlantis among our schools' towns; try your postcode or a nearby town"
    )


@pytest.mark.parametrize(
    "params",
    [
        {"programme": "99999999"},
        {"programme": "x"},
        {"year": "'; drop"},
        {"year": "2026/27x"},
        {"near": "x" * 500},
        {"near": "\x00"},
        {"programme": ["1", "2"]},
    ],
)
def test_tampered_parameters_get_a_page_not_an_error(client, towns, params):
    assert get(client, **params).status_code == 200


def test_groups_of_every_programme_show_and_can_be_filtered(client, towns):
    everything = rows(get(client, year="2026/27"))
    assert {row["Programme"] for row in everything} == {"Development Work Groups", "Embedding"}

    embedding = ProgrammePage.objects.get(slug="embedding")
    only = rows(get(client, year="2026/27", programme=embedding.pk))
    assert [row["Group"] for row in only] == ["Bradford Embedding Work Group"]
    assert "Programme" not in only[0]  # one programme: no column for it


def test_it_opens_on_the_application_year_when_it_has_groups(client, towns):
    response = get(client, programme=towns[0].pk)
    assert response.context["academic_year"] == NEXT
    years = [a.get_text(strip=True) for a in soup_of(response).select(".finder-years a")]
    assert "Work Groups in 2026/27" in years


def test_else_it_opens_on_the_nearest_year_that_has_groups(client, demo):
    # The demo's groups are all 2026/27; applications are for the next year.
    development = hubdata.open_for_applications(year=NEXT)
    response = get(client, programme=development.pk)
    assert response.context["academic_year"] == "2026/27"
    assert [row["Group"] for row in rows(response)] == ["Leeds Development Work Group"]
    assert f"Applications are for {NEXT}." in response.content.decode()


def test_year_links_keep_the_search(client, towns):
    soup = soup_of(get(client, near="HX1 2AB", programme=towns[0].pk))
    link = soup.select_one(".finder-years a")["href"]
    assert "near=HX1+2AB" in link
    assert f"programme={towns[0].pk}" in link
    assert "year=2026%2F27" in link


def test_apply_links_preselect_the_group_only_where_it_takes_applications(client, towns):
    development, _made = towns
    full = hubdata.group(
        "DEV-27-FULL",
        year=NEXT,
        name="Full Development",
        status=WorkGroup.Status.RECRUITING,
        capacity=1,
    )
    hubdata.application(hubdata.school(), year=NEXT, status="offered", offered_group=full)
    soup = soup_of(get(client, programme=development.pk))
    links = {
        tr.th.get_text(strip=True): tr.find("a") for tr in soup.find("table").tbody.find_all("tr")
    }
    apply = reverse("workflows:apply", kwargs={"programme_id": development.pk})
    assert links["Halifax Development"]["href"] == f"{apply}?group=DEV-27-HFX"
    assert links["Halifax Development"].get_text(strip=True) == (
        "Apply to join this group: Halifax Development"
    )
    assert links["Full Development"] is None

    # Last year's groups take no applications.
    soup = soup_of(get(client, programme=development.pk, year="2026/27"))
    assert soup.find("table").tbody.find("a") is None


def test_no_personal_data_nor_school_names_reach_the_page(client, towns):
    group = towns[1]["Leeds"]
    specialist = hubdata.user("specialist")
    specialist.first_name, specialist.last_name = "Priya", "Quartermaine"
    specialist.save()
    group.lead_specialist = specialist
    group.save()
    html = get(client, near="LS6 2AB", year="2026/27").content.decode()
    html += get(client, near="LS6 2AB").content.decode()
    for secret in (
        "Brookfield",  # the school at LS6 2AB
        "Calder Bridge",
        "Helen",
        "Priya",
        "Quartermaine",
        specialist.email,
        "990101",
    ):
        assert secret not in html, secret


def test_the_finder_costs_the_same_queries_for_5_and_100_groups(
    client, towns, django_assert_num_queries
):
    development = towns[0]
    params = {"near": "LS6 2AB", "programme": "", "year": NEXT}
    get(client, **params)  # warm per-process caches (site root paths, navigation)

    def add_groups(upto):
        have = WorkGroup.objects.filter(academic_year=NEXT).count()
        WorkGroup.objects.bulk_create(
            WorkGroup(
                code=f"DEV-Q-{n}",
                name=f"Group {n}",
                stage=development,
                academic_year=NEXT,
                status=WorkGroup.Status.RECRUITING,
                capacity=6,
                meeting_town=["Leeds", "Halifax", "Shipley", "Otley"][n % 4],
                area=["Leeds", "Calderdale", "Bradford", "Leeds"][n % 4],
            )
            for n in range(have, upto)
        )

    add_groups(5)
    with CaptureQueriesContext(connection) as five:
        assert len(rows(get(client, **params))) == 5
    add_groups(100)
    with django_assert_num_queries(len(five.captured_queries)):
        assert len(rows(get(client, **params))) == 100
    # Programmes and their view restrictions, the years, the groups, where the
    # postcode is, where the meeting towns are.
    assert len(five.captured_queries) == 6


# Where visitors look --------------------------------------------------------------------


def test_the_home_page_navigation_and_programme_pages_link_to_it(client, demo):
    home = soup_of(client.get("/"))
    assert home.select_one("#finder-heading").find_parent("section").find("a")["href"] == FINDER
    nav = soup_of(client.get("/")).select_one("nav.site-nav")
    assert nav.find("a", string="Find a Work Group")["href"] == FINDER
    # On the finder itself the link says so.
    nav = soup_of(client.get(FINDER)).select_one("nav.site-nav")
    assert nav.find("a", string="Find a Work Group")["aria-current"] == "page"

    development = ProgrammePage.objects.get(slug="development-work-groups")
    page = soup_of(client.get(development.url))
    per_programme = reverse("workflows:work_group_finder", kwargs={"programme_id": development.pk})
    assert page.find("a", href=per_programme) is not None
    # ...whose own list links to the search, that programme chosen.
    finder = soup_of(client.get(per_programme))
    assert finder.find("a", href=f"{FINDER}?programme={development.pk}") is not None


def test_the_search_form_is_labelled(client, towns):
    soup = soup_of(get(client))
    form = soup.find("form", role="search")
    assert form["method"] == "get"
    for name in ("near", "programme"):
        assert form.find("label", attrs={"for": f"id_{name}"}) is not None
    assert soup.find(id="id_near")["aria-describedby"] == "id_near-hint"
    assert all(script.get("src") for script in soup.find_all("script"))
    assert not soup.find_all(style=True)
    assert re.search(r"<h1>Find a Work Group</h1>", response_text := str(soup))
    assert response_text.count("<h1") == 1


# GIAS coordinates -----------------------------------------------------------------------


def test_gias_coordinates_are_imported_and_blank_or_bad_ones_handled(tmp_path, db):
    path = write_gias_csv(
        tmp_path / "extract.csv",
        [
            school_row(107101, "Good Primary", Easting="430123", Northing="433456"),
            school_row(107102, "Blank Primary", Easting="", Northing=""),
            school_row(107103, "Zero Primary", Easting="0", Northing="0"),
            school_row(107104, "Bad Primary", Easting="43O123", Northing="433456"),
            school_row(107105, "Abroad Primary", Easting="430123", Northing="9999999"),
        ],
    )
    bad = []
    importer = GiasImporter(report_bad_row=lambda line, reason: bad.append((line, reason)))
    with open(path, "rb") as handle:
        result = importer.run(handle)

    grid = {urn: (e, n) for urn, e, n in School.objects.values_list("urn", "easting", "northing")}
    assert grid == {
        107101: (430123, 433456),
        107102: (None, None),
        107103: (None, None),
    }
    assert result.bad_rows == 2
    assert bad == [
        (5, "Easting '43O123' is not a number of metres."),
        (6, "Northing 9999999 is beyond the National Grid."),
    ]

    # Re-importing the same file writes nothing; a moved school is updated.
    with open(path, "rb") as handle:
        again = GiasImporter().run(handle)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)


def test_the_sample_extract_has_coordinates_near_each_town(tmp_path, db):
    path = write_gias_csv(tmp_path / "sample.csv", synthetic_rows(50))
    with open(path, "rb") as handle:
        GiasImporter().run(handle)
    leeds = School.objects.filter(town="Leeds")
    assert leeds.count() == 10
    for school in leeds:
        assert abs(school.easting - 430000) < 5000 and abs(school.northing - 433500) < 5000


def test_the_demo_schools_are_on_the_grid(demo):
    assert not School.objects.filter(urn__lt=991000, easting__isnull=True).exists()
