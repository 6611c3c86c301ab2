"""``manage.py backup`` and ``restore`` round-trip the demo hub, rows and media files.

The suite runs on SQLite and on PostgreSQL, so this proves both paths: SQLite's
online backup API, and ``pg_dump``/``pg_restore`` of the server's version. The
database dumped is the test database itself (the connection's settings, not the
configured name). Tests are transactional here because a dump made by another
process (pg_dump), or by another connection, only sees committed rows.

"Finds every row" is checked table by table: the row count and a digest of the
full contents of every table (each row's text, sorted), before and after.
"""

import hashlib
import io
import json
import sqlite3
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

import pytest

from cms.backups import Database, walk_storage

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def table_digests(database: Database) -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of its rows, read outside Django's ORM."""
    digests = {}
    if database.vendor == "sqlite":
        conn = sqlite3.connect(database.name, uri=database.name.startswith("file:"))
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            query = f'SELECT * FROM "{table}"'  # noqa: S608 - names from sqlite_master
            rows = sorted(repr(row) for row in conn.execute(query))
            digests[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        conn.close()
        return digests
    import psycopg
    from psycopg import sql

    with psycopg.connect(**database.libpq_params(), autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        ]
        for table in tables:
            query = sql.SQL("SELECT t::text FROM {} AS t").format(sql.Identifier(table))
            rows = sorted(row for (row,) in conn.execute(query))
            digests[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return digests


def media_digests() -> dict[str, str]:
    return {
        name: hashlib.sha256(default_storage.open(name).read()).hexdigest()
        for name in walk_storage(default_storage)
    }


def run(command, *args, **options) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def media_files():
    names = [
        default_storage.save("documents/backup-round-trip.txt", ContentFile(b"Governors' copy\n")),
        default_storage.save("images/backup-round-trip.bin", ContentFile(bytes(range(256)) * 40)),
    ]
    yield names
    for name in names:
        default_storage.delete(name)


@pytest.fixture
def fresh_database():
    """An empty database of the suite's kind, beside the test database; dropped afterwards."""
    current = Database.configured()
    if current.vendor == "sqlite":
        import tempfile
        from pathlib import Path

        folder = tempfile.mkdtemp(prefix="mathshub-restore-")
        yield f"sqlite:///{Path(folder) / 'fresh.sqlite3'}"
        return
    name = f"{current.name}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    params = {key: value for key, value in current.libpq_params().items() if key != "dbname"}
    yield f"postgres:///{name}?" + urlencode(params)
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_the_demo_hub_survives_backup_and_restore(demo, media_files, fresh_database, tmp_path):
    current = Database.configured()
    before = table_digests(current)
    media_before = media_digests()
    assert before["workflows_school"][0] > 0 and before["workflows_actionplan"][0] > 0
    assert media_files[0] in media_before

    output = run("backup", output_dir=tmp_path)

    (manifest_path,) = tmp_path.glob("mathshub-*.json")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["vendor"] == current.vendor
    assert manifest["tables"] == {table: count for table, (count, _) in before.items()}
    assert manifest["media_files"] == len(media_before)
    database_file = tmp_path / manifest["database_file"]
    assert database_file.suffix == (".sqlite3" if current.vendor == "sqlite" else ".pgdump")
    assert (tmp_path / manifest["media_file"]).name.endswith("-media.tar.gz")
    assert f"Backup written: {manifest_path}" in output
    assert oct(tmp_path.stat().st_mode & 0o777) == oct(0o700)  # personal data: owner only
    assert oct(database_file.stat().st_mode & 0o777) == oct(0o600)

    # Into a fresh, empty database: every row of every table arrives.
    output = run("restore", str(database_file), yes=True, database_url=fresh_database)
    assert "Every table's row count matches the backup's manifest." in output
    assert table_digests(Database.from_url(fresh_database)) == before

    # Over the current database, after it changed: a row edited, one added, a
    # whole table emptied, a media file rewritten and one deleted.
    head = get_user_model().objects.get(username="head")
    head.first_name = "Changed after the backup"
    head.save()
    Group.objects.create(name="Added after the backup")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM wagtailcore_pagelogentry")
    default_storage.delete(media_files[0])
    default_storage.save(media_files[0], ContentFile(b"overwritten"))
    default_storage.delete(media_files[1])
    assert table_digests(current) != before

    # Without confirmation nothing happens, and the command says how to confirm.
    with pytest.raises(CommandError, match=r"Nothing was restored.*CONFIRM=1"):
        run("restore", str(manifest_path))
    assert get_user_model().objects.get(username="head").first_name == "Changed after the backup"

    output = run("restore", str(manifest_path), yes=True)

    assert table_digests(current) == before
    assert media_digests() == media_before
    assert f"Media: {len(media_before):,} files restored" in output
    assert "1 file not in the backup" not in output  # nothing was added since
    # And the site reads it as before through the ORM, on the same connection.
    assert get_user_model().objects.get(username="head").first_name != "Changed after the backup"
    assert not Group.objects.filter(name="Added after the backup").exists()


def test_a_backup_of_the_other_database_kind_is_refused_clearly(tmp_path):
    current = Database.configured()
    other = "pgdump" if current.vendor == "sqlite" else "sqlite3"
    fake = tmp_path / f"mathshub-20260101-000000.{other}"
    fake.write_bytes(b"not restored")

    with pytest.raises(CommandError, match=r"restore it into a database of the same kind"):
        run("restore", str(fake), yes=True)


def test_a_missing_backup_is_refused_clearly(tmp_path):
    with pytest.raises(CommandError, match=r"No backup at .*as `make backup` writes them"):
        run("restore", str(tmp_path / "mathshub-20260101-000000.json"), yes=True)
