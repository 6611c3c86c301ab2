"""A GIAS import killed mid-file leaves whole batches, never a half-written school,
and running it again completes the rest.

The import runs as its own process (``import_schools`` on a generated 140-column,
Windows-1252 extract) against a database file of its own on SQLite (a copy of the
migrated test database) or the test database itself on PostgreSQL, and is killed
with SIGKILL: no ``finally``, no rollback by Python, only what the database
guarantees for a transaction that never committed.

To kill it at a known point, and at the worst one, the child runs the real
command with one test seam: after the importer's ``_executemany`` has written
the rows of its Nth statement (inside that batch's transaction, before the
commit), it says so on stdout and waits to be killed. The seam lives here, not
in the importer.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from cms.backups import Database
from tests.workflows.gias_sample import GIAS_HEADER, synthetic_rows, write_gias_csv
from workflows.schools.gias import BATCH_SIZE, COLUMNS, DATE_FIELDS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]
ROWS = 2 * BATCH_SIZE + 1000  # two full batches and a part one
FIELDS = list(COLUMNS.values())

CHILD = textwrap.dedent(
    """
    import os, sys
    import django

    django.setup()
    from django.core.management import call_command
    from workflows.schools import gias

    stop_at = int(os.environ["STOP_IN_STATEMENT"])
    written = 0
    execute = gias.GiasImporter._executemany

    def execute_then_stop(self, sql, rows):
        global written
        execute(self, sql, rows)
        written += 1
        if written == stop_at:
            print(f"stopped in batch {written} with {len(rows)} rows written", flush=True)
            sys.stdin.read()  # inside the transaction, until SIGKILL

    gias.GiasImporter._executemany = execute_then_stop
    call_command("import_schools", sys.argv[1])
    """
)


def expected_schools(rows) -> dict[int, dict]:
    """What each file row must become, read independently of the importer's parser."""
    index = {column: GIAS_HEADER.index(column) for column in COLUMNS}
    schools = {}
    for row in rows:
        values = {field: row[index[column]].strip() for column, field in COLUMNS.items()}
        for field in DATE_FIELDS:
            text = values[field]
            values[field] = datetime.strptime(text, "%d-%m-%Y").date() if text else None
        urn = int(values.pop("urn"))
        schools[urn] = {field: None if v is None else str(v) for field, v in values.items()}
    return schools


def stored_schools(database: Database) -> dict[int, dict]:
    """Every School row's GIAS fields, read with a connection of our own."""
    columns = ", ".join(FIELDS)
    query = f"SELECT {columns} FROM workflows_school"  # noqa: S608 - fixed column names
    if database.vendor == "sqlite":
        conn = sqlite3.connect(database.name)
        rows = conn.execute(query).fetchall()
        conn.close()
    else:
        import psycopg

        with psycopg.connect(**database.libpq_params(), autocommit=True) as conn:
            rows = conn.execute(query).fetchall()
    schools = {}
    for row in rows:
        values = {
            field: None if v is None else str(v) for field, v in zip(FIELDS, row, strict=True)
        }
        schools[int(values.pop("urn"))] = values
    return schools


@pytest.fixture
def child_database(tmp_path):
    """The child's database URL: a migrated SQLite file, or the PostgreSQL test database."""
    from django.db import connection

    current = Database.configured()
    if current.vendor == "sqlite":
        path = tmp_path / "gias.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)  # the migrated schema, no rows
        target.close()
        return f"sqlite:///{path}"
    params = {key: value for key, value in current.libpq_params().items() if key != "dbname"}
    return f"postgres:///{current.name}?" + urlencode(params)


def child_env(url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        **extra,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "PYTHONPATH": str(ROOT),
    }


def import_killed_in_batch(extract: Path, url: str, batch: int) -> None:
    """Run ``import_schools`` on ``extract`` and SIGKILL it inside batch ``batch``'s transaction."""
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", CHILD, str(extract)],
        cwd=ROOT,
        env=child_env(url, STOP_IN_STATEMENT=str(batch)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.startswith(f"stopped in batch {batch} with {BATCH_SIZE} rows written"), line
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=60)
        child.stdin.close()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL


def test_a_killed_import_leaves_whole_batches_that_a_rerun_completes(tmp_path, child_database):
    rows = list(synthetic_rows(ROWS))
    extract = write_gias_csv(tmp_path / "edubasealldata.csv", rows)
    expected = expected_schools(rows)
    database = Database.from_url(child_database)
    assert stored_schools(database) == {}

    # Killed in the first batch: the database is as it was.
    import_killed_in_batch(extract, child_database, batch=1)
    assert stored_schools(database) == {}

    # Killed in the second: the first batch, whole; the second's written rows vanished
    # with its transaction.
    import_killed_in_batch(extract, child_database, batch=2)
    stored = stored_schools(database)
    assert sorted(stored) == sorted(expected)[:BATCH_SIZE]
    # No half-written school: every row there is its file row, field for field.
    assert all(stored[urn] == expected[urn] for urn in stored)

    rerun = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "manage.py", "import_schools", str(extract)],
        cwd=ROOT,
        env=child_env(child_database),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.strip().splitlines()[-1] == (
        f"{ROWS - BATCH_SIZE:,} added, 0 updated, {BATCH_SIZE:,} unchanged, "
        "0 marked missing from GIAS."
    )
    assert stored_schools(database) == expected
