"""Helpers for test state beyond one test's rollback: planner statistics, caches, module data."""

from contextlib import contextmanager

from django.core.cache import caches
from django.db import transaction


def refresh_planner_statistics():
    """After a bulk load, let PostgreSQL's planner see the new table sizes.

    A live database has autovacuum's statistics; a test that bulk-inserts
    thousands of rows a moment before querying does not, and the planner may then
    pick nested loops fit for ten rows. SQLite needs nothing.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def clear_caches():
    """Empty every cache: the page and content caches and the shared counters (rate limits).

    The database rolls back after each test; caches do not.
    """
    for cache in caches.all():
        cache.clear()


@contextmanager
def kept_for_module(django_db_blocker):
    """Open a transaction that outlives one test and is undone when the block ends.

    For data many tests of a module read: each test's own transaction (pytest-django's
    ``db``) nests inside this one as a savepoint, so every test still starts from the
    same untouched data and what it changes is rolled back. Database access is
    allowed only while the data is made and undone, not in between.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
