"""Backups of the database and the media files, and their restore.

``manage.py backup`` (``make backup``) writes three files with one timestamped
stem into ``backups/`` (mode 0700: they hold personal data):

* ``mathshub-YYYYmmdd-HHMMSS.sqlite3`` — on SQLite, a copy made with SQLite's
  online backup API (``sqlite3.Connection.backup``), which copies a consistent
  snapshot page by page while the site keeps running; it is an ordinary SQLite
  database, openable with ``sqlite3``;
* ``mathshub-YYYYmmdd-HHMMSS.pgdump`` — on PostgreSQL, ``pg_dump --format=custom``
  (one transaction snapshot, so consistent too; compressed; ``pg_restore -l`` lists
  it), made with the ``pg_dump`` of the server's major version;
* ``mathshub-YYYYmmdd-HHMMSS-media.tar.gz`` — every file of the default storage
  (local folder or S3 alike), archived after the database so every file a row
  names is in it;
* ``mathshub-YYYYmmdd-HHMMSS.json`` — the manifest: which files, which database
  kind, and the row count of every table, which ``restore`` checks afterwards.

``manage.py restore FILE`` (``make restore FILE=...``) puts them back: the whole
database is replaced (SQLite: the backup API in the other direction; PostgreSQL:
``pg_restore --clean --if-exists --single-transaction``, so a failed restore
leaves the database as it was), then the media files are written back; files
added since the backup are left in place and reported. The row counts are then
compared with the manifest.

Nothing here imports the hub's apps: it works table by table, whatever the models.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import File
from django.core.files.storage import storages
from django.db import connections
from django.utils import timezone

import dj_database_url

MANIFEST_FORMAT = 1
PREFIX = "mathshub"
DB_SUFFIX = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}
MEDIA_SUFFIX = "-media.tar.gz"
#: libpq connection keywords and their environment variables. Django passes the
#: ``OPTIONS`` of a PostgreSQL database to psycopg as keywords (dj-database-url puts
#: ``?host=/socket/dir`` there), so these are read from ``OPTIONS`` too.
LIBPQ_ENV = {
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def default_directory() -> Path:
    return Path(settings.BASE_DIR) / "backups"


# Databases ------------------------------------------------------------------------------


@dataclass
class Database:
    """A database to back up or restore into: a configured alias, or a URL's settings."""

    settings: dict
    alias: str | None = None

    @classmethod
    def configured(cls, alias: str = "default") -> "Database":
        # The connection's own settings: under a test runner its NAME is the test database.
        return cls(connections[alias].settings_dict, alias)

    @classmethod
    def from_url(cls, url: str) -> "Database":
        return cls(dj_database_url.parse(url))

    @property
    def vendor(self) -> str:
        engine = self.settings.get("ENGINE", "")
        if engine.endswith("sqlite3"):
            return "sqlite"
        if engine.endswith("postgresql"):
            return "postgresql"
        raise BackupError(
            f"Backups support SQLite and PostgreSQL, not {engine or 'this database'}."
        )

    @property
    def name(self) -> str:
        return str(self.settings["NAME"])

    def describe(self) -> str:
        if self.vendor == "sqlite":
            return f"SQLite database {self.name}"
        params = self.libpq_params()
        return (
            f"PostgreSQL database {params.get('dbname', '')} on {params.get('host', 'localhost')}"
        )

    # Raw DB-API connections (the Django connection for a configured alias).

    def sqlite_connection(self) -> sqlite3.Connection:
        if self.alias is not None:
            connection = connections[self.alias]
            if connection.in_atomic_block:
                raise BackupError("Cannot back up or restore inside a transaction.")
            connection.ensure_connection()
            return connection.connection
        return sqlite3.connect(self.name, uri=self.name.startswith("file:"))

    def libpq_params(self) -> dict:
        """Connection keywords for psycopg and the PG* environment of pg_dump/pg_restore.

        As Django builds them: ``OPTIONS`` first, then the non-empty settings on top.
        """
        options = self.settings.get("OPTIONS") or {}
        params = {key: str(value) for key, value in options.items() if key in LIBPQ_ENV}
        settings_params = {
            "dbname": self.name,
            "user": self.settings.get("USER"),
            "password": self.settings.get("PASSWORD"),
            "host": self.settings.get("HOST"),
            "port": str(self.settings.get("PORT") or ""),
        }
        params.update({key: value for key, value in settings_params.items() if value})
        return {key: value for key, value in params.items() if value}

    def count_rows(self, pg_connection=None) -> dict[str, int]:
        """Every table's row count, by table name, sorted.

        :param pg_connection: a psycopg connection to count in (its transaction), if any.
        """
        if self.vendor == "sqlite":
            conn = self.sqlite_connection()
            names = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
                )
            ]
            counts = {
                name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]  # noqa: S608
                for name in names
            }
            if self.alias is None:
                conn.close()
            return counts
        if pg_connection is not None:
            return _pg_count_rows(pg_connection)
        import psycopg

        with psycopg.connect(**self.libpq_params(), autocommit=True) as conn:
            return _pg_count_rows(conn)

    def server_major(self) -> int:
        import psycopg

        with psycopg.connect(**self.libpq_params(), autocommit=True) as conn:
            return conn.info.server_version // 10000


