"""The PD roles exist after ``migrate`` with the model permissions each needs."""

from django.contrib.auth.models import Group

import pytest

from workflows.accounts import roles

pytestmark = pytest.mark.django_db

PD_MODELS = [
    "school",
    "workgroup",
    "enrolment",
    "participant",
    "application",
    "applicationparticipant",
    "meeting",
    "attendance",
    "visit",
]


def codenames(role):
    group = Group.objects.get(name=role)
    return set(
        group.permissions.filter(content_type__app_label="workflows").values_list(
            "codename", flat=True
        )
    )


def test_every_role_can_reach_the_admin():
    for role in roles.PD_ROLES:
        assert Group.objects.get(name=role).permissions.filter(codename="access_admin").exists()


def test_hub_leads_may_do_everything_with_pd_records():
    expected = {
        f"{action}_{model}" for model in PD_MODELS for action in ("add", "change", "delete", "view")
    }
    assert expected <= codenames(roles.HUB_LEADS)


def test_specialists_run_their_groups_but_do_not_form_them():
    granted = codenames(roles.SPECIALISTS)
    assert {
        "view_school",
        "view_workgroup",
        "change_workgroup",
        "view_enrolment",
        "add_meeting",
        "change_meeting",
        "view_meeting",
        "add_attendance",
        "change_attendance",
        "add_visit",
        "change_visit",
        "view_visit",
        "add_participant",
        "change_participant",
    } <= granted
    forbidden = {
        "add_workgroup",
        "delete_workgroup",
        "add_enrolment",
        "change_enrolment",
        "change_school",
        "view_application",
        "change_application",
    }
    assert not granted & forbidden


def test_school_leaders_only_read_their_school_enrolments_and_applications():
    granted = {c for c in codenames(roles.SCHOOL_LEADERS) if c.split("_", 1)[1] in PD_MODELS}
    assert granted == {"view_school", "view_enrolment", "view_application"}
