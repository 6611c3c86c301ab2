"""Fixtures shared by the whole suite."""

import io

from django.core.management import call_command
from django.test import override_settings

import pytest

from tests.dbutils import clear_caches, kept_for_module
from tests.snapshots import Snapshot


def pytest_collection_modifyitems(items):
    """Keep each module's tests together, the demo's users last; transactional modules last.

    The demo is loaded once per module (``demo_snapshot``) and stays until the module
    ends, so a test that expects an empty hub must run before it is loaded. A
    transactional test flushes the database when it ends (pytest-django, like Django,
    runs those after the rest), and pytest-xdist's default scheduling hands each
    worker its tests in this order. The sort is stable: otherwise the order is the file's.
    """
    module_order = {}
    for item in items:
        module_order.setdefault(item.module, len(module_order))
    items.sort(
        key=lambda item: (
            transactional(item),
            module_order[item.module],
            "demo" in item.fixturenames,
        )
    )


def transactional(node):
    """Whether ``node`` (a test or a module) runs with real commits (``transaction=True``)."""
    marker = node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)))


def load_demo():
    """Load the demo hub exactly as ``make run`` does; return what ``load_demo`` printed."""
    out = io.StringIO()
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def empty_cache():
    """Start every test with an empty cache.

    The database rolls back after each test but the local-memory cache does not:
    a site or page kept by ``cms.pagecache`` in one test must not answer in the next,
    nor a rate-limit count carry over.
    """
    clear_caches()


class DemoCopy:
    """The demo hub loaded once for the test process, then put back from a copy of its rows.

    ``load_demo`` takes seconds (every page save, revision and search update); putting
    its rows back takes a fraction of one, so each module (or transactional test) gets
    the hub exactly as loaded without loading it again.
    """

    def __init__(self):
        self.text = None
        self.copy = None

    def prepare(self):
        """Load the hub and copy it, leaving the database as it was; once a process.

        Needs to run outside any transaction (the copy must outlive it): inside one,
        nothing happens and ``restore`` loads the hub for real.
        """
        from django.db import connection

        if self.copy is not None or connection.in_atomic_block:
            return
        before = Snapshot("empty", media=False)
        before.take()
        self.text = load_demo()
        self.copy = Snapshot("demo")
        self.copy.take()
        before.restore()
        clear_caches()

    def restore(self):
        """Put the demo hub in the database; return what ``load_demo`` printed."""
        self.prepare()
        if self.copy is None:
            return load_demo()
        self.copy.restore()
        clear_caches()
        return self.text


@pytest.fixture(scope="session")
def demo_copy(django_db_setup):
    """The process's one :class:`DemoCopy`."""
    return DemoCopy()


@pytest.fixture(scope="module")
def demo_snapshot(request, demo_copy, django_db_setup, django_db_blocker):
    """The demo hub, put in once for a module rather than once per test.

    Modules whose tests commit for real (``transaction=True``: live-server browser tests,
    backups) cannot nest transactions; there ``demo`` puts the hub in per test.

    :returns: the text ``load_demo`` printed, or None in a transactional module.
    """
    if transactional(request.node):
        yield None
        return
    with django_db_blocker.unblock():
        demo_copy.prepare()  # outside the module's transaction, so the copy outlives it
    with kept_for_module(django_db_blocker):
        with django_db_blocker.unblock():
            text = demo_copy.restore()
        yield text


@pytest.fixture
def demo(request, demo_snapshot, demo_copy, db):
    """The demo hub, as ``make run`` loads it.

    :returns: the text ``load_demo`` printed.
    """
    if demo_snapshot is not None:
        if transactional(request.node):
            pytest.fail(
                "A transactional test cannot share its module's demo snapshot: mark the "
                "whole module transaction=True, or move the test to its own module."
            )
        return demo_snapshot
    return demo_copy.restore()
