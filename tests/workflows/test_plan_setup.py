"""Faster set-up of a plan (issue #14, part 6).

"Start a plan from this visit" fills in what the visit already says; a priority
offers the focus areas of the plan's programme only; an action is attached to
its priority by the priority's title, not a typed number.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest

from tests.workflows.formdata import post_data
from workflows.meetings.viewsets import start_plan_url
from workflows.models import ActionPlan, FocusArea, School, Visit

NS = "wagtailsnippets_workflows_actionplan"


def user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def visit(demo):
    """The autumn visit to Brookfield, whose Work Group the demo specialist leads."""
    return Visit.objects.select_related("school", "work_group").get(school__urn=990101)


@pytest.fixture
def other_visit(demo):
    """A visit to a school of another specialist's group."""
    mine = School.objects.filter(enrolments__work_group__lead_specialist=user("specialist"))
    return Visit.objects.exclude(school__in=mine).select_related("school").first()


@pytest.mark.django_db
def test_a_visit_offers_to_start_a_plan_filled_in_from_it(client, visit):
    client.force_login(user("specialist"))
    page = client.get(reverse("pd_visits:edit", args=[visit.pk])).content.decode()
    url = start_plan_url(visit)
    assert "Start a plan from this visit" in page and url.replace("&", "&amp;") in page

    form = client.get(url).context["form"]
    group = visit.work_group
    assert form["school"].value() == visit.school_id
    assert form["visit"].value() == visit.pk
    assert form["specialist"].value() == visit.specialist_id
    assert form["academic_year"].value() == group.academic_year
    assert form["title"].value() == f"{visit.school.name}: {group.academic_year} plan"
    enrolment = form.fields["enrolment"].queryset.get(pk=form["enrolment"].value())
    assert (enrolment.school_id, enrolment.work_group_id) == (visit.school_id, group.pk)


@pytest.mark.django_db
def test_the_form_says_when_the_school_already_has_a_plan_that_year(client, visit):
    client.force_login(user("specialist"))
    response = client.get(start_plan_url(visit), follow=True)
    existing = ActionPlan.objects.get(school=visit.school)
    assert f"already has a plan for {existing.academic_year}" in response.content.decode()


@pytest.mark.django_db
def test_a_visit_outside_the_scope_is_not_found(client, other_visit):
    client.force_login(user("specialist"))
    assert client.get(start_plan_url(other_visit)).status_code == 404
    add = reverse(f"{NS}:add")
    assert client.get(add + "?visit=9999999").status_code == 404
    assert client.get(add + "?visit=²").status_code == 404


@pytest.mark.django_db
def test_the_button_follows_the_permission_to_write_plans(client, visit):
    """A hub lead writes plans; a head, who approves them, starts none."""
    client.force_login(user("hublead"))
    page = client.get(reverse("pd_visits:edit", args=[visit.pk])).content.decode()
    assert "Start a plan from this visit" in page
    client.force_login(user("head"))
    response = client.get(start_plan_url(visit))
    assert response.status_code == 403 or response["Location"] == reverse("wagtailadmin_home")


def focus_area_choices(form):
    priorities = form.formsets["priorities"]
    return set(priorities.forms[0].fields["focus_areas"].queryset.values_list("kind", flat=True))


@pytest.mark.django_db
def test_a_priority_offers_the_focus_areas_of_the_plans_programme(client, visit):
    """Brookfield is in a Development Work Group: the Five Big Ideas, no other vocabulary."""
    client.force_login(user("specialist"))
    plan = ActionPlan.objects.get(school=visit.school)
    form = client.get(reverse(f"{NS}:edit", args=[plan.pk])).context["form"]
    assert visit.work_group.stage.slug == "development-work-groups"
    assert FocusArea.Kind.BIG_IDEA in focus_area_choices(form)
    assert FocusArea.Kind.SUSTAINING not in focus_area_choices(form)
    assert FocusArea.Kind.READINESS not in focus_area_choices(form)


