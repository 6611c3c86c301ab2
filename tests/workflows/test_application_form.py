"""The public application form: a head teacher applies for a programme."""

import re
from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.db import IntegrityError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

import pytest
from bs4 import BeautifulSoup

from programmes.models import ProgrammePage
from tests.workflows import hubdata
from tests.workflows.formdata import APPLICATION
from workflows.applications import public_views as public
from workflows.applications.forms import ApplicationForm
from workflows.models import Application, ApplicationParticipant, School

YEAR = "2027/28"


@pytest.fixture
def programme(demo):
    """Development Work Groups, open for applications for 2027/28."""
    return hubdata.open_for_applications(year=YEAR)


@pytest.fixture
def url(programme):
    return reverse("workflows:apply", kwargs={"programme_id": programme.pk})


def saved():
    """Applications for the programme under test in its year (the demo has others)."""
    return Application.objects.filter(programme__slug="development-work-groups", academic_year=YEAR)


def valid_data(**changes):
    data = {**APPLICATION, **changes}
    return {key: value for key, value in data.items() if value is not None}


def errors_of(response) -> dict[str, str]:
    """Map each field's id to the message shown next to it."""
    soup = BeautifulSoup(response.content, "html.parser")
    return {
        tag["id"].removesuffix("-error"): tag.get_text(" ", strip=True).removeprefix("Error: ")
        for tag in soup.select(".error-message")
    }


def summary_links(response) -> dict[str, str]:
    soup = BeautifulSoup(response.content, "html.parser")
    return {a["href"]: a.get_text(strip=True) for a in soup.select(".error-summary a")}


def refusal() -> str:
    """The one message for a school that may not apply, whatever the reason, as shown."""
    return (
        "We cannot accept another application for this school for this programme and year. "
        f"If you think this is wrong, contact the hub at {settings.HUB_NOTIFICATIONS_EMAIL}"
    )


# The form -----------------------------------------------------------------------------


def test_the_form_shows_every_field_with_a_label_and_no_inline_code(client, url, programme):
    response = client.get(url)

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.h1.get_text(strip=True) == f"Apply for Development Work Groups in {YEAR}"
    for name in ("school", "head_name", "head_email", "teacher_1_trn", "teacher_2_role", "reason"):
        field = soup.find(id=f"id_{name}")
        assert field is not None, name
        assert soup.find("label", attrs={"for": f"id_{name}"}) is not None, name
    assert soup.find(id="id_school_urn")["type"] == "hidden"
    assert soup.find("a", string="privacy notice")["href"] == "/privacy-notice/"
    combobox = soup.select_one("[data-school-combobox]")
    assert combobox["data-search-url"] == reverse("workflows:school_search")
    # The honeypot is hidden from people and assistive technology alike.
    honeypot = soup.find(id="id_website")
    assert honeypot["tabindex"] == "-1"
    assert honeypot["autocomplete"] == "off"
    assert honeypot.find_parent(class_="honeypot")["aria-hidden"] == "true"
    # A strict CSP comes later: no inline script or style.
    assert all(script.get("src") for script in soup.find_all("script"))
    assert not soup.find_all(style=True)
    assert not soup.find_all("style")


def test_a_programme_that_is_not_live_has_no_form(client, programme):
    programme.unpublish()
    response = client.get(reverse("workflows:apply", kwargs={"programme_id": programme.pk}))
    assert response.status_code == 404


# The good path --------------------------------------------------------------------------


def test_a_good_application_is_saved_confirmed_and_emailed(client, url, programme):
    response = client.post(url, valid_data())

    assert response.status_code == 302
    application = saved().get(school__urn=990301)
    assert application.academic_year == YEAR
    assert application.status == Application.Status.SUBMITTED
    assert application.school_name == "Calder Bridge Primary"
    assert application.consent is True
    teachers = list(application.participants.order_by("name"))
    assert [(t.name, t.trn, t.is_maths_lead) for t in teachers] == [
        ("Nadia Shah", "1234567", True),
        ("Owen Price", "", False),
    ]

    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    soup = BeautifulSoup(confirmation.content, "html.parser")
    assert soup.select_one("[data-reference]").get_text(strip=True) == application.reference

    school_mail, hub_mail = mail.outbox
    assert school_mail.to == ["head@calderbridge.example"]
    assert school_mail.cc == ["n.shah@calderbridge.example", "o.price@calderbridge.example"]
    assert application.reference in school_mail.subject
    assert application.reference in school_mail.body
    assert "Nadia Shah" in school_mail.body
    assert hub_mail.to == [settings.HUB_NOTIFICATIONS_EMAIL]
    assert application.reference in hub_mail.subject
    assert "URN 990301" in hub_mail.body
    # The hub's shared inbox gets no personal data.
    for personal in ("Ian Walsh", "head@calderbridge.example", "Nadia Shah", "n.shah@"):
        assert personal not in hub_mail.body


