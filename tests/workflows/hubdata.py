"""Builders shared by the hub-operations tests: users, schools and applications.

Plain functions rather than fixtures, so each test says what it builds. Schools
made here use URNs from 991000 up, apart from the demo's, so the tests never
collide with demo applications.
"""

from datetime import UTC, date, datetime, timedelta
from itertools import count

from django.contrib.auth import get_user_model
from django.utils import timezone

from programmes.models import ProgrammePage
from tests.dbutils import refresh_planner_statistics
from workflows.models import (
    Application,
    ApplicationParticipant,
    Enrolment,
    Meeting,
    Participant,
    School,
    Visit,
    WorkGroup,
)

_urns = count(991001)


def user(username):
    return get_user_model().objects.get(username=username)


def stage(slug):
    return ProgrammePage.objects.get(slug=slug)


def open_for_applications(slug="development-work-groups", year="2027/28"):
    """The stage's page, taking applications today for ``year`` (the public form opens)."""
    today = timezone.localdate()
    ProgrammePage.objects.filter(slug=slug).update(
        application_opens=today - timedelta(days=10),
        application_closes=today + timedelta(days=30),
        academic_year=year,
    )
    return stage(slug)


def school(name="Test Primary School", local_authority="Leeds", **fields):
    return School.objects.create(
        urn=next(_urns),
        name=name,
        local_authority=local_authority,
        phase=fields.pop("phase", "Primary"),
        status="Open",
        **fields,
    )


def group(code, stage_slug="development-work-groups", year="2026/27", **fields):
    return WorkGroup.objects.create(
        code=code,
        name=fields.pop("name", f"Group {code}"),
        stage=stage(stage_slug),
        academic_year=year,
        **fields,
    )


def application(for_school, stage_slug="development-work-groups", year="2026/27", **fields):
    app = Application.objects.create(
        programme=stage(stage_slug),
        academic_year=year,
        school=for_school,
        school_name=for_school.name,
        school_postcode="LS1 1AA",
        head_name=fields.pop("head_name", "Pat Head"),
        head_email=fields.pop("head_email", f"head@{for_school.urn}.example"),
        reason="We want every pupil to succeed in maths.",
        consent=True,
        **fields,
    )
    ApplicationParticipant.objects.create(
        application=app,
        name="Maya Lead",
        email=f"maya@{for_school.urn}.example",
        role="Maths lead",
        is_maths_lead=True,
    )
    ApplicationParticipant.objects.create(
        application=app,
        name="Sam Teacher",
        email=f"sam@{for_school.urn}.example",
        role="Year 4 teacher",
    )
    return app


class BulkHub:
    """Grows every PD table to a given size, in bulk, for query-count tests at scale."""

    def __init__(self):
        self.made = 0
        self.specialist = user("specialist")
        self.stage = stage("sustaining")
        self.development = stage("development-work-groups")
        self.big = group(
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