@pytest.mark.django_db
def test_a_focus_area_of_another_programme_is_refused_and_the_typing_kept(client, visit):
    client.force_login(user("specialist"))
    plan = ActionPlan.objects.get(school=visit.school)
    url = reverse(f"{NS}:edit", args=[plan.pk])
    data = post_data(client.get(url).context["form"])
    sustaining = FocusArea.objects.filter(kind=FocusArea.Kind.SUSTAINING).first()
    data["priorities-0-focus_areas"] = [sustaining.pk]
    data["priorities-0-title"] = "Reasoning in every lesson, typed before the error"
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose focus areas of this plan&#x27;s programme" in page
    assert "Reasoning in every lesson, typed before the error" in page
    assert not plan.priorities.filter(focus_areas=sustaining).exists()


def priority_options(form, index=0):
    field = form.formsets["actions"].forms[index]["priority_number"]
    return [label for _, label in field.field.widget.choices]


@pytest.mark.django_db
def test_an_action_chooses_its_priority_by_title(client, visit):
    client.force_login(user("specialist"))
    plan = ActionPlan.objects.get(school=visit.school)
    url = reverse(f"{NS}:edit", args=[plan.pk])
    response = client.get(url)
    titles = list(plan.priorities.values_list("title", flat=True))
    assert priority_options(response.context["form"]) == [
        f"{number}. {title}" for number, title in enumerate(titles, start=1)
    ]
    page = response.content.decode()
    assert "data-plan-priority-select" in page
    assert "workflows/js/plan_editor.js" in page


@pytest.mark.django_db
def test_a_priority_added_in_the_same_edit_is_offered_when_the_form_comes_back(client, visit):
    client.force_login(user("specialist"))
    plan = ActionPlan.objects.get(school=visit.school)
    url = reverse(f"{NS}:edit", args=[plan.pk])
    data = post_data(client.get(url).context["form"])
    count = int(data["priorities-TOTAL_FORMS"])
    data["priorities-TOTAL_FORMS"] = count + 1
    data[f"priorities-{count}-title"] = "Fluency in times tables"
    data[f"priorities-{count}-ORDER"] = count + 1
    data["actions-0-priority_number"] = count + 1
    data["actions-0-what"] = ""  # invalid: the form comes back
    response = client.post(url, data)
    assert response.status_code == 200
    options = priority_options(response.context["form"])
    assert options[-1] == f"{count + 1}. Fluency in times tables"
    field = response.context["form"].formsets["actions"].forms[0]["priority_number"]
    assert str(field.value()) == str(count + 1)


@pytest.mark.django_db
def test_an_action_cannot_name_a_priority_the_plan_does_not_have(client, visit):
    client.force_login(user("specialist"))
    plan = ActionPlan.objects.get(school=visit.school)
    url = reverse(f"{NS}:edit", args=[plan.pk])
    data = post_data(client.get(url).context["form"])
    data["actions-0-priority_number"] = 9
    response = client.post(url, data)
    assert response.status_code == 200
    assert "There is no priority 9: the plan has 2." in response.content.decode()


@pytest.mark.django_db
def test_a_carried_over_plan_links_to_last_years_and_back(client, demo):
    from workflows.models import Enrolment
    from workflows.plans.views import carry_over

    old = ActionPlan.objects.get(school__urn=990201)
    new = carry_over(
        old,
        user("specialist2"),
        enrolment=Enrolment.objects.get(school__urn=990201),
        academic_year="2027/28",
        title="Riverside: 2027/28 plan",
    )
    old_url = reverse(f"{NS}:inspect", args=[old.pk])
    new_url = reverse(f"{NS}:inspect", args=[new.pk])
    for username in ("specialist2", "head2"):
        client.force_login(user(username))
        page = client.get(reverse(f"{NS}:edit", args=[new.pk])).content.decode()
        assert f'Carried over from <a href="{old_url}">{old.title}</a> (2026/27)' in page
        page = client.get(old_url).content.decode()
        assert f'Carried over to <a href="{new_url}">Riverside: 2027/28 plan</a> (2027/28)' in page
    # Someone outside the school's scope never sees either plan, nor a link to it.
    client.force_login(user("specialist"))
    assert client.get(new_url).status_code == 404
