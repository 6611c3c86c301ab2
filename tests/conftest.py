"""Fixtures shared by the whole suite."""

import io

from django.core.management import call_command
from django.test import override_settings

import pytest

from tests.dbutils import clear_caches


@pytest.fixture(autouse=True)
def empty_cache():
    """Start every test with an empty cache.

    The database rolls back after each test but the local-memory cache does not:
    a site or page kept by ``cms.pagecache`` in one test must not answer in the next,
    nor a rate-limit count carry over.
    """
    clear_caches()


@pytest.fixture
def demo(db):
    """The demo hub, loaded exactly as ``make run`` loads it.

    :returns: the text ``load_demo`` printed.
    """
    out = io.StringIO()
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=out)
    return out.getvalue()