def _pg_count_rows(conn) -> dict[str, int]:
    from psycopg import sql

    names = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
    ]
    return {
        name: conn.execute(
            sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(name))
        ).fetchone()[0]
        for name in names
    }


def pg_environment(database: Database) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the password never goes on a command line.

    Like Django's own connection, libpq still reads any other PG* variable set.
    """
    env = dict(os.environ)
    env.update({LIBPQ_ENV[key]: value for key, value in database.libpq_params().items()})
    return env


def pg_tool(name: str, server_major: int) -> str:
    """Return the ``pg_dump``/``pg_restore`` to use with a server of ``server_major``.

    pg_dump refuses a server newer than itself, and a dump is best restored by the
    same major version, so: ``$PG_BIN_DIR`` when set; else Debian's folder for
    that exact version (``/usr/lib/postgresql/N/bin``, where ``scripts/with-postgres``
    finds the server); else the one on ``PATH`` if it is at least as new.
    """
    candidates = []
    if bin_dir := os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(bin_dir) / name)
    candidates.append(Path(f"/usr/lib/postgresql/{server_major}/bin/{name}"))
    if found := shutil.which(name):
        candidates.append(Path(found))
    for candidate in candidates:
        if not candidate.is_file():
            continue
        output = subprocess.run(  # noqa: S603 - a fixed tool, no shell
            [str(candidate), "--version"], capture_output=True, text=True, check=False
        ).stdout
        match = re.search(r"(\d+)(?:\.\d+)?", output)
        if match and int(match.group(1)) >= server_major:
            return str(candidate)
    raise BackupError(
        f"No {name} for PostgreSQL {server_major} or newer was found. Install Debian's "
        f"postgresql-client-{server_major} (or the postgresql package), or set PG_BIN_DIR "
        "to the folder that holds it."
    )


def run_pg_tool(args: list[str], database: Database) -> None:
    result = subprocess.run(  # noqa: S603 - arguments are a list; no shell
        args, env=pg_environment(database), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tool = Path(args[0]).name
        raise BackupError(f"{tool} failed (exit {result.returncode}): {result.stderr.strip()}")


# Media ----------------------------------------------------------------------------------


def media_storage():
    return storages["default"]


def walk_storage(storage, folder: str = ""):
    """Every file name in ``storage`` under ``folder``, depth first, sorted."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(folders):
        yield from walk_storage(storage, f"{folder}/{name}" if folder else name)


def archive_media(path: Path) -> int:
    """Write every media file into a tar.gz at ``path``; return how many."""
    storage = media_storage()
    count = 0
    with tarfile.open(path, "w:gz") as archive:
        for name in walk_storage(storage):
            info = tarfile.TarInfo(name)
            info.size = storage.size(name)
            info.mode = 0o644
            try:
                info.mtime = storage.get_modified_time(name).timestamp()
            except (NotImplementedError, OSError):
                info.mtime = timezone.now().timestamp()
            with storage.open(name, "rb") as handle:
                archive.addfile(info, handle)
            count += 1
    return count


