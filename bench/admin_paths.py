"""The admin as a specialist and a hub lead sees it, at 50 and at 5,000 action plans.

``bench/run.py`` runs this after the page benchmarks (``--plans 50,5000``, the
default; ``--plans ""`` skips it); it also runs on its own::

    .venv/bin/python bench/admin_paths.py                  # 50 and 5,000 plans
    .venv/bin/python bench/admin_paths.py --plans 50,500 --requests 10

It builds the throwaway demo of ``bench/run.py`` once (SQLite in a temporary
folder), copies its database for each scale and grows it with
``manage.py scale_demo --plans N`` (development settings: it refuses without
``DEBUG``). Then, in a child process with the production settings and ``DEBUG``
off, it signs in as ``specialist`` and as ``hublead`` (``Client.force_login``)
and sends each path through Django's whole middleware stack:

* the plan listing (Wagtail's snippet index of action plans);
* the edit view of St Mary's plan (demo school 990102, in the specialist's
  group, awaiting their sign-off, so the editor shows the workflow's actions);
* the dashboard (``/admin/``), with the plan panels.

For each it reports the status, the database queries of one warm request
(``CaptureQueriesContext``), the size of the page, and the median and 90th
percentile time of ``--requests`` requests after ``--warmups`` warm-ups. It
prints a table, writes ``bench/results/admin.json`` and exits non-zero, with a
``FAIL`` line each, if a path answers other than 200 or costs a different number
of queries at one scale than at the first (issue 7: the same at 5,000 as at 50).
"""

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from run import PYTHON, ROOT, build_site, manage  # noqa: E402

ROLES = ["specialist", "hublead"]
PATHS = ["plan listing", "plan edit view", "dashboard"]
EDIT_PLAN_URN = 990102  # St Mary's: the specialist's group, awaiting their sign-off


def measure_in_this_process(requests: int, warmups: int) -> list[dict]:
    """Runs in the child process, whose environment holds the production settings."""
    import time

    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from workflows.models import ActionPlan

    plan = ActionPlan.objects.get(school__urn=EDIT_PLAN_URN)
    urls = {
        "plan listing": reverse("wagtailsnippets_workflows_actionplan:list"),
        "plan edit view": reverse("wagtailsnippets_workflows_actionplan:edit", args=[plan.pk]),
        "dashboard": reverse("wagtailadmin_home"),
    }
    plans = ActionPlan.objects.count()
    rows = []
    for role in ROLES:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=role))
        for name in PATHS:
            url = urls[name]
            for _ in range(warmups):
                client.get(url, secure=True)
            counts = []
            for _ in range(2):  # twice: a count that moves between warm requests is reported
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url, secure=True)
                counts.append(len(queries.captured_queries))
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                client.get(url, secure=True)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            rows.append(
                {
                    "path": name,
                    "url": url,
                    "role": role,
                    "plans": plans,
                    "status": response.status_code,
                    "queries": counts[-1],
                    "queries_stable": counts[0] == counts[1],
                    "kb": round(len(response.content) / 1024, 1),
                    "median_ms": round(statistics.median(times), 1),
                    "p90_ms": round(times[max(0, math.ceil(0.9 * len(times)) - 1)], 1),
                    "requests": requests,
                }
            )
    return rows


def measure(env: dict, workdir: Path, scales: list[int], requests: int, warmups: int) -> list[dict]:
    """Measure every path at every scale on copies of the site ``build_site`` made.

    :param env: the production environment ``build_site`` returned.
    :returns: one row per path, role and scale.
    """
    base_db = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    rows = []
    for scale in scales:
        db = workdir / f"admin-{scale}.sqlite3"
        shutil.copyfile(base_db, db)
        scaled = {**env, "DATABASE_URL": f"sqlite:///{db}"}
        out = workdir / f"admin-{scale}.json"
        try:
            manage(
                {**scaled, "DJANGO_SETTINGS_MODULE": "cms.settings.dev"},
                "scale_demo",
                "--plans",
                str(scale),
            )
            child = [PYTHON, __file__, "--child", "--out", str(out)]
            child += ["--requests", str(requests), "--warmups", str(warmups)]
            subprocess.run(
                child,
                cwd=ROOT,
                env=scaled,
                check=True,
                capture_output=True,
                text=True,
            )
        except subprocess.CalledProcessError as error:
            print(error.stdout, error.stderr, sep="\n", file=sys.stderr)
            raise
        rows.extend(json.loads(out.read_text()))
        db.unlink()
    return rows


def failures(rows: list[dict]) -> list[str]:
    """What breaks the targets: a status other than 200, or queries that grow with the plans."""
    problems = []
    first = {}
    for row in rows:
        label = f"{row['path']} as {row['role']} at {row['plans']} plans"
        if row["status"] != 200:
            problems.append(f"{label} answered {row['status']}")
        if not row["queries_stable"]:
            problems.append(f"{label}: the query count changed between two warm requests")
        key = (row["path"], row["role"])
        if key not in first:
            first[key] = row
        elif row["queries"] != first[key]["queries"]:
            problems.append(
                f"{label} costs {row['queries']} queries, at {first[key]['plans']} plans "
                f"{first[key]['queries']}"
            )
    return problems


def report(rows: list[dict], requests: int, warmups: int) -> int:
    """Print the table and any failures, write ``bench/results/admin.json``; return the exit code."""
    print(
        f"\n{'path':16} {'role':11} {'plans':>6} {'status':>6} {'queries':>8} {'KB':>8} "
        f"{'median ms':>10} {'p90 ms':>8}"
    )
    for row in sorted(
        rows, key=lambda r: (PATHS.index(r["path"]), ROLES.index(r["role"]), r["plans"])
    ):
        print(
            f"{row['path']:16} {row['role']:11} {row['plans']:6} {row['status']:6} "
            f"{row['queries']:8} {row['kb']:8.1f} {row['median_ms']:10.1f} {row['p90_ms']:8.1f}"
        )
    problems = failures(rows)
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print("OK: every path answers 200 and costs the same queries at every scale.")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "admin.json").write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "commit": commit,
                "load_average": os.getloadavg(),
                "requests": requests,
                "warmups": warmups,
                "results": rows,
                "failures": problems,
            },
            indent=2,
        )
    )
    print(f"Written to {out / 'admin.json'}")
    return 1 if problems else 0


def parse_scales(text: str) -> list[int]:
    """``"50,5000"`` -> ``[50, 5000]``; an empty string measures nothing."""
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of numbers"
        ) from None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--plans",
        type=parse_scales,
        default=[50, 5000],
        help="plan counts to measure (default 50,5000)",
    )
    parser.add_argument(
        "--requests", type=int, default=20, help="timed requests per path (default 20)"
    )
    parser.add_argument("--warmups", type=int, default=3, help="untimed requests first (default 3)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.out.write_text(json.dumps(measure_in_this_process(args.requests, args.warmups)))
        return 0
    if not args.plans:
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="mathshub-admin-bench-"))
    try:
        env = build_site(workdir)
        rows = measure(env, workdir, args.plans, args.requests, args.warmups)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return report(rows, args.requests, args.warmups)


if __name__ == "__main__":
    sys.exit(main())
