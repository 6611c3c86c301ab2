"""Admin forms never list every user's name: user dropdowns follow the role."""

from django.urls import reverse

import pytest

from tests.workflows import hubdata
from workflows.models import WorkGroup

pytestmark = pytest.mark.django_db


def choice_names(response, field):
    form = response.context["form"]
    return sorted(user.username for user in form.fields[field].queryset)


def signed_in(client, username):
    client.force_login(hubdata.user(username))
    return client


def test_a_specialist_recording_a_visit_sees_only_themselves(client, demo):
    response = signed_in(client, "specialist").get(reverse("pd_visits:add"))
    assert response.status_code == 200
    assert choice_names(response, "specialist") == ["specialist"]
    html = response.content.decode()
    for other in ("specialist2", "head2", "editor", "hublead"):
        person = hubdata.user(other)
        assert f">{person.get_full_name() or person.username}</option>" not in html


def test_the_hub_lead_chooses_among_the_mastery_specialists(client, demo):
    response = signed_in(client, "hublead").get(reverse("pd_visits:add"))
    assert choice_names(response, "specialist") == ["specialist", "specialist2"]


def test_a_specialist_editing_their_group_sees_only_its_lead(client, demo):
    group = WorkGroup.objects.get(code="DEV-26-LDS")
    response = signed_in(client, "specialist").get(reverse("pd_workgroups:edit", args=[group.pk]))
    assert response.status_code == 200
    assert choice_names(response, "lead_specialist") == ["specialist"]
