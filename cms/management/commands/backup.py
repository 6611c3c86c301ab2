"""``manage.py backup``: a consistent database dump and a media archive (``make backup``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cms.backups import BackupError, Database, backup, default_directory


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite: online backup API; PostgreSQL: pg_dump, custom "
        "format) and the media files into timestamped files in backups/, with a manifest "
        "of every table's row count. The site may keep running meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir",
            type=Path,
            default=None,
            help="Where to write the backup (default: backups/ in the project).",
        )
        parser.add_argument(
            "--database",
            default="default",
            help="Which configured database to back up (default: default).",
        )

    def handle(self, *args, output_dir, database, **options):
        directory = output_dir or default_directory()
        source = Database.configured(database)
        self.stdout.write(f"Backing up the {source.describe()} and the media files.")
        try:
            files = backup(source, directory, self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Backup written: {files.manifest}"))
        self.stdout.write(f"Restore it with: make restore FILE={files.manifest}")
