"""The rules of enrolment, each with the message a hub lead reads, in the model and the admin."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

import pytest

from tests.workflows import hubdata
from workflows.models import Enrolment, WorkGroup

pytestmark = pytest.mark.django_db


def messages_of(error):
    return " ".join(error.value.messages)


def test_capacity_defaults_from_the_stage(demo):
    stage = hubdata.stage("embedding")
    group = hubdata.group("EMB-26-X", stage_slug="embedding")
    assert group.capacity == stage.group_size_max
    assert group.effective_capacity == stage.group_size_max


def test_a_school_is_in_at_most_one_group_per_stage_per_year(demo):
    school = hubdata.school()
    first = hubdata.group("DEV-26-A")
    second = hubdata.group("DEV-26-B")
    Enrolment(school=school, work_group=first).save_checked()
    with pytest.raises(ValidationError) as error:
        Enrolment(school=school, work_group=second).save_checked()
    assert messages_of(error) == (
        "This school is already in a Work Group of this programme this year."
    )


def test_the_database_refuses_a_second_group_the_same_stage_and_year(demo):
    """The unique constraint holds even for a write that skips validation."""
    school = hubdata.school()
    Enrolment.objects.create(school=school, work_group=hubdata.group("EMB-26-A", "embedding"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(school=school, work_group=hubdata.group("EMB-26-B", "embedding"))


def test_a_clash_caught_only_by_the_database_gets_the_same_message(demo, monkeypatch):
    """Two concurrent inserts both pass ``clean``; the constraint turns the loser away."""
    school = hubdata.school()
    Enrolment.objects.create(school=school, work_group=hubdata.group("EMB-26-A", "embedding"))
    # Simulate the race: the second insert validated before the first one committed.
    monkeypatch.setattr(Enrolment, "clean", lambda self: self._copy_group_fields())
    late = Enrolment(school=school, work_group=hubdata.group("EMB-26-B", "embedding"))
    with pytest.raises(ValidationError) as error:
        late.save_checked()
    assert messages_of(error) == (
        "This school is already in a Work Group of this programme this year."
    )
    assert Enrolment.objects.filter(school=school).count() == 1


def test_a_once_only_stage_is_done_once(demo):
    school = hubdata.school()
    Enrolment(school=school, work_group=hubdata.group("DEV-25-A", year="2025/26")).save_checked()
    with pytest.raises(ValidationError) as error:
        Enrolment(school=school, work_group=hubdata.group("DEV-26-A")).save_checked()
    assert messages_of(error) == (
        "This school has already taken part in Development Work Groups; schools do it once."
    )


def test_a_stage_that_is_not_once_only_can_be_repeated_in_another_year(demo):
    school = hubdata.school()
    Enrolment(
        school=school, work_group=hubdata.group("SUS-25", "sustaining", "2025/26")
    ).save_checked()
    Enrolment(school=school, work_group=hubdata.group("SUS-26", "sustaining")).save_checked()
    assert school.enrolments.count() == 2


def test_a_full_group_refuses_another_school(demo):
    group = hubdata.group("DEV-26-S", capacity=1, name="Small group")
    Enrolment(school=hubdata.school(), work_group=group).save_checked()
    with pytest.raises(ValidationError) as error:
        Enrolment(school=hubdata.school(), work_group=group).save_checked()
    assert messages_of(error) == (
        "Small group is full: every place (1) is taken or offered. The hub lead can allow it to go over capacity."
    )


def test_the_hub_lead_can_allow_a_group_over_capacity(demo):
    group = hubdata.group("DEV-26-S", capacity=1, allow_over_capacity=True)
    Enrolment(school=hubdata.school(), work_group=group).save_checked()
    Enrolment(school=hubdata.school(), work_group=group).save_checked()
    assert group.enrolments.count() == 2


def test_a_school_that_left_frees_its_place(demo):
    group = hubdata.group("DEV-26-S", capacity=1)
    Enrolment(
        school=hubdata.school(), work_group=group, joined_on="2026-09-01", left_on="2026-10-01"
    ).save_checked()
    Enrolment(school=hubdata.school(), work_group=group).save_checked()
    assert WorkGroup.objects.with_places().get(pk=group.pk).places_left == 0


def test_editing_an_enrolment_in_a_group_over_capacity_is_allowed(demo):
    group = hubdata.group("DEV-26-S", capacity=1, allow_over_capacity=True)
    Enrolment(school=hubdata.school(), work_group=group).save_checked()
    second = Enrolment(school=hubdata.school(), work_group=group).save_checked()
    WorkGroup.objects.filter(pk=group.pk).update(allow_over_capacity=False)
    second.refresh_from_db()
    second.joined_on = "2026-09-15"
    second.save_checked()  # no new place taken, so no refusal
    assert Enrolment.objects.get(pk=second.pk).joined_on.isoformat() == "2026-09-15"


def test_leaving_before_joining_is_refused(demo):
    enrolment = Enrolment(
        school=hubdata.school(),
        work_group=hubdata.group("DEV-26-A"),
        joined_on="2026-10-01",
        left_on="2026-09-01",
    )
    with pytest.raises(ValidationError) as error:
        enrolment.save_checked()
    assert "A school cannot leave a group before it joined." in messages_of(error)


def test_a_work_group_needs_room_for_one_school(demo):
    group = WorkGroup(
        code="DEV-26-Z",
        name="Z",
        stage=hubdata.stage("development-work-groups"),
        academic_year="2026/27",
        capacity=0,
    )
    with pytest.raises(ValidationError) as error:
        group.full_clean()
    assert messages_of(error) == "A Work Group needs room for at least one school."


def test_the_admin_form_shows_a_full_group_message_and_keeps_the_input(client, demo):
    group = hubdata.group("DEV-26-S", capacity=1, name="Small group")
    Enrolment(school=hubdata.school(), work_group=group).save_checked()
    late = hubdata.school(name="Late Primary")
    client.force_login(hubdata.user("hublead"))
    response = client.post(
        reverse("pd_enrolments:add"),
        {"school": late.pk, "work_group": group.pk, "joined_on": "2026-09-03"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["work_group"] == [
        "Small group is full: every place (1) is taken or offered. The hub lead can allow it to go over capacity."
    ]
    assert b"2026-09-03" in response.content
    assert not late.enrolments.exists()


def test_the_admin_form_refuses_a_second_group_the_same_year(client, demo):
    enrolled = Enrolment.objects.select_related("school").get(school__urn=990101)
    other = hubdata.group("DEV-26-B")
    client.force_login(hubdata.user("hublead"))
    response = client.post(
        reverse("pd_enrolments:add"), {"school": enrolled.school.pk, "work_group": other.pk}
    )
    assert response.context["form"].errors["work_group"] == [
        "This school is already in a Work Group of this programme this year."
    ]


def test_the_admin_form_enrols_a_school_with_room(client, demo):
    school = hubdata.school()
    group = hubdata.group("DEV-26-B")
    client.force_login(hubdata.user("hublead"))
    response = client.post(
        reverse("pd_enrolments:add"), {"school": school.pk, "work_group": group.pk}
    )
    assert response.status_code == 302
    enrolment = school.enrolments.get()
    assert (enrolment.stage_id, enrolment.academic_year) == (group.stage_id, "2026/27")


def test_only_the_hub_lead_can_tick_allow_over_capacity(client, demo):
    group = WorkGroup.objects.get(code="DEV-26-LDS")
    client.force_login(hubdata.user("specialist"))
    data = {
        "stage": group.stage_id,
        "academic_year": group.academic_year,
        "code": group.code,
        "name": "Renamed by the specialist",
        "lead_specialist": group.lead_specialist_id,
        "capacity": 20,
        "allow_over_capacity": "on",
        "status": group.status,
        "area": group.area,
        "meeting_town": "Headingley",
    }
    response = client.post(reverse("pd_workgroups:edit", args=[group.pk]), data)
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.meeting_town) == ("Renamed by the specialist", "Headingley")
    assert (group.capacity, group.allow_over_capacity) == (7, False)


def edit_group_data(client, group, **changes):
    from tests.workflows.formdata import post_data

    data = post_data(client.get(reverse("pd_workgroups:edit", args=[group.pk])).context["form"])
    return {**data, **changes}


def test_a_work_group_code_keeps_the_capitals_typed(client, demo):
    """Hubs write codes such as DEV-26-N1; the admin no longer lower-cases them."""
    group = hubdata.group("tmp-code")
    client.force_login(hubdata.user("hublead"))
    url = reverse("pd_workgroups:edit", args=[group.pk])
    response = client.post(url, edit_group_data(client, group, code="DEV-27-LDS-N"))
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.code == "DEV-27-LDS-N"
    page = client.get(url).content.decode()
    assert 'value="DEV-27-LDS-N"' in page
    assert "w-slug" not in page.split('name="code"')[0].rsplit("<input", 1)[-1]


def test_a_code_is_unique_whatever_its_capitals(client, demo):
    hubdata.group("DEV-27-X")
    other = hubdata.group("DEV-27-Y")
    client.force_login(hubdata.user("hublead"))
    url = reverse("pd_workgroups:edit", args=[other.pk])
    response = client.post(url, edit_group_data(client, other, code="dev-27-x"))
    assert response.status_code == 200
    assert "A Work Group already has this code" in response.content.decode()
    assert 'value="dev-27-x"' in response.content.decode()  # what was typed stays
    other.refresh_from_db()
    assert other.code == "DEV-27-Y"
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkGroup.objects.filter(pk=other.pk).update(code="Dev-27-X")


def test_a_code_with_spaces_or_slashes_is_refused_with_a_message(client, demo):
    group = hubdata.group("DEV-27-Z")
    client.force_login(hubdata.user("hublead"))
    url = reverse("pd_workgroups:edit", args=[group.pk])
    response = client.post(url, edit_group_data(client, group, code="DEV 27/Z"))
    assert response.status_code == 200
    assert "Use letters, digits, hyphens and underscores only" in response.content.decode()
