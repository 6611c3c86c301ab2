"""Attack review of a hub's year (#15): what a low role or an outsider can do with its new pages.

Each test is a problem found by trying: a crafted address or post that reached a
server error, another school's data or a second email.
"""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

import pytest

from tests.workflows import hubdata
from workflows.applications.decisions import decide
from workflows.applications.offers import chase_and_lapse
from workflows.models import Application, Enrolment

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


LINK = re.compile(r"http://testserver(/offers/[^/\s]+/)")


def test_an_offer_whose_work_group_was_deleted_is_no_longer_open_and_the_chase_still_runs(
    demo, client, mailoutbox, django_capture_on_commit_callbacks
):
    """A deleted group leaves its offers "offered" with no group (``SET_NULL``).

    The school's link must not show a blank group and take an answer it cannot
    keep, and the daily chase must not stop at that offer and leave the others unchased.
    """
    hub = hubdata.user("hublead")
    doomed = hubdata.group("DEV-26-GONE", name="Doomed", capacity=3)
    kept = hubdata.group("DEV-26-KEPT", name="Kept", capacity=3)
    orphan = hubdata.application(hubdata.school("Orphan Primary"))
    other = hubdata.application(hubdata.school("Other Primary"))
    with django_capture_on_commit_callbacks(execute=True):
        decide(orphan.pk, "offer", hub, work_group=doomed)
    link = LINK.search(mailoutbox[-1].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        decide(other.pk, "offer", hub, work_group=kept)
    # The admin now refuses this (test_work_group_delete); a group deleted before that
    # rule, or outside the admin, still leaves its offers behind.
    doomed.delete()

    page = client.get(link)
    assert page.status_code == 410
    assert "no longer open" in page.content.decode()
    sent = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(link, {"answer": "accept"})
    assert answer.status_code == 410
    assert len(mailoutbox) == sent
    assert not Enrolment.objects.filter(school=orphan.school).exists()

    Application.objects.filter(pk__in=[orphan.pk, other.pk]).update(
        decided_at=timezone.now() - timedelta(days=20)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert chase_and_lapse() == (
            1,
            0,
        )  # the other school is chased; nothing to chase for a group gone
    assert Application.objects.get(pk=other.pk).offer_chased_at is not None
    assert Application.objects.get(pk=orphan.pk).offer_chased_at is None
