"""Bursts at the admin sign-in and the application form, on loopback, against the
real stack: the sign-in lockout and the form's rate limit hold, while a legitimate
sign-in and a legitimate application from another address still succeed.

    .venv/bin/python bench/security_burst.py
    .venv/bin/python bench/security_burst.py --burst 60 --concurrency 8

It builds a throwaway copy of the demo (SQLite in a temporary folder), opens the
Development Work Groups application window, and serves the site as ``bench/run.py``
does: gunicorn, 2 sync workers, ``cms.settings.production`` with ``DEBUG`` off,
no ``REDIS_URL`` (each worker's cache is its own local memory). Then, with
several requests in flight at once:

* an attacker at 127.0.0.1 sends wrong passwords for one account, then the right
  one; and wrong passwords spread over several accounts, fewer than the limit each;
* the same address sends a burst of bot applications (honeypot filled: each gets
  the fake "thank you" and counts towards the per-address limit, as a real bot's
  would; nothing is saved);
* a hub lead signs in, and a school applies, from 127.0.0.2 (the loopback network
  is a /8, so the client binds a second source address: another REMOTE_ADDR).

Every request carries the CSRF cookie and token a browser would. The script prints a
table of figures and exits non-zero if a guarantee did not hold. Not part of
``make test``: it starts a server and takes about a minute.
"""

import argparse
import http.client
import os
import re
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]
import run as pages_bench  # noqa: E402 - bench/run.py: the same server set-up

from tests.workflows.formdata import APPLICATION  # noqa: E402 - the suite's valid application

ROOT = pages_bench.ROOT
ATTACKER, SCHOOL = "127.0.0.1", "127.0.0.2"
PASSWORD = "mathshub-demo"  # noqa: S105 - the demo users' published password (README)
YEAR = "2027/28"
WORKERS = 2  # as bench/run.py serves
FAILURE_LIMIT = 5  # AXES_FAILURE_LIMIT
RATE_LIMIT = 5  # workflows.applications.public_views.RATE_LIMIT
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

OPEN_WINDOW = f"""
from datetime import timedelta
from django.utils import timezone
from programmes.models import ProgrammePage
today = timezone.localdate()
ProgrammePage.objects.filter(slug="development-work-groups").update(
    application_opens=today - timedelta(days=10),
    application_closes=today + timedelta(days=30),
    academic_year="{YEAR}",
)
print(ProgrammePage.objects.get(slug="development-work-groups").pk)
"""

BOT_APPLICATION = {
    **APPLICATION,
    "school": "Calder Vale Primary (990302)",
    "school_urn": "990302",
    "website": "https://cheap-pills.example",  # the honeypot a bot fills in
}


class Browser:
    """A cookie-keeping HTTP client bound to one loopback source address."""

    def __init__(self, base: str, source: str):
        parts = urlsplit(base)
        self.host, self.port, self.source = parts.hostname, parts.port, source
        self.cookies: dict[str, str] = {}
        self.lock = threading.Lock()

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        """Return (status, Location header, body)."""
        conn = http.client.HTTPConnection(
            self.host, self.port, timeout=60, source_address=(self.source, 0)
        )
        headers = {"Host": "127.0.0.1"}
        with self.lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                with self.lock:
                    self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
            return response.status, response.headers.get("Location", ""), text
        finally:
            conn.close()

    def post_form(self, path: str, form: dict) -> tuple[int, str]:
        """GET the page for its CSRF token (as a browser would), then POST the form."""
        status, _, page = self.request("GET", path)
        token = CSRF_INPUT.search(page)
        if token is None:
            return status, ""  # no form offered (e.g. the lockout or rate-limit page)
        status, location, _ = self.request(
            "POST", path, {**form, "csrfmiddlewaretoken": token.group(1)}
        )
        return status, location


@dataclass
class Burst:
    name: str
    source: str
    results: list[tuple[int, str]] = field(default_factory=list)

    def count(self, *statuses: int) -> int:
        return sum(1 for status, _ in self.results if status in statuses)

    def server_errors(self) -> int:
        return sum(1 for status, _ in self.results if status >= 500)


def run_burst(name, source, base, jobs, concurrency) -> Burst:
    """Send ``jobs`` (each ``browser -> (status, location)``) ``concurrency`` at a time.

    Every attacker request uses a fresh browser (bots do not keep sessions); results
    keep the order in which requests were sent.
    """
    burst = Burst(name, source)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        burst.results = list(pool.map(lambda job: job(Browser(base, source)), jobs))
    return burst