def test_without_javascript_a_typed_urn_or_exact_name_finds_the_school(client, url):
    client.post(url, valid_data(school="990301", school_urn=""))
    client.post(
        url,
        valid_data(
            school="  sowerby village   SCHOOL ",
            school_urn="",
            head_email="head@sowerby.example",
        ),
    )

    assert set(saved().values_list("school__urn", flat=True)) == {990301, 990302}


def test_a_school_we_do_not_list_is_saved_by_name_and_postcode(client, url):
    response = client.post(
        url, valid_data(school="Hebden Royd Primary", school_urn="", school_postcode="hx7 8aa")
    )

    assert response.status_code == 302
    application = Application.objects.get(school_name="Hebden Royd Primary")
    assert application.school is None
    assert application.school_postcode == "HX7 8AA"


# Bad input -------------------------------------------------------------------------------


def test_an_empty_form_says_what_is_missing_next_to_each_field_and_at_the_top(client, url):
    response = client.post(url, {})

    assert response.status_code == 200
    errors = errors_of(response)
    assert errors == {
        "id_school": "Enter your school's name, URN or postcode",
        "id_head_name": "Enter the head teacher's full name",
        "id_head_email": "Enter the head teacher's email address",
        "id_teacher_1_name": "Enter the first teacher's full name",
        "id_teacher_1_email": "Enter the first teacher's email address",
        "id_teacher_1_role": "Enter the first teacher's role in school",
        "id_teacher_1_is_maths_lead": "Tick exactly one teacher as the maths lead",
        "id_teacher_2_name": "Enter the second teacher's full name",
        "id_teacher_2_email": "Enter the second teacher's email address",
        "id_teacher_2_role": "Enter the second teacher's role in school",
        "id_reason": "Tell us why your school wants to take part",
        "id_consent": "Tick the box to agree to the privacy notice",
    }
    # The summary links every message to its field, in page order.
    links = summary_links(response)
    assert list(links) == [f"#{field_id}" for field_id in errors]
    assert list(links.values()) == list(errors.values())
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.title.get_text().startswith("Error: ")
    head_name = soup.find(id="id_head_name")
    assert head_name["aria-invalid"] == "true"
    assert head_name["aria-describedby"] == "id_head_name-error"
    assert not saved().exists()
    assert mail.outbox == []


def test_the_form_comes_back_with_what_was_typed(client, url):
    response = client.post(url, valid_data(head_email="not-an-email", consent=None))

    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find(id="id_head_name")["value"] == "Ian Walsh"
    assert soup.find(id="id_head_email")["value"] == "not-an-email"
    assert soup.find(id="id_school")["value"] == "Calder Bridge Primary (990301)"
    assert soup.find(id="id_school_urn")["value"] == "990301"
    assert soup.find(id="id_teacher_1_is_maths_lead").has_attr("checked")
    assert (
        soup.find(id="id_reason").get_text().strip()
        == "We want every pupil to understand maths deeply."
    )
    assert not soup.find(id="id_consent").has_attr("checked")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"head_email": "head at school"},
            "id_head_email",
            "Enter the head teacher's email address in the right format, like name@school.org.uk",
        ),
        (
            {"teacher_2_email": "o.price@"},
            "id_teacher_2_email",
            "Enter the second teacher's email address in the right format, like name@school.org.uk",
        ),
        (
            {"teacher_2_email": "N.Shah@calderbridge.example"},
            "id_teacher_2_email",
            "Enter a different email address for each teacher",
        ),
        (
            {"teacher_2_is_maths_lead": "on"},
            "id_teacher_1_is_maths_lead",
            "Tick exactly one teacher as the maths lead: you ticked both",
        ),
        (
            {"teacher_1_is_maths_lead": None},
            "id_teacher_1_is_maths_lead",
            "Tick exactly one teacher as the maths lead",
        ),
        (
            {"teacher_1_trn": "123456"},
            "id_teacher_1_trn",
            "Enter the TRN as 7 digits, like 1234567, or leave it blank",
        ),
        (
            {"teacher_2_trn": "12345AB"},
            "id_teacher_2_trn",
            "Enter the TRN as 7 digits, like 1234567, or leave it blank",
        ),
        ({"consent": None}, "id_consent", "Tick the box to agree to the privacy notice"),
        (
            {"school": "Nowhere Academy", "school_urn": ""},
            "id_school_postcode",
            "Enter the school's postcode: we could not find \u201cNowhere Academy\u201d in our "
            "list, so we need it to identify your school",
        ),
        (
            {"school": "Nowhere Academy", "school_urn": "", "school_postcode": "NOT A CODE"},
            "id_school_postcode",
            "Enter a real postcode, like LS6 2AB",
        ),
        (
            {"school": "123456", "school_urn": ""},
            "id_school",
            "We cannot find an open school with URN 123456. Check the number, or type the "
            "school's name",
        ),
        (
            {"reason": "x" * 3001},
            "id_reason",
            "Keep the reason to 3,000 characters or fewer",
        ),
    ],
)
def test_each_bad_answer_gets_its_own_message(client, url, changes, field, message):
    response = client.post(url, valid_data(**changes))

    assert response.status_code == 200
    assert errors_of(response) == {field: message}
    assert summary_links(response) == {f"#{field}": message}
    assert not saved().exists()


