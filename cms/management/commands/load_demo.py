"""Build the demo hub: users, pages and (as later apps add them) PD records.

Each installed app may ship a ``demo`` module with a ``load(stdout)`` function;
this command calls them in ``INSTALLED_APPS`` order, so ``cms`` never imports the
apps above it and each app owns its own demo data. Every loader is idempotent: it
creates what is missing and leaves alone what exists, so running the command on a
site people have edited keeps their changes.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEMO_PASSWORD = "mathshub-demo"  # noqa: S105  (published in the README on purpose)


def demo_modules():
    """Return the ``demo`` modules of installed apps, in ``INSTALLED_APPS`` order."""
    modules = []
    for app_config in apps.get_app_configs():
        name = f"{app_config.name}.demo"
        if find_spec(name) is not None:
            modules.append(import_module(name))
    return modules


class Command(BaseCommand):
    help = "Load the demo hub (pages, demo users and PD records). Safe to run again."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Refusing to create demo users with a shared password while DEBUG is off. "
                "Run it with the development settings (the default of manage.py)."
            )
        with transaction.atomic():
            for module in demo_modules():
                module.load(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo content is ready."))
