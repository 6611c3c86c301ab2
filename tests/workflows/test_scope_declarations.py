"""Scope is declared once per model, and nothing of the PD domain reaches the admin without it.

``workflows.permissions.SCOPES`` says how each PD model reaches its school and its
Work Group; ``workflows.shared.scoping.ScopedViewSetMixin`` is the one mechanism
every admin viewset of such a model is built on. These tests prove that a model
or a viewset that skips either is caught (by a system check, which ``make test``
runs through ``manage.py check``, and at start-up), and that the declarations
give each role the records the guide says they may see.
"""

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.model import ModelViewSet

import pytest

from tests.workflows import hubdata
from workflows.models import (
    Action,
    ActionPlan,
    Attendance,
    Enrolment,
    Meeting,
    Participant,
    School,
    Visit,
    WorkGroup,
)
from workflows.permissions import (
    SCOPES,
    check_every_model_is_scoped,
    register_scoped_policies,
    rule_for,
    visible,
)
from workflows.shared.scoping import check_pd_viewsets_are_scoped, is_scoped_viewset


def test_every_model_of_the_pd_domain_is_declared_or_governed_by_wagtail():
    assert check_every_model_is_scoped() == []
    labels = {m._meta.label_lower for m in apps.get_app_config("workflows").get_models()}
    assert set(SCOPES) <= labels  # no stale declaration of a model that is gone


def test_a_model_without_a_scope_fails_the_check_and_gets_no_policy():
    class Unscoped(models.Model):  # noqa: DJ008  (a throwaway model)
        class Meta:
            app_label = "workflows"

    try:
        errors = check_every_model_is_scoped()
        assert [e.id for e in errors] == ["workflows.E001"]
        assert "Unscoped" in errors[0].msg
        with pytest.raises(ImproperlyConfigured, match="has no scope"):
            register_scoped_policies()
        with pytest.raises(ImproperlyConfigured):
            rule_for(Unscoped)
    finally:
        del apps.all_models["workflows"]["unscoped"]
        apps.clear_cache()


def test_every_registered_viewset_of_a_pd_model_is_scoped(client, demo):
    client.force_login(hubdata.user("hublead"))
    client.get("/admin/")  # the admin's URLs, so its viewsets, are loaded
    assert check_pd_viewsets_are_scoped() == []
    pd_viewsets = [
        v
        for v in viewsets.viewsets
        if isinstance(getattr(v, "model", None), type) and v.model._meta.app_label == "workflows"
    ]
    assert len(pd_viewsets) >= 10 and all(is_scoped_viewset(v) for v in pd_viewsets)


def test_a_plain_viewset_of_a_pd_model_fails_the_check(client, demo):
    client.get("/admin/login/")
    rogue = ModelViewSet(name="rogue_visits", model=Visit)
    viewsets.viewsets.append(rogue)
    try:
        errors = check_pd_viewsets_are_scoped()
    finally:
        viewsets.viewsets.remove(rogue)
    assert [e.id for e in errors] == ["workflows.E002"]
    assert "workflows.Visit" in errors[0].msg


# What each demo role sees of each model, through the declarations alone.
LEEDS, BRADFORD = "DEV-26-LDS", "EMB-26-BFD"


@pytest.mark.parametrize(
    ("model", "group_of"),
    [
        (WorkGroup, lambda o: {o.code}),
        (Enrolment, lambda o: {o.work_group.code}),
        (Visit, lambda o: {o.work_group.code}),
        (Participant, lambda o: {o.enrolment.work_group.code}),
        (Meeting, lambda o: {o.work_group.code}),
        (Attendance, lambda o: {o.meeting.work_group.code}),
        (ActionPlan, lambda o: {o.enrolment.work_group.code}),
        (Action, lambda o: {o.plan.enrolment.work_group.code}),
        (School, lambda o: {e.work_group.code for e in o.enrolments.all()}),
    ],
)
def test_a_specialist_sees_exactly_their_groups_records(demo, model, group_of):
    specialist = hubdata.user("specialist")
    seen = list(visible(specialist, model.objects.all()))
    assert seen, model
    assert len(seen) == len({o.pk for o in seen})  # no row twice, to-many paths or not
    for obj in seen:
        assert LEEDS in group_of(obj), (model, obj)
    everything = model.objects.all()
    assert any(BRADFORD in group_of(o) and LEEDS not in group_of(o) for o in everything)


@pytest.mark.parametrize("model", [School, Enrolment, ActionPlan, Visit, Participant])
def test_a_school_leader_sees_only_their_own_schools_records(demo, model):
    head = hubdata.user("head")
    own = set(School.objects.filter(leaders=head).values_list("pk", flat=True))
    path = {
        School: lambda o: o.pk,
        Enrolment: lambda o: o.school_id,
        ActionPlan: lambda o: o.school_id,
        Visit: lambda o: o.school_id,
        Participant: lambda o: o.enrolment.school_id,
    }[model]
    seen = list(visible(head, model.objects.all()))
    assert seen and {path(o) for o in seen} <= own


def test_an_editor_sees_no_pd_record_and_a_hub_lead_sees_all(demo):
    editor, hub_lead = hubdata.user("editor"), hubdata.user("hublead")
    for label in SCOPES:
        model = apps.get_model(label)
        if SCOPES[label].shared:
            continue
        assert not visible(editor, model.objects.all()).exists(), label
        assert visible(hub_lead, model.objects.all()).count() == model.objects.count()