def restore_media(path: Path, report: Callable[[str], None]) -> tuple[int, int]:
    """Write the archive's files back; return (files restored, files kept that it lacks)."""
    storage = media_storage()
    restored = 0
    names = set()
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            if not member.isfile():
                report(f"Skipped {member.name}: not a regular file.")
                continue
            name = member.name
            if name.startswith("/") or ".." in Path(name).parts:
                raise BackupError(f"The media archive names an unsafe path: {name!r}.")
            handle = archive.extractfile(member)
            if storage.exists(name):
                storage.delete(name)
            try:
                saved = storage.save(name, File(handle, name=name))
            except SuspiciousFileOperation as error:
                raise BackupError(f"The media archive names an unsafe path: {error}") from None
            if saved != name:
                raise BackupError(f"Could not write {name} back (the storage chose {saved}).")
            names.add(name)
            restored += 1
    extra = sum(1 for name in walk_storage(storage) if name not in names)
    return restored, extra


# Backup ---------------------------------------------------------------------------------


@dataclass
class BackupFiles:
    manifest: Path
    database: Path
    media: Path


def new_stem(directory: Path, now: datetime | None = None) -> str:
    """A timestamped stem not yet used in ``directory``."""
    now = timezone.localtime(now or timezone.now())
    stem = f"{PREFIX}-{now:%Y%m%d-%H%M%S}"
    candidate, n = stem, 1
    while any(directory.glob(f"{candidate}*")):
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def backup(database: Database, directory: Path, report: Callable[[str], None]) -> BackupFiles:
    """Back up ``database`` and the media files into ``directory``; see the module docstring."""
    vendor = database.vendor
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    stem = new_stem(directory)
    files = BackupFiles(
        manifest=directory / f"{stem}.json",
        database=directory / f"{stem}{DB_SUFFIX[vendor]}",
        media=directory / f"{stem}{MEDIA_SUFFIX}",
    )
    old_umask = os.umask(0o077)
    try:
        if vendor == "sqlite":
            _backup_sqlite(database, files.database)
            tables = _sqlite_counts(files.database)
        else:
            tables = _backup_postgresql(database, files.database)
        report(f"Database: {files.database} ({_size(files.database)})")
        media_count = archive_media(files.media)
        report(f"Media: {files.media} ({_files(media_count)}, {_size(files.media)})")
        files.manifest.write_text(
            json.dumps(
                {
                    "format": MANIFEST_FORMAT,
                    "created_at": timezone.now().isoformat(),
                    "vendor": vendor,
                    "database_file": files.database.name,
                    "media_file": files.media.name,
                    "media_files": media_count,
                    "tables": tables,
                },
                indent=2,
            )
            + "\n"
        )
    except BaseException:
        for path in (files.database, files.media, files.manifest):
            path.unlink(missing_ok=True)
        raise
    finally:
        os.umask(old_umask)
    return files


def _backup_sqlite(database: Database, target: Path) -> None:
    source = database.sqlite_connection()
    destination = sqlite3.connect(target)
    try:
        # pages=-1: the whole database in one step, under one read lock: one snapshot.
        source.backup(destination, pages=-1)
    finally:
        destination.close()
        if database.alias is None:
            source.close()


def _backup_postgresql(database: Database, target: Path) -> dict[str, int]:
    """pg_dump into ``target``; return the row counts of the very snapshot it dumped.

    A repeatable-read transaction exports its snapshot, counts the rows in it and
    stays open while ``pg_dump --snapshot`` dumps exactly that state, so the
    manifest's counts describe the dump even while the site keeps writing.
    """
    import psycopg

    with psycopg.connect(**database.libpq_params()) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        major = conn.info.server_version // 10000
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables = database.count_rows(conn)
        run_pg_tool(
            [
                pg_tool("pg_dump", major),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ],
            database,
        )
        conn.rollback()
    return tables


