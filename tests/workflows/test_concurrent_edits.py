"""Two people open the same record and both save: the second save never silently
overwrites the first (``workflows.shared.concurrency``).

Each test drives the real admin views with two logged-in clients, posting the
forms as the browser sends them (hidden tokens included), and then looks at the
database: the first person's change is there, the second person's stale save
changed nothing and was told who got there first, with what they typed still in
the form; saving that re-rendered form again is a deliberate overwrite and works.
"""

import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wagtail.log_actions import registry as log_registry
from wagtail.models import Revision

import pytest

from tests.workflows import hubdata
from tests.workflows.formdata import post_data
from workflows.models import (
    ActionPlan,
    Application,
    Enrolment,
    Meeting,
    Participant,
    School,
    Visit,
    WorkGroup,
)
from workflows.shared import concurrency
from workflows.shared.concurrency import LOADED_VERSION_FIELD, StaleEditMixin
from workflows.shared.menu import PD_VIEWSETS

pytestmark = pytest.mark.django_db

PLAN_NS = "wagtailsnippets_workflows_actionplan"
LOADED_INPUT = r'<input type="hidden" name="{}" value="([^"]*)">'


def logged_in(username) -> Client:
    client = Client()
    client.force_login(hubdata.user(username))
    return client


def form_of(response) -> dict:
    """The form's data as the browser posts it, with Wagtail's loaded-revision inputs."""
    assert response.status_code == 200
    data = post_data(response.context["form"])
    html = response.content.decode()
    for name in ("loaded_revision_id", "loaded_revision_created_at"):
        if match := re.search(LOADED_INPUT.format(name), html):
            data[name] = match.group(1)
    return data


def errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def plan_revisions(plan) -> int:
    return Revision.objects.for_instance(plan).count()


# Action plans: Wagtail revisions ------------------------------------------------------


@pytest.fixture
def plan(demo):
    return ActionPlan.objects.get(school__urn=990103)  # a draft of the specialist's


def test_a_stale_plan_save_is_refused_and_the_first_change_survives(plan):
    url = reverse(f"{PLAN_NS}:edit", args=[plan.pk])
    hub_lead, specialist = logged_in("hublead"), logged_in("specialist")
    hub_form = form_of(hub_lead.get(url))
    specialist_form = form_of(specialist.get(url))
    assert hub_form["loaded_revision_id"] == specialist_form["loaded_revision_id"]
    revisions = plan_revisions(plan)

    hub_form["title"] = "Calder Bridge: the hub lead's title"
    assert hub_lead.post(url, hub_form).status_code == 302
    specialist_form["summary"] = "The specialist's summary, typed over the old version."
    response = specialist.post(url, specialist_form)

    assert response.status_code == 200
    (message,) = errors(response)
    assert message.startswith("Hana Lead saved a newer version of this action plan at ")
    assert "your changes were not saved" in message
    assert "This action plan was not saved." in response.content.decode()
    plan.refresh_from_db()
    latest = plan.get_latest_revision_as_object()
    assert latest.title == "Calder Bridge: the hub lead's title"
    assert latest.summary != "The specialist's summary, typed over the old version."
    assert plan_revisions(plan) == revisions + 1  # the hub lead's, and no other
    # What the specialist typed is still there, now on top of the latest revision.
    form = form_of(response)
    assert form["summary"] == "The specialist's summary, typed over the old version."
    assert form["loaded_revision_id"] == str(plan.latest_revision_id)

    # Saving again, having been told, is a deliberate overwrite.
    assert specialist.post(url, form).status_code == 302
    plan.refresh_from_db()
    latest = plan.get_latest_revision_as_object()
    assert latest.summary == "The specialist's summary, typed over the old version."
    assert plan_revisions(plan) == revisions + 2


def test_saving_a_plan_in_a_second_tab_names_you(plan):
    url = reverse(f"{PLAN_NS}:edit", args=[plan.pk])
    specialist = logged_in("specialist")
    first_tab, second_tab = form_of(specialist.get(url)), form_of(specialist.get(url))
    first_tab["title"] = "Saved in the first tab"
    assert specialist.post(url, first_tab).status_code == 302

    response = specialist.post(url, second_tab)

    assert response.status_code == 200
    assert errors(response)[0].startswith("You (in another window or tab) saved a newer version")
    plan.refresh_from_db()
    assert plan.get_latest_revision_as_object().title == "Saved in the first tab"


