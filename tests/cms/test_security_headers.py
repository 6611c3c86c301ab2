"""Security headers: the strict public CSP, the admin's own, and the rest of the set.

The Content-Security-Policy header is parsed into directives and compared whole,
so a directive added, dropped or loosened fails a test.
"""

import re

from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

import pytest

from cms.pagecache import HIT_HEADER
from programmes.models import ProgrammePage
from programmes.video import parse_video_url
from tests.cms.test_settings import PRODUCTION_ENV, run_manage
from workflows.applications.public_views import application_window

VIDEO_HOSTS = "https://www.youtube-nocookie.com https://player.vimeo.com"
PUBLIC_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-src": VIDEO_HOSTS,
    "frame-ancestors": "'none'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
ADMIN_POLICY = {
    "default-src": "'self'",
    "script-src": "'self' 'unsafe-inline'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "frame-src": f"'self' {VIDEO_HOSTS}",
    "worker-src": "'self' blob:",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
PLAYERS = '"https://www.youtube-nocookie.com" "https://player.vimeo.com"'
PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        f"autoplay=(self {PLAYERS})",
        "browsing-topics=()",
        "camera=()",
        "display-capture=()",
        f"encrypted-media=(self {PLAYERS})",
        f"fullscreen=(self {PLAYERS})",
        "geolocation=()",
        "gyroscope=()",
        "hid=()",
        "magnetometer=()",
        "microphone=()",
        "midi=()",
        "payment=()",
        f"picture-in-picture=(self {PLAYERS})",
        "publickey-credentials-get=()",
        "screen-wake-lock=()",
        "serial=()",
        "usb=()",
        "xr-spatial-tracking=()",
    ]
)


