"""Every PD admin page a hub lead opens renders, with what the record holds."""

from django.urls import reverse

import pytest

from tests.workflows import hubdata
from workflows.models import Enrolment, Meeting, Participant, School, Visit, WorkGroup

pytestmark = pytest.mark.django_db


def test_every_add_edit_inspect_and_history_page_opens_for_the_hub_lead(client, demo):
    application = hubdata.application(hubdata.school("Elm Primary"))
    records = {
        "pd_workgroups": WorkGroup.objects.get(code="DEV-26-LDS"),
        "pd_enrolments": Enrolment.objects.first(),
        "pd_participants": Participant.objects.first(),
        "pd_meetings": Meeting.objects.first(),
        "pd_visits": Visit.objects.first(),
        "pd_applications": application,
    }
    client.force_login(hubdata.user("hublead"))
    for name, record in records.items():
        for view in ("add", "index"):
            assert client.get(reverse(f"{name}:{view}")).status_code == 200, (name, view)
        for view in ("edit", "history", "delete"):
            url = reverse(f"{name}:{view}", args=[record.pk])
            assert client.get(url).status_code == 200, (name, view)
    school = School.objects.get(urn=990101)
    for view in ("inspect", "edit"):
        assert client.get(f"/admin/pd/schools/{view}/{school.pk}/").status_code == 200
    # Forms pick a school with the searchable, scoped chooser, not a select of every school.
    enrol_form = client.get(reverse("pd_enrolments:add")).content.decode()
    assert reverse("pd_school_chooser:choose") in enrol_form
    page = client.get(reverse("pd_applications:inspect", args=[application.pk]))
    assert b"Elm Primary" in page.content and b"Offer a place" in page.content


def test_the_work_group_page_lists_its_schools_and_places_left(client, demo):
    group = WorkGroup.objects.get(code="DEV-26-LDS")
    client.force_login(hubdata.user("specialist"))
    content = client.get(reverse("pd_workgroups:inspect", args=[group.pk])).content.decode()
    assert "Schools (1 place left)" in content
    assert "Brookfield Primary School (990101)" in content
    assert "Riverside" not in content


def test_editing_a_meeting_keeps_its_attendance(client, demo):
    meeting = Meeting.objects.filter(attendance__isnull=False).distinct().first()
    rows = list(meeting.attendance.order_by("pk"))
    client.force_login(
        hubdata.user("specialist" if meeting.work_group.code == "DEV-26-LDS" else "specialist2")
    )
    data = {
        "work_group": meeting.work_group_id,
        "starts_at": meeting.starts_at.strftime("%Y-%m-%d %H:%M"),
        "ends_at": "",
        "kind": meeting.kind,
        "host_school": meeting.host_school_id or "",
        "agenda": "Updated agenda",
        "attendance-TOTAL_FORMS": len(rows),
        "attendance-INITIAL_FORMS": len(rows),
        "attendance-MIN_NUM_FORMS": 0,
        "attendance-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        data |= {
            f"attendance-{index}-id": row.pk,
            f"attendance-{index}-participant": row.participant_id,
            f"attendance-{index}-status": "absent" if index == 0 else row.status,
        }
    response = client.post(reverse("pd_meetings:edit", args=[meeting.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.agenda == "Updated agenda"
    assert meeting.attendance.get(pk=rows[0].pk).status == "absent"
    assert meeting.attendance.count() == len(rows)