def test_a_trn_with_spaces_is_accepted_as_seven_digits(client, url):
    client.post(url, valid_data(teacher_1_trn="123 4567"))
    assert ApplicationParticipant.objects.get(name="Nadia Shah").trn == "1234567"


def test_a_second_application_for_the_same_school_programme_and_year_is_refused(client, url):
    assert client.post(url, valid_data()).status_code == 302
    mail.outbox.clear()

    response = client.post(url, valid_data(head_email="deputy@calderbridge.example"))

    assert response.status_code == 200
    assert errors_of(response) == {"id_school": refusal()}
    # Neutral: the message does not name the school, and it links the hub's address.
    assert "Calder Bridge" not in errors_of(response)["id_school"]
    soup = BeautifulSoup(response.content, "html.parser")
    link = soup.find(id="id_school-error").find("a")
    assert link["href"] == f"mailto:{settings.HUB_NOTIFICATIONS_EMAIL}"
    assert Application.objects.filter(school__urn=990301, academic_year=YEAR).count() == 1
    assert mail.outbox == []


def test_a_duplicate_that_slips_past_the_form_meets_the_database_and_the_same_message(
    client, url, programme, monkeypatch
):
    """Two submissions at once: both pass the form's check; the constraint stops one.

    The refusal costs an attempt like any other refused complete application.
    """
    monkeypatch.setattr(public, "RATE_LIMIT", 2)
    client.post(url, valid_data())
    monkeypatch.setattr(ApplicationForm, "_already_applied", lambda *args: False)
    checked = []

    def after_the_race(self, school, name, postcode):
        checked.append(school.urn)
        return True

    original_save = ApplicationForm.save

    def save(self):
        # The final check after the IntegrityError asks the database again.
        monkeypatch.setattr(ApplicationForm, "_already_applied", after_the_race)
        return original_save(self)

    monkeypatch.setattr(ApplicationForm, "save", save)

    response = client.post(url, valid_data())

    assert response.status_code == 200
    assert errors_of(response) == {"id_school": refusal()}
    assert checked == [990301]
    assert Application.objects.filter(school__urn=990301, academic_year=YEAR).count() == 1
    assert client.post(url, valid_data(school="990302", school_urn="")).status_code == 429


def test_the_database_refuses_a_duplicate_even_without_the_form(programme):
    school = School.objects.get(urn=990301)
    fields = {
        "programme": programme,
        "academic_year": YEAR,
        "school": school,
        "school_name": school.name,
        "head_name": "A",
        "head_email": "a@example.com",
        "reason": "r",
    }
    Application.objects.create(**fields)
    with pytest.raises(IntegrityError):
        Application.objects.create(**fields)


def test_the_same_school_may_apply_for_another_year(client, url, programme):
    school = School.objects.get(urn=990301)
    Application.objects.create(
        programme=programme,
        academic_year="2025/26",
        school=school,
        school_name=school.name,
        head_name="A",
        head_email="a@example.com",
        reason="r",
    )
    assert client.post(url, valid_data()).status_code == 302


# Closed windows, bots, floods -----------------------------------------------------------


def test_before_the_window_opens_the_form_says_when_and_refuses_posts(client, url, programme):
    opens = timezone.localdate() + timedelta(days=5)
    ProgrammePage.objects.filter(pk=programme.pk).update(
        application_opens=opens, application_closes=opens + timedelta(days=30)
    )

    response = client.get(url)
    assert response.status_code == 200
    text = BeautifulSoup(response.content, "html.parser").main.get_text(" ", strip=True)
    assert f"They open on {opens:%-d %B %Y}" in text
    assert 'name="head_name"' not in response.content.decode()

    response = client.post(url, valid_data())
    assert response.status_code == 403
    assert not saved().exists()


