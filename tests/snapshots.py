"""Copies of the test database's rows, put back with plain SQL in a fraction of a second.

Loading the demo hub runs every page save, revision and search update (seconds); putting
its rows back from a copy costs one ``INSERT ... SELECT`` a table. The copy lives beside
the test database (a schema on PostgreSQL, an attached in-memory database on SQLite), so
the tables and queries the site and the tests see are untouched, and it goes when the
test database does. Files the rows name (documents' uploads) are copied aside too.
"""

import shutil
import uuid
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction


def _quote(name):
    return connection.ops.quote_name(name)


class Snapshot:
    """The rows of every table (and the media files) as they were when ``take`` ran."""

    def __init__(self, label, media=True):
        self.label = label
        self.with_media = media
        self.schema = f"snapshot_{label}"
        self.tables = []  # the tables that had rows, in the order they are put back
        self.media = None
        self.wiped = []
        self._sequences = ""
        # SQLite: one named in-memory database, kept while a connection has it attached.
        self.uri = f"file:{self.schema}_{uuid.uuid4().hex}?mode=memory&cache=shared"

    # Which tables, and where the copy lives -------------------------------------------

    def _all_tables(self):
        """Every table of the test database a test may write to.

        Not SQLite's virtual tables: Wagtail's search keeps its FTS5 index in step with
        its index entries by triggers, which fire as the entries are put back.
        """
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name FROM main.sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name != 'django_migrations' "
                    "AND sql NOT LIKE 'CREATE VIRTUAL%'"
                )
                names = {row[0] for row in cursor.fetchall()}
                virtual = cursor.execute(
                    "SELECT name FROM main.sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'"
                ).fetchall()
                # An FTS5 table's own storage: <name>_data, _idx, _content, _docsize, _config.
                return sorted(
                    name for name in names if not any(name.startswith(v + "_") for (v,) in virtual)
                )
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename != 'django_migrations'"
            )
            return sorted(row[0] for row in cursor.fetchall())

    def _attach(self, cursor):
        """On SQLite, attach the in-memory database that holds the copy (once a connection).

        SQLite refuses ATTACH inside a transaction: ``take`` attaches before it begins one.
        """
        if connection.vendor != "sqlite":
            return
        attached = {row[1] for row in cursor.execute("PRAGMA database_list").fetchall()}
        if self.schema not in attached:
            cursor.execute("ATTACH DATABASE %s AS " + _quote(self.schema), [self.uri])

    # Taking and restoring --------------------------------------------------------------

    def take(self):
        """Copy every table's rows (and MEDIA_ROOT) aside, replacing an earlier copy."""
        with connection.cursor() as cursor:
            self._attach(cursor)
        with transaction.atomic(), connection.cursor() as cursor:
            schema = _quote(self.schema)
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                cursor.execute(f"CREATE SCHEMA {schema}")
            self.tables = []
            for table in self._all_tables():
                cursor.execute(f"DROP TABLE IF EXISTS {schema}.{_quote(table)}")
                cursor.execute(
                    f"CREATE TABLE {schema}.{_quote(table)} AS "  # noqa: S608
                    f"SELECT * FROM {_quote(table)}"
                )
                cursor.execute(f"SELECT 1 FROM {schema}.{_quote(table)} LIMIT 1")  # noqa: S608
                if cursor.fetchone():
                    self.tables.append(table)
        self.wiped = self._all_tables()
        self._sequences = self._sequence_sql()
        if self.with_media:
            self._take_media()

    def restore(self):
        """Make every table hold exactly the rows it held at ``take``; put back missing files.

        Runs in the caller's transaction when there is one (a module's or a test's), so a
        rollback undoes it like any other change; otherwise commits at once.
        """
        with transaction.atomic(), connection.cursor() as cursor:
            self._attach(cursor)
            schema = _quote(self.schema)
            if connection.vendor == "postgresql":
                cursor.execute("TRUNCATE " + ", ".join(_quote(t) for t in self.wiped))
            else:
                for table in self.wiped:
                    cursor.execute(f"DELETE FROM {_quote(table)}")  # noqa: S608
            for table in self.tables:
                cursor.execute(
                    f"INSERT INTO {_quote(table)} SELECT * FROM {schema}.{_quote(table)}"  # noqa: S608
                )
            if self._sequences:
                cursor.execute(self._sequences)
        if self.with_media:
            self._restore_media()

    def _sequence_sql(self):
        """PostgreSQL: move each id sequence past the restored ids (sequences never roll back)."""
        if connection.vendor != "postgresql":
            return ""
        models = apps.get_models(include_auto_created=True)
        return ";\n".join(connection.ops.sequence_reset_sql(no_style(), models))

    def _take_media(self):
        root = Path(settings.MEDIA_ROOT)
        self.media = Path(settings.MEDIA_ROOT).with_name(f"{root.name}-{self.schema}")
        shutil.rmtree(self.media, ignore_errors=True)
        if root.is_dir():
            shutil.copytree(root, self.media)
        else:
            self.media.mkdir(parents=True)

    def _restore_media(self):
        """Copy back each file of the copy that is missing (a test deleted it, or MEDIA_ROOT moved)."""
        root = Path(settings.MEDIA_ROOT)
        for source in self.media.rglob("*"):
            target = root / source.relative_to(self.media)
            if source.is_file() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
