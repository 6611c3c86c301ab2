"""Demo programme pages: Primary Teaching for Mastery, one page a stage.

The facts (group sizes, teachers per school, visits, stage order) come from the
client's source pages; the words are ours.
"""

from home.demo import get_or_create_home
from programmes.models import ProgrammeIndexPage, ProgrammePage

INDEX_INTRO = (
    "<p>Teaching for mastery helps every pupil understand maths deeply, not just "
    "follow procedures. Schools usually move through it in stages, one academic year "
    "at a time, supported by local Mastery Specialists.</p>"
)

# Work Group shape per stage: smallest and largest group, teachers a school, once only.
GROUP_SHAPE = {
    "mastery-readiness": (4, 8, 2, True),
    "development-work-groups": (6, 7, 2, True),
    "embedding": (6, 6, 2, False),
    "sustaining": (6, 10, 2, False),
    "mastery-specialists": (1, 40, 1, True),
}

# slug, title, stage order, comes after (slug), summary, who it is for
PROGRAMMES = [
    (
        "mastery-readiness",
        "Mastery Readiness",
        1,
        None,
        "An optional first year for schools that want teaching for mastery but would "
        "benefit from laying the foundations first.",
        "<p>Primary schools facing barriers to change, such as changes of leadership or "
        "low maths attainment. Up to eight schools work with a Mastery Readiness Lead; two "
        "teachers from each school take part, one of them the maths lead.</p>",
    ),
    (
        "development-work-groups",
        "Development Work Groups",
        2,
        None,
        "Six or seven local schools, two teachers from each, led by a Mastery Specialist, "
        "start developing teaching for mastery together.",
        "<p>Any primary school ready to start teaching for mastery. A school takes part in a "
        "Development Work Group once, usually straight away or after Mastery Readiness.</p>",
    ),
    (
        "embedding",
        "Embedding",
        3,
        "development-work-groups",
        "Spreading teaching for mastery from the first two classrooms to the whole school, "
        "with bespoke support and an action plan agreed with a specialist.",
        "<p>Schools that have completed a Development Work Group. About six schools form "
        "a group; the specialist visits each school once and agrees a bespoke action plan "
        "with it.</p>",
    ),
    (
        "sustaining",
        "Sustaining",
        4,
        "embedding",
        "A lasting professional community: six workshops a year on leadership, "
        "collaborative planning and subject knowledge.",
        "<p>Schools that have been in a Development or Embedding Work Group, and Mastery "
        "Specialists' own schools. Workshops are hosted in turn by member schools.</p>",
    ),
    (
        "mastery-specialists",
        "Mastery Specialists",
        5,
        None,
        "Classroom teachers trained by the NCETM to develop mastery in their own school and "
        "then lead a Work Group every year.",
        "<p>Experienced primary classroom teachers. Around 140 are trained nationally each "
        "year, about four per Maths Hub, in a development year before leading Work Groups.</p>",
    ),
]


def load(stdout):
    """Create the programme index and one page per stage, linked in journey order."""
    home = get_or_create_home(stdout)
    index = ProgrammeIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(
            instance=ProgrammeIndexPage(
                title="Primary Teaching for Mastery", slug="primary-mastery", intro=INDEX_INTRO
            )
        )
        stdout.write("Created the programme index")
    by_slug = {page.slug: page for page in ProgrammePage.objects.child_of(index)}
    for slug, title, order, after, summary, who_for in PROGRAMMES:
        if slug in by_slug:
            continue
        page = ProgrammePage(
            title=title,
            slug=slug,
            stage_order=order,
            comes_after=by_slug.get(after),
            summary=summary,
            who_for=who_for,
        )
        (
            page.group_size_min,
            page.group_size_max,
            page.teachers_per_school,
            page.once_per_school,
        ) = GROUP_SHAPE[slug]
        by_slug[slug] = index.add_child(instance=page)
        stdout.write(f"Created programme page {title}")
