"""Posts a low role can craft by hand: each gets a clear 4xx or a form error, never a 500.

The test client re-raises any exception a view lets through, so a server error
fails these tests outright; each also checks that nothing changed, and that a
form re-rendered after a bad post names nobody outside the poster's scope.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest

from tests.workflows import hubdata
from tests.workflows.formdata import post_data
from workflows.models import ActionPlan, Attendance, FocusArea, Meeting, School, WorkGroup

pytestmark = pytest.mark.django_db

ROLES = ["editor", "specialist", "specialist2", "head", "head2", "hublead"]


def attendance_rows(meeting):
    return {(a.pk, a.participant_id, a.status) for a in meeting.attendance.all()}


@pytest.mark.parametrize("other_group", [False, True], ids=["same-group", "other-group"])
def test_an_attendance_row_naming_another_meetings_record_changes_nothing(
    client, demo, other_group
):
    leeds = WorkGroup.objects.get(code="DEV-26-LDS")
    meeting, sibling = Meeting.objects.filter(work_group=leeds).order_by("pk")[:2]
    owner_group = WorkGroup.objects.get(code="EMB-26-BFD") if other_group else leeds
    foreign = (
        Attendance.objects.filter(meeting__work_group=owner_group)
        .exclude(meeting=meeting)
        .order_by("pk")
        .first()
    )
    assert foreign is not None and (other_group or foreign.meeting == sibling)
    before = set(Attendance.objects.values_list("pk", "meeting_id", "participant_id", "status"))
    client.force_login(hubdata.user("specialist"))
    url = reverse("pd_meetings:edit", args=[meeting.pk])
    data = post_data(client.get(url).context["form"])
    # Point the first row at the other meeting's record, as a crafted post would.
    data["attendance-0-id"] = foreign.pk
    data["attendance-0-status"] = "absent"
    response = client.post(url, data)
    assert response.status_code in (200, 400, 404)
    if response.status_code == 200:
        assert response.context["form"].formsets["attendance"].errors
    after = set(Attendance.objects.values_list("pk", "meeting_id", "participant_id", "status"))
    assert after == before


def test_a_posted_specialist_outside_the_scope_is_named_nowhere_on_the_re_render(client, demo):
    """The owners of actions came from the posted specialist id, checked or not."""
    plan = ActionPlan.objects.get(school__urn=990103)  # a draft the specialist edits
    outsider = hubdata.user("specialist2")
    outsider.first_name, outsider.last_name = "Oriel", "Outsider"
    outsider.save()
    client.force_login(hubdata.user("specialist"))
    url = reverse("wagtailsnippets_workflows_actionplan:edit", args=[plan.pk])
    data = post_data(client.get(url).context["form"])
    data["specialist"] = outsider.pk
    data["title"] = ""  # keep the form invalid, so it re-renders
    response = client.post(url, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "specialist" in form.errors
    owners = form.formsets["actions"].forms[0].fields["owner_user"].queryset
    assert outsider not in owners
    assert "Oriel Outsider" not in response.content.decode()


CHOOSER_CREATES = [
    "wagtailsnippetchoosers_workflows_actionplan:create",
    "wagtailsnippetchoosers_workflows_focusarea:create",
    "pd_school_chooser:create",
]


@pytest.mark.parametrize("role", ROLES)
def test_chooser_create_posts_are_refused_or_answered_without_a_server_error(client, demo, role):
    counts = (ActionPlan.objects.count(), FocusArea.objects.count(), School.objects.count())
    client.force_login(hubdata.user(role))
    bradford = School.objects.get(urn=990201)
    for name in CHOOSER_CREATES:
        for data in ({}, {"title": "x", "school": bradford.pk, "name": "x", "urn": "abc"}):
            response = client.post(reverse(name), data)
            assert response.status_code < 500, (name, data)
            assert bradford.name not in response.content.decode() or role == "hublead"
    # Nothing was created by a post that left out what a record needs.
    assert (ActionPlan.objects.count(), FocusArea.objects.count(), School.objects.count()) == (
        counts
    )


@pytest.mark.parametrize(
    "url_name", ["pd_schools:edit", "pd_workgroups:inspect", "pd_school_chooser:chosen"]
)
@pytest.mark.parametrize("pk", ["abc", "99999999999999999999", "1.5", "%00"])
def test_malformed_ids_in_the_url_are_not_found(client, demo, url_name, pk):
    client.force_login(get_user_model().objects.get(username="specialist"))
    path = reverse(url_name, args=["0"]).replace("/0/", f"/{pk}/")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("url_name", "field"), [("pd_visits:add", "school"), ("pd_meetings:add", "host_school")]
)
@pytest.mark.parametrize("posted", ["riverside", "abc", "²"])
def test_a_school_chooser_re_rendered_after_a_bad_post_names_no_other_school(
    client, demo, url_name, field, posted
):
    """The chooser showed the name of whatever school id was posted, in scope or not."""
    riverside = School.objects.get(urn=990201)  # Bradford: not the specialist's
    client.force_login(hubdata.user("specialist"))
    value = riverside.pk if posted == "riverside" else posted
    response = client.post(reverse(url_name), {field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    page = response.content.decode()
    assert riverside.name not in page and "990201" not in page


@pytest.mark.parametrize("role", ["head", "head2", "specialist"])
def test_only_a_hub_lead_may_post_a_decision_on_an_application(client, demo, role):
    from workflows.models import Application

    application = Application.objects.filter(school__urn=990201).order_by("pk").first()
    before = Application.objects.filter(pk=application.pk).values().get()
    client.force_login(hubdata.user(role))
    response = client.post(
        reverse("pd_applications:inspect", args=[application.pk]),
        {"decision": "decline", "reason": "Probing."},
    )
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert "/admin/pd/applications/inspect/" not in response["Location"]
    assert Application.objects.filter(pk=application.pk).values().get() == before


@pytest.mark.parametrize("posted", ["riverside", "abc", "²"])
@pytest.mark.parametrize("field", ["school", "specialist"])
def test_the_plan_editor_re_rendered_after_a_bad_post_names_no_other_school(
    client, demo, posted, field
):
    riverside = School.objects.get(urn=990201)
    plan = ActionPlan.objects.get(school__urn=990103)  # a draft the specialist edits
    client.force_login(hubdata.user("specialist"))
    url = reverse("wagtailsnippets_workflows_actionplan:edit", args=[plan.pk])
    data = post_data(client.get(url).context["form"])
    data[field] = riverside.pk if posted == "riverside" else posted
    response = client.post(url, data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert riverside.name not in response.content.decode()


@pytest.mark.parametrize("plan_id", ["²", "abc", "-1", "99999999999999999999"])
def test_the_actions_export_takes_only_a_plan_id_it_understands(client, demo, plan_id):
    client.force_login(hubdata.user("head"))
    response = client.get(
        reverse("wagtailsnippets_workflows_actionplan:export_actions"), {"plan": plan_id}
    )
    assert response.status_code == 200
    assert b"".join(response).decode("utf-8-sig").count("\n") == 1  # the header alone