def test_two_plan_saves_at_the_same_instant_cannot_both_pass(plan, monkeypatch):
    """The other save commits after this one was validated: the save-time re-check refuses it."""
    url = reverse(f"{PLAN_NS}:edit", args=[plan.pk])
    specialist = logged_in("specialist")
    form = form_of(specialist.get(url))
    form["summary"] = "Validated, then overtaken."
    is_valid = concurrency.StaleRevisionMixin.is_valid

    def validated_then_overtaken(view, bound_form):
        valid = is_valid(view, bound_form)
        assert valid  # the form was current when it was checked
        other = ActionPlan.objects.get(pk=plan.pk).get_latest_revision_as_object()
        other.title = "Saved by the hub lead in the same instant"
        other.save_revision(user=hubdata.user("hublead"))
        return valid

    monkeypatch.setattr(concurrency.StaleRevisionMixin, "is_valid", validated_then_overtaken)
    response = specialist.post(url, form)

    assert response.status_code == 200
    assert errors(response)[0].startswith("Hana Lead saved a newer version")
    latest = ActionPlan.objects.get(pk=plan.pk).get_latest_revision_as_object()
    assert latest.title == "Saved by the hub lead in the same instant"
    assert latest.summary != "Validated, then overtaken."


def test_a_current_plan_form_saves_as_before(plan):
    url = reverse(f"{PLAN_NS}:edit", args=[plan.pk])
    specialist = logged_in("specialist")
    form = form_of(specialist.get(url))
    form["summary"] = "Nobody else touched it."

    assert specialist.post(url, form).status_code == 302
    plan.refresh_from_db()
    assert plan.get_latest_revision_as_object().summary == "Nobody else touched it."


# Work Groups and every other hub record: the updated_at token --------------------------


@pytest.fixture
def group(demo):
    return WorkGroup.objects.get(code="DEV-26-LDS")  # led by the demo specialist


def test_a_stale_work_group_save_is_refused_naming_who_and_when(group):
    url = reverse("pd_workgroups:edit", args=[group.pk])
    hub_lead, specialist = logged_in("hublead"), logged_in("specialist")
    hub_form = form_of(hub_lead.get(url))
    specialist_form = form_of(specialist.get(url))
    assert specialist_form[LOADED_VERSION_FIELD] == group.updated_at.isoformat()

    hub_form["capacity"] = 5
    hub_form["meeting_town"] = "Otley"
    assert hub_lead.post(url, hub_form).status_code == 302
    group.refresh_from_db()
    after_hub_lead = (group.capacity, group.meeting_town, group.area, group.updated_at)
    specialist_form["area"] = "North Leeds and Wharfedale"
    response = specialist.post(url, specialist_form)

    assert response.status_code == 200
    (message,) = errors(response)
    logged = log_registry.get_logs_for_instance(group).first()
    assert logged.user == hubdata.user("hublead")
    assert message.startswith(
        f"Hana Lead changed this work group at {concurrency.when(logged.timestamp)}, "
        "after you opened it"
    )
    assert "your changes were not saved" in message
    assert "This work group was not saved." in response.content.decode()
    group.refresh_from_db()
    assert (group.capacity, group.meeting_town, group.area, group.updated_at) == after_hub_lead
    # The form shows what the specialist typed, and now carries the current version.
    form = form_of(response)
    assert form["area"] == "North Leeds and Wharfedale"
    assert form[LOADED_VERSION_FIELD] == group.updated_at.isoformat()

    # Saved again knowingly: the specialist's area, and the hub lead's capacity (a
    # field only a hub lead may change, so the specialist's form never sends it).
    assert specialist.post(url, form).status_code == 302
    group.refresh_from_db()
    assert group.area == "North Leeds and Wharfedale"
    assert group.capacity == 5


def test_a_stale_work_group_form_with_other_errors_says_both_at_once(group):
    url = reverse("pd_workgroups:edit", args=[group.pk])
    hub_lead = logged_in("hublead")
    stale, fresh = form_of(hub_lead.get(url)), form_of(hub_lead.get(url))
    fresh["name"] = "Leeds North"
    assert hub_lead.post(url, fresh).status_code == 302
    stale["name"] = ""

    response = hub_lead.post(url, stale)

    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert errors(response)[0].startswith("You (in another window or tab) changed this work group")
    group.refresh_from_db()
    assert group.name == "Leeds North"


@pytest.mark.parametrize("token", ["not-a-time\x00", "2026-01-01", "2026-01-01T00:00:00+00:00"])
def test_a_garbled_token_is_refused_not_a_server_error(group, token):
    url = reverse("pd_workgroups:edit", args=[group.pk])
    hub_lead = logged_in("hublead")
    form = form_of(hub_lead.get(url))
    form[LOADED_VERSION_FIELD] = token
    form["area"] = "Typed"
    before = WorkGroup.objects.get(pk=group.pk).area

    response = hub_lead.post(url, form)

    assert response.status_code == 200
    assert "your changes were not saved" in errors(response)[0]
    assert WorkGroup.objects.get(pk=group.pk).area == before


