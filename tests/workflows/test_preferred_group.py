"""A school may name the Work Group it would like to join (#15, part 7): chosen on the
form (pre-selected by the finder's link), refused if it is not one of that
programme's groups for the year with a place, shown to the hub lead and
pre-selected when a place is offered."""

from django.urls import reverse

import pytest
from bs4 import BeautifulSoup

from tests.workflows import hubdata
from tests.workflows.formdata import APPLICATION
from workflows.models import Application, WorkGroup

YEAR = "2027/28"


@pytest.fixture
def groups(demo):
    """Development open for 2027/28 with two groups taking schools, one full; others elsewhere."""
    development = hubdata.open_for_applications(year=YEAR)
    recruiting = WorkGroup.Status.RECRUITING
    made = {
        "halifax": hubdata.group(
            "DEV-27-HFX", year=YEAR, name="Halifax", meeting_town="Halifax", status=recruiting
        ),
        # Serves the local authority of the school in ``asked``.
        "local": hubdata.group(
            "dev-27-lds", year=YEAR, name="Calderdale", area="Calderdale", status=recruiting
        ),
        "full": hubdata.group("DEV-27-FULL", year=YEAR, name="Full", capacity=1, status=recruiting),
        "done": hubdata.group(
            "DEV-27-DONE", year=YEAR, name="Done", status=WorkGroup.Status.COMPLETED
        ),
        "other_year": hubdata.group("DEV-28-X", year="2028/29", name="Later", status=recruiting),
        "other_programme": hubdata.group(
            "EMB-27-X", "embedding", year=YEAR, name="Embedding", status=recruiting
        ),
    }
    hubdata.application(hubdata.school(), year=YEAR, status="offered", offered_group=made["full"])
    return development, made


