"""Anonymise the personal data past the hub's retention policy; a dry run unless ``--apply``."""

from django.core.management.base import BaseCommand

from workflows.privacy.purge import purge


def _records(n: int) -> str:
    return f"{n} record{'s' if n != 1 else ''}"


class Command(BaseCommand):
    help = (
        "Anonymise personal details (names, emails, TRNs, free text) of records past the "
        "retention periods in Settings > Personal data retention, keeping the rows so "
        "reports count the same. Says what it would do; changes nothing without --apply."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply",
            action="store_true",
            help="Anonymise the records listed (in one transaction), and log that it did.",
        )

    def handle(self, *args, apply=False, **options):
        report = purge(apply=apply)
        verb = "Anonymised" if apply else "Would anonymise"
        for result in report.results:
            self.stdout.write(
                f"{result.kind.label} (kept {result.months} months): "
                f"{'anonymised' if apply else 'would anonymise'} {result.due}; "
                f"{result.already} anonymised before."
            )
        if not report.total_due:
            self.stdout.write(
                self.style.SUCCESS(
                    "Nothing to anonymise: every record past its retention period is "
                    "anonymised already. Nothing changed."
                )
            )
        elif apply:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{verb} {_records(report.total_due)}; the purge is in the site history."
                )
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Dry run: nothing changed. {verb} {_records(report.total_due)}; "
                    "run again with --apply to do it."
                )
            )
