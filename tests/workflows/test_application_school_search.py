"""The type-ahead behind the application form's school box."""

from django.urls import reverse

import pytest

from workflows.models import School

pytestmark = pytest.mark.django_db

PUBLIC_KEYS = {"urn", "name", "town", "postcode", "local_authority"}


@pytest.fixture
def schools():
    common = {"status": "Open", "phase": "Primary", "local_authority": "Leeds", "town": "Leeds"}
    School.objects.bulk_create(
        [
            School(
                urn=107001,
                name="St Mary\u2019s Catholic Primary School",
                postcode="LS6 1AA",
                head_first_name="Ann",
                head_last_name="Secret",
                contact_email="office@stmarys.example",
                **common,
            ),
            School(urn=107002, name="Meanwood Primary School", postcode="LS6 4LD", **common),
            School(urn=107003, name="Marygate Infants", postcode="LS7 2BB", **common),
            School(
                urn=107004,
                name="Closed Mary Primary",
                postcode="LS6 9ZZ",
                **{**common, "status": "Closed"},
            ),
            School(
                urn=107005,
                name="Gone Mary Primary",
                postcode="LS6 8ZZ",
                missing_from_gias=True,
                **common,
            ),
            *[
                School(urn=108000 + n, name=f"Primary School {n:02d}", postcode="BD1 1AA", **common)
                for n in range(15)
            ],
        ]
    )


def search(client, q):
    response = client.get(reverse("workflows:school_search"), {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()["results"]


def test_finds_open_schools_by_words_of_their_name(client, schools):
    results = search(client, "st mary")
    assert [r["urn"] for r in results] == [107001]
    assert [r["urn"] for r in search(client, "MARYGATE")] == [107003]
    # Names that start with the text come first ("mary" is in every "Primary" too).
    assert search(client, "mary")[0]["urn"] == 107003


def test_finds_a_saints_school_typed_without_its_apostrophe(client, schools):
    assert [r["urn"] for r in search(client, "st marys")] == [107001]
    assert [r["urn"] for r in search(client, "St Mary's")] == [107001]


def test_returns_only_public_facts(client, schools):
    (result,) = search(client, "st mary")
    assert result == {
        "urn": 107001,
        "name": "St Mary\u2019s Catholic Primary School",
        "town": "Leeds",
        "postcode": "LS6 1AA",
        "local_authority": "Leeds",
    }
    assert set(result) == PUBLIC_KEYS


def test_finds_by_urn_and_urn_prefix(client, schools):
    assert [r["urn"] for r in search(client, "107002")] == [107002]
    assert {r["urn"] for r in search(client, "1070")} == {107001, 107002, 107003}


def test_finds_by_postcode_with_or_without_the_space(client, schools):
    assert [r["urn"] for r in search(client, "ls6 4ld")] == [107002]
    assert [r["urn"] for r in search(client, "LS64LD")] == [107002]
    assert {r["urn"] for r in search(client, "LS6")} == {107001, 107002}


def test_closed_and_missing_schools_are_not_offered(client, schools):
    urns = {r["urn"] for r in search(client, "mary")}
    assert 107004 not in urns
    assert 107005 not in urns


def test_at_most_ten_results(client, schools):
    assert len(search(client, "primary school")) == 10


def test_one_query_however_many_match_and_none_for_a_short_query(
    client, schools, django_assert_num_queries
):
    search(client, "m")  # the first request of all also looks up the site, then keeps it
    with django_assert_num_queries(1):
        assert len(search(client, "primary")) == 10
    with django_assert_num_queries(1):
        assert search(client, "nothing like this") == []
    with django_assert_num_queries(0):
        assert search(client, "m") == []


def test_answers_may_be_cached_by_the_browser(client, schools):
    response = client.get(reverse("workflows:school_search"), {"q": "mary"})
    assert response["Cache-Control"] == "public, max-age=300"


@pytest.fixture
def saints(schools):
    common = {"status": "Open", "phase": "Primary"}
    School.objects.bulk_create(
        [
            School(
                urn=109001,
                name="Kirkstall Valley Primary School",
                town="Leeds",
                local_authority="Leeds",
                **common,
            ),
            School(
                urn=109002,
                name="Hollymary Primary",
                town="Leeds",
                local_authority="Leeds",
                **common,
            ),
            School(
                urn=109003,
                name="Riverside Primary School",
                town="Shipley",
                local_authority="Bradford",
                **common,
            ),
            School(
                urn=109004,
                name="Bradford Road Infants",
                town="Keighley",
                local_authority="Bradford",
                **common,
            ),
            School(
                urn=109005,
                name="Parkside Primary",
                town="Bradford",
                local_authority="Bradford",
                **common,
            ),
        ]
    )


@pytest.mark.parametrize("q", ["St. Mary", "st mary", "St Mary\u2019s", "st marys", "ST MARY'S"])
def test_a_saints_name_comes_first_however_it_is_punctuated(client, saints, q):
    urns = [r["urn"] for r in search(client, q)]
    assert urns[0] == 107001
    # "st" inside "Kirkstall" and "mary" inside "Primary" are not words of the query.
    assert 109001 not in urns


def test_names_starting_with_the_text_then_word_starts_then_containing(client, saints):
    urns = [r["urn"] for r in search(client, "mary")]
    assert urns[0] == 107003  # Marygate: the name starts with it
    assert urns.index(107001) < urns.index(109002)  # a word of the name, then inside a word


def test_a_town_or_local_authority_finds_its_schools(client, saints):
    urns = [r["urn"] for r in search(client, "bradford")]
    # The name first, then the rest of the authority and town, by name.
    assert urns == [109004, 109005, 109003]
    assert [r["urn"] for r in search(client, "shipley")] == [109003]
