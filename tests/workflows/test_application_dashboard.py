"""Applications on the hub lead's dashboard, and hub emails that link to the application (#15, part 1).

The hub lead's "Applications" panel: new applications, those waiting for a
decision (oldest first) and offers not yet answered, each with its count, its
first few with school, programme and age, each linking to the application's own
page; a plain sentence when a section is empty; the same three queries at 5 and
500 applications. Nobody else gets the panel. The hub's email about a new
application links to that application's page by an absolute URL.
"""

from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest
from bs4 import BeautifulSoup

from tests.dbutils import refresh_planner_statistics
from tests.workflows import hubdata
from tests.workflows.formdata import APPLICATION
from workflows.applications.decisions import decide
from workflows.applications.emails import application_emails
from workflows.applications.panels import ApplicationsPanel, application_sections
from workflows.models import Application, WorkGroup
from workflows.permissions import is_hub_lead
from workflows.plans.panels import TODO_LIMIT

pytestmark = pytest.mark.django_db

HOME = "/admin/"
Status = Application.Status


def inspect_url(application):
    return reverse("pd_applications:inspect", args=[application.pk])


def dashboard(client, username):
    client.force_login(hubdata.user(username))
    response = client.get(HOME)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def panel_of(soup):
    heading = soup.find(id="applications-panel-heading")
    return heading.find_parent("section") if heading else None


def section_of(panel, key):
    return panel.find(id=f"applications-{key}-heading").find_parent("section")


def items_of(section):
    """Each item of a section: (its link's text, its link, the whole line)."""
    return [
        (li.a.get_text(strip=True), li.a["href"], " ".join(li.get_text(" ").split()))
        for li in section.select("li")
    ]


def aged(application, days, offered_days=None):
    """Make ``application`` ``days`` old (and its offer ``offered_days`` old)."""
    now = timezone.now()
    fields = {"created_at": now - timedelta(days=days)}
    if offered_days is not None:
        fields["decided_at"] = now - timedelta(days=offered_days)
    Application.objects.filter(pk=application.pk).update(**fields)


# The panel's content ------------------------------------------------------------------


def test_the_hub_leads_dashboard_lists_new_waiting_and_offered_applications(client, demo):
    """The demo holds one submitted, one under review, one waitlisted and one offered."""
    submitted = Application.objects.get(status=Status.SUBMITTED)
    under_review = Application.objects.get(status=Status.UNDER_REVIEW)
    waitlisted = Application.objects.get(status=Status.WAITLISTED)
    offered = Application.objects.get(status=Status.OFFERED)
    aged(submitted, 2)
    aged(under_review, 3)
    aged(waitlisted, 10)  # the older of the two waiting: listed first
    aged(offered, 20, offered_days=4)

    panel = panel_of(dashboard(client, "hublead"))
    assert panel is not None

    new = section_of(panel, "new")
    assert new.h3.get_text(strip=True) == "New applications (1)"
    assert items_of(new) == [
        (
            "Brookfield Primary School",
            inspect_url(submitted),
            "Brookfield Primary School : Embedding 2027/28, applied 2 days ago",
        )
    ]

    waiting = section_of(panel, "waiting")
    assert waiting.h3.get_text(strip=True) == "Waiting for a decision (2)"
    rows = items_of(waiting)
    assert [href for _, href, _ in rows] == [inspect_url(waitlisted), inspect_url(under_review)]
    assert rows[0][2].endswith("waitlisted, applied 1 week ago")
    assert rows[1][2].endswith("under review, applied 3 days ago")
    assert rows[0][0] == waitlisted.school.name

    offers = section_of(panel, "offers")
    assert offers.h3.get_text(strip=True) == "Offers not yet answered (1)"
    ((name, href, line),) = items_of(offers)
    assert (name, href) == (offered.school.name, inspect_url(offered))
    # The age of an offer is how long the school has had it, not the application's age.
    assert line.endswith("Embedding 2026/27 in EMB-26-BFD, offered 4 days ago")

    links = {a.get_text(strip=True): a["href"] for a in panel.select("p > a")}
    assert links["All applications"] == reverse("pd_applications:index")
    # Every application's link opens its page for the hub lead.
    for _, href, _ in items_of(panel):
        assert client.get(href).status_code == 200


