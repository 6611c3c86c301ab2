"""Database helpers for tests that bulk-load data."""


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
