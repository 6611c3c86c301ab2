"""Chase unanswered offers once, then lapse them; safe to run more than once a day."""

from datetime import datetime, time

from django.core.management.base import BaseCommand
from django.utils import timezone

from workflows.applications.offers import chase_and_lapse


class Command(BaseCommand):
    help = (
        "Remind each school whose offer has gone unanswered (once, with a fresh link), "
        "and lapse offers still unanswered after the reminder, freeing their places and "
        "telling the hub and the school. Never sends the same email twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=lambda text: datetime.fromisoformat(text).date(),
            help="Act as if today were this date (YYYY-MM-DD), to catch up or to test.",
        )

    def handle(self, *args, today=None, **options):
        now = timezone.now()
        if today is not None:
            now = timezone.make_aware(datetime.combine(today, time(23, 59)))
        chased, lapsed = chase_and_lapse(now)
        self.stdout.write(
            f"Chased {chased} offer{'s' if chased != 1 else ''}; "
            f"{lapsed} offer{'s' if lapsed != 1 else ''} lapsed."
        )
