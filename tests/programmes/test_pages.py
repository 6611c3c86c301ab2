"""Programme pages: tree rules, structured fields, the application window and the journey."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import override_settings

from wagtail.models import PageViewRestriction
from wagtail.test.utils import WagtailPageTestCase

import pytest

from home.models import HomePage
from programmes.journey import build_journey
from programmes.models import ProgrammeIndexPage, ProgrammePage
from tests.programmes.factories import add_programme, make_site

DEMO_SLUGS = [
    "mastery-readiness",
    "development-work-groups",
    "embedding",
    "sustaining",
    "mastery-specialists",
]


class ProgrammeTreeRules(WagtailPageTestCase):
    def test_index_lives_under_home(self):
        self.assertAllowedParentPageTypes(ProgrammeIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(ProgrammeIndexPage, {ProgrammePage})

    def test_programme_pages_live_under_the_index_and_are_leaves(self):
        self.assertAllowedParentPageTypes(ProgrammePage, {ProgrammeIndexPage})
        self.assertAllowedSubpageTypes(ProgrammePage, set())

    def test_programme_page_cannot_be_created_under_home(self):
        self.assertCanNotCreateAt(HomePage, ProgrammePage)
        self.assertCanCreateAt(ProgrammeIndexPage, ProgrammePage)
        self.assertCanCreateAt(HomePage, ProgrammeIndexPage)


def journey_titles(html: str) -> list[str]:
    section = re.search(r'<section class="journey".*?</section>', html, re.DOTALL).group(0)
    return re.findall(r"<a [^>]*>([^<]+)</a>", section)


def test_index_lists_programmes_and_the_journey_in_order(client, demo):
    index = ProgrammeIndexPage.objects.get()
    html = client.get(index.url).content.decode()
    cards = re.findall(r'<h3 class="card__title"><a [^>]*>([^<]+)</a>', html)
    assert cards == [
        "Mastery Readiness",
        "Development Work Groups",
        "Embedding",
        "Sustaining",
        "Mastery Specialists",
    ]
    assert "A school's journey towards mastery</h2>" in html
    # The entry decision (Mastery Readiness first, or straight to Development), then
    # the stages; the Mastery Specialist programme is not a stage a school takes.
    assert journey_titles(html) == [
        "Mastery Readiness",
        "Development Work Groups",
        "Development Work Groups",
        "Embedding",
        "Sustaining",
    ]
    assert '<ol class="journey__steps">' in html
    assert "Decide where to start" in html
    assert "or go straight to" in html


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_every_demo_programme_page_renders_its_structured_fields(client, demo, slug):
    page = ProgrammePage.objects.get(slug=slug)
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{page.title}</h1>" in html
    for label in (
        "Schools in a Work Group",
        "Teachers from each school",
        "Length",
        "Meetings",
        "Cost",
    ):
        assert f"<dt>{label}</dt>" in html
    assert f"<dd>{page.length}</dd>" in html
    assert "How to apply" in html
    assert page.status_text in html
    assert page.body, "every demo programme has a body"


def test_where_this_fits_marks_the_current_stage(client, demo):
    page = ProgrammePage.objects.get(slug="embedding")
    html = client.get(page.url).content.decode()
    assert "Where this fits" in html
    current = re.findall(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>', html)
    assert current == [(page.url, "Embedding")]
    assert journey_titles(html) == [
        "Mastery Readiness",
        "Development Work Groups",
        "Development Work Groups",
        "Embedding",
        "Sustaining",
    ]


def test_a_new_stage_appears_in_the_journey_without_code(client, db):
    _home, index = make_site()
    development = add_programme(index, "Development", stage_order=2)
    embedding = add_programme(index, "Embedding", stage_order=3, comes_after=development)
    add_programme(index, "Sustaining", stage_order=4, comes_after=embedding)
    # An editor adds a stage between Development and Embedding; its stage number is
    # higher than Sustaining's, but "comes after" decides the order.
    bridge = add_programme(index, "Bridging", stage_order=9, comes_after=development)
    embedding.comes_after = bridge
    embedding.save_revision().publish()

    html = client.get(index.url).content.decode()
    assert journey_titles(html) == ["Development", "Bridging", "Embedding", "Sustaining"]
    assert "Decide where to start" not in html  # no optional first step here


def test_unpublished_and_private_stages_are_left_out_of_the_journey(client, db):
    _home, index = make_site()
    first = add_programme(index, "Development", stage_order=1)
    hidden = add_programme(index, "Embedding", stage_order=2, comes_after=first)
    private = add_programme(index, "Sustaining", stage_order=3, comes_after=hidden)
    hidden.unpublish()
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)

    assert journey_titles(client.get(first.url).content.decode()) == ["Development"]
    assert journey_titles(client.get(index.url).content.decode()) == ["Development"]
    # The private page itself still asks visitors to sign in, as Wagtail does.
    assert client.get(private.url).status_code == 302
    assert client.get(hidden.url).status_code == 404


def test_build_journey_survives_a_cycle():
    class Stage:
        def __init__(self, pk, comes_after_id):
            self.pk, self.comes_after_id = pk, comes_after_id
            self.in_journey, self.optional_first_step = True, False

    a, b = Stage(1, 2), Stage(2, 1)
    assert build_journey([a, b]).stages == [a, b]


# Application window ----------------------------------------------------------------

OPENS = datetime.date(2027, 3, 1)
CLOSES = datetime.date(2027, 6, 30)


@pytest.mark.parametrize(
    ("today", "status", "text"),
    [
        (datetime.date(2027, 2, 28), "opening", "Opening on 1 March 2027"),
        (datetime.date(2027, 3, 1), "open", "Open until 30 June 2027"),
        (datetime.date(2027, 6, 30), "open", "Open until 30 June 2027"),
        (datetime.date(2027, 7, 1), "closed", "Closed"),
    ],
)
def test_application_window_boundaries(db, today, status, text):
    page = ProgrammePage(application_opens=OPENS, application_closes=CLOSES)
    assert page.application_status(today) == status
    assert page.application_status_text(today) == text


def test_no_window_means_closed_and_an_open_ended_window_stays_open(db):
    assert ProgrammePage().application_status(datetime.date(2027, 1, 1)) == "closed"
    page = ProgrammePage(application_opens=OPENS)
    assert page.application_status(datetime.date(2030, 1, 1)) == "open"
    assert page.application_status_text(datetime.date(2030, 1, 1)) == "Open"


@override_settings(TIME_ZONE="Europe/London")
def test_status_uses_the_hubs_local_date(db, monkeypatch):
    """At 00:30 on 1 July in London (still 30 June in UTC) the window has closed:
    the dates are the hub's own, not the server clock's."""
    import django.utils.timezone as tz

    moment = datetime.datetime(2027, 6, 30, 23, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(tz, "now", lambda: moment)
    page = ProgrammePage(application_opens=OPENS, application_closes=CLOSES)
    assert page.application_status() == "closed"
    assert page.application_status(moment.date()) == "open"


def test_apply_button_only_while_applications_are_open(client, db):
    _home, index = make_site()
    today = datetime.date.today()
    open_page = add_programme(
        index,
        "Development",
        academic_year="2027/28",
        application_opens=today - datetime.timedelta(days=1),
        application_closes=today + datetime.timedelta(days=10),
    )
    closed_page = add_programme(
        index,
        "Sustaining",
        application_opens=today - datetime.timedelta(days=30),
        application_closes=today - datetime.timedelta(days=1),
    )
    html = client.get(open_page.url).content.decode()
    assert f'href="/apply/{open_page.pk}/"' in html
    assert "Applications for 2027/28:" in html
    assert f'href="/programmes/{open_page.pk}/work-groups/"' in html
    closed_html = client.get(closed_page.url).content.decode()
    assert "/apply/" not in closed_html
    assert "<strong>Closed</strong>" in closed_html


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"academic_year": "2027-28"}, "academic_year", "like 2027/28"),
        ({"academic_year": "2027/29"}, "academic_year", "like 2027/28"),
        (
            {"application_opens": CLOSES, "application_closes": OPENS},
            "application_closes",
            "on or after the day they open",
        ),
        ({"group_size_min": 8, "group_size_max": 6}, "group_size_max", "at least the smallest"),
    ],
)
def test_bad_fields_are_refused_with_a_message(db, fields, field, message):
    page = ProgrammePage(title="X", slug="x", **fields)
    with pytest.raises(ValidationError) as caught:
        page.clean()
    assert message in " ".join(caught.value.message_dict[field])


def test_programme_page_has_meta_description_and_open_graph_tags(client, demo):
    page = ProgrammePage.objects.get(slug="embedding")
    html = client.get(page.url).content.decode()
    assert f'<meta name="description" content="{page.summary}">' in html
    assert '<meta property="og:title" content="Embedding">' in html
    assert f'<meta property="og:url" content="{settings.WAGTAILADMIN_BASE_URL}{page.url}">' in html
    assert "<title>Embedding | Maths Hub</title>" in html


def test_editors_can_preview_a_new_programme_page_with_a_body(client, demo):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="editor"))
    index = ProgrammeIndexPage.objects.get()
    preview_url = f"/admin/pages/add/programmes/programmepage/{index.pk}/preview/"
    data = {
        "title": "Draft stage",
        "slug": "draft-stage",
        "stage_order": "7",
        "group_size_min": "6",
        "group_size_max": "7",
        "teachers_per_school": "2",
        "in_journey": "on",
        "body-count": "1",
        "body-0-type": "heading",
        "body-0-deleted": "",
        "body-0-order": "0",
        "body-0-id": "",
        "body-0-value-text": "A heading in the draft",
        "body-0-value-level": "h2",
        "featured_pages-TOTAL_FORMS": "0",
    }
    assert client.post(preview_url, data).json()["is_valid"] is True
    html = client.get(preview_url).content.decode()
    assert "<h1>Draft stage</h1>" in html
    assert '<h2 class="block-heading">A heading in the draft</h2>' in html


def test_a_private_section_still_asks_visitors_to_sign_in(client, db):
    """Our one-query view restriction check covers ancestors, as Wagtail's does."""
    _home, index = make_site()
    page = add_programme(index, "Development")
    assert client.get(page.url).status_code == 200
    PageViewRestriction.objects.create(page=index, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(page.url)
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert client.get(index.url).status_code == 302


def test_an_alias_uses_its_source_pages_restrictions(client, db):
    home, index = make_site()
    page = add_programme(index, "Development")
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    other_index = home.add_child(instance=ProgrammeIndexPage(title="Elsewhere", slug="elsewhere"))
    alias = page.create_alias(parent=other_index, update_slug="development-copy")
    assert alias.alias_of_id == page.pk
    assert client.get(alias.url).status_code == 302


def test_the_status_and_apply_button_come_before_the_key_facts(client, db):
    """On a phone the "How to apply" box is far down; the page opens with both."""
    from bs4 import BeautifulSoup

    _home, index = make_site()
    today = datetime.date.today()
    page = add_programme(
        index,
        "Embedding",
        academic_year="2027/28",
        application_opens=today - datetime.timedelta(days=1),
        application_closes=today + datetime.timedelta(days=10),
    )
    soup = BeautifulSoup(client.get(page.url).content, "html.parser")
    summary = soup.select_one(".apply-summary")
    facts = soup.find(id="facts-heading")
    assert summary is not None and facts is not None
    # Document order: the summary sits above the key facts.
    assert summary in facts.find_all_previous(class_="apply-summary")
    assert "Applications for 2027/28: Open" in summary.get_text(" ", strip=True)
    assert summary.find("a", href=f"/apply/{page.pk}/").get_text() == "Apply for Embedding"


@pytest.mark.parametrize("title", ["Embedding", "Development Work Groups"])
def test_the_finder_link_reads_well_for_any_title(client, db, title):
    _home, index = make_site()
    page = add_programme(index, title, academic_year="2027/28")
    html = client.get(page.url).content.decode()
    assert f"See the Work Groups for {title} in 2027/28</a>" in html
    # The page's own wording; the site navigation's "Find a Work Group" is not about it.
    main = html[html.index("<main") : html.index("</main>")]
    assert "near you" not in main
    assert "Find a " not in main
