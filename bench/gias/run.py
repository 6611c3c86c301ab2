"""Benchmark the GIAS importer on a generated, GIAS-shaped national extract.

    .venv/bin/python bench/gias/run.py            # 10,000 and 50,000 rows
    .venv/bin/python bench/gias/run.py --rows 50000
    scripts/with-postgres .venv/bin/python bench/gias/run.py   # on PostgreSQL

For each size it writes a 140-column, Windows-1252 file (curly apostrophes in
names, dd-mm-yyyy dates) and runs a child process on a fresh SQLite database
that times ``import_schools`` on it, then the re-import of the same file, then
an import of a file in which every school changed (the worst case of a monthly
refresh), and reports the growth of the process's peak resident memory.
Peak memory independent of the file size shows as similar growth for both sizes.
Not part of the test suite: timings on a shared machine are noisy.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGETS = {"import": 20.0, "reimport": 10.0}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


RUNS = ("import", "reimport", "update")


def child(csv_path: Path, changed_path: Path) -> None:
    """Time the import, the re-import and an update of every row; print JSON."""
    import django
    from django.core.management import call_command

    sys.path.insert(0, str(ROOT))
    django.setup()
    call_command("migrate", verbosity=0)
    from workflows.models import School

    School.objects.all().delete()  # a reused DATABASE_URL starts empty too

    from io import StringIO

    rss_before = peak_rss_mb()
    timings = {}
    for run, path in zip(RUNS, (csv_path, csv_path, changed_path), strict=True):
        out, err = StringIO(), StringIO()
        started = time.perf_counter()
        call_command("import_schools", str(path), stdout=out, stderr=err)
        timings[run] = time.perf_counter() - started
        timings[f"{run}_summary"] = out.getvalue().strip().splitlines()[-1]
    timings["rss_growth_mb"] = peak_rss_mb() - rss_before
    print(json.dumps(timings))


def ensure_postgres_database(url: str) -> None:
    """Create the database ``scripts/with-postgres`` names, which starts absent."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="rows per file (repeatable)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.child.with_suffix(".changed.csv"))
        return

    sys.path.insert(0, str(ROOT))
    from tests.workflows.gias_sample import synthetic_rows, write_gias_csv

    sizes = args.rows or [10_000, 50_000]
    database = (
        "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    )
    if database == "PostgreSQL":
        ensure_postgres_database(os.environ["DATABASE_URL"])
    print(
        f"GIAS import benchmark on {database}, {time.strftime('%Y-%m-%d %H:%M %Z')}, "
        f"{os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="gias-bench-") as tmp:
        for rows in sizes:
            csv_path = Path(tmp) / f"gias-{rows}.csv"
            write_gias_csv(csv_path, synthetic_rows(rows))
            # The same schools with other names and heads: every row is an update.
            write_gias_csv(csv_path.with_suffix(".changed.csv"), synthetic_rows(rows, seed=7))
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "cms.settings.test",
                # A throwaway PostgreSQL (scripts/with-postgres) when DATABASE_URL is set.
                "DATABASE_URL": os.environ.get(
                    "DATABASE_URL", f"sqlite:///{tmp}/bench-{rows}.sqlite3"
                ),
            }
            completed = subprocess.run(
                [sys.executable, __file__, "--child", str(csv_path)],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if completed.returncode:
                sys.exit(f"The benchmark's child process failed:\n{completed.stderr}")
            result = json.loads(completed.stdout.strip().splitlines()[-1])
            size_mb = csv_path.stat().st_size / 1e6
            print(f"\n{rows:,} rows, 140 columns, cp1252, {size_mb:.1f} MB")
            for run in RUNS:
                if run in TARGETS:
                    verdict = "ok" if result[run] < TARGETS[run] else "OVER TARGET"
                    target = f"target < {TARGETS[run]:.0f} s, {verdict}"
                else:
                    target = "no target: every row changed"
                print(f"  {run:9} {result[run]:6.1f} s ({target}): {result[f'{run}_summary']}")
            print(f"  peak RSS growth over the three runs: {result['rss_growth_mb']:.1f} MB")


if __name__ == "__main__":
    main()
