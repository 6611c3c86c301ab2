"""Attack review of a hub's year (#15): what a low role or an outsider can do with its new pages.

Each test is a problem found by trying: a crafted address or post that reached a
server error, another school's data or a second email.
"""

from django.urls import reverse
from django.utils.http import urlencode

import pytest

from tests.workflows import hubdata

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"


def bulk_url(action, *ids):
    query = urlencode([("id", i) for i in ids])
    return reverse("wagtail_bulk_action", args=["workflows", "application", action]) + "?" + query


@pytest.mark.parametrize("action", ["offer", "waitlist", "decline"])
def test_a_bulk_decision_on_an_id_too_big_for_the_database_is_not_found(demo, client, action):
    """A typed id past the database's integer range is an unknown id (404), not a server error."""
    client.force_login(hubdata.user("hublead"))
    assert client.get(bulk_url(action, HUGE)).status_code == 404
    assert client.get(bulk_url(action, "-" + HUGE)).status_code == 404
