"""Every PD admin listing costs the same number of queries at 50 rows as at 5,000.

The demo hub is grown to each size once for the whole module (``hubdata.BulkHub``,
in bulk, inside a transaction undone at the end), and every listing is counted
exactly at both sizes against one expected number. Each listing is read once first
to warm per-process caches.
"""

from django.urls import reverse

import pytest

from tests.dbutils import kept_for_module
from tests.workflows import hubdata

pytestmark = pytest.mark.django_db

SCHOOLS_URL = "/admin/pd/schools/"

LISTINGS = [
    ("hublead", SCHOOLS_URL, 12),
    ("hublead", reverse("pd_workgroups:index"), 12),
    ("hublead", reverse("pd_enrolments:index"), 13),
    ("hublead", reverse("pd_participants:index"), 12),
    ("hublead", reverse("pd_applications:index"), 13),
    ("hublead", reverse("pd_meetings:index"), 13),
    ("hublead", reverse("pd_visits:index"), 13),
    ("specialist", SCHOOLS_URL, 12),
    ("specialist", reverse("pd_workgroups:index"), 12),
    ("specialist", reverse("pd_meetings:index"), 13),
    ("specialist", reverse("pd_visits:index"), 13),
    ("specialist", reverse("pd_participants:index"), 12),
]


@pytest.fixture(scope="module", params=[50, 5000], ids=lambda rows: f"{rows}-rows")
def rows(request, demo_snapshot, django_db_blocker):
    """The demo grown to this many rows in every PD table, shared by all listings."""
    with kept_for_module(django_db_blocker):
        with django_db_blocker.unblock():
            hubdata.BulkHub().grow_to(request.param)
        yield request.param


@pytest.mark.parametrize(("username", "url", "queries"), LISTINGS)
def test_listing_costs_the_same_at_50_and_5000_rows(
    client, demo, rows, django_assert_num_queries, username, url, queries
):
    client.force_login(hubdata.user(username))
    client.get(url)  # warm caches of the process (content types, site, menus)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 50  # a full page at both sizes