def _sqlite_counts(path: Path) -> dict[str, int]:
    return Database({"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}).count_rows()


def _files(count: int) -> str:
    return f"{count:,} file" + ("" if count == 1 else "s")


def _size(path: Path) -> str:
    size = path.stat().st_size
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return ""


# Restore --------------------------------------------------------------------------------


@dataclass
class Backup:
    """A backup on disk, found from any of its files (or its stem)."""

    database: Path
    media: Path | None
    manifest: dict | None

    @property
    def vendor(self) -> str:
        if self.manifest:
            return self.manifest["vendor"]
        return "sqlite" if self.database.suffix == ".sqlite3" else "postgresql"

    @classmethod
    def find(cls, given: Path) -> "Backup":
        name = given.name
        stem = re.sub(r"(\.json|\.sqlite3|\.pgdump|-media\.tar\.gz)$", "", name)
        folder = given.parent
        manifest_path = folder / f"{stem}.json"
        manifest = None
        if manifest_path.is_file():
            try:
                manifest = json.loads(manifest_path.read_text())
            except ValueError:
                raise BackupError(f"{manifest_path} is not a backup manifest.") from None
            database = folder / manifest["database_file"]
            media = folder / manifest["media_file"]
        else:
            found = [folder / f"{stem}{suffix}" for suffix in DB_SUFFIX.values()]
            found = [path for path in found if path.is_file()]
            if not found:
                raise BackupError(
                    f"No backup at {given}: expected {stem}.json with {stem}.sqlite3 or "
                    f"{stem}.pgdump beside it (as `make backup` writes them)."
                )
            database = found[0]
            media = folder / f"{stem}{MEDIA_SUFFIX}"
        if not database.is_file():
            raise BackupError(f"The backup's database file {database} is missing.")
        return cls(
            database=database, media=media if media and media.is_file() else None, manifest=manifest
        )


def restore(
    found: Backup, database: Database, report: Callable[[str], None], *, media: bool = True
) -> dict[str, int]:
    """Replace ``database`` (and the media files) with the backup; return the table counts."""
    if found.vendor != database.vendor:
        raise BackupError(
            f"This is a {found.vendor} backup and the database is {database.vendor}: "
            "restore it into a database of the same kind."
        )
    if found.vendor == "sqlite":
        _restore_sqlite(found.database, database)
    else:
        major = database.server_major()
        run_pg_tool(
            [
                pg_tool("pg_restore", major),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={database.libpq_params()['dbname']}",
                str(found.database),
            ],
            database,
        )
    counts = database.count_rows()
    rows = sum(counts.values())
    report(
        f"Database restored into the {database.describe()}: {len(counts)} tables, {rows:,} rows."
    )
    if found.manifest:
        expected = found.manifest["tables"]
        wrong = {
            table: (count, counts.get(table))
            for table, count in expected.items()
            if counts.get(table) != count
        }
        if wrong:
            detail = ", ".join(f"{t}: {a} in the backup, {b} now" for t, (a, b) in wrong.items())
            raise BackupError(f"The restored row counts differ from the backup's: {detail}.")
        report("Every table's row count matches the backup's manifest.")
    if not media:
        report("Media files left as they are.")
    else:
        if found.media is None:
            report("No media archive beside this backup: media files left as they are.")
        else:
            restored, extra = restore_media(found.media, report)
            report(f"Media: {_files(restored)} restored from {found.media.name}.")
            if extra:
                report(f"{_files(extra)} not in the backup were left in place.")
    return counts


def _restore_sqlite(path: Path, database: Database) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            check = source.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a readable SQLite database: {error}.") from None
        if check != "ok":
            raise BackupError(f"{path} is damaged ({check}); nothing was restored.")
        try:
            target = database.sqlite_connection()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"Cannot open the {database.describe()}: {error}.") from None
        try:
            # The whole backup in one step: the target is replaced in one transaction.
            source.backup(target, pages=-1)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"The restore failed and was rolled back: {error}.") from None
        finally:
            if database.alias is None:
                target.close()
    finally:
        source.close()
