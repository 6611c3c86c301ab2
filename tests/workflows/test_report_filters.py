"""The people named in report filters are exactly the people behind rows the viewer may see.

Wagtail's site history offers a "User" filter and its Workflows report a
"requested by" filter. Stock Wagtail 8.0.1 builds the first from page log
entries only, unscoped, and the second from every workflow state: a hub lead
could not pick the specialists and heads who act on PD records, and heads,
specialists and editors read the names of people whose work is hidden from them.

The demo hub has two sides: Leeds (``specialist`` leads it; ``head`` leads
990101 in it) and Bradford (``specialist2``, ``head2``). Its plans' histories
carry entries by ``specialist``, ``specialist2`` and ``head2``. Each test adds
an entry by the editor on a page, hidden from every PD role, and one by ``head``
on their school, hidden from Bradford.
"""

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from wagtail.log_actions import log
from wagtail.log_actions import registry as log_registry
from wagtail.models import Page, Workflow

import pytest

from tests.workflows import hubdata
from workflows.models import School

SITE_HISTORY = reverse("wagtailadmin_reports:site_history")
WORKFLOWS = reverse("wagtailadmin_reports:workflow")
# A warm site history page filtered by one user, as each viewer gets it: mostly
# Wagtail's own permission look-ups and one admin-URL check per row shown.
QUERIES = {"hublead": 40, "specialist": 48}


@pytest.fixture
def acted(demo):
    """The editor edits a page; ``head`` edits their own school."""
    page = Page.objects.get(slug="search").specific
    page.save_revision(user=hubdata.user("editor"), log_action=True)
    log(School.objects.get(urn=990101), "wagtail.edit", user=hubdata.user("head"))


def get(username, url, params=None):
    client = Client()
    client.force_login(hubdata.user(username))
    response = client.get(url, params or {})
    assert response.status_code == 200, (username, url)
    return response


def offered(response, field):
    """Usernames a filter of the report offers, in the order it lists them."""
    fields = response.context["filters"].form.fields
    if field not in fields:
        return []
    return [user.username for user in fields[field].queryset]


def entries_by(user):
    """Every log entry ``user`` made, across all log models."""
    return sum(
        model.objects.filter(user=user).count() for model in log_registry.get_log_entry_models()
    )


def test_hub_lead_may_filter_by_the_people_who_act_on_pd_records(acted):
    response = get("hublead", SITE_HISTORY)
    # The plans' specialists and approving head, and the head who edited their school;
    # not the editor, whose page entry the hub lead may not see.
    assert offered(response, "user") == ["head", "head2", "specialist", "specialist2"]
    page = response.content.decode()
    assert "Sam Specialist" in page and "Hugo Head" in page and "Helen Head" in page
    assert "Eddie Editor" not in page


def test_filtering_by_a_specialist_shows_only_their_entries(acted):
    specialist = hubdata.user("specialist")
    everything = get("hublead", SITE_HISTORY).context["page_obj"].paginator.count

    response = get("hublead", SITE_HISTORY, {"user": specialist.pk})

    assert response.context["filters"].is_valid()
    entries = response.context["object_list"]
    paginator = response.context["page_obj"].paginator
    assert paginator.count == entries_by(specialist) == len(entries) > 0
    assert paginator.count < everything
    assert {entry.user for entry in entries} == {specialist}


@pytest.mark.parametrize(
    ("username", "people"),
    [
        ("specialist", ["head", "specialist"]),
        ("head", ["head", "specialist"]),
        ("specialist2", ["head2", "specialist2"]),
        ("head2", ["head2", "specialist2"]),
    ],
)
def test_heads_and_specialists_are_offered_only_people_in_their_scope(acted, username, people):
    response = get(username, SITE_HISTORY)
    assert offered(response, "user") == people
    # Exactly the authors of the entries the report shows them (one page holds them all).
    assert response.context["page_obj"].paginator.num_pages == 1
    assert {e.user.username for e in response.context["object_list"]} == set(people)
    assert "Eddie Editor" not in response.content.decode()


def test_a_person_outside_the_scope_chosen_by_hand_is_neither_named_nor_shown(acted):
    response = get("head", SITE_HISTORY, {"user": hubdata.user("editor").pk})
    assert not response.context["filters"].is_valid()
    page = response.content.decode()
    assert "Eddie Editor" not in page
    assert {e.user.username for e in response.context["object_list"]} == {"head", "specialist"}


def test_the_editor_may_filter_by_the_editor_and_by_no_one_else(acted):
    response = get("editor", SITE_HISTORY)
    assert offered(response, "user") == ["editor"]
    page = response.content.decode()
    assert "Sam Specialist" not in page and "Priya Specialist" not in page


@pytest.mark.parametrize("username", ["hublead", "specialist"])
def test_site_history_costs_the_same_however_many_people_acted(
    demo, django_assert_num_queries, username
):
    """The filter lists people with subqueries, not a query per person or per entry."""
    User = get_user_model()
    school = School.objects.get(urn=990101)  # in the specialist's scope too
    client = Client()
    client.force_login(hubdata.user(username))
    params = {"user": hubdata.user("specialist").pk}
    for extra in (0, 30):
        for n in range(User.objects.count(), User.objects.count() + extra):
            log(school, "wagtail.edit", user=User.objects.create(username=f"actor{n}"))
        client.get(SITE_HISTORY, params)  # warm caches of the process (content types, site)
        with django_assert_num_queries(QUERIES[username]):
            response = client.get(SITE_HISTORY, params)
        assert response.context["filters"].is_valid()
        assert len(offered(response, "user")) >= extra


def test_editor_workflows_report_names_no_specialist(acted):
    response = get("editor", WORKFLOWS)
    assert response.context["object_list"] == []
    assert offered(response, "requested_by") == []
    page = response.content.decode()
    assert "Sam Specialist" not in page and "Priya Specialist" not in page


def test_workflows_report_names_the_requesters_of_rows_it_shows(acted):
    """An editor who submits a page for moderation finds themselves; a superuser, everyone."""
    editor = hubdata.user("editor")
    page = Page.objects.get(slug="search").specific
    Workflow.objects.get(name="Moderators approval").start(page, editor)

    response = get("editor", WORKFLOWS)
    assert [state.requested_by for state in response.context["object_list"]] == [editor]
    assert offered(response, "requested_by") == ["editor"]

    assert offered(get("admin", WORKFLOWS), "requested_by") == [
        "editor",
        "specialist",
        "specialist2",
    ]
