"""Demo data of hub operations: roles, schools, two Work Groups and their people.

The schools are invented (URNs in a range GIAS does not use for real primaries
near us); the shapes (six or seven schools a group, two teachers a school, a
specialist leading each group) follow the programme.
"""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from programmes.models import ProgrammePage
from workflows.accounts import roles
from workflows.models import (
    Attendance,
    Enrolment,
    Meeting,
    Participant,
    School,
    Visit,
    WorkGroup,
)

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

# National Grid easting and northing (metres) of each demo school: near the real
# places their postcodes name, as GIAS's Easting/Northing columns would give them,
# so the finder's distances from a typed postcode look right.
DEMO_GRID = {
    990101: (427650, 436150),  # LS6 2, Headingley
    990102: (430850, 436300),  # LS7 3, Chapeltown
    990103: (432700, 435350),  # LS8 4, Harehills
    990104: (432200, 433300),  # LS9 5, Richmond Hill
    990105: (425750, 436050),  # LS5 3, Kirkstall
    990106: (433150, 436900),  # LS8 2, Oakwood
    990201: (416500, 433100),  # BD1 4, Bradford centre
    990202: (417950, 433650),  # BD3 7, Barkerend
    990203: (418900, 433450),  # BD3 8, Thornbury
    990204: (415300, 437400),  # BD18 3, Shipley
    990205: (415550, 438250),  # BD18 1, Wrose
    990206: (416200, 428700),  # BD12 0, Low Moor
    990301: (409250, 425150),  # HX1 2, Halifax
    990302: (405950, 423550),  # HX6 1, Sowerby Bridge
}

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


# Days from the day the demo is loaded, kind, host school's URN (None: the hub), agenda.
# Relative dates keep a few meetings behind and a few ahead whenever it is loaded.
DEMO_MEETINGS = {
    "DEV-26-LDS": [
        (-42, Meeting.Kind.PLAN, 990101, "Plan a research lesson on place value in Year 3."),
        (
            -21,
            Meeting.Kind.OBSERVE,
            990102,
            "Observe the research lesson; focus on representations.",
        ),
        (-14, Meeting.Kind.DISCUSS, 990101, "Discuss what pupils' answers showed; next steps."),
        (14, Meeting.Kind.PLAN, 990103, "Plan a lesson sequence on fractions with bar models."),
        (35, Meeting.Kind.OBSERVE, 990104, "Observe the fractions lesson; variation in practice."),
        (42, Meeting.Kind.DISCUSS, 990103, "Discuss the fractions lesson and school actions."),
    ],
    "EMB-26-BFD": [
        (-35, Meeting.Kind.PLAN, 990201, "Agree each school's focus area for the year."),
        (-7, Meeting.Kind.OBSERVE, 990202, "Observe a lesson on multiplicative reasoning."),
        (21, Meeting.Kind.DISCUSS, 990201, "Share progress on in-school professional development."),
        (49, Meeting.Kind.PLAN, 990203, "Plan lessons on fluency with number facts."),
    ],
}

# group code, school URN, specialist, days ago, purpose, met with, notes, next steps.
# The purpose matches the one the action-plan demo looks up, so its plans start here.
DEMO_VISITS = [
    (
        "DEV-26-LDS",
        990101,
        "specialist",
        30,
        "Autumn support visit",
        "The head and the maths lead",
        "Saw two lessons in Year 2 and Year 4. Pupils used concrete resources confidently; "
        "questioning often stopped at the first correct answer.",
        "Maths lead to run a staff meeting on questioning for reasoning; head to protect "
        "time for the two lead teachers to plan together each fortnight.",
    ),
    (
        "EMB-26-BFD",
        990201,
        "specialist2",
        20,
        "Autumn support visit",
        "The head, the maths lead and the Year 5 teacher",
        "Whole-school calculation policy is in place; lesson design varies between classes "
        "and teaching assistants are rarely part of planning.",
        "Agree an action plan on lesson design and the role of teaching assistants; "
        "maths lead to lead two coaching cycles before the spring term.",
    ),
]


