"""The suite's shared demo (``demo`` in tests/conftest.py) hands every test the hub as loaded.

The demo is built once per module and each test runs in a savepoint inside it, so
what one test changes must be gone for the next. These tests run in file order.
"""

from django.contrib.auth import get_user_model

from wagtail.models import Page

import pytest

from workflows.models import ActionPlan, School

BROOKFIELD = 990101


def test_an_empty_database_before_the_demo_is_loaded(db):
    # Runs first in this module (tests that use the demo are sorted after the rest).
    assert not get_user_model().objects.exists()
    assert not School.objects.exists()


@pytest.mark.parametrize("attempt", ["first", "second"])
def test_each_test_starts_from_the_demo_as_loaded_whatever_the_last_one_did(demo, attempt):
    school = School.objects.get(urn=BROOKFIELD)
    assert school.name == "Brookfield Primary School"
    assert ActionPlan.objects.filter(school=school).exists()
    assert Page.objects.get(slug="embedding").title == "Embedding"

    # Changes the next attempt must not see.
    school.name = f"Renamed by the {attempt} test"
    school.save()
    ActionPlan.objects.filter(school=school).delete()
    Page.objects.filter(slug="embedding").update(title=f"Retitled by the {attempt} test")
