"""Chromium enforces our Content Security Policies and nothing we ship trips them.

Every page records the browser's ``securitypolicyviolation`` events (an init
script, run by the browser before the page's own code and outside its policy).
The public site, its video facade, the admin login, the page editor with its live
preview and the lockouts page must raise none; an inline script slipped into a
public page must raise one, which proves the listener and the policy both work.
"""

import re

from programmes.models import ProgrammePage

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""
PROVIDERS = re.compile(r"^https?://([^/]*\.)?(vimeo\.com|youtube-nocookie\.com)/")


def violations(page) -> list[str]:
    found = list(page.evaluate("window.__cspViolations || []"))
    for frame in page.frames[1:]:
        try:
            found += frame.evaluate("window.__cspViolations || []")
        except Exception:  # noqa: S112  (a third-party or closing frame)
            continue
    return found


def test_public_pages_and_the_video_player_raise_no_violation(page, live_server, demo):
    page.add_init_script(RECORD_VIOLATIONS)
    page.route(
        PROVIDERS,
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>player</title>"
        ),
    )
    seen = []
    for path in ["/", "/primary-mastery/", "/search/?q=fluency", "/no-such-page/"]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        seen += violations(page)
    programme = ProgrammePage.objects.get(slug="embedding")
    page.goto(live_server.url + programme.url)
    page.get_by_role("button", name=re.compile(r"^Play video: ")).click()
    page.locator("iframe.testimonial__iframe").wait_for()
    page.wait_for_load_state("networkidle")
    seen += violations(page)
    assert seen == []


def test_an_inline_script_on_a_public_page_is_blocked(page, live_server, demo):
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(live_server.url + "/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__ran = true";
          document.body.appendChild(script);
          const frame = document.createElement("iframe");
          frame.src = "https://elsewhere.example/";
          document.body.appendChild(frame);
        }"""
    )
    page.wait_for_timeout(200)  # the violation events are dispatched asynchronously
    assert page.evaluate("window.__ran === undefined")
    seen = violations(page)
    assert any(v.startswith("script-src-elem inline") for v in seen), seen
    assert any(v.startswith("frame-src https://elsewhere.example") for v in seen), seen


def test_the_admin_login_editor_and_live_preview_raise_no_violation(page, live_server, demo, login):
    page.add_init_script(RECORD_VIOLATIONS)
    page.route(PROVIDERS, lambda route: route.abort())
    login("editor")
    seen = violations(page)
    programme = ProgrammePage.objects.get(slug="development-work-groups")
    page.goto(f"{live_server.url}/admin/pages/{programme.pk}/edit/")
    page.get_by_role("button", name=re.compile("preview", re.IGNORECASE)).first.click()
    preview = page.frame_locator("iframe[id='w-preview-iframe'], .preview-panel iframe").first
    # The page renders inside the editor's iframe: frame-ancestors 'self' lets it.
    preview.locator("h1").wait_for(state="attached")
    assert preview.locator("h1").text_content().strip() == programme.title
    page.wait_for_load_state("networkidle")
    seen += violations(page)
    assert seen == []


def test_the_lockouts_page_raises_no_violation(page, live_server, demo, login):
    page.add_init_script(RECORD_VIOLATIONS)
    login("hublead")
    page.goto(f"{live_server.url}/admin/login-lockouts/")
    assert page.get_by_role("heading", name="Locked out now").is_visible()
    page.wait_for_load_state("networkidle")
    assert violations(page) == []
