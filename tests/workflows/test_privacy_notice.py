"""The public privacy notice: its retention table is the live policy, never a copy."""

import io

from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

import pytest
from bs4 import BeautifulSoup

from cms.pagecache import HIT_HEADER
from home.models import HomePage, NavigationSettings, SiteLink, StandardPage
from programmes.models import ProgrammePage
from workflows.models import PrivacyNoticePage, RetentionPolicy
from workflows.privacy.models import describe_months


class PrivacyNoticeTreeRules(WagtailPageTestCase):
    def test_lives_under_home_only_and_has_no_children(self):
        self.assertAllowedParentPageTypes(PrivacyNoticePage, {HomePage})
        self.assertAllowedSubpageTypes(PrivacyNoticePage, set())
        self.assertCanCreateAt(HomePage, PrivacyNoticePage)
        self.assertCanNotCreateAt(StandardPage, PrivacyNoticePage)


@pytest.mark.parametrize("model", [PrivacyNoticePage, RetentionPolicy])
def test_every_editor_field_has_help_text(model):
    base_names = {f.name for f in Page._meta.get_fields()} | {"id", "page_ptr"}
    fields = [
        f
        for f in model._meta.get_fields()
        if f.concrete and f.editable and f.name not in base_names
    ]
    assert fields
    assert [f.name for f in fields if not f.help_text] == []


def _rows(response):
    soup = BeautifulSoup(response.content, "html.parser")
    table = soup.find("table")
    return [
        (row.th.get_text(strip=True), row.td.get_text(strip=True))
        for row in table.tbody.find_all("tr")
    ]


def test_the_demo_notice_shows_the_policy_and_sits_in_the_footer(client, demo):
    page = PrivacyNoticePage.objects.get()
    assert page.url == "/privacy-notice/"
    # The demo's plain page, with periods typed into its text, was replaced.
    assert not StandardPage.objects.filter(slug="privacy-notice").exists()

    response = client.get(page.url)

    assert response.status_code == 200
    assert _rows(response) == [
        (
            "Names, email addresses, TRNs and reasons in declined, withdrawn or closed applications",
            "12 months (1 year) after the decision",
        ),
        (
            "Personal details in applications never decided",
            "12 months (1 year) after the end of the application's academic year",
        ),
        (
            "Names, email addresses and TRNs of participants and of accepted applications",
            "36 months (3 years) after the end of the school's place in its Work Group",
        ),
        (
            "Messages sent to a Work Group: their subject, text and who received them",
            "36 months (3 years) after the day the message was sent",
        ),
        (
            "People named in visit notes and action plans (owners, progress notes, reviews, evidence)",
            "72 months (6 years) after the end of the academic year",
        ),
        (
            "Names and email addresses of deactivated logins",
            "12 months (1 year) after the last sign-in",
        ),
    ]
    soup = BeautifulSoup(response.content, "html.parser")
    footer_links = [(a.get_text(strip=True), a["href"]) for a in soup.select("footer nav a")]
    assert ("Privacy notice", "/privacy-notice/") in footer_links


def test_changing_the_policy_changes_the_page_at_once_even_when_cached(
    client, demo, django_capture_on_commit_callbacks
):
    cache.clear()
    with override_settings(PAGE_CACHE_SECONDS=300):
        first = client.get("/privacy-notice/")
        assert first[HIT_HEADER] == "miss"
        assert client.get("/privacy-notice/")[HIT_HEADER] == "hit"

        policy = RetentionPolicy.load()
        policy.participation_months = 24
        policy.unsuccessful_application_months = 6
        # The cache turns over once the change is committed (the test's transaction
        # never commits, so run what commit would run).
        with django_capture_on_commit_callbacks(execute=True):
            policy.save()

        response = client.get("/privacy-notice/")
    cache.clear()
    assert response[HIT_HEADER] == "miss"
    rows = dict(_rows(response))
    assert rows["Names, email addresses and TRNs of participants and of accepted applications"] == (
        "24 months (2 years) after the end of the school's place in its Work Group"
    )
    assert rows[
        "Names, email addresses, TRNs and reasons in declined, withdrawn or closed applications"
    ] == ("6 months after the decision")


