"""Send the day's action plan reminders; safe to run more than once a day."""

from datetime import date

from django.core.management.base import BaseCommand

from workflows.plans.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Email reminders about overdue actions, plans waiting over a week for approval "
        "and termly reviews falling due. Never sends the same reminder twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            help="Act as if today were this date (YYYY-MM-DD), to catch up or to test.",
        )

    def handle(self, *args, today=None, **options):
        sent = send_reminders(today)
        self.stdout.write(f"Sent {sent} reminder email{'s' if sent != 1 else ''}.")
