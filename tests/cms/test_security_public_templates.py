"""No public page of the demo carries inline script or style, so the strict CSP breaks nothing.

Every live page of the demo and every public view of ours (the application form,
with and without errors, the closed form, the rate-limit page, the confirmation,
the Work Group finder, search, the 404 page) is rendered and parsed: no
``<script>`` without ``src``, no ``<style>``, no ``style=`` or ``on*=`` attribute,
no ``javascript:`` URL, and every script and stylesheet comes from our own
``/static/``. The browser would refuse any of them under ``script-src 'self';
style-src 'self'``; this test finds them before a visitor does.
"""

from html.parser import HTMLParser

from django.core.cache import cache

from wagtail.models import Page

import pytest

from programmes.models import ProgrammePage
from workflows.applications import public_views as public
from workflows.applications.public_views import application_window, done_url


class InlineCodeFinder(HTMLParser):
    """Collect every piece of markup a strict CSP would block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name == "style":
                self.problems.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.problems.append(f'<{tag} {name}="{value}">')
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f'<{tag} {name}="{value}">')
        if tag == "style":
            self.problems.append("<style>")
        if tag == "script":
            self.scripts += 1
            src = attrs.get("src")
            if not src:
                self.problems.append(f"inline <script {attrs}>")
            elif not src.startswith("/static/"):
                self.problems.append(f"<script src={src}> not from /static/")
        stylesheet = tag == "link" and "stylesheet" in (attrs.get("rel") or "")
        if stylesheet and not (attrs.get("href") or "").startswith("/static/"):
            self.problems.append(f"<link stylesheet {attrs.get('href')}> not from /static/")


def inline_code(html: str) -> InlineCodeFinder:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder


def public_urls() -> list[tuple[str, str, dict | None, int]]:
    """(label, url, POST data or None, expected status) for every public page of the demo."""
    urls = [
        (page.title, page.url, None, 200)
        for page in Page.objects.live().public().filter(depth__gt=1).specific().order_by("path")
    ]
    programmes = list(ProgrammePage.objects.live().order_by("path"))
    for programme in programmes:
        apply_url = f"/apply/{programme.pk}/"
        urls.append((f"apply {programme.slug}", apply_url, None, 200))
        if application_window(programme).is_open:
            urls.append((f"apply {programme.slug} with errors", apply_url, {}, 200))
            urls.append(
                (
                    "confirmation",
                    done_url("MH-TEST-0001", programme.pk),
                    None,
                    200,
                )
            )
        urls.append(
            (f"finder {programme.slug}", f"/programmes/{programme.pk}/work-groups/", None, 200)
        )
    urls += [
        ("search results", "/search/?q=fluency", None, 200),
        ("school search", "/schools/search/?q=brook", None, 200),
        ("not found", "/no-such-page/", None, 404),
    ]
    return urls


def test_no_public_page_of_the_demo_has_inline_script_or_style(client, demo):
    checked, problems, forms_with_errors = 0, [], 0
    for label, url, data, status in public_urls():
        response = client.get(url) if data is None else client.post(url, data)
        assert response.status_code == status, f"{label} {url}: {response.status_code}"
        if not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        found = inline_code(html)
        problems += [f"{label} ({url}): {problem}" for problem in found.problems]
        checked += 1
        if data is not None and "There is a problem" in html:
            forms_with_errors += 1
    print(f"\n{checked} public pages parsed, {forms_with_errors} forms with errors")
    assert not problems, "\n".join(problems)
    # Pages, programme pages, forms, finders: a walk that found nothing to check proves nothing.
    assert checked >= 20
    assert forms_with_errors >= 1


TEMPLATE_SYNTAX = ("{#", "#}", "{%", "%}", "{{", "}}")


class VisibleText(HTMLParser):
    """The text a visitor reads (not scripts' or styles' contents)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in {"script", "style"}

    def handle_endtag(self, tag):
        self._skip -= tag in {"script", "style"} and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def template_syntax_shown(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(parser.parts)
    return [mark for mark in TEMPLATE_SYNTAX if mark in text]


def test_no_public_page_shows_template_syntax(client, demo):
    shown = []
    for label, url, data, _status in public_urls():
        response = client.get(url) if data is None else client.post(url, data)
        html = response["Content-Type"].startswith("text/html")
        if html and (marks := template_syntax_shown(response.content.decode())):
            shown.append(f"{label} ({url}): {marks}")
    assert not shown, "\n".join(shown)
    # The check can fail: a two-line {# #} comment prints, and is caught.
    assert template_syntax_shown("<p>{# a comment\n over two lines #}</p>") == ["{#", "#}"]


def test_the_rate_limit_page_has_no_inline_code_either(client, demo, monkeypatch):
    programme = next(p for p in ProgrammePage.objects.live() if application_window(p).is_open)
    monkeypatch.setattr(public, "_over_rate_limit", lambda request: True)
    response = client.post(f"/apply/{programme.pk}/", {})
    cache.clear()
    assert response.status_code == 429
    assert inline_code(response.content.decode()).problems == []


@pytest.mark.parametrize(
    "html, problem",
    [
        ("<script>alert(1)</script>", "inline <script"),
        ('<p style="color: red">x</p>', "style="),
        ("<style>p { color: red }</style>", "<style>"),
        ('<button onclick="go()">x</button>', "onclick="),
        ('<a href="javascript:go()">x</a>', "javascript:"),
        ('<script src="https://cdn.example/x.js"></script>', "not from /static/"),
        ('<link rel="stylesheet" href="https://cdn.example/x.css">', "not from /static/"),
    ],
)
def test_the_finder_catches_each_kind_of_inline_code(html, problem):
    """The check above can fail: each kind of offending markup is reported."""
    problems = inline_code(html).problems
    assert len(problems) == 1 and problem in problems[0]


def test_the_finder_passes_our_own_static_files():
    html = '<link rel="stylesheet" href="/static/css/site.css"><script src="/static/x.js" defer></script>'
    assert inline_code(html).problems == []
