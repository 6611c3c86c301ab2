"""Builders shared by the hub-operations tests: users, schools and applications.

Plain functions rather than fixtures, so each test says what it builds. Schools
made here use URNs from 991000 up, apart from the demo's, so the tests never
collide with demo applications.
"""

from itertools import count

from django.contrib.auth import get_user_model

from programmes.models import ProgrammePage
from workflows.models import Application, ApplicationParticipant, School, WorkGroup

_urns = count(991001)


def user(username):
    return get_user_model().objects.get(username=username)


def stage(slug):
    return ProgrammePage.objects.get(slug=slug)


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