def test_after_the_window_closes_applications_are_refused_politely(client, url, programme):
    closed = timezone.localdate() - timedelta(days=1)
    ProgrammePage.objects.filter(pk=programme.pk).update(
        application_opens=closed - timedelta(days=30), application_closes=closed
    )

    text = BeautifulSoup(client.get(url).content, "html.parser").main.get_text(" ", strip=True)
    assert (
        f"Applications for Development Work Groups are closed: the last day was {closed:%-d %B %Y}"
        in text
    )
    response = client.post(url, valid_data())
    assert response.status_code == 403
    assert "We have not saved what you sent" in response.content.decode()
    hub_link = f'contact the hub at <a href="mailto:{settings.HUB_NOTIFICATIONS_EMAIL}">'
    assert hub_link in response.content.decode()
    assert not saved().exists()
    assert mail.outbox == []


def test_a_filled_honeypot_looks_like_success_but_saves_and_sends_nothing(client, url):
    response = client.post(url, valid_data(website="https://spam.example"))

    assert response.status_code == 302
    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    assert re.search(r"MH-[A-Z0-9]{4}-[A-Z0-9]{4}", confirmation.content.decode())
    assert not saved().exists()
    assert mail.outbox == []


def test_a_sixth_application_from_one_address_within_the_hour_gets_a_friendly_429(client, url):
    for n in range(5):
        response = client.post(
            url,
            valid_data(
                school=f"Not Listed School {n}",
                school_urn="",
                school_postcode=f"HX{n + 1} 1AA",
            ),
        )
        assert response.status_code == 302

    response = client.post(url, valid_data())

    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "Too many applications" in response.content.decode()
    assert f'<a href="mailto:{settings.HUB_NOTIFICATIONS_EMAIL}">' in response.content.decode()
    assert saved().count() == 5
    # Another address is not held back.
    assert client.post(url, valid_data(), REMOTE_ADDR="10.0.0.9").status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_each_school_has_its_own_rate_limit(client, url):
    def through_proxy(client_ip, forwarded_for="", **fields):
        chain = f"{forwarded_for}, {client_ip}" if forwarded_for else client_ip
        return client.post(
            url, valid_data(**fields), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=chain
        )

    for n in range(5):
        response = through_proxy(
            "203.0.113.9",
            forwarded_for=f"192.0.2.{n}",  # a header the sender writes changes nothing
            school=f"Not Listed School {n}",
            school_urn="",
            school_postcode=f"HX{n + 1} 1AA",
        )
        assert response.status_code == 302
    assert through_proxy("203.0.113.9", forwarded_for="192.0.2.99").status_code == 429
    # Another school behind the same proxy still applies.
    assert through_proxy("198.51.100.7").status_code == 302


def test_mistakes_do_not_count_towards_the_rate_limit(client, url):
    for _ in range(6):
        assert client.post(url, {}).status_code == 200
    assert client.post(url, valid_data()).status_code == 302


# The confirmation page ----------------------------------------------------------------


def test_nobody_can_open_a_confirmation_by_guessing_its_reference(client, url):
    response = client.post(url, valid_data())
    application = Application.objects.get(school__urn=990301, academic_year=YEAR)
    done = reverse("workflows:application_done", kwargs={"reference": application.reference})

    assert client.get(done).status_code == 404
    assert client.get(done + "?token=forged").status_code == 404
    # A real token for one reference does not open another.
    token = response["Location"].split("?token=")[1]
    other = reverse("workflows:application_done", kwargs={"reference": "MH-AAAA-BBBB"})
    assert client.get(f"{other}?token={token}").status_code == 404
    assert client.get(response["Location"]).status_code == 200


def test_a_school_already_in_a_development_group_cannot_apply_again(client, url):
    """Development is once per school: Brookfield (990101) is in DEV-26-LDS already."""
    response = client.post(
        url, valid_data(school="Brookfield Primary School (990101)", school_urn="990101")
    )

    assert response.status_code == 200
    message = errors_of(response)["id_school"]
    assert message == refusal()
    assert "Leeds" not in message
    assert summary_links(response)["#id_school"] == message
    assert not saved().exists()


def test_a_school_offered_a_development_place_cannot_apply_again(client, url, programme):
    school = School.objects.get(urn=990301)
    hubdata.application(school, year="2025/26", status=Application.Status.OFFERED)
    response = client.post(url, valid_data())
    assert response.status_code == 200
    assert errors_of(response) == {"id_school": refusal()}
    assert not saved().exists()


def test_a_declined_earlier_application_does_not_stop_a_new_one(client, url, programme):
    school = School.objects.get(urn=990301)
    hubdata.application(school, year="2025/26", status=Application.Status.DECLINED)
    assert client.post(url, valid_data()).status_code == 302