def signed_in(result) -> bool:
    status, location = result
    return status == 302 and location.endswith("/admin/")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=40, help="requests per burst (default 40)")
    parser.add_argument("--concurrency", type=int, default=8, help="in flight at once (default 8)")
    parser.add_argument(
        "--sqlite-options",
        default="",
        help="query string for the server's DATABASE_URL, e.g. transaction_mode=IMMEDIATE",
    )
    args = parser.parse_args()

    login = "/admin/login/"
    with tempfile.TemporaryDirectory(prefix="mathshub-burst-") as folder:
        print("Building a throwaway demo site...", flush=True)
        env = pages_bench.build_site(Path(folder), long_page=False, log_level="ERROR")
        programme_id = open_application_window(env)
        if args.sqlite_options:
            env["DATABASE_URL"] += f"?{args.sqlite_options}"
        apply = f"/apply/{programme_id}/"
        log = Path(folder) / "server.log"
        with server_stderr(log), pages_bench.gunicorn(env, page_cache_seconds=0) as base:
            print(f"Serving on {base} (gunicorn, 2 workers, production settings)\n", flush=True)
            wrong = run_burst(
                "wrong passwords, one account",
                ATTACKER,
                base,
                [
                    lambda b, n=n: b.post_form(
                        login, {"username": "hublead", "password": f"guess{n}"}
                    )
                    for n in range(args.burst)
                ],
                args.concurrency,
            )
            right_after = run_burst(
                "its right password, same address",
                ATTACKER,
                base,
                [lambda b: b.post_form(login, {"username": "hublead", "password": PASSWORD})],
                1,
            )
            accounts = ["specialist", "specialist2", "head", "head2", "editor"]
            spread = run_burst(
                "wrong passwords, 4 per account",
                ATTACKER,
                base,
                [
                    lambda b, u=u, n=n: b.post_form(login, {"username": u, "password": f"guess{n}"})
                    for u in accounts
                    for n in range(4)
                ],
                args.concurrency,
            )
            legit_login = run_burst(
                "hub lead signs in",
                SCHOOL,
                base,
                [lambda b: b.post_form(login, {"username": "hublead", "password": PASSWORD})],
                1,
            )
            bots = run_burst(
                "bot applications",
                ATTACKER,
                base,
                [lambda b: b.post_form(apply, BOT_APPLICATION) for _ in range(args.burst)],
                args.concurrency,
            )
            legit_apply = run_burst(
                "a school applies",
                SCHOOL,
                base,
                [lambda b: b.post_form(apply, APPLICATION)],
                1,
            )
        saved = applications_saved(env)
        server_log = log.read_text(errors="replace")

    table = [
        (wrong, sum(map(signed_in, wrong.results))),
        (right_after, sum(map(signed_in, right_after.results))),
        (spread, sum(map(signed_in, spread.results))),
        (legit_login, sum(map(signed_in, legit_login.results))),
        (bots, bots.count(302)),
        (legit_apply, legit_apply.count(302)),
    ]
    rows = [
        ("burst", "from", "sent", "accepted", "refused 429", "other answers", "5xx"),
        *(
            (
                burst.name,
                burst.source,
                len(burst.results),
                accepted,
                burst.count(429),
                len(burst.results) - accepted - burst.count(429) - burst.server_errors(),
                burst.server_errors(),
            )
            for burst, accepted in table
        ),
    ]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
        if n == 0:
            print("  ".join("-" * width for width in widths))
    print(
        "\n'accepted': signed in, or the form's redirect (for the bot: the fake thank-you). "
        "'other answers': the form again (wrong password)."
    )
    print(f"Applications saved for 990301 / 990302 in {YEAR}: {saved}")
    print(
        f"Application limit: {RATE_LIMIT} per address per hour, counted in the cache all "
        f"{WORKERS} workers share (a file cache without REDIS_URL, whose add-then-increment "
        "is not atomic: simultaneous posts can race a few past the limit; Redis counts exactly)."
    )
    errors = sum(burst.server_errors() for burst, _ in table)
    locked = server_log.count("database is locked")
    if errors:
        print(
            f"NOTE: {errors} server errors (5xx) during the bursts; the server log has "
            f"{locked} 'database is locked' (SQLite, concurrent writes of failed sign-ins)."
        )

    failures = []
    if (
        any(map(signed_in, wrong.results))
        or wrong.count(429) < len(wrong.results) - 5 - args.concurrency
    ):
        failures.append("the lockout did not hold against wrong passwords")
    if signed_in(right_after.results[0]) or right_after.results[0][0] != 429:
        failures.append("a locked-out address signed in with the right password")
    if not signed_in(legit_login.results[0]):
        failures.append("the hub lead could not sign in from another address")
    if bots.count(429) == 0 or bots.count(302) > RATE_LIMIT * WORKERS:
        failures.append("the application rate limit did not hold against the bot")
    if legit_apply.results[0][0] != 302 or saved.get(990301) != 1 or saved.get(990302):
        failures.append("the legitimate application was not saved exactly once")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


@contextmanager
def server_stderr(path: Path):
    """Send the server's log (its standard error, which it inherits) to ``path``."""
    saved = os.dup(2)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(handle, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(handle)
        os.close(saved)


def open_application_window(env: dict) -> int:
    output = pages_bench.manage(env, "shell", "--no-imports", stdin=OPEN_WINDOW)
    return int(output.strip().splitlines()[-1])


def applications_saved(env: dict) -> dict[int, int]:
    script = (
        "from workflows.models import Application\n"
        f"for urn in (990301, 990302):\n"
        f"    print(urn, Application.objects.filter(school__urn=urn, academic_year='{YEAR}').count())\n"
    )
    output = pages_bench.manage(env, "shell", "--no-imports", stdin=script)
    return {int(urn): int(n) for urn, n in (line.split() for line in output.strip().splitlines())}


if __name__ == "__main__":
    sys.exit(main())
