"""Fixtures shared by the whole suite."""

import io

from django.core.management import call_command
from django.test import override_settings

import pytest


@pytest.fixture
def demo(db):
    """The demo hub, loaded exactly as ``make run`` loads it.

    :returns: the text ``load_demo`` printed.
    """
    out = io.StringIO()
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=out)
    return out.getvalue()