def _load_meetings(stdout, groups, schools):
    """Add meetings, with attendance for those already held, to groups that have none."""
    today = timezone.localdate()
    for code, meetings in DEMO_MEETINGS.items():
        group = groups.get(code)
        if group is None or group.meetings.exists():
            continue
        participants = list(Participant.objects.filter(enrolment__work_group=group))
        for days, kind, host_urn, agenda in meetings:
            starts = timezone.make_aware(
                datetime.combine(today + timedelta(days=days), time(13, 0))
            )
            meeting = Meeting.objects.create(
                work_group=group,
                starts_at=starts,
                ends_at=starts + timedelta(hours=3),
                kind=kind,
                host_school=schools[host_urn],
                agenda=agenda,
            )
            if days < 0:
                Attendance.objects.bulk_create(
                    Attendance(
                        meeting=meeting,
                        participant=person,
                        status=(
                            Attendance.Status.APOLOGIES
                            if index == len(participants) - 1
                            else Attendance.Status.ATTENDED
                        ),
                    )
                    for index, person in enumerate(participants)
                )
        stdout.write(f"Created demo meetings of {group.name}")


def _load_visits(stdout, groups, schools, users):
    """Add each specialist's support visit to the demo head's school, once."""
    today = timezone.localdate()
    for code, urn, username, days_ago, purpose, met_with, notes, next_steps in DEMO_VISITS:
        group = groups.get(code)
        if group is None or username not in users:
            continue
        _, created = Visit.objects.get_or_create(
            school=schools[urn],
            work_group=group,
            purpose=purpose,
            defaults={
                "specialist": users[username],
                "visited_on": today - timedelta(days=days_ago),
                "met_with": met_with,
                "notes": notes,
                "next_steps": next_steps,
            },
        )
        if created:
            stdout.write(f"Created demo visit to {schools[urn].name}")


def add_leaders_for_other_schools(schools, stdout):
    """Give every other demo school a leader login, ``head<URN>``, so each plan has
    someone who can approve it (a plan cannot go to a school with no leader).

    Created once: a login the hub lead later removed or changed is left alone.
    """
    from cms.management.commands.load_demo import DEMO_PASSWORD

    User = get_user_model()
    leaders_group = Group.objects.get(name=roles.SCHOOL_LEADERS)
    for urn, school in schools.items():
        if urn in (990101, 990201):
            continue
        username = f"head{urn}"
        if User.objects.filter(username=username).exists():
            continue
        user = User(
            username=username,
            first_name=school.head_first_name,
            last_name=school.head_last_name,
            email=f"{username}@mathshub.example",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.add(leaders_group)
        school.leaders.add(user)
        stdout.write(f"Created demo school leader {username} for {school.name}")


def head_and_maths_lead(enrolment, school) -> list[Participant]:
    """The two people every demo enrolment names: the head and the maths lead (unsaved)."""
    return [
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
    ]


def load(stdout):
    """Create the roles' members, demo schools, Work Groups, meetings and visits missing."""
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
        if schools[urn].easting is None and urn in DEMO_GRID:
            # Demo databases made before schools had coordinates get them once.
            schools[urn].easting, schools[urn].northing = DEMO_GRID[urn]
            schools[urn].save(update_fields=["easting", "northing", "updated_at"])
    if "head" in users:
        schools[990101].leaders.add(users["head"])
    if "head2" in users:
        schools[990201].leaders.add(users["head2"])
    add_leaders_for_other_schools(schools, stdout)

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
                    *head_and_maths_lead(enrolment, school),
                    Participant(
                        enrolment=enrolment,
                        name=f"Class teacher at {school.name}",
                        role=Participant.Role.LEAD_TEACHER,
                    ),
                ]
            )
        stdout.write(f"Created demo Work Group {name}")

    groups = {group.code: group for group in WorkGroup.objects.filter(code__in=DEMO_MEETINGS)}
    _load_meetings(stdout, groups, schools)
    _load_visits(stdout, groups, schools, users)
