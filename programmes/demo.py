"""Demo programme pages: Primary Teaching for Mastery, one page a stage.

The facts (group sizes, teachers per school, visits, stage order) come from the
client's source pages; the words are ours.
"""

import datetime
import json

from django.utils import timezone

from wagtail.models import Site

from home.demo import fill_navigation, get_or_create_home, get_or_create_search_page
from home.models import HomePageFeaturedPage
from programmes.models import ProgrammeIndexPage, ProgrammePage, VideoTestimonial

INDEX_INTRO = (
    "<p>Teaching for mastery helps every pupil understand maths deeply, not just "
    "follow procedures. Schools usually move through it in stages, one academic year "
    "at a time, supported by local Mastery Specialists.</p>"
)

JOURNEY_INTRO = (
    "Most schools start with a Development Work Group. Schools facing barriers to change "
    "can begin with a year of Mastery Readiness first."
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


# Key facts per stage: length, meetings, visits, cost; then in the journey?, optional first step?
KEY_FACTS = {
    "mastery-readiness": (
        "One academic year",
        "Regular meetings of leaders and teachers from the group's schools",
        "Around six support visits from the Mastery Readiness Lead",
        "Funded nationally; no charge to schools",
        True,
        True,
    ),
    "development-work-groups": (
        "One academic year",
        "About six half-day Work Group meetings",
        "A support visit each term, ending in an action plan",
        "Funded nationally; no charge to schools",
        True,
        False,
    ),
    "embedding": (
        "One academic year",
        "Regular Work Group meetings to plan, observe and discuss",
        "One visit to each school, with a bespoke action plan",
        "Funded nationally; no charge to schools",
        True,
        False,
    ),
    "sustaining": (
        "Ongoing, renewed each year",
        "Six workshops a year, hosted in turn by member schools",
        "None: support comes through the workshops",
        "Funded nationally; no charge to schools",
        True,
        False,
    ),
    "mastery-specialists": (
        "A development year, then leading a Work Group every year",
        "Residential and local training days through the development year",
        "Support from the hub's Primary Mastery Lead",
        "Funded nationally, including supply cover for training days",
        False,
        False,
    ),
}

HOW_TO_APPLY = (
    "<p>Talk to your headteacher first: they need to agree to release whoever takes part "
    "for the meetings and training days. Then fill in the short application form; it takes "
    "about ten minutes.</p>"
    "<p>We reply to every application within three weeks of the closing date.</p>"
)

TESTIMONIALS = [
    (
        "The impact on pupils",
        "https://vimeo.com/123456789",
        "Chloe Murphy",
        "Year 2 teacher and maths lead",
        "a primary school in our region",
        "When we started the Work Group I thought mastery was about a new scheme. It isn't. "
        "It is about how the children talk about maths.\n\n"
        "In the research lessons we watched each other teach and then talked only about the "
        "pupils: what they said, where they got stuck, what helped them move on.\n\n"
        "Now my class explain their thinking with stem sentences and they build numbers with "
        "counters before they write anything down. The children who used to sit back are the "
        "ones putting their hands up.",
    ),
    (
        "Taking mastery across the whole school",
        "https://www.youtube.com/watch?v=M4sTeRy2027",
        "Daniel Okafor",
        "Headteacher",
        "a primary school in our region",
        "After our Development year two teachers were teaching for mastery and everyone else "
        "was curious. Embedding gave us a way to spread it without losing what worked.\n\n"
        "Our specialist visited, we agreed an action plan together, and we chose two focus "
        "areas: lesson design and in-school professional development.\n\n"
        "By the summer every class was using the same representations, and our staff meetings "
        "had become short planning sessions about the next unit.",
    ),
]

# Which testimonial each stage's body shows, by title.
TESTIMONIAL_FOR = {
    "development-work-groups": "The impact on pupils",
    "embedding": "Taking mastery across the whole school",
}


def next_academic_year(today: datetime.date) -> str:
    """The academic year schools apply for now: from September next, like 2027/28."""
    start = today.year + 1 if today.month >= 9 else today.year
    return f"{start}/{(start + 1) % 100:02d}"


def application_window(slug: str, today: datetime.date):
    """Demo windows relative to today: Development and Embedding are open now,
    Mastery Readiness and Mastery Specialists open later, Sustaining has closed."""
    day = datetime.timedelta(days=1)
    if slug in {"development-work-groups", "embedding"}:
        return today - 21 * day, today + 90 * day
    if slug in {"mastery-readiness", "mastery-specialists"}:
        return today + 30 * day, today + 150 * day
    return today - 120 * day, today - 30 * day


def body_for(slug: str, title: str, testimonial) -> list:
    """A believable body of several blocks for one stage (raw StreamField JSON)."""
    body = [
        {"type": "heading", "value": {"text": "What happens during the year", "level": "h2"}},
        {
            "type": "text",
            "value": {
                "mastery-readiness": "<p>Leaders and teachers work on the foundations that "
                "make mastery possible: a shared vision, the belief that every child can "
                "achieve, subject knowledge of teachers and teaching assistants, and secure "
                "arithmetic.</p><p>The year ends with an action plan agreed with the head and "
                "the maths lead, so the school is ready for a Development Work Group.</p>",
                "development-work-groups": "<p>Each meeting follows the same rhythm: teachers "
                "<b>plan</b> a lesson together, <b>observe</b> it taught as a research lesson, "
                "and <b>discuss</b> what the pupils did. Between meetings they try the ideas in "
                "their own classrooms.</p><p>The specialist visits each school once a term; "
                "each visit ends with an action plan for the school.</p>",
                "embedding": "<p>The aim now is consistency: the approaches that work in two "
                "classrooms become the way the whole school teaches maths.</p><p>The "
                "specialist visits your school once and agrees a bespoke action plan with "
                "you, focused on areas such as systems and culture, leadership, subject "
                "knowledge, lesson design and in-school professional development.</p>",
                "sustaining": "<p>Schools keep learning together through six workshops a "
                "year, each hosted by a member school, in three strands: leadership, "
                "collaborative planning and subject knowledge.</p><p>Each school refines its "
                "own action plan over the year.</p>",
                "mastery-specialists": "<p>In the development year you deepen your own "
                "subject knowledge and develop mastery in your classroom and school. From "
                "the next year you lead a Work Group of six or seven schools each year.</p>",
            }[slug],
        },
    ]
    if testimonial is not None:
        body.append({"type": "testimonial", "value": testimonial.pk})
    body += [
        {
            "type": "quote",
            "value": {
                "quote": "Seeing a research lesson taught in another school changed how I plan.",
                "attribution": f"Participant, {title}",
            },
        },
        {
            "type": "faq",
            "value": {
                "heading": "Questions schools ask",
                "items": [
                    {
                        "question": "Does it cost anything?",
                        "answer": "<p>No. The programme is funded nationally; there is no "
                        "charge to schools.</p>",
                    },
                    {
                        "question": "Who should take part from our school?",
                        "answer": "<p>Usually two teachers, one of them the maths lead, with "
                        "the headteacher's support.</p>",
                    },
                ],
            },
        },
        {
            "type": "call_to_action",
            "value": {
                "heading": "Not sure where to start?",
                "text": "See how the programmes fit together on the journey towards mastery.",
                "link_page": None,
                "link_url": "",
                "link_text": "See the journey towards mastery",
            },
        },
    ]
    return body


def get_or_create_testimonials(stdout) -> dict:
    """The demo testimonials by title, creating those that are missing."""
    found = {}
    for title, url, speaker, role, school, transcript in TESTIMONIALS:
        testimonial = VideoTestimonial.objects.filter(title=title).first()
        if testimonial is None:
            testimonial = VideoTestimonial(
                title=title,
                video_url=url,
                speaker=speaker,
                speaker_role=role,
                school=school,
                transcript=transcript,
            )
            testimonial.full_clean()
            testimonial.save()
            stdout.write(f"Created video testimonial {title}")
        found[title] = testimonial
    return found


def feature_programmes(home, index, by_slug) -> None:
    """Feature the journey's stages on the home page and end it with a call to action.

    Done through a published revision, as an editor would, so the page editor shows
    exactly what the site shows.
    """
    home = home.specific.get_latest_revision_as_object()
    journey = ["mastery-readiness", "development-work-groups", "embedding", "sustaining"]
    for position, slug in enumerate(journey):
        # sort_order as the editor's drag-and-drop sets it: without it the order is
        # whatever the database returns (PostgreSQL shuffles equal keys).
        home.featured_pages.add(
            HomePageFeaturedPage(
                page=by_slug[slug], summary=by_slug[slug].summary, sort_order=position
            )
        )
    if not any(block.block_type == "call_to_action" for block in home.body):
        home.body.append(
            (
                "call_to_action",
                {
                    "heading": "Find the right programme for your school",
                    "text": "Most schools start with a Development Work Group. See where "
                    "your school fits on the journey towards mastery.",
                    "link_page": index,
                    "link_url": "",
                    "link_text": "Explore the programmes",
                },
            )
        )
    home.save_revision().publish()


def load(stdout):
    """Create the programme index and one page per stage, linked in journey order;
    the demo testimonials; the home page's featured programmes; the main navigation."""
    home = get_or_create_home(stdout)
    index = ProgrammeIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(
            instance=ProgrammeIndexPage(
                title="Primary Teaching for Mastery",
                slug="primary-mastery",
                intro=INDEX_INTRO,
                journey_intro=JOURNEY_INTRO,
                search_description="The teaching for mastery programmes our hub runs for "
                "primary schools, and how they fit together.",
            )
        )
        stdout.write("Created the programme index")
    testimonials = get_or_create_testimonials(stdout)
    today = timezone.localdate()
    by_slug = {page.slug: page for page in ProgrammePage.objects.child_of(index)}
    for slug, title, order, after, summary, who_for in PROGRAMMES:
        if slug in by_slug:
            continue
        length, meetings, visits, cost, in_journey, optional = KEY_FACTS[slug]
        opens, closes = application_window(slug, today)
        testimonial = testimonials.get(TESTIMONIAL_FOR.get(slug, ""))
        body = body_for(slug, title, testimonial)
        body[-1]["value"]["link_page"] = index.pk
        page = ProgrammePage(
            title=title,
            slug=slug,
            stage_order=order,
            comes_after=by_slug.get(after),
            summary=summary,
            search_description=summary,
            who_for=who_for,
            in_journey=in_journey,
            optional_first_step=optional,
            length=length,
            meetings=meetings,
            visits=visits,
            cost=cost,
            academic_year=next_academic_year(today),
            application_opens=opens,
            application_closes=closes,
            how_to_apply=HOW_TO_APPLY,
            body=json.dumps(body),
        )
        (
            page.group_size_min,
            page.group_size_max,
            page.teachers_per_school,
            page.once_per_school,
        ) = GROUP_SHAPE[slug]
        by_slug[slug] = index.add_child(instance=page)
        stdout.write(f"Created programme page {title}")

    if not home.featured_pages.exists():
        feature_programmes(home, index, by_slug)
        stdout.write("Featured the programmes on the home page")

    site = Site.objects.get(is_default_site=True)
    fill_navigation(site, [index, get_or_create_search_page(home, stdout)], stdout)
