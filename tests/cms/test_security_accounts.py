"""Accounts: lockout after wrong passwords, the hub lead's unlock, passwords, sessions, resets,
who may change a name or an email address, and signing out.

Sign-ins go through Wagtail's own login view (``wagtailadmin_login``), as people's
do, from addresses set with ``REMOTE_ADDR``.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from wagtail.models import ModelLogEntry

import pytest
from axes.models import AccessAttempt

from cms.security import SESSION_REFRESHED_KEY, client_ip
from cms.users.models import EMAIL_IN_USE
from workflows.accounts import roles

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase"
SCHOOL_IP, HOME_IP, ATTACKER_IP = "198.51.100.7", "192.0.2.44", "203.0.113.9"
LOGIN = reverse("wagtailadmin_login")
LOCKOUTS = "/admin/login-lockouts/"


@pytest.fixture
def teacher(django_user_model):
    user = django_user_model.objects.create_user(
        "teacher", email="teacher@school.example", password=PASSWORD, first_name="Tess"
    )
    user.groups.add(Group.objects.get(name=roles.SCHOOL_LEADERS))
    return user


def make_user(django_user_model, username, role=None, **fields):
    user = django_user_model.objects.create_user(username, password=PASSWORD, **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def sign_in(client, username, password, ip):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


def fail(client, username, ip, times):
    return [sign_in(client, username, "wrong-password", ip) for _ in range(times)]


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


# --- Lockout ---------------------------------------------------------------------------


def test_axes_backend_comes_first():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_four_wrong_passwords_show_the_login_form_and_the_fifth_locks_the_pair(client, teacher):
    for response in fail(client, "teacher", ATTACKER_IP, 4):
        assert response.status_code == 200
        assert "Your username and password didn" in response.content.decode()
    locked = fail(client, "teacher", ATTACKER_IP, 1)[0]
    assert locked.status_code == 429
    # Even the right password is refused from that address now, before it is checked.
    again = sign_in(client, "teacher", PASSWORD, ATTACKER_IP)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_says_what_happened_and_what_to_do(client, teacher):
    response = fail(client, "teacher", ATTACKER_IP, 5)[-1]
    html = response.content.decode()
    assert response.status_code == 429
    assert "<h1>Signing in is paused</h1>" in html
    assert "Too many wrong passwords for teacher." in html
    assert "After 5 failed attempts in a row" in html
    assert "for 30 minutes" in html
    assert reverse("wagtailadmin_password_reset") in html
    assert "ask them to unlock your sign-in" in html
    assert "no-cache" in response["Cache-Control"]
    # The admin's look, under the admin's policy (it is an admin path).
    assert "wagtailadmin/css/core.css" in html
    assert "'unsafe-inline'" in response["Content-Security-Policy"]


def test_a_lockout_holds_one_address_only_and_one_username_only(client, django_user_model, teacher):
    """The owner signs in from school while someone guesses from elsewhere; colleagues too."""
    colleague = make_user(django_user_model, "colleague")
    fail(client, "teacher", ATTACKER_IP, 5)
    assert signed_in(sign_in(client, "teacher", PASSWORD, SCHOOL_IP))
    client.logout()
    assert signed_in(sign_in(client, colleague.username, PASSWORD, ATTACKER_IP))


PROXY_IP = "10.0.0.1"


def via_proxy(client, username, password, client_ip, forwarded_for=""):
    """Sign in through one reverse proxy, which appends the address it saw."""
    chain = f"{forwarded_for}, {client_ip}" if forwarded_for else client_ip
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=PROXY_IP,
        HTTP_X_FORWARDED_FOR=chain,
    )


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_a_lockout_holds_the_guessers_address_not_the_proxys(client, teacher):
    for _ in range(5):
        via_proxy(client, "teacher", "wrong-password", ATTACKER_IP)
    assert via_proxy(client, "teacher", PASSWORD, ATTACKER_IP).status_code == 429
    # Writing another address into the header does not get the guesser out of it...
    forged = via_proxy(client, "teacher", PASSWORD, ATTACKER_IP, forwarded_for=SCHOOL_IP)
    assert forged.status_code == 429
    # ...and the owner, reaching the same proxy from school, is not locked out with them.
    assert signed_in(via_proxy(client, "teacher", PASSWORD, SCHOOL_IP))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER_IP}


def test_with_no_trusted_proxy_a_forwarded_header_counts_for_nothing(client, teacher):
    for n in range(5):
        via_proxy(client, "teacher", "wrong-password", f"192.0.2.{n + 1}")
    # Every attempt came from the proxy's own address, whatever the header said.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY_IP}
    assert via_proxy(client, "teacher", PASSWORD, SCHOOL_IP).status_code == 429


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "203.0.113.9", "198.51.100.7"),
        (1, "10.0.0.1", "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.1", "192.0.2.1, 203.0.113.9", "203.0.113.9"),
        (2, "10.0.0.2", "192.0.2.1, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (1, "10.0.0.1", " 2001:db8::1 ", "2001:db8::1"),
        (2, "10.0.0.2", "203.0.113.9", "10.0.0.2"),  # fewer hops than proxies
        (1, "10.0.0.1", "", "10.0.0.1"),
        (1, "10.0.0.1", "unknown", "10.0.0.1"),
    ],
)
def test_the_client_address_is_the_one_the_outermost_trusted_proxy_saw(
    rf, settings, proxies, remote, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_the_lockout_ends_after_the_cool_off(client, teacher):
    fail(client, "teacher", ATTACKER_IP, 5)
    assert sign_in(client, "teacher", PASSWORD, ATTACKER_IP).status_code == 429
    # Half an hour and a minute later (moved back in the records, not waited for):
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert signed_in(sign_in(client, "teacher", PASSWORD, ATTACKER_IP))


def test_a_right_password_starts_the_count_again(client, teacher):
    fail(client, "teacher", HOME_IP, 4)
    assert signed_in(sign_in(client, "teacher", PASSWORD, HOME_IP))
    client.logout()
    assert all(r.status_code == 200 for r in fail(client, "teacher", HOME_IP, 4))
    assert signed_in(sign_in(client, "teacher", PASSWORD, HOME_IP))


def test_forced_logins_of_the_test_suite_are_not_counted(client, teacher):
    client.force_login(teacher)
    assert client.get("/admin/").status_code == 200
    assert not AccessAttempt.objects.exists()


# --- Unlocking -------------------------------------------------------------------------


def test_a_hub_lead_sees_current_lockouts_and_unlocks_one(client, django_user_model, teacher):
    hub_lead = make_user(django_user_model, "hubby", roles.HUB_LEADS, first_name="Hana")
    fail(client, "teacher", ATTACKER_IP, 5)
    fail(client, "nobody-by-this-name", ATTACKER_IP, 5)
    fail(client, "teacher", HOME_IP, 2)  # not locked: not listed

    client.force_login(hub_lead)
    html = client.get(LOCKOUTS).content.decode()
    assert html.count("data-lockout=") == 2
    assert 'data-lockout="teacher"' in html and "Tess" in html
    assert "No user has this username" in html
    assert HOME_IP not in html

    response = client.post(
        LOCKOUTS, {"username": "teacher", "ip_address": ATTACKER_IP}, follow=True
    )
    assert "teacher can sign in again from 203.0.113.9." in response.content.decode()
    assert not AccessAttempt.objects.filter(username="teacher", ip_address=ATTACKER_IP).exists()
    # Only that pair: the other lockout and the other address's count stay.
    assert AccessAttempt.objects.filter(username="nobody-by-this-name").exists()
    assert AccessAttempt.objects.filter(username="teacher", ip_address=HOME_IP).exists()

    entry = ModelLogEntry.objects.get(action="workflows.unlock_sign_in")
    assert entry.user == hub_lead
    assert entry.label == "teacher from 203.0.113.9"
    assert entry.data == {"username": "teacher", "ip_address": ATTACKER_IP, "failures": 5}
    page = client.get(LOCKOUTS).content.decode()
    assert "teacher from 203.0.113.9" in page  # under "Recent unlocks"

    client.logout()
    assert signed_in(sign_in(client, "teacher", PASSWORD, ATTACKER_IP))


def test_unlocking_what_is_no_longer_locked_says_so(client, django_user_model):
    client.force_login(make_user(django_user_model, "hubby", roles.HUB_LEADS))
    response = client.post(
        LOCKOUTS, {"username": "teacher", "ip_address": ATTACKER_IP}, follow=True
    )
    assert "Nothing to unlock for teacher" in response.content.decode()
    assert not ModelLogEntry.objects.filter(action="workflows.unlock_sign_in").exists()


def test_superusers_may_unlock_too(client, django_user_model, teacher):
    fail(client, "teacher", ATTACKER_IP, 5)
    client.force_login(django_user_model.objects.create_superuser("root", password=PASSWORD))
    client.post(LOCKOUTS, {"username": "teacher", "ip_address": ATTACKER_IP})
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("role", [roles.SPECIALISTS, roles.SCHOOL_LEADERS, "Editors"])
def test_no_other_role_sees_or_lifts_lockouts(client, django_user_model, teacher, role):
    fail(client, "teacher", ATTACKER_IP, 5)
    client.force_login(make_user(django_user_model, "someone", role))
    for response in (
        client.get(LOCKOUTS),
        client.post(LOCKOUTS, {"username": "teacher", "ip_address": ATTACKER_IP}),
    ):
        # Wagtail's answer to PermissionDenied in the admin: back to the dashboard.
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert AccessAttempt.objects.filter(username="teacher").exists()
    assert "Sign-in lockouts" not in client.get("/admin/").content.decode()


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(LOCKOUTS)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_lockouts_page_is_in_the_hub_leads_settings_menu(client, django_user_model):
    client.force_login(make_user(django_user_model, "hubby", roles.HUB_LEADS))
    html = client.get("/admin/").content.decode()
    assert "Sign-in lockouts" in html
    assert LOCKOUTS in html


# --- Passwords, sessions, resets -------------------------------------------------------


@pytest.mark.parametrize(
    "password, problem",
    [
        ("short1!", "too short"),
        ("password1234", "too common"),
        ("4815162342108", "entirely numeric"),
        ("teacher-school", "too similar"),
    ],
)
def test_weak_passwords_are_refused(teacher, password, problem):
    with pytest.raises(ValidationError) as refused:
        password_validation.validate_password(password, user=teacher)
    assert any(problem in message for message in refused.value.messages)


def test_a_long_unusual_password_is_accepted(teacher):
    password_validation.validate_password("fractions-on-a-number-line-42", user=teacher)


def age_session(client, refreshed_seconds_ago, expires_in):
    """Pretend the session was last refreshed a while ago and expires soon."""
    session = client.session
    session[SESSION_REFRESHED_KEY] = int(time.time()) - refreshed_seconds_ago
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    return session.session_key


def test_activity_moves_the_session_expiry_a_working_day_on(client, teacher):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    client.force_login(teacher)
    key = age_session(client, refreshed_seconds_ago=301, expires_in=timedelta(minutes=1))
    assert client.get("/admin/").status_code == 200
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > timezone.now() + timedelta(hours=7, minutes=59)


def test_a_session_refreshed_minutes_ago_is_not_written_again(client, teacher):
    """One write per five minutes of use, not one per page."""
    client.force_login(teacher)
    key = age_session(client, refreshed_seconds_ago=60, expires_in=timedelta(hours=2))
    before = Session.objects.get(session_key=key).expire_date
    assert client.get("/admin/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date == before


def test_a_fresh_sign_in_starts_a_full_window(client, teacher):
    assert signed_in(sign_in(client, "teacher", PASSWORD, SCHOOL_IP))
    session = Session.objects.get(session_key=client.session.session_key)
    assert abs(int(time.time()) - session.get_decoded()[SESSION_REFRESHED_KEY]) < 60
    assert session.expire_date > timezone.now() + timedelta(hours=7, minutes=59)


def test_a_session_idle_past_its_expiry_is_signed_out(client, teacher):
    client.force_login(teacher)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_staff_reset_their_password_by_email(client, teacher):
    assert settings.WAGTAIL_PASSWORD_RESET_ENABLED
    response = client.post(
        reverse("wagtailadmin_password_reset"), {"email": "TEACHER@school.example"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["teacher@school.example"]
    link = next(word for word in message.body.split() if "/admin/password_reset/confirm/" in word)
    path = link.split("testserver", 1)[1]
    form_url = client.get(path)["Location"]  # Django swaps the token for a session marker
    new_password = "counting-in-fives-and-tens"
    done = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert done["Location"] == reverse("wagtailadmin_password_reset_complete")
    assert signed_in(sign_in(client, "teacher", new_password, SCHOOL_IP))


def test_a_reset_for_an_unknown_address_reveals_nothing(client, teacher):
    known = client.post(reverse("wagtailadmin_password_reset"), {"email": "teacher@school.example"})
    mail.outbox.clear()
    unknown = client.post(reverse("wagtailadmin_password_reset"), {"email": "who@else.example"})
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert mail.outbox == []


# --- Names and email addresses ---------------------------------------------------------

ACCOUNT = reverse("wagtailadmin_account")
ASK_THE_HUB_LEAD = "Only the hub lead can change your name or email address"


def account_form(first_name, last_name, email, theme="dark"):
    """What the account page posts: the name and email panel and the theme panel."""
    return {
        "name_email-first_name": first_name,
        "name_email-last_name": last_name,
        "name_email-email": email,
        "theme-theme": theme,
        "theme-contrast": "system",
        "theme-density": "default",
    }


def test_the_groups_that_keep_their_names_editable_are_the_hub_leads():
    """The setting names the group by its name only (cms does not import workflows)."""
    assert settings.OWN_NAME_AND_EMAIL_GROUPS == [roles.HUB_LEADS]


@pytest.mark.parametrize("role", [roles.SCHOOL_LEADERS, roles.SPECIALISTS, "Editors"])
def test_other_roles_see_their_name_and_email_but_cannot_change_them(
    client, django_user_model, role
):
    make_user(django_user_model, "hubby", roles.HUB_LEADS, email="hana.lead@mathshub.example")
    user = make_user(
        django_user_model,
        "someone",
        role,
        first_name="Tess",
        last_name="Teacher",
        email="tess@school.example",
    )
    client.force_login(user)
    html = client.get(ACCOUNT).content.decode()
    assert ASK_THE_HUB_LEAD in html
    assert "Tess" in html and "Teacher" in html and "tess@school.example" in html
    for field in ("first_name", "last_name", "email"):
        assert f'name="name_email-{field}"' not in html

    # Posting the fields anyway changes nothing, while the rest of the page still saves.
    response = client.post(ACCOUNT, account_form("Hana", "Lead", "HANA.LEAD@mathshub.example"))
    assert (response.status_code, response["Location"]) == (302, ACCOUNT)
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email) == (
        "Tess",
        "Teacher",
        "tess@school.example",
    )
    assert user.wagtail_userprofile.theme == "dark"


def test_a_user_without_a_last_name_can_still_save_their_other_settings(client, teacher):
    """Nothing about the name is required of someone who cannot change it."""
    client.force_login(teacher)
    response = client.post(ACCOUNT, account_form("", "", ""))
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert (teacher.first_name, teacher.last_name) == ("Tess", "")
    assert teacher.wagtail_userprofile.theme == "dark"


@pytest.mark.parametrize("role", [roles.HUB_LEADS, "superuser"])
def test_the_hub_lead_and_superusers_change_their_own_name_and_email(
    client, django_user_model, role
):
    if role == "superuser":
        user = django_user_model.objects.create_superuser("root", password=PASSWORD)
    else:
        user = make_user(django_user_model, "hubby", role, email="hana@mathshub.example")
    client.force_login(user)
    assert ASK_THE_HUB_LEAD not in client.get(ACCOUNT).content.decode()
    response = client.post(ACCOUNT, account_form("Hana", "Lead", "Hana.Lead@mathshub.example"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email) == (
        "Hana",
        "Lead",
        "Hana.Lead@mathshub.example",
    )


def test_even_the_hub_lead_cannot_take_an_address_another_account_holds(
    client, django_user_model, teacher
):
    hub_lead = make_user(django_user_model, "hubby", roles.HUB_LEADS, email="hana@hub.example")
    client.force_login(hub_lead)
    response = client.post(ACCOUNT, account_form("Hana", "Lead", "Teacher@School.EXAMPLE"))
    assert response.status_code == 200
    tabs = response.context["panels_by_tab"]
    errors = [panel.get_form().errors for panels in tabs.values() for panel in panels]
    assert {"email": [EMAIL_IN_USE]} in errors
    html = response.content.decode()
    assert EMAIL_IN_USE.split(":")[0] in html
    assert 'value="Teacher@School.EXAMPLE"' in html  # what was typed stays in the box
    hub_lead.refresh_from_db()
    assert (hub_lead.first_name, hub_lead.email) == ("", "hana@hub.example")


def test_an_address_may_keep_its_owner_with_other_capitals(client, django_user_model):
    hub_lead = make_user(django_user_model, "hubby", roles.HUB_LEADS, email="hana@hub.example")
    client.force_login(hub_lead)
    assert client.post(ACCOUNT, account_form("Hana", "Lead", "HANA@hub.example")).status_code == 302
    hub_lead.refresh_from_db()
    assert hub_lead.email == "HANA@hub.example"


def user_form(username, email, **extra):
    return {
        "username": username,
        "email": email,
        "first_name": "New",
        "last_name": "Person",
        "password1": "counting-in-fives-and-tens",
        "password2": "counting-in-fives-and-tens",
        **extra,
    }


def test_wagtails_add_user_screen_refuses_an_address_in_use(client, django_user_model, teacher):
    client.force_login(django_user_model.objects.create_superuser("root", password=PASSWORD))
    add = reverse("wagtailusers_users:add")
    response = client.post(add, user_form("newcomer", "TEACHER@school.example"))
    assert response.status_code == 200
    assert response.context["form"].errors == {"email": [EMAIL_IN_USE]}
    assert 'value="TEACHER@school.example"' in response.content.decode()
    assert not django_user_model.objects.filter(username="newcomer").exists()
    # The same form with an address of the newcomer's own goes through.
    assert client.post(add, user_form("newcomer", "new@school.example")).status_code == 302
    assert django_user_model.objects.get(username="newcomer").email == "new@school.example"


def test_wagtails_edit_user_screen_refuses_an_address_in_use(client, django_user_model, teacher):
    client.force_login(django_user_model.objects.create_superuser("root", password=PASSWORD))
    other = make_user(django_user_model, "other", email="other@school.example")
    edit = reverse("wagtailusers_users:edit", args=[other.pk])
    data = user_form("other", "Teacher@school.example", password1="", password2="", is_active="on")
    response = client.post(edit, data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"email": [EMAIL_IN_USE]}
    other.refresh_from_db()
    assert other.email == "other@school.example"
    data["email"] = "other.person@school.example"
    assert client.post(edit, data).status_code == 302
    other.refresh_from_db()
    assert other.email == "other.person@school.example"


# --- Signing out -----------------------------------------------------------------------

LOGOUT = reverse("wagtailadmin_logout")


def still_signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_the_admin_logout_is_the_only_logout_address():
    """Any other sign-out URL added later must be looked at (and added here)."""

    def routes(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from routes(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry.name or ""

    found = {
        route
        for route, name in routes(get_resolver().url_patterns)
        if "logout" in route.lower() or "logout" in name.lower()
    }
    assert found == {"admin/logout/"}


def test_a_get_of_the_logout_address_neither_signs_out_nor_drops_the_cookie(client, teacher):
    client.force_login(teacher)
    session_key = client.session.session_key
    response = client.get(LOGOUT)
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    html = response.content.decode()
    assert f'<form method="post" action="{LOGOUT}">' in html
    assert "csrfmiddlewaretoken" in html
    assert "successfully logged out" not in html
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == session_key
    assert still_signed_in(client)
    assert client.session.session_key == session_key


def test_signing_out_needs_a_post_with_the_csrf_token(teacher):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(teacher)
    assert browser.post(LOGOUT).status_code == 403
    assert browser.post(LOGOUT, {"csrfmiddlewaretoken": "made-up"}).status_code == 403
    assert still_signed_in(browser)

    page = browser.get(LOGOUT).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = browser.post(LOGOUT, {"csrfmiddlewaretoken": token})
    assert (response.status_code, response["Location"]) == (302, LOGIN)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 0
    assert not still_signed_in(browser)
    assert "_auth_user_id" not in browser.session