def test_an_application_from_an_unlisted_school_shows_the_typed_name(client, demo):
    Application.objects.create(
        programme=hubdata.stage("embedding"),
        academic_year="2027/28",
        school_name="Typed Name Infant School",
        head_name="Pat Head",
        head_email="pat@typed.example",
        reason="To learn.",
    )
    new = section_of(panel_of(dashboard(client, "hublead")), "new")
    assert new.h3.get_text(strip=True) == "New applications (2)"
    assert items_of(new)[0][0] == "Typed Name Infant School"


def test_empty_sections_say_so_in_a_sentence(client, demo):
    Application.objects.update(status=Status.DECLINED)
    panel = panel_of(dashboard(client, "hublead"))
    text = " ".join(panel.get_text(" ").split())
    assert "New applications (0)" in text
    assert "No new application has arrived." in text
    assert "No application is waiting for a decision." in text
    assert "Every offer made has been answered." in text
    assert not panel.select("li")


def test_a_long_queue_shows_the_first_few_and_links_to_the_rest(client, demo):
    add_applications(12)
    panel = panel_of(dashboard(client, "hublead"))
    for key, status in (("new", Status.SUBMITTED), ("offers", Status.OFFERED)):
        section = section_of(panel, key)
        total = Application.objects.filter(status=status).count()
        assert len(items_of(section)) == TODO_LIMIT
        link = section.find("a", string=lambda s, total=total: s and f"All {total}" in s)
        assert link["href"] == f"{reverse('pd_applications:index')}?status={status}"
    waiting = section_of(panel, "waiting")
    assert len(items_of(waiting)) == TODO_LIMIT
    hrefs = [a["href"] for a in waiting.select("p a")]
    assert hrefs == [
        f"{reverse('pd_applications:index')}?status={Status.UNDER_REVIEW}",
        f"{reverse('pd_applications:index')}?status={Status.WAITLISTED}",
        f"{reverse('pd_applications:index')}?status={Status.LAPSED}",  # back with the hub
    ]


# Scope: the panel is the hub lead's ---------------------------------------------------


@pytest.mark.parametrize("username", ["specialist", "specialist2", "head", "head2"])
def test_nobody_but_the_hub_lead_gets_the_panel(client, demo, username):
    other = hubdata.school("Far Away Primary")
    hubdata.application(other, "embedding", "2027/28")
    soup = dashboard(client, username)
    assert panel_of(soup) is None
    assert "Far Away Primary" not in soup.get_text()


def test_the_panel_lists_follow_the_one_rule_of_scope(demo):
    """Were the panel shown to a specialist, it would list only offers into their groups."""
    assert all(
        section["total"] == 0
        for section in application_sections(hubdata.user("specialist")).values()
    )
    specialist2 = application_sections(hubdata.user("specialist2"))
    assert (specialist2["new"]["total"], specialist2["waiting"]["total"]) == (0, 0)
    offered = Application.objects.get(status=Status.OFFERED)
    assert offered.offered_group.lead_specialist.username == "specialist2"
    assert [a.pk for a in specialist2["offers"]["items"]] == [offered.pk]


# Query counts --------------------------------------------------------------------------