def test_the_application_form_links_its_consent_to_the_notice(client, demo):
    programme = ProgrammePage.objects.get(slug="development-work-groups")
    response = client.get(f"/apply/{programme.pk}/")
    soup = BeautifulSoup(response.content, "html.parser")
    consent = soup.find(id="id_consent").find_parent("fieldset")
    link = consent.find("a", string="privacy notice")
    assert link["href"] == PrivacyNoticePage.objects.get().url


def test_the_notice_has_no_inline_script_or_style(client, demo):
    soup = BeautifulSoup(client.get("/privacy-notice/").content, "html.parser")
    assert [s for s in soup.find_all("script") if not s.get("src")] == []
    assert soup.find_all("style") == []
    assert soup.select("[style]") == []
    assert [
        tag.name for tag in soup.find_all(True) if any(attr.startswith("on") for attr in tag.attrs)
    ] == []


def test_the_table_is_captioned_with_header_cells_for_screen_readers(client, demo):
    soup = BeautifulSoup(client.get("/privacy-notice/").content, "html.parser")
    assert soup.html["lang"] == "en-GB"
    table = soup.find("table")
    assert table.caption.get_text(strip=True) == "What we keep, and for how long"
    assert [th["scope"] for th in table.thead.find_all("th")] == ["col", "col"]
    assert {th["scope"] for th in table.tbody.find_all("th")} == {"row"}
    region = table.find_parent("div", class_="table-wrap")
    assert region["role"] == "region" and region["aria-labelledby"] == table.caption["id"]
    assert [h.name for h in soup.main.find_all(["h1", "h2"])][:2] == ["h1", "h2"]


def test_the_notice_costs_one_query_more_than_an_ordinary_page(
    client, demo, django_assert_num_queries
):
    """The live policy is one query; the rest is what every page costs (routing,
    view restrictions, shared navigation), whatever that is at the time."""
    ordinary = "/accessibility-statement/"
    for url in (ordinary, "/privacy-notice/"):
        client.get(url)  # warm: the policy record exists, shared caches filled
    with CaptureQueriesContext(connection) as baseline:
        client.get(ordinary)
    with django_assert_num_queries(len(baseline) + 1) as notice:
        response = client.get("/privacy-notice/")
    assert response.status_code == 200
    policy_queries = [q for q in notice.captured_queries if "workflows_retentionpolicy" in q["sql"]]
    assert len(policy_queries) == 1


def test_loading_the_demo_again_keeps_one_notice_and_one_footer_link(demo):
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=io.StringIO())
    page = PrivacyNoticePage.objects.get()
    assert SiteLink.objects.filter(page=page, placement=SiteLink.FOOTER).count() == 1


def test_an_edited_plain_privacy_page_is_kept_not_replaced(db):
    """A site whose editors rewrote the demo's plain notice keeps their words."""
    from home import demo as home_demo
    from workflows.demo import privacy as privacy_demo

    out = io.StringIO()
    home_demo.load(out)
    old = StandardPage.objects.get(slug="privacy-notice")
    old.body = "<p>Our own notice, written by the hub.</p>"
    old.save_revision().publish()

    privacy_demo.load(out)

    assert StandardPage.objects.get(slug="privacy-notice").body == old.body
    assert not PrivacyNoticePage.objects.exists()
    assert "Kept the edited privacy notice" in out.getvalue()
    assert NavigationSettings.objects.count() == 1


@pytest.mark.parametrize(
    ("months", "text"),
    [(1, "1 month"), (6, "6 months"), (12, "12 months (1 year)"), (18, "18 months")],
)
def test_periods_read_as_people_say_them(months, text):
    assert describe_months(months) == text
