"""Bulk offer, waitlist and decline from the applications queue (#15, part 3)."""

from django.urls import reverse

import pytest

from tests.workflows import hubdata

pytestmark = pytest.mark.django_db

YEAR = "2031/32"


def test_a_refused_offer_says_why_once(client, demo):
    application = hubdata.application(hubdata.school(), year=YEAR)
    client.force_login(hubdata.user("hublead"))
    url = reverse("pd_applications:inspect", args=[application.pk])
    response = client.post(url, {"decision": "offer"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Work Group for 2031/32 yet") == 1
