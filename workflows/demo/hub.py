"""Demo data of hub operations: roles, schools, two Work Groups and their people.

The schools are invented (URNs in a range GIAS does not use for real primaries
near us); the shapes (six or seven schools a group, two teachers a school, a
specialist leading each group) follow the programme.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from programmes.models import ProgrammePage
from workflows import roles
from workflows.models import Enrolment, Participant, School, WorkGroup

DEMO_ROLES = {
    "hublead": roles.HUB_LEADS,
    "specialist": roles.SPECIALISTS,
    "specialist2": roles.SPECIALISTS,
    "head": roles.SCHOOL_LEADERS,
    "head2": roles.SCHOOL_LEADERS,
}

DEMO_YEAR = "2026/27"

# urn, name, local authority, town, postcode, head (title, first, last)
DEMO_SCHOOLS = [
    (990101, "Brookfield Primary School", "Leeds", "Leeds", "LS6 2AB", ("Mrs", "Helen", "Head")),
    (
        990102,
        "St Mary's Church of England Primary School",
        "Leeds",
        "Leeds",
        "LS7 3CD",
        ("Mr", "Tom", "Ashby"),
    ),
    (990103, "Hollins Lane Academy", "Leeds", "Leeds", "LS8 4EF", ("Ms", "Rita", "Okafor")),
    (990104, "Meadowbank Infant School", "Leeds", "Leeds", "LS9 5GH", ("Mr", "Daniel", "Price")),
    (990105, "Kirkstall Valley Primary", "Leeds", "Leeds", "LS5 3JK", ("Mrs", "Sunita", "Rao")),
    (990106, "Oakwood Junior School", "Leeds", "Leeds", "LS8 2LM", ("Dr", "Alan", "Brewer")),
    (990201, "Riverside Primary School", "Bradford", "Bradford", "BD1 4NP", ("Mr", "Hugo", "Head")),
    (
        990202,
        "St Joseph's Catholic Primary School",
        "Bradford",
        "Bradford",
        "BD3 7QR",
        ("Mrs", "Anne", "Lyons"),
    ),
    (
        990203,
        "Thornbury Primary Academy",
        "Bradford",
        "Bradford",
        "BD3 8ST",
        ("Ms", "Farah", "Iqbal"),
    ),
    (990204, "Heaton Park Primary", "Bradford", "Shipley", "BD18 3UV", ("Mr", "Owen", "Fairley")),
    (
        990205,
        "Wrose Hill Primary School",
        "Bradford",
        "Shipley",
        "BD18 1WX",
        ("Mrs", "Claire", "Dunn"),
    ),
    (
        990206,
        "Low Moor Church of England Primary",
        "Bradford",
        "Bradford",
        "BD12 0YZ",
        ("Ms", "Jo", "Kendall"),
    ),
    (990301, "Calder Bridge Primary", "Calderdale", "Halifax", "HX1 2AB", ("Mr", "Ian", "Walsh")),
    (
        990302,
        "Sowerby Village School",
        "Calderdale",
        "Sowerby Bridge",
        "HX6 1CD",
        ("Mrs", "Lena", "Hart"),
    ),
]

# code, name, stage slug, lead specialist, area, meeting town, enrolled URNs
DEMO_GROUPS = [
    (
        "DEV-26-LDS",
        "Leeds Development Work Group",
        "development-work-groups",
        "specialist",
        "Leeds",
        "Leeds",
        [990101, 990102, 990103, 990104, 990105, 990106],
    ),
    (
        "EMB-26-BFD",
        "Bradford Embedding Work Group",
        "embedding",
        "specialist2",
        "Bradford",
        "Shipley",
        [990201, 990202, 990203, 990204, 990205],
    ),
]


def load(stdout):
    """Create the roles' members, demo schools and Work Groups that are missing."""
    User = get_user_model()
    users = {
        user.username: user
        for user in User.objects.filter(username__in=[*DEMO_ROLES, "head", "head2"])
    }
    for username, role in DEMO_ROLES.items():
        if username in users:
            users[username].groups.add(Group.objects.get(name=role))

    schools = {}
    for urn, name, la, town, postcode, (title, first, last) in DEMO_SCHOOLS:
        schools[urn], created = School.objects.get_or_create(
            urn=urn,
            defaults={
                "name": name,
                "local_authority": la,
                "town": town,
                "postcode": postcode,
                "phase": "Primary",
                "status": "Open",
                "establishment_type": "Community school",
                "head_title": title,
                "head_first_name": first,
                "head_last_name": last,
            },
        )
        if created:
            stdout.write(f"Created demo school {name}")
    if "head" in users:
        schools[990101].leaders.add(users["head"])
    if "head2" in users:
        schools[990201].leaders.add(users["head2"])

    stages = {page.slug: page for page in ProgrammePage.objects.all()}
    for code, name, stage_slug, lead, area, town, urns in DEMO_GROUPS:
        if WorkGroup.objects.filter(code=code).exists() or stage_slug not in stages:
            continue
        group = WorkGroup.objects.create(
            code=code,
            name=name,
            stage=stages[stage_slug],
            academic_year=DEMO_YEAR,
            lead_specialist=users.get(lead),
            status=WorkGroup.Status.RUNNING,
            area=area,
            meeting_town=town,
        )
        for urn in urns:
            school = schools[urn]
            enrolment = Enrolment.objects.create(school=school, work_group=group)
            Participant.objects.bulk_create(
                [
                    Participant(
                        enrolment=enrolment,
                        name=f"{school.head_first_name} {school.head_last_name}",
                        role=Participant.Role.HEAD,
                    ),
                    Participant(
                        enrolment=enrolment,
                        name=f"Maths lead at {school.name}",
                        role=Participant.Role.LEAD_TEACHER,
                        is_maths_lead=True,
                    ),
                    Participant(
                        enrolment=enrolment,
                        name=f"Class teacher at {school.name}",
                        role=Participant.Role.LEAD_TEACHER,
                    ),
                ]
            )
        stdout.write(f"Created demo Work Group {name}")
