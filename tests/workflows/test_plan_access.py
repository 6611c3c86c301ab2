"""Every admin URL of an action plan answers only the people in its scope.

Wagtail checks snippet permissions per model (wagtail/wagtail#13314); these tests
prove the per-object checks of our viewset: another school's leader, another
group's specialist and an editor get 403 or 404 on every URL, never a form.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

import pytest

from tests.workflows.formdata import post_data
from workflows.models import ActionPlan

NS = "wagtailsnippets_workflows_actionplan"
# Wagtail answers PermissionDenied in the admin with a redirect to the dashboard.
DENIED = {302, 403, 404}


def user(username):
    return get_user_model().objects.get(username=username)


def plan_of(urn):
    return ActionPlan.objects.get(school__urn=urn)


def object_urls(plan):
    """Every URL that names one plan, with the method that reaches it."""
    revision = plan.latest_revision
    task_state = plan.current_workflow_task_state
    urls = [
        ("get", reverse(f"{NS}:edit", args=[plan.pk])),
        ("post", reverse(f"{NS}:edit", args=[plan.pk])),
        ("get", reverse(f"{NS}:inspect", args=[plan.pk])),
        ("get", reverse(f"{NS}:history", args=[plan.pk])),
        ("get", reverse(f"{NS}:history_results", args=[plan.pk])),
        ("get", reverse(f"{NS}:usage", args=[plan.pk])),
        ("get", reverse(f"{NS}:delete", args=[plan.pk])),
        ("post", reverse(f"{NS}:delete", args=[plan.pk])),
        ("post", reverse(f"{NS}:lock", args=[plan.pk])),
        ("post", reverse(f"{NS}:unlock", args=[plan.pk])),
        ("get", reverse(f"{NS}:workflow_history", args=[plan.pk])),
        ("get", reverse(f"{NS}:revisions_compare", args=[plan.pk, "earliest", "latest"])),
        ("get", reverse(f"{NS}:revisions_revert", args=[plan.pk, revision.pk])),
        ("get", reverse(f"{NS}:print", args=[plan.pk])),
        ("get", reverse(f"{NS}:review", args=[plan.pk])),
        ("get", reverse(f"{NS}:track", args=[plan.pk])),
        ("post", reverse(f"{NS}:track", args=[plan.pk])),
        ("get", reverse(f"{NS}:carry_over", args=[plan.pk])),
        ("get", reverse(f"{NS}:confirm_workflow_cancellation", args=[plan.pk])),
        ("get", reverse("wagtailsnippetchoosers_workflows_actionplan:chosen", args=[plan.pk])),
    ]
    if task_state:
        urls += [
            ("get", reverse(f"{NS}:workflow_action", args=[plan.pk, "approve", task_state.pk])),
            ("post", reverse(f"{NS}:workflow_action", args=[plan.pk, "approve", task_state.pk])),
            (
                "post",
                reverse(
                    f"{NS}:collect_workflow_action_data", args=[plan.pk, "reject", task_state.pk]
                ),
            ),
        ]
    workflow_state = plan.workflow_states.first()
    if workflow_state:
        urls.append(
            (
                "get",
                reverse(f"{NS}:workflow_history_detail", args=[plan.pk, workflow_state.pk]),
            )
        )
    return urls


@pytest.mark.parametrize(
    ("username", "urn"),
    [
        ("head", 990201),  # another school's leader
        ("head2", 990101),
        ("specialist", 990201),  # another group's specialist
        ("specialist2", 990101),
        ("editor", 990101),  # no PD access at all
        ("editor", 990201),
    ],
)
def test_every_plan_url_is_denied_outside_the_scope(client, demo, username, urn):
    plan = plan_of(urn)
    client.force_login(user(username))
    for method, url in object_urls(plan):
        response = getattr(client, method)(url)
        assert response.status_code in DENIED, (username, method, url, response.status_code)
        assert plan.title not in response.content.decode(), (username, url)
    plan.refresh_from_db()
    assert not plan.locked
    assert ActionPlan.objects.filter(pk=plan.pk).exists()


@pytest.mark.parametrize(
    ("username", "urn"),
    [("head", 990101), ("head2", 990201), ("specialist", 990101), ("specialist2", 990201)],
)
def test_the_plan_opens_for_its_own_people(client, demo, username, urn):
    plan = plan_of(urn)
    client.force_login(user(username))
    for name in ("edit", "inspect", "history", "workflow_history", "print"):
        response = client.get(reverse(f"{NS}:{name}", args=[plan.pk]))
        assert response.status_code == 200, (name, response.status_code)
        assert plan.title in response.content.decode()
    # The printable view is one click from the editor and the inspect view.
    print_url = reverse(f"{NS}:print", args=[plan.pk])
    for name in ("edit", "inspect"):
        assert print_url in client.get(reverse(f"{NS}:{name}", args=[plan.pk])).content.decode()


def test_listing_shows_only_the_users_plans(client, demo):
    client.force_login(user("head"))
    page = client.get(reverse(f"{NS}:list")).content.decode()
    assert "Brookfield Primary School: 2026/27 plan" in page
    assert "Riverside" not in page and "St Mary" not in page

    client.force_login(user("specialist2"))
    page = client.get(reverse(f"{NS}:list")).content.decode()
    assert "Riverside Primary School: 2026/27 plan" in page
    assert "Brookfield" not in page

    client.force_login(user("hublead"))
    page = client.get(reverse(f"{NS}:list")).content.decode()
    assert "Brookfield" in page and "Riverside" in page

    client.force_login(user("editor"))
    response = client.get(reverse(f"{NS}:list"))
    # Wagtail answers a missing model permission by sending the user to the dashboard.
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def test_listing_filters_and_search_stay_in_scope(client, demo):
    client.force_login(user("specialist"))
    url = reverse(f"{NS}:list")
    page = client.get(url, {"state": "awaiting_school"}).content.decode()
    assert "Brookfield Primary School: 2026/27 plan" in page
    assert "Hollins Lane Academy: 2026/27 plan" not in page
    page = client.get(url, {"q": "Riverside"}).content.decode()
    assert "Riverside Primary School: 2026/27 plan" not in page
    # The filter's own choices list only the specialist's schools.
    page = client.get(url).content.decode()
    assert "Riverside Primary School" not in page


def test_chooser_lists_only_visible_plans(client, demo):
    client.force_login(user("head2"))
    page = client.get(reverse("wagtailsnippetchoosers_workflows_actionplan:choose")).content
    assert b"Riverside" in page
    assert b"Brookfield" not in page
    plan = plan_of(990101)
    response = client.get(
        reverse("wagtailsnippetchoosers_workflows_actionplan:chosen_multiple"), {"id": [plan.pk]}
    )
    assert b"Brookfield" not in response.content


def test_csv_export_is_scoped(client, demo):
    client.force_login(user("head"))
    listing = client.get(reverse(f"{NS}:list")).content.decode()
    assert reverse(f"{NS}:export_actions") in listing
    body = client.get(reverse(f"{NS}:export_actions")).content.decode()
    assert "Brookfield Primary School" in body
    assert "Riverside" not in body and "St Mary" not in body
    other = plan_of(990201)
    body = client.get(reverse(f"{NS}:export_actions"), {"plan": other.pk}).content.decode()
    assert body.count("\n") == 1  # the header only

    client.force_login(user("editor"))
    response = client.get(reverse(f"{NS}:export_actions"))
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def test_workflow_reports_hide_other_schools_plans(client, demo):
    head = user("head")
    # The Workflows reports need a page permission; a head who also edits pages has one.
    head.groups.add(Group.objects.get(name="Editors"))
    client.force_login(head)
    for url in (
        reverse("wagtailadmin_reports:workflow"),
        reverse("wagtailadmin_reports:workflow_tasks"),
        reverse("wagtailadmin_reports:site_history"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "Brookfield" in page, url
        for other in ("Riverside", "St Mary", "Hollins Lane", "St Joseph"):
            assert other not in page, (url, other)


def test_hub_lead_reports_show_every_plan(client, demo):
    hub_lead = user("hublead")
    hub_lead.groups.add(Group.objects.get(name="Editors"))
    client.force_login(hub_lead)
    page = client.get(reverse("wagtailadmin_reports:workflow")).content.decode()
    assert "Brookfield" in page and "St Joseph" in page


def test_plan_history_shows_only_to_its_people(client, demo):
    plan = plan_of(990201)
    client.force_login(user("head2"))
    page = client.get(reverse(f"{NS}:history", args=[plan.pk])).content.decode()
    assert "Approved" in page or "approved" in page


def test_edit_form_choices_are_scoped(client, demo):
    plan = plan_of(990101)
    client.force_login(user("head"))
    form = client.get(reverse(f"{NS}:edit", args=[plan.pk])).context["form"]
    assert list(form.fields["school"].queryset.values_list("urn", flat=True)) == [990101]
    assert {e.school.urn for e in form.fields["enrolment"].queryset} == {990101}
    assert {u.username for u in form.fields["specialist"].queryset} == {"specialist"}
    owners = form.formsets["actions"].forms[0].fields["owner_user"].queryset
    assert "head2" not in {u.username for u in owners}


def test_an_action_must_name_an_existing_priority(client, demo):
    plan = plan_of(990103)  # a draft the specialist may edit
    client.force_login(user("specialist"))
    url = reverse(f"{NS}:edit", args=[plan.pk])
    data = post_data(client.get(url).context["form"])
    data["actions-0-priority_number"] = 7
    response = client.post(url, data)
    assert response.status_code == 200
    assert "There is no priority 7: the plan has 2." in response.content.decode()


def test_work_group_view_is_scoped(client, demo):
    from workflows.models import WorkGroup

    leeds = WorkGroup.objects.get(code="DEV-26-LDS")
    bradford = WorkGroup.objects.get(code="EMB-26-BFD")
    client.force_login(user("specialist"))
    page = client.get(reverse(f"{NS}:work_group", args=[leeds.pk])).content.decode()
    assert "Brookfield Primary School" in page and "Hollins Lane Academy" in page
    assert "Coherence" in page  # a focus area the demo priorities address
    assert client.get(reverse(f"{NS}:work_group", args=[bradford.pk])).status_code == 404
    client.force_login(user("head"))
    page = client.get(reverse(f"{NS}:work_group", args=[leeds.pk])).content.decode()
    assert "Brookfield Primary School" in page and "Hollins Lane Academy" not in page


def test_focus_area_vocabularies_are_seeded(db):
    from workflows.models import FocusArea

    kinds = {kind: set() for kind in FocusArea.Kind.values}
    for area in FocusArea.objects.all():
        kinds[area.kind].add(area.name)
    assert kinds["big_idea"] == {
        "Coherence",
        "Representation and Structure",
        "Mathematical Thinking",
        "Fluency",
        "Variation",
    }
    assert "Systems and culture" in kinds["embedding"]
    assert kinds["sustaining"] == {"Leadership", "Collaborative planning", "Subject knowledge"}
    assert len(kinds["readiness"]) == 7
