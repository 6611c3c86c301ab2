"""``manage.py import_schools FILE``: load the national school list from GIAS."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workflows.schools.gias import Filters, GiasImporter, NotAGiasFile


class ProgressBar:
    """A one-line progress bar on stderr, redrawn in place after each batch."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream  # Django's OutputWrapper around stderr
        self.started = time.monotonic()

    def __call__(self, fraction: float, rows: int) -> None:
        filled = int(self.WIDTH * fraction)
        elapsed = time.monotonic() - self.started
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {fraction:4.0%} "
            f"{rows:,} rows, {elapsed:.1f} s",
            ending="",
        )
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import schools from a GIAS establishment extract (CSV; Windows-1252 or UTF-8). "
        "New schools are added, changed ones updated, schools the file no longer lists "
        "are marked missing; the hub's own fields are never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The GIAS extract, e.g. edubasealldata.csv.")
        parser.add_argument(
            "--phase",
            action="append",
            default=[],
            help="Add only schools of this phase, e.g. 'primary' (any case; repeatable).",
        )
        parser.add_argument(
            "--status",
            action="append",
            default=[],
            help="Add only schools with this status, e.g. 'open' (any case; repeatable).",
        )
        parser.add_argument(
            "--la",
            action="append",
            default=[],
            help="Add only schools of this local authority, by name or code (repeatable).",
        )

    def handle(self, *args, file: Path, phase, status, la, **options):
        if not file.is_file():
            raise CommandError(f"There is no file at {file}.")
        filters = Filters(phases=phase, statuses=status, las=la)
        progress = ProgressBar(self.stderr)

        def report_bad_row(line: int, reason: str) -> None:
            self.stdout.write(f"Line {line}: skipped because {reason}")

        importer = GiasImporter(filters, report_bad_row=report_bad_row, progress=progress)
        started = time.monotonic()
        try:
            with open(file, "rb") as handle:
                result = importer.run(handle)
        except NotAGiasFile as error:
            raise CommandError(str(error)) from None
        finally:
            progress.finish()
        self.stdout.write(
            f"Read {file.name} as {result.encoding} in {time.monotonic() - started:.1f} s."
        )
        self.stdout.write(self.style.SUCCESS(result.summary()))
