"""Grow the demo hub to N action plans, for benchmarks of the admin at scale.

Run after ``load_demo``; the bench (``bench/admin_paths.py``) runs it at 50 and at
5,000 plans. The data it makes is described in :mod:`workflows.demo.scale`.
"""

from time import perf_counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workflows.demo.scale import SCALE_URNS, ScaleError, scale_to


class Command(BaseCommand):
    help = (
        "Grow the demo hub to --plans action plans (new schools, Work Groups, plans in "
        "every workflow state), in bulk. Safe to run again: it counts the plans there are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--plans",
            type=int,
            required=True,
            help="How many action plans the hub should have in all (existing ones count).",
        )

    def handle(self, *args, plans, **options):
        # load_demo's rule: demo data never goes into a site running without DEBUG.
        if not settings.DEBUG:
            raise CommandError(
                "Refusing to add scale-up demo data while DEBUG is off. "
                "Run it with the development settings (the default of manage.py)."
            )
        if plans < 0:
            raise CommandError("--plans must be 0 or more.")
        started = perf_counter()
        try:
            outcome = scale_to(plans)
        except ScaleError as error:
            raise CommandError(str(error)) from error
        if not outcome.made:
            self.stdout.write(
                f"There are already {outcome.before} action plans (asked for {plans}): nothing to do."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Made {outcome.made} action plans in {outcome.groups} new Work Groups "
                f"(schools with URNs from {SCALE_URNS.start}), {outcome.total} in all, "
                f"in {perf_counter() - started:.1f} s."
            )
        )