def add_applications(count):
    """Bulk-create ``count`` applications in each of the panel's four statuses."""
    group = WorkGroup.objects.get(code="EMB-26-BFD")
    now = timezone.now()
    rows = []
    for status in (Status.SUBMITTED, Status.UNDER_REVIEW, Status.WAITLISTED, Status.OFFERED):
        for index in range(count):
            rows.append(
                Application(
                    programme=group.stage,
                    academic_year=group.academic_year,
                    school_name=f"Bulk School {status} {index}",
                    head_name="Head",
                    head_email="head@bulk.example",
                    reason="To grow.",
                    status=status,
                    offered_group=group if status == Status.OFFERED else None,
                    decided_at=now - timedelta(days=index) if status == Status.OFFERED else None,
                )
            )
    Application.objects.bulk_create(rows)
    refresh_planner_statistics()


PANEL_QUERIES = 3  # one a section, its total on the same rows


@pytest.mark.parametrize("count", [5, 500])
def test_the_panel_costs_three_queries_whatever_the_number_of_applications(
    demo, django_assert_num_queries, count
):
    add_applications(count)
    hub_lead = hubdata.user("hublead")
    assert is_hub_lead(hub_lead)  # the dashboard's hooks learn the user's roles first
    with django_assert_num_queries(PANEL_QUERIES):
        html = ApplicationsPanel(hub_lead).render_html({})
    assert f"New applications ({count + 1})" in html
    assert f"Offers not yet answered ({count + 1})" in html


def test_the_hub_leads_dashboard_costs_the_same_at_5_and_500_applications(client, demo):
    client.force_login(hubdata.user("hublead"))
    add_applications(5)
    client.get(HOME)  # warm caches Wagtail fills on first use
    with CaptureQueriesContext(connection) as few:
        client.get(HOME)
    add_applications(495)
    with CaptureQueriesContext(connection) as many:
        response = client.get(HOME)
    assert response.status_code == 200
    assert "New applications (501)" in response.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)


# Emails to the hub link to the application ---------------------------------------------


def absolute(application, base=None):
    base = (base or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    return base + inspect_url(application)


def test_the_hubs_email_about_a_new_application_links_to_it(client, demo):
    programme = hubdata.open_for_applications(year="2027/28")
    response = client.post(
        reverse("workflows:apply", kwargs={"programme_id": programme.pk}), APPLICATION
    )
    assert response.status_code == 302
    application = Application.objects.get(
        school__urn=990301, programme=programme, academic_year="2027/28"
    )
    (hub_mail,) = [m for m in mail.outbox if m.to == [settings.HUB_NOTIFICATIONS_EMAIL]]
    link = absolute(application)
    assert link.startswith("http://testserver/admin/pd/applications/")
    assert link in hub_mail.body.split()
    assert not any(word.rstrip("/").endswith("/admin") for word in hub_mail.body.split())
    # The link opens the application for the hub lead.
    client.force_login(hubdata.user("hublead"))
    assert client.get(inspect_url(application)).status_code == 200


@override_settings(WAGTAILADMIN_BASE_URL="https://hub.example.org:8443/")
def test_the_link_is_built_from_the_configured_base_url(demo):
    application = hubdata.application(hubdata.school("Base Url Primary"))
    (hub_mail,) = [
        m
        for m in application_emails(application, list(application.participants.all()))
        if m.to == [settings.HUB_NOTIFICATIONS_EMAIL]
    ]
    assert f"https://hub.example.org:8443{inspect_url(application)}" in hub_mail.body.split()


def test_decision_emails_go_to_the_school_not_the_hub_and_carry_no_admin_link(
    demo, django_capture_on_commit_callbacks
):
    """The hub hears of its own decisions on the application's page; no email to it to link."""
    group = hubdata.group("DEV-26-Q", name="Quarry Group", area="Leeds")
    for name, extra in (("offer", {"work_group": group}), ("accept", {})):
        application = Application.objects.get(school__urn=990301, academic_year="2026/27")
        with django_capture_on_commit_callbacks(execute=True):
            decide(application.pk, name, hubdata.user("hublead"), **extra)
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert settings.HUB_NOTIFICATIONS_EMAIL not in message.to + message.cc
        assert "/admin" not in message.body
