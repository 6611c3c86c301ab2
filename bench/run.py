"""Throughput of the public site under gunicorn, against a static-file ceiling.

``make bench`` runs this. It builds a throwaway copy of the demo site (SQLite, in a
temporary folder), serves it with gunicorn (2 sync workers, production settings,
``DEBUG`` off, a local-memory cache) on 127.0.0.1, warms it, and drives load with
wrk from a second process for a bounded time. It measures, in one run:

* the home page, the programme index, a programme page with a 30-block body, and
  the application form, uncached;
* the same programme page's bytes served as a static file by the same gunicorn
  (through whitenoise): the ceiling every ratio is taken against;
* the same pages again with the anonymous page cache on.

It prints a table and writes JSON to ``bench/results/`` (ignored by git). Every
process it starts is stopped at the end, even on failure. Nothing leaves loopback.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LONG_PAGE_SLUG = "development-work-groups"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args, stdin=None) -> str:
    """Run ``manage.py`` with ``env``; return what it printed."""
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        input=stdin,
        text=True,
        capture_output=True,
    ).stdout


def build_site(workdir: Path, *, long_page=True, log_level="WARNING") -> dict:
    """Migrate and load the demo into a fresh SQLite file; return the server environment.

    :param long_page: also add the 30-block programme page the page benchmarks read.
    """
    db = workdir / "bench.sqlite3"
    base_env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
    }
    manage(base_env, "migrate", "--noinput")
    manage(base_env, "load_demo")
    if long_page:
        long_page_script = (ROOT / "bench" / "long_page.py").read_text()
        manage(base_env, "shell", "--no-imports", stdin=long_page_script)
    static_root = workdir / "static"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "DATABASE_URL": f"sqlite:///{db}",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": log_level,
    }
    manage(env, "collectstatic", "--noinput")
    return env


@contextmanager
def gunicorn(env: dict, page_cache_seconds: int):
    port = free_port()
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "cms.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**env, "PAGE_CACHE_SECONDS": str(page_cache_seconds)},
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return response.read()


WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, seconds: int, connections: int) -> dict:
    for _ in range(3):  # warm both workers
        get(url)
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    ).stdout
    latency = {
        pct: float(value) * UNIT_MS[unit] for pct, value, unit in WRK_LATENCY.findall(output)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "rps": float(WRK_RPS.search(output).group(1)),
        "p50_ms": latency.get("50"),
        "p99_ms": latency.get("99"),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def main() -> int:
    import admin_paths  # here, not at the top: it imports this module

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="load time per URL (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument(
        "--plans",
        type=admin_paths.parse_scales,
        default=[50, 5000],
        help="also measure admin paths at these plan counts (bench/admin_paths.py; "
        'default 50,5000; "" skips them)',
    )
    args = parser.parse_args()
    scales = args.plans
    if not shutil.which("wrk"):
        print("wrk is missing: `make bench` installs Debian's wrk.", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="mathshub-bench-"))
    try:
        env = build_site(workdir)
        paths = {
            "home": "/",
            "programme index": "/primary-mastery/",
            "programme page (30 blocks)": f"/primary-mastery/{LONG_PAGE_SLUG}/",
        }
        # The application form, when the workflows app serves one.
        with gunicorn(env, 0) as base:
            programme_html = get(base + paths["programme page (30 blocks)"])
            match = re.search(rb'href="(/apply/\d+/)"', programme_html)
            if match:
                paths["application form"] = match.group(1).decode()
        static_dir = Path(env["STATIC_ROOT"]) / "bench"
        static_dir.mkdir(parents=True, exist_ok=True)
        (static_dir / "programme.html").write_bytes(programme_html)

        results = {}
        for label, cache_seconds in (("uncached", 0), ("cached", 300)):
            with gunicorn(env, cache_seconds) as base:
                if label == "uncached":
                    results["static ceiling"] = wrk(
                        base + "/static/bench/programme.html", args.seconds, args.connections
                    )
                for name, path in paths.items():
                    results[f"{name}, {label}"] = wrk(base + path, args.seconds, args.connections)
        # The admin as signed-in users see it, on copies of this site's database.
        admin_rows = admin_paths.measure(env, workdir, scales, requests=20, warmups=3)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    ceiling = results["static ceiling"]["rps"]
    print(f"\n{'path':45} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs static':>10}")
    for name, row in results.items():
        row["ratio_to_static"] = row["rps"] / ceiling
        print(
            f"{name:45} {row['rps']:9.1f} {row['p50_ms'] or 0:8.2f} {row['p99_ms'] or 0:8.2f} {row['ratio_to_static']:9.1%}"
        )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "seconds_per_url": args.seconds,
        "connections": args.connections,
        "results": results,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "pages.json").write_text(json.dumps(report, indent=2))
    print(f"\nWritten to {out / 'pages.json'}")
    if scales:
        return admin_paths.report(admin_rows, requests=20, warmups=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
