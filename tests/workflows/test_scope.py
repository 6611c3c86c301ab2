"""The one access rule: each role sees exactly its own part of the PD data."""

from django.contrib.auth import get_user_model

import pytest

from workflows.models import Enrolment, Participant, School, Visit, WorkGroup
from workflows.permissions import visible


def user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def visit_each_group(demo):
    """One visit in each demo group, by its own specialist."""
    for code in ("DEV-26-LDS", "EMB-26-BFD"):
        group = WorkGroup.objects.get(code=code)
        Visit.objects.create(
            school=group.enrolments.first().school,
            work_group=group,
            specialist=group.lead_specialist,
            visited_on="2026-10-01",
            purpose="First support visit",
        )


def test_hub_lead_sees_every_school_and_group(demo):
    assert visible(user("hublead"), School.objects.all()).count() == School.objects.count()
    assert visible(user("hublead"), WorkGroup.objects.all()).count() == 2


def test_specialist_sees_only_the_group_they_lead_and_its_schools(demo, visit_each_group):
    specialist = user("specialist")
    assert list(visible(specialist, WorkGroup.objects.all()).values_list("code", flat=True)) == [
        "DEV-26-LDS"
    ]
    schools = set(visible(specialist, School.objects.all()).values_list("urn", flat=True))
    assert schools == {990101, 990102, 990103, 990104, 990105, 990106}
    assert {v.work_group.code for v in visible(specialist, Visit.objects.all())} == {"DEV-26-LDS"}
    assert not visible(specialist, School.objects.filter(urn=990201)).exists()


def test_school_leader_sees_only_their_own_school(demo, visit_each_group):
    head = user("head")
    assert list(visible(head, School.objects.all()).values_list("urn", flat=True)) == [990101]
    assert {e.school.urn for e in visible(head, Enrolment.objects.all())} == {990101}
    participants = visible(head, Participant.objects.all())
    assert participants.count() == 3
    assert {p.enrolment.school.urn for p in participants} == {990101}
    assert [g.code for g in visible(head, WorkGroup.objects.all())] == ["DEV-26-LDS"]
    assert not visible(head, Visit.objects.exclude(school__urn=990101)).exists()


def test_editor_sees_no_pd_data(demo, visit_each_group):
    editor = user("editor")
    for model in (School, WorkGroup, Enrolment, Participant, Visit):
        assert not visible(editor, model.objects.all()).exists(), model


def test_inactive_hub_lead_sees_nothing(demo):
    hub_lead = user("hublead")
    hub_lead.is_active = False
    hub_lead.save()
    assert not visible(get_user_model().objects.get(pk=hub_lead.pk), School.objects.all()).exists()