def apply_url(programme, **params):
    url = reverse("workflows:apply", kwargs={"programme_id": programme.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def select(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return soup.find("select", id="id_preferred_group")


def options(response):
    return [(o["value"], o.get_text(strip=True)) for o in select(response).find_all("option")]


def selected(response):
    chosen = select(response).find("option", selected=True)
    return chosen["value"] if chosen else ""


def test_the_form_offers_that_programmes_groups_for_the_year_with_places(client, groups):
    development, made = groups
    response = client.get(apply_url(development))
    assert response.status_code == 200
    assert options(response) == [
        ("", "No preference"),
        (str(made["halifax"].pk), "Halifax, meets in Halifax"),
        (str(made["local"].pk), "Calderdale"),
    ]
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("label", attrs={"for": "id_preferred_group"}).get_text(strip=True) == (
        "Work Group you would like to join (optional)"
    )
    assert select(response)["aria-describedby"] == "id_preferred_group-hint"


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("DEV-27-HFX", "halifax"),
        ("dev-27-hfx", "halifax"),
        ("DEV-27-LDS", "local"),  # codes keep their capitals; either finds it
        ("pk:halifax", "halifax"),
        ("EMB-27-X", None),  # another programme's
        ("DEV-28-X", None),  # another year's
        ("DEV-27-FULL", None),  # no place left
        ("DEV-27-DONE", None),
        ("%00%27", None),
        ("x" * 300, None),
    ],
)
def test_the_finders_link_preselects_its_group_and_nothing_else(client, groups, group, expected):
    development, made = groups
    if group.startswith("pk:"):
        group = str(made[group[3:]].pk)
    response = client.get(apply_url(development, group=group))
    assert response.status_code == 200
    assert selected(response) == (str(made[expected].pk) if expected else "")


def hub_email(mailoutbox):
    (email,) = [m for m in mailoutbox if m.subject.startswith("New application")]
    return email.body


def test_the_chosen_group_is_stored_with_the_application(client, groups, mailoutbox):
    development, made = groups
    response = client.post(
        apply_url(development), {**APPLICATION, "preferred_group": str(made["halifax"].pk)}
    )
    assert response.status_code == 302
    application = Application.objects.get(school__urn=990301, academic_year=YEAR)
    assert application.preferred_group == made["halifax"]
    assert "Asked to join: Halifax (DEV-27-HFX)" in hub_email(mailoutbox)


def test_no_preference_stores_none(client, groups, mailoutbox):
    development, _ = groups
    assert (
        client.post(apply_url(development), {**APPLICATION, "preferred_group": ""}).status_code
        == 302
    )
    assert Application.objects.get(school__urn=990301, academic_year=YEAR).preferred_group is None
    assert "Asked to join: no Work Group named" in hub_email(mailoutbox)


@pytest.mark.parametrize(
    "which", ["other_programme", "other_year", "full", "done", "nonsense", "huge"]
)
def test_a_group_not_offered_is_refused_with_a_clear_message(client, groups, which):
    development, made = groups
    value = {"nonsense": "abc", "huge": "9" * 40}.get(which) or str(made[which].pk)
    response = client.post(apply_url(development), {**APPLICATION, "preferred_group": value})

    assert response.status_code == 200
    assert not Application.objects.filter(school__urn=990301, academic_year=YEAR).exists()
    soup = BeautifulSoup(response.content, "html.parser")
    message = (
        "That Work Group is not taking schools for Development Work Groups in 2027/28: "
        "choose one from the list, or No preference"
    )
    assert soup.find(id="id_preferred_group-error").get_text(" ", strip=True) == (
        f"Error: {message}"
    )
    assert (
        soup.select_one('.error-summary a[href="#id_preferred_group"]').get_text(strip=True)
        == message
    )
    # What was typed elsewhere stays.
    assert soup.find(id="id_head_name")["value"] == APPLICATION["head_name"]


# The hub lead -----------------------------------------------------------------------------


@pytest.fixture
def asked(groups):
    """An application from a Calderdale school asking for the Halifax group."""
    _, made = groups
    school = hubdata.school(local_authority="Calderdale")
    application = hubdata.application(school, year=YEAR, preferred_group=made["halifax"])
    return application, made


def test_the_application_page_shows_and_preselects_the_group_asked_for(client, asked):
    application, made = asked
    client.force_login(hubdata.user("hublead"))
    response = client.get(reverse("pd_applications:inspect", args=[application.pk]))
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("[data-preferred-group]").get_text(strip=True) == str(made["halifax"])
    offer = soup.select_one('form[data-decision="offer"] select[name="work_group"]')
    # Asked for beats the group in the school's own local authority.
    assert offer.find("option", selected=True)["value"] == str(made["halifax"].pk)


def test_a_full_group_asked_for_is_not_preselected(client, asked):
    application, made = asked
    Application.objects.filter(pk=application.pk).update(preferred_group=made["full"])
    client.force_login(hubdata.user("hublead"))
    response = client.get(reverse("pd_applications:inspect", args=[application.pk]))
    soup = BeautifulSoup(response.content, "html.parser")
    offer = soup.select_one('form[data-decision="offer"] select[name="work_group"]')
    assert offer.find("option", selected=True)["value"] == str(made["local"].pk)


def test_the_placement_board_shows_and_preselects_it(client, asked):
    application, made = asked
    client.force_login(hubdata.user("hublead"))
    response = client.get(
        reverse("pd_applications:placement"),
        {"stage": application.programme_id, "year": YEAR},
    )
    soup = BeautifulSoup(response.content, "html.parser")
    row = soup.find("tr", attrs={"data-application": application.reference})
    assert row.select_one("[data-preferred-group]").get_text(strip=True) == (
        "Asked to join Halifax (DEV-27-HFX)"
    )
    assert row.find("option", selected=True)["value"] == str(made["halifax"].pk)


def test_asking_for_a_group_shows_the_application_to_nobody_new(client, asked):
    """The group's specialist sees an application once it is offered their group, not before."""
    application, made = asked
    made["halifax"].lead_specialist = hubdata.user("specialist2")
    made["halifax"].save()
    client.force_login(hubdata.user("specialist2"))
    response = client.get(reverse("pd_applications:inspect", args=[application.pk]))
    assert response.status_code in (302, 403, 404)
