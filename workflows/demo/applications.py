"""Demo applications, one in each state the hub meets, so every screen has something.

Loaded after ``hub`` (it needs the demo schools and groups). Idempotent: an
application is keyed by school, programme and year, and only missing ones are
created; nothing already there is changed.

* ``head``'s school (990101, in the Leeds Development group this year) has applied
  for Embedding next year: submitted, waiting for the hub.
* ``head2``'s school (990201, in the Bradford Embedding group) has applied for
  Sustaining next year: under review.
* the rest show offered (a place in the Bradford group), waitlisted, declined
  (with the reason sent), accepted (linked to its enrolment) and withdrawn.
"""

from django.contrib.auth import get_user_model
from django.utils import timezone

from programmes.models import ProgrammePage
from workflows.demo.hub import DEMO_YEAR
from workflows.models import Application, ApplicationParticipant, Enrolment, School, WorkGroup

NEXT_YEAR = "2027/28"
S = Application.Status

# urn, programme slug, year, status, offered group code, decision reason
DEMO_APPLICATIONS = [
    (990101, "embedding", NEXT_YEAR, S.SUBMITTED, None, ""),
    (990201, "sustaining", NEXT_YEAR, S.UNDER_REVIEW, None, ""),
    (990206, "embedding", DEMO_YEAR, S.OFFERED, "EMB-26-BFD", ""),
    (990301, "development-work-groups", DEMO_YEAR, S.WAITLISTED, None, ""),
    (
        990302,
        "development-work-groups",
        DEMO_YEAR,
        S.DECLINED,
        None,
        "Our nearest Development group is full this year and too far from Sowerby "
        "Bridge; we have kept your details for next year's Calderdale group.",
    ),
    (990202, "embedding", DEMO_YEAR, S.ACCEPTED, "EMB-26-BFD", ""),
    (990104, "sustaining", NEXT_YEAR, S.WITHDRAWN, None, ""),
]

REASONS = {
    "embedding": "Two teachers have completed a Development Work Group and we want to "
    "spread teaching for mastery across every class.",
    "sustaining": "We want to keep developing our approach with other schools and share "
    "what has worked for us.",
    "development-work-groups": "Our new maths lead wants to start teaching for mastery "
    "with the support of a local group.",
}


def load(stdout):
    """Create the demo applications that are missing."""
    programmes = {page.slug: page for page in ProgrammePage.objects.all()}
    schools = School.objects.in_bulk([row[0] for row in DEMO_APPLICATIONS], field_name="urn")
    groups = WorkGroup.objects.in_bulk(["EMB-26-BFD"], field_name="code")
    hub_lead = get_user_model().objects.filter(username="hublead").first()
    for urn, slug, year, status, group_code, reason in DEMO_APPLICATIONS:
        school, programme = schools.get(urn), programmes.get(slug)
        if school is None or programme is None:
            continue
        if Application.objects.filter(
            school=school, programme=programme, academic_year=year
        ).exists():
            continue
        decided = status not in (S.SUBMITTED, S.UNDER_REVIEW)
        application = Application.objects.create(
            programme=programme,
            academic_year=year,
            school=school,
            school_name=school.name,
            school_postcode=school.postcode,
            head_name=f"{school.head_first_name} {school.head_last_name}",
            head_email=f"head@{urn}.school.example",
            reason=REASONS[slug],
            consent=True,
            status=status,
            offered_group=groups.get(group_code) if group_code else None,
            decision_reason=reason,
            decided_by=hub_lead if decided else None,
            decided_at=timezone.now() if decided else None,
        )
        ApplicationParticipant.objects.bulk_create(
            [
                ApplicationParticipant(
                    application=application,
                    name=f"Maths lead at {school.name}",
                    email=f"maths.lead@{urn}.school.example",
                    role="Maths lead and Year 5 teacher",
                    is_maths_lead=True,
                ),
                ApplicationParticipant(
                    application=application,
                    name=f"Class teacher at {school.name}",
                    email=f"teacher@{urn}.school.example",
                    role="Year 2 teacher",
                    trn="1234567" if urn % 2 else "",
                ),
            ]
        )
        if status == S.ACCEPTED:
            # The school's existing place in the group came from this application.
            Enrolment.objects.filter(
                school=school, work_group__code=group_code, application__isnull=True
            ).update(application=application)
        stdout.write(
            f"Created demo application {application.reference} ({status}) for {school.name}"
        )
