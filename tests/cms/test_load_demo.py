"""`load_demo` builds the hub once, never twice, and never on a live server."""

import io

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from wagtail.models import Page, Site

import pytest

from home.models import HomePage
from programmes.models import ProgrammeIndexPage, ProgrammePage
from workflows.models import School

DEMO_USERNAMES = {"admin", "editor", "hublead", "specialist", "specialist2", "head", "head2"}


def test_refuses_to_create_demo_users_when_debug_is_off(db):
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo", stdout=io.StringIO())
    assert not get_user_model().objects.exists()


def test_builds_the_hub(demo):
    users = get_user_model().objects.all()
    usernames = {user.username for user in users}
    assert usernames >= DEMO_USERNAMES
    # Every other demo school has its own leader login, so every plan can be approved.
    assert usernames - DEMO_USERNAMES == {
        f"head{urn}"
        for urn in School.objects.exclude(urn__in=[990101, 990201]).values_list("urn", flat=True)
    }
    assert all(user.check_password("mathshub-demo") for user in users)
    assert users.get(username="admin").is_superuser
    assert users.get(username="editor").groups.filter(name="Editors").exists()

    home = HomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page.specific == home
    index = ProgrammeIndexPage.objects.child_of(home).get()
    assert list(
        ProgrammePage.objects.child_of(index)
        .order_by("stage_order")
        .values_list("title", flat=True)
    ) == [
        "Mastery Readiness",
        "Development Work Groups",
        "Embedding",
        "Sustaining",
        "Mastery Specialists",
    ]
    # Wagtail's placeholder welcome page is gone.
    assert not Page.objects.filter(title__startswith="Welcome to your new Wagtail site").exists()


def test_running_twice_changes_nothing_and_keeps_edits(demo):
    page = ProgrammePage.objects.get(slug="embedding")
    page.title = "Embedding mastery (edited)"
    page.save_revision().publish()
    editor = get_user_model().objects.get(username="editor")
    editor.set_password("a-new-password-chosen-by-the-editor")
    editor.save()
    counts = (Page.objects.count(), get_user_model().objects.count(), Site.objects.count())

    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=io.StringIO())

    assert (Page.objects.count(), get_user_model().objects.count(), Site.objects.count()) == counts
    assert ProgrammePage.objects.get(slug="embedding").title == "Embedding mastery (edited)"
    editor.refresh_from_db()
    assert editor.check_password("a-new-password-chosen-by-the-editor")