def test_two_work_group_saves_at_the_same_instant_cannot_both_pass(group, monkeypatch):
    """The other save lands between validation and save: the conditional UPDATE refuses."""
    url = reverse("pd_workgroups:edit", args=[group.pk])
    specialist = logged_in("specialist")
    form = form_of(specialist.get(url))
    form["area"] = "Validated, then overtaken"
    is_valid = StaleEditMixin.is_valid

    def validated_then_overtaken(view, bound_form):
        valid = is_valid(view, bound_form)
        assert valid
        other = WorkGroup.objects.get(pk=group.pk)
        other.meeting_town = "Saved in the same instant"
        other.save()
        return valid

    monkeypatch.setattr(StaleEditMixin, "is_valid", validated_then_overtaken)
    response = specialist.post(url, form)

    assert response.status_code == 200
    assert "your changes were not saved" in errors(response)[0]
    group.refresh_from_db()
    assert group.meeting_town == "Saved in the same instant"
    assert group.area != "Validated, then overtaken"


def test_every_hub_viewset_edit_view_checks_for_stale_saves():
    """A viewset added later without the check fails here."""
    for viewset in PD_VIEWSETS:
        assert issubclass(viewset.edit_view_class, StaleEditMixin), viewset.name


RECORDS = {
    "pd_workgroups": lambda: WorkGroup.objects.get(code="DEV-26-LDS"),
    "pd_enrolments": lambda: Enrolment.objects.order_by("pk").first(),
    "pd_participants": lambda: Participant.objects.order_by("pk").first(),
    "pd_meetings": lambda: Meeting.objects.filter(attendance__isnull=False).order_by("pk").first(),
    "pd_visits": lambda: Visit.objects.order_by("pk").first(),
    "pd_applications": lambda: Application.objects.order_by("pk").first(),
}


def test_each_hub_record_refuses_the_second_of_two_saves(demo):
    """Work Groups, enrolments, participants, meetings (with attendance), visits, applications."""
    admin, hub_lead = logged_in("admin"), logged_in("hublead")
    for viewset, record_of in RECORDS.items():
        record = record_of()
        url = reverse(f"{viewset}:edit", args=[record.pk])
        first, second = form_of(admin.get(url)), form_of(hub_lead.get(url))

        assert admin.post(url, first).status_code == 302, viewset
        saved = type(record).objects.get(pk=record.pk).updated_at
        response = hub_lead.post(url, second)

        assert response.status_code == 200, viewset
        assert "your changes were not saved" in errors(response)[0], viewset
        assert type(record).objects.get(pk=record.pk).updated_at == saved, viewset
        assert hub_lead.post(url, form_of(response)).status_code == 302, viewset


# Schools ----------------------------------------------------------------------------------

SCHOOL_EDIT = "/admin/pd/schools/edit/{}/"


def test_a_stale_school_save_is_refused_and_the_first_change_survives(demo):
    school = School.objects.get(urn=990101)
    url = SCHOOL_EDIT.format(school.pk)
    admin, hub_lead = logged_in("admin"), logged_in("hublead")
    first, second = form_of(admin.get(url)), form_of(hub_lead.get(url))
    assert first[LOADED_VERSION_FIELD] == second[LOADED_VERSION_FIELD] != ""

    first["notes"] = "Head teacher changes in January."
    assert admin.post(url, first).status_code == 302
    second["notes"] = "Maths lead on maternity leave until Easter."
    response = hub_lead.post(url, second)

    assert response.status_code == 200
    message = errors(response)[0]
    assert "changed this school at" in message and "your changes were not saved" in message
    assert "Maths lead on maternity leave" in response.content.decode()  # nothing lost
    assert School.objects.get(pk=school.pk).notes == "Head teacher changes in January."
    # Saving the re-rendered form again is a deliberate overwrite.
    assert hub_lead.post(url, form_of(response)).status_code == 302
    assert School.objects.get(pk=school.pk).notes == "Maths lead on maternity leave until Easter."


def test_a_stale_school_form_with_other_errors_says_both_at_once(demo):
    school = School.objects.get(urn=990101)
    url = SCHOOL_EDIT.format(school.pk)
    admin, hub_lead = logged_in("admin"), logged_in("hublead")
    first, second = form_of(admin.get(url)), form_of(hub_lead.get(url))
    assert admin.post(url, first).status_code == 302
    second["name"] = ""
    response = hub_lead.post(url, second)
    assert response.status_code == 200
    assert "your changes were not saved" in errors(response)[0]
    assert response.context["form"].errors["name"]


def test_a_school_updated_by_a_gias_import_refuses_a_form_opened_before_it(demo):
    school = School.objects.get(urn=990101)
    url = SCHOOL_EDIT.format(school.pk)
    hub_lead = logged_in("hublead")
    form = form_of(hub_lead.get(url))
    # What the import does to a school it updates (workflows.schools.gias).
    School.objects.filter(pk=school.pk).update(head_last_name="Okafor", updated_at=timezone.now())
    form["notes"] = "Typed before the import."
    response = hub_lead.post(url, form)
    assert response.status_code == 200
    assert "your changes were not saved" in errors(response)[0]
    assert School.objects.get(pk=school.pk).head_last_name == "Okafor"
