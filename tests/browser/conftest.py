"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright.

Never ``playwright install``: the browser comes from Debian, so the tests run
with no network. axe-core comes from the npm package in ``node_modules``.
"""

from pathlib import Path

from django.db import connections

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Flags that keep Chromium from reaching for the (absent) network at start-up.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    # live_server tests flush the database afterwards; serialized rollback restores
    # what data migrations created (Wagtail's root page, the role groups) for the next.
    # The marks go on the module, so the demo fixture sees a transactional module and
    # loads the demo per test instead of sharing one snapshot (tests/conftest.py).
    for module in {item.getparent(pytest.Module) for item in items}:
        if Path(str(module.path)).parent == Path(__file__).parent:
            module.add_marker(pytest.mark.browser)
            module.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.fixture
def page(monkeypatch):
    """A fresh Chromium page for one test.

    Playwright's sync API runs an event loop beside the test, and while it runs,
    Django sees a separate set of database connections; starting Playwright per test
    (not per session) lets the test's own connection, with the serialized rollback
    data, come back for the database teardown.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
            # Connections opened while Playwright ran belong to its context: close them
            # so PostgreSQL can drop the test database at the end.
            connections.close_all()


@pytest.fixture
def axe_violations():
    """Return a function that runs axe-core on a page against WCAG 2.2 A and AA.

    :returns: a list of ``"rule-id: help (n nodes)"`` strings, empty when clean.
    """
    source = AXE_JS.read_text(encoding="utf-8")

    def run(page):
        # Evaluated through the DevTools protocol, not as an inline <script>: the site's
        # Content Security Policy (script-src 'self') rightly refuses inline scripts.
        page.evaluate(f"() => {{ {source}\n; return typeof axe; }}")
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
        )
        return [
            f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes: "
            f"{', '.join(node['target'][0] for node in violation['nodes'][:3])})"
            for violation in result["violations"]
        ]

    return run


@pytest.fixture
def login(page, live_server):
    """Return a function that signs a demo user into the Wagtail admin."""

    def sign_in(username, password="mathshub-demo"):
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")

    return sign_in