def policy(response) -> dict[str, str]:
    """Parse a Content-Security-Policy header into ``{directive: sources}``."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, _, sources = part.strip().partition(" ")
        assert name not in directives, f"{name} given twice"
        directives[name] = sources.strip()
    return directives


def assert_public_headers(response):
    assert policy(response) == PUBLIC_POLICY
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def open_programme():
    """A demo programme whose application window is open (its form is shown)."""
    for programme in ProgrammePage.objects.live().order_by("path"):
        if application_window(programme).is_open:
            return programme
    pytest.fail("the demo has no programme open for applications")


@pytest.mark.parametrize("path", ["/", "/primary-mastery/", "/search/?q=fluency", "/no-such-page/"])
def test_public_pages_send_the_strict_policy_and_the_other_headers(client, demo, path):
    response = client.get(path)
    assert response.status_code == (404 if "no-such" in path else 200)
    assert_public_headers(response)


def test_the_application_form_sends_the_strict_policy_with_and_without_errors(client, demo):
    url = f"/apply/{open_programme().pk}/"
    shown = client.get(url)
    assert shown.status_code == 200 and "<form" in shown.content.decode()
    assert_public_headers(shown)
    with_errors = client.post(url, {})
    assert with_errors.status_code == 200
    assert "There is a problem" in with_errors.content.decode()
    assert_public_headers(with_errors)


def test_a_page_served_from_the_page_cache_carries_the_same_headers(client, demo):
    cache.clear()
    with override_settings(PAGE_CACHE_SECONDS=300):
        first = client.get("/primary-mastery/")
        second = client.get("/primary-mastery/")
    cache.clear()
    assert (first[HIT_HEADER], second[HIT_HEADER]) == ("miss", "hit")
    assert_public_headers(second)


def test_frame_src_allows_exactly_the_players_programmes_build(demo):
    """programmes.video builds the embed URLs; the policy must frame those and no more."""
    origins = set()
    for address in ("https://vimeo.com/123456789", "https://www.youtube.com/watch?v=abcdefghijk"):
        embed = parse_video_url(address).embed_url
        origins.add(re.match(r"^https://[^/]+", embed).group(0))
    assert origins == set(settings.VIDEO_FRAME_ORIGINS)
    assert set(PUBLIC_POLICY["frame-src"].split()) == origins
    js = (settings.BASE_DIR / "programmes/static/programmes/js/testimonial.js").read_text()
    for origin in origins:  # the facade script checks the same hosts before framing
        assert origin.removeprefix("https://").replace(".", "\\.") in js


def test_the_admin_gets_its_own_policy(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert policy(response) == ADMIN_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_the_admin_login_gets_the_admin_policy(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert policy(response) == ADMIN_POLICY


def test_the_preview_views_may_be_framed_by_the_admin_itself_and_nobody_else(admin_client, demo):
    """Wagtail's live preview shows the page in an iframe of the editor."""
    home = ProgrammePage.objects.live().first().get_parent().get_parent()
    response = admin_client.get(f"/admin/pages/{home.pk}/edit/preview/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert policy(response) == {**ADMIN_POLICY, "frame-ancestors": "'self'"}


def test_a_rendered_preview_gets_the_admin_policy_not_the_public_one(admin_client, demo):
    """Wagtail renders previews with a made-up request for the page's public URL."""
    programme = ProgrammePage.objects.get(slug="embedding")
    response = admin_client.get(f"/admin/pages/{programme.pk}/view_draft/")
    assert response.status_code == 200
    assert f"<h1>{programme.title}</h1>" in response.content.decode()
    assert policy(response) == {**ADMIN_POLICY, "frame-ancestors": "'self'"}


PRODUCTION_CHECK = (
    "from django.conf import settings; from django.test import Client; "
    "r = Client().get('/healthz', secure=True); "
    "print(r.status_code); "
    "[print(name + ': ' + r.get(name, '-')) for name in ("
    "'Strict-Transport-Security', 'X-Content-Type-Options', 'X-Frame-Options', "
    "'Referrer-Policy', 'Cross-Origin-Opener-Policy')]; "
    "print('Permissions-Policy: ' + ('camera=()' in r['Permissions-Policy'] and 'set' or '-')); "
    "print('img-src: ' + ' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])); "
    "print('admin img-src: ' + ' '.join(settings.ADMIN_CONTENT_SECURITY_POLICY['img-src'])); "
    "print('serve: ' + settings.WAGTAILDOCS_SERVE_METHOD)"
)


def test_production_sends_hsts_and_the_other_headers_over_https():
    env = {**PRODUCTION_ENV, "ALLOWED_HOSTS": "testserver"}
    result = run_manage("shell", "--no-imports", "-c", PRODUCTION_CHECK, env_overrides=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "200",
        "Strict-Transport-Security: max-age=31536000; includeSubDomains; preload",
        "X-Content-Type-Options: nosniff",
        "X-Frame-Options: DENY",
        "Referrer-Policy: strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy: same-origin",
        "Permissions-Policy: set",
        "img-src: 'self'",
        "admin img-src: 'self' data: blob:",
        "serve: serve_view",
    ]


@pytest.mark.parametrize(
    "storage_env, origin",
    [
        ({"AWS_S3_CUSTOM_DOMAIN": "media.mathshub.example"}, "https://media.mathshub.example"),
        (
            {"AWS_S3_ENDPOINT_URL": "https://objects.example.net:9000/"},
            "https://objects.example.net:9000",
        ),
        (
            {"AWS_S3_REGION_NAME": "eu-west-2"},
            "https://mathshub-media.s3.amazonaws.com https://mathshub-media.s3.eu-west-2.amazonaws.com",
        ),
    ],
)
def test_production_lets_images_load_from_object_storage(storage_env, origin):
    env = {
        **PRODUCTION_ENV,
        "ALLOWED_HOSTS": "testserver",
        "AWS_STORAGE_BUCKET_NAME": "mathshub-media",
        **storage_env,
    }
    result = run_manage("shell", "--no-imports", "-c", PRODUCTION_CHECK, env_overrides=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"img-src: 'self' {origin}" in lines
    assert f"admin img-src: 'self' data: blob: {origin}" in lines
