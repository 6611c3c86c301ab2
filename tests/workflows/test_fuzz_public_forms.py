"""Property tests of what anonymous visitors can post or type: the application form,
the Work Group finder, the site search, the school type-ahead and the admin login.

Whatever arrives (any unicode, control characters, NULs, huge fields, bodies in
the wrong encoding, unknown fields), the answer is never a server error, and a
legitimate application or sign-in sent right after still succeeds. Each example
runs in a rolled-back savepoint with an empty cache, so the rate limit and the
sign-in lockout start afresh (their own tests prove them).
"""

from django.test import Client
from django.urls import reverse

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.dbutils import clear_caches
from tests.fuzzing import FUZZ, nasty_text, rolled_back
from tests.workflows import hubdata
from tests.workflows.formdata import APPLICATION
from tests.workflows.test_application_form import errors_of, refusal
from workflows.models import Application

pytestmark = pytest.mark.django_db

YEAR = "2027/28"
LEGIT = APPLICATION
# The fuzzed posts start from another school, so one of them being accepted cannot
# make the legitimate application a duplicate.
OTHER = {**LEGIT, "school": "Calder Vale Primary (990302)", "school_urn": "990302"}
FIELDS = sorted(LEGIT)


@pytest.fixture
def programme(demo):
    """Development Work Groups, open for applications for 2027/28."""
    return hubdata.open_for_applications(year=YEAR)


form_posts = st.one_of(
    # Every field (and some unknown ones) anything at all.
    st.dictionaries(st.sampled_from([*FIELDS, "csrfmiddlewaretoken", "x" * 300]), nasty_text),
    # A plausible application with a few fields replaced: reaches the deeper checks.
    st.dictionaries(st.sampled_from(FIELDS), nasty_text, min_size=1, max_size=4).map(
        lambda changes: {**OTHER, **changes}
    ),
)
raw_bodies = st.tuples(
    st.one_of(
        st.binary(max_size=2000),
        st.sampled_from(["utf-16", "latin-1", "cp1252", "utf-8"]).flatmap(
            lambda encoding: st.dictionaries(st.sampled_from(FIELDS), nasty_text, max_size=6).map(
                lambda fields: "&".join(f"{k}={v}" for k, v in fields.items()).encode(
                    encoding, errors="replace"
                )
            )
        ),
    ),
    st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=latin-1",
            "application/x-www-form-urlencoded; charset=utf-16",
            "application/x-www-form-urlencoded; charset=no-such-codec",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "text/plain",
        ]
    ),
)


def legit_application_succeeds(client, url) -> None:
    response = client.post(url, LEGIT)
    assert response.status_code == 302, response.status_code
    assert Application.objects.filter(school__urn=990301, academic_year=YEAR).exists()


@FUZZ
@given(posts=st.lists(form_posts | raw_bodies, min_size=1, max_size=3))
# Server errors these found once, kept as fixed examples: a "URN" of 5,000 digits
# (beyond int()'s limit) and superscript digits, which str.isdigit() accepts.
@example(posts=[{**OTHER, "school_urn": "0" * 5000}])
@example(posts=[{**OTHER, "school_urn": "\u00b2\u00b3\u00b2\u00b3\u00b2\u00b3"}])
def test_the_application_form_never_fails_and_still_takes_a_good_application(programme, posts):
    url = reverse("workflows:apply", kwargs={"programme_id": programme.pk})
    with rolled_back():
        clear_caches()
        client = Client()
        for post in posts:
            if isinstance(post, dict):
                response = client.post(url, post)
                assert response.status_code in (200, 302), response.status_code
            else:
                # Bytes as sent, whatever the declared type and charset. Django answers
                # 400 for a body it cannot parse (a non-UTF-8 charset on a urlencoded
                # body, a multipart body without its boundary); never a server error.
                body, content_type = post
                response = client.generic("POST", url, body, content_type=content_type)
                assert response.status_code in (200, 302, 400), response.status_code
        legit_application_succeeds(client, url)


# Everything but the school: the twins below must stay the same school but for history.
NOT_SCHOOL = [name for name in FIELDS if name not in ("school", "school_urn")]


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(NOT_SCHOOL), nasty_text, max_size=4))
@example(changes={})  # the whole application: saved for one twin, refused for the other
def test_what_the_form_says_never_depends_on_the_school_s_history(programme, changes):
    """Twin schools, one that already applied: any post says the same for both.

    Only an application the fresh twin could have saved (a redirect and a new
    application) may differ, and then the other twin gets exactly the refusal.
    """
    url = reverse("workflows:apply", kwargs={"programme_id": programme.pk})
    with rolled_back():
        clear_caches()
        fresh, known = (hubdata.school("Holme Valley Primary") for _ in range(2))
        hubdata.application(known, year=YEAR)
        answers = [
            Client().post(
                url, {**LEGIT, "school": school.name, "school_urn": school.urn, **changes}
            )
            for school in (fresh, known)
        ]
        fresh_answer, known_answer = ((a.status_code, errors_of(a)) for a in answers)
        if Application.objects.filter(school=fresh).exists():
            assert known_answer == (200, {"id_school": refusal()})
        else:
            assert known_answer == fresh_answer


def test_a_body_over_the_upload_limit_is_a_bad_request_not_a_server_error(programme, settings):
    url = reverse("workflows:apply", kwargs={"programme_id": programme.pk})
    response = Client().post(
        url, {**OTHER, "reason": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    )
    assert response.status_code == 400
    legit_application_succeeds(Client(), url)


@FUZZ
@given(
    target=st.sampled_from(["finder", "search", "school_search", "login"]),
    values=st.lists(nasty_text, min_size=2, max_size=2),
)
@example(target="search", values=["\x00", ""])  # a NUL reached the search SQL
@example(target="search", values=['"', ""])  # wagtail/wagtail#13227 on SQLite
@example(target="school_search", values=["\u00b2\u00b3", ""])  # isdigit() but not int()
def test_search_finder_and_login_never_fail(programme, target, values):
    first, second = values
    with rolled_back():
        clear_caches()
        client = Client()
        if target == "finder":
            url = reverse("workflows:work_group_finder", kwargs={"programme_id": programme.pk})
            response = client.get(url, {"year": first, second[:50]: second})
            assert response.status_code == 200
        elif target == "search":
            response = client.get("/search/", {"q": first, "page": second})
            assert response.status_code == 200
        elif target == "school_search":
            response = client.get(reverse("workflows:school_search"), {"q": first})
            assert response.status_code == 200
            assert isinstance(response.json()["results"], list)
        else:
            login = reverse("wagtailadmin_login")
            response = client.post(login, {"username": first, "password": second})
            assert response.status_code in (200, 429)
            response = client.post(
                login, {"username": "hublead", "password": "mathshub-demo", "next": "/admin/"}
            )
            assert response.status_code == 302 and response["Location"] == "/admin/"
