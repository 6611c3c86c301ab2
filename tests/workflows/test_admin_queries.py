"""Every PD admin listing costs the same number of queries at 50 rows as at 5,000.

Rows are made with ``bulk_create`` so the big size stays quick. Each listing is
read once to warm per-process caches, then counted exactly at both sizes.
"""

from datetime import UTC, date, datetime

from django.urls import reverse

import pytest

from tests.dbutils import refresh_planner_statistics
from tests.workflows import hubdata
from workflows.models import (
    Application,
    Enrolment,
    Meeting,
    Participant,
    School,
    Visit,
    WorkGroup,
)

pytestmark = pytest.mark.django_db

SCHOOLS_URL = "/admin/workflows/school/"


class Hub:
    """Grows every PD table to a given size, in bulk."""

    def __init__(self):
        self.made = 0
        self.specialist = hubdata.user("specialist")
        self.stage = hubdata.stage("sustaining")
        self.development = hubdata.stage("development-work-groups")
        self.big = hubdata.group(
            "BIG-31",
            "sustaining",
            "2031/32",
            lead_specialist=self.specialist,
            allow_over_capacity=True,
            area="Leeds",
        )

    def grow_to(self, n):
        start, self.made = self.made, n
        schools = School.objects.bulk_create(
            School(
                urn=500000 + i,
                name=f"School {i}",
                local_authority=("Leeds", "York")[i % 2],
                phase="Primary",
                status="Open",
            )
            for i in range(start, n)
        )
        WorkGroup.objects.bulk_create(
            WorkGroup(
                code=f"G-{i}",
                name=f"Group {i}",
                stage=self.stage,
                academic_year="2032/33",
                capacity=7,
                lead_specialist=self.specialist,
                area="Leeds",
            )
            for i in range(start, n)
        )
        enrolments = Enrolment.objects.bulk_create(
            Enrolment(school=school, work_group=self.big, stage=self.stage, academic_year="2031/32")
            for school in schools
        )
        Participant.objects.bulk_create(
            Participant(enrolment=enrolment, name=f"Teacher {enrolment.pk}")
            for enrolment in enrolments
        )
        Application.objects.bulk_create(
            Application(
                programme=self.development,
                academic_year="2031/32",
                school=school,
                school_name=school.name,
                head_name="Head",
                head_email="h@example.com",
                reason="To grow.",
            )
            for school in schools
        )
        Meeting.objects.bulk_create(
            Meeting(
                work_group=self.big,
                host_school=school,
                starts_at=datetime(2031, 10, 1, 13, tzinfo=UTC),
            )
            for school in schools
        )
        Visit.objects.bulk_create(
            Visit(
                school=school,
                work_group=self.big,
                specialist=self.specialist,
                visited_on=date(2031, 10, 1),
                purpose="Support",
            )
            for school in schools
        )
        refresh_planner_statistics()


LISTINGS = [
    ("hublead", SCHOOLS_URL, 16),
    ("hublead", reverse("pd_workgroups:index"), 12),
    ("hublead", reverse("pd_enrolments:index"), 13),
    ("hublead", reverse("pd_participants:index"), 12),
    ("hublead", reverse("pd_applications:index"), 13),
    ("hublead", reverse("pd_meetings:index"), 13),
    ("hublead", reverse("pd_visits:index"), 13),
    ("specialist", SCHOOLS_URL, 16),
    ("specialist", reverse("pd_workgroups:index"), 12),
    ("specialist", reverse("pd_meetings:index"), 13),
    ("specialist", reverse("pd_visits:index"), 13),
    ("specialist", reverse("pd_participants:index"), 12),
]


@pytest.mark.parametrize(("username", "url", "queries"), LISTINGS)
def test_listing_costs_the_same_at_50_and_5000_rows(
    client, demo, django_assert_num_queries, username, url, queries
):
    hub = Hub()
    client.force_login(hubdata.user(username))
    for size in (50, 5000):
        hub.grow_to(size)
        client.get(url)  # warm caches of the process (content types, site, menus)
        with django_assert_num_queries(queries):
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["object_list"]) == 50  # a full page at both sizes


def test_placement_board_costs_the_same_at_5_and_300_applications(
    client, demo, django_assert_num_queries
):
    hub = Hub()
    for code, area in (("DEV-31-L", "Leeds"), ("DEV-31-Y", "York")):
        hubdata.group(code, year="2031/32", area=area)
    client.force_login(hubdata.user("hublead"))
    url = reverse("pd_applications:placement")
    params = {"stage": hub.development.pk, "year": "2031/32"}
    for size in (5, 300):
        hub.grow_to(size)
        client.get(url, params)
        with django_assert_num_queries(17):
            response = client.get(url, params)
        assert len(response.context["rows"]) == size
