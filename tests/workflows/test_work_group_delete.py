"""A Work Group holding an unanswered offer is not deleted from under the school."""

from django.urls import reverse

import pytest

from tests.workflows import hubdata
from workflows.applications.decisions import decide
from workflows.models import Application, WorkGroup


@pytest.fixture
def offered(demo):
    group = hubdata.group("DEV-31-DEL", year="2031/32", name="Leeds West")
    application = hubdata.application(
        hubdata.school("Offered Primary"), year="2031/32", status=Application.Status.SUBMITTED
    )
    decide(application.pk, "offer", hubdata.user("hublead"), work_group=group)
    return group, application


def test_a_group_with_an_open_offer_says_why_it_cannot_be_deleted(client, offered):
    group, _ = offered
    client.force_login(hubdata.user("hublead"))
    url = reverse("pd_workgroups:delete", args=[group.pk])

    page = client.get(url).content.decode()
    assert "cannot be deleted while 1 school holds an offer" in page
    assert "Offered Primary" in page
    assert "Yes, delete" not in page

    client.post(url)
    assert WorkGroup.objects.filter(pk=group.pk).exists()


def test_once_the_offer_is_declined_the_group_can_go(client, offered):
    group, application = offered
    hub_lead = hubdata.user("hublead")
    decide(application.pk, "decline", hub_lead, reason="The group is not running.")
    client.force_login(hub_lead)
    url = reverse("pd_workgroups:delete", args=[group.pk])

    assert "Yes, delete" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not WorkGroup.objects.filter(pk=group.pk).exists()
