"""The placement board: waiting applications beside the stage's groups, offered in one action."""

from django.urls import reverse

import pytest

from tests.workflows import hubdata
from workflows.models import Application, Enrolment

pytestmark = pytest.mark.django_db


def board(client, stage_slug="development-work-groups", year="2030/31"):
    return client.get(
        reverse("pd_applications:placement"),
        {"stage": hubdata.stage(stage_slug).pk, "year": year},
    )


@pytest.fixture
def two_groups(demo):
    york = hubdata.group("DEV-30-Y", year="2030/31", name="York", area="York", capacity=3)
    hull = hubdata.group("DEV-30-H", year="2030/31", name="Hull", area="Hull", capacity=3)
    Enrolment(school=hubdata.school(local_authority="York"), work_group=york).save_checked()
    Enrolment(
        school=hubdata.school(local_authority="York", phase="Infant"), work_group=york
    ).save_checked()
    return york, hull


def test_the_board_shows_places_area_and_phase_mix(client, two_groups):
    client.force_login(hubdata.user("hublead"))
    response = board(client)
    groups = {group.code: group for group in response.context["groups"]}
    assert groups["DEV-30-Y"].places_left == 1
    assert groups["DEV-30-Y"].phase_mix == [("Infant", 1), ("Primary", 1)]
    assert groups["DEV-30-H"].places_left == 3
    assert b"1 of 3" in response.content and b"Infant: 1, Primary: 1" in response.content


def test_each_waiting_application_suggests_the_local_group(client, two_groups):
    york, hull = two_groups
    from_hull = hubdata.application(hubdata.school(local_authority="Hull"), year="2030/31")
    from_york = hubdata.application(hubdata.school(local_authority="York"), year="2030/31")
    decided = hubdata.application(
        hubdata.school(), year="2030/31", status=Application.Status.DECLINED
    )
    client.force_login(hubdata.user("hublead"))
    rows = {row["application"]: row for row in board(client).context["rows"]}
    assert decided not in rows
    assert rows[from_hull]["suggested"] == hull.pk
    assert rows[from_york]["suggested"] == york.pk


def test_an_offer_from_the_board_returns_to_the_board(
    client, two_groups, django_capture_on_commit_callbacks, mailoutbox
):
    york, _ = two_groups
    application = hubdata.application(hubdata.school(local_authority="York"), year="2030/31")
    client.force_login(hubdata.user("hublead"))
    board_url = board(client).context["board_url"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pd_applications:inspect", args=[application.pk]),
            {"decision": "offer", "work_group": york.pk, "next": board_url},
        )
    assert response.status_code == 302 and response["Location"] == board_url
    application.refresh_from_db()
    assert (application.status, application.offered_group) == ("offered", york)
    assert len(mailoutbox) == 1
    assert application not in [row["application"] for row in board(client).context["rows"]]


def test_an_offer_never_redirects_off_site(client, two_groups):
    york, _ = two_groups
    application = hubdata.application(hubdata.school(), year="2030/31")
    client.force_login(hubdata.user("hublead"))
    response = client.post(
        reverse("pd_applications:inspect", args=[application.pk]),
        {"decision": "offer", "work_group": york.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("pd_applications:inspect", args=[application.pk])


@pytest.mark.parametrize("username", ["specialist", "head", "editor"])
def test_only_the_hub_lead_sees_the_board(client, demo, username):
    client.force_login(hubdata.user(username))
    response = board(client)
    assert response.status_code == 302 and response["Location"].rstrip("/").endswith("/admin")


def test_placement_board_costs_the_same_at_5_and_300_applications(
    client, demo, django_assert_num_queries
):
    hub = hubdata.BulkHub()
    for code, area in (("DEV-31-L", "Leeds"), ("DEV-31-Y", "York")):
        hubdata.group(code, year="2031/32", area=area)
    client.force_login(hubdata.user("hublead"))
    url = reverse("pd_applications:placement")
    params = {"stage": hub.development.pk, "year": "2031/32"}
    for size in (5, 300):
        hub.grow_to(size)
        client.get(url, params)
        # Two of them: the schools' other applications and their enrolments (#15, part 3).
        with django_assert_num_queries(19):
            response = client.get(url, params)
        assert len(response.context["rows"]) == size


def test_groups_are_offered_with_their_places_left_in_plain_english(two_groups):
    york, hull = two_groups
    assert york.offer_label == "DEV-30-Y: York, York (1 place left)"
    assert hull.offer_label == "DEV-30-H: Hull, Hull (3 places left)"
