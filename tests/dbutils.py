"""Helpers for test state the database rollback does not reset: planner statistics, caches."""

from django.core.cache import caches


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
