"""``manage.py restore FILE``: put a backup made by ``manage.py backup`` back (``make restore``)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cms.backups import Backup, BackupError, Database, restore
from cms.pagecache import invalidate


class Command(BaseCommand):
    help = (
        "Replace the whole database, and write back the media files, from a backup made "
        "by `manage.py backup`. FILE is any of the backup's files (or its .json manifest). "
        "Asks for confirmation unless --yes is given; stop the site first."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The backup: its .json, .sqlite3 or .pgdump.")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Do not ask: replace the database without confirmation (CONFIRM=1 in make).",
        )
        parser.add_argument(
            "--database",
            default="default",
            help="Which configured database to replace (default: default).",
        )
        parser.add_argument(
            "--database-url",
            default=None,
            help=(
                "Restore into this database instead (e.g. a scratch one, to test a backup); "
                "the media files are then left alone."
            ),
        )
        parser.add_argument(
            "--no-media",
            action="store_true",
            help="Restore the database only; leave the media files as they are.",
        )

    def handle(self, *args, file, yes, database, database_url, no_media, **options):
        # A scratch database must not take the site's media files with it.
        no_media = no_media or bool(database_url)
        try:
            found = Backup.find(file)
            target = (
                Database.from_url(database_url) if database_url else Database.configured(database)
            )
            target.vendor  # noqa: B018 - refuses an unsupported database before asking
        except BackupError as error:
            raise CommandError(str(error)) from None
        what = f"the {target.describe()}" + ("" if no_media else " and the media files")
        self.stdout.write(
            f"Backup: {found.database}" + (f" and {found.media}" if found.media else "")
        )
        if not yes and not self.confirmed(what):
            raise CommandError(
                f"Nothing was restored. Restoring replaces every row of {what}; to go ahead, "
                "answer 'yes', or run with --yes (make restore FILE=... CONFIRM=1)."
            )
        try:
            restore(found, target, self.stdout.write, media=not no_media)
        except BackupError as error:
            raise CommandError(str(error)) from None
        # Running servers may hold pages and sites from before: turn their caches over.
        invalidate()
        self.stdout.write(self.style.SUCCESS("Restore complete."))
        self.stdout.write(
            "If this backup is older than the code, run `manage.py migrate` before starting the site."
        )

    def confirmed(self, what: str) -> bool:
        """Ask on a terminal; anything but a terminal (a pipe, CI) never confirms."""
        if not sys.stdin.isatty():
            return False
        answer = input(f"This replaces every row of {what} with the backup. Type 'yes' to go on: ")
        return answer.strip().lower() == "yes"
