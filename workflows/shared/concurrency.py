"""Stale-edit protection: two people who open the same record and both save must
never overwrite each other silently.

Wagtail 8 already does part of this for revisioned models (the action plans):
the edit form carries ``loaded_revision_id`` and ``loaded_revision_created_at``,
the editing-sessions ping shows who else has the editor open, and the browser
asks "X saved a new version: continue?" before saving over a newer revision.
But the server enforces it only for autosave requests (``is_out_of_date`` is
checked in ``CreateEditViewOptionalFeaturesMixin.is_valid`` for JSON posts
only): an ordinary form post of a stale editor, with JavaScript off, a dropped
ping or a second tab, saves a new revision built from the old one, and the other
person's change disappears from the latest version. Our hub records
(``ModelViewSet`` models: Work Groups, enrolments, participants, applications,
meetings, visits) have no revisions and no check at all.

So, in one place:

* :class:`StaleRevisionMixin` (the action plan editor) refuses a post whose
  loaded revision is no longer the latest;
* :class:`StaleEditMixin` (every scoped ``ModelViewSet`` edit view) puts the
  record's ``updated_at`` in the form as a hidden ``loaded_version`` token and
  refuses a post whose token is not the row's current ``updated_at`` (schools
  included).

Either way the form re-renders with what the user typed, a message names who
changed the record and when (from the revision, or the record's log entries),
nothing is written, and the re-rendered form carries the *current* version: the
user can compare, then save again to deliberately replace the other change
(the same choice Wagtail's "Continue" dialog offers). A post without a token
(an old tab from before this check, a script) is treated as Wagtail treats a
post without ``loaded_revision_id``: not enough information, so it saves.

Checking when the form is validated is not enough on its own: two saves posted
at the same instant can both pass that check. So each save first claims the
row inside its transaction with an ``UPDATE`` (conditional on the loaded
``updated_at`` for hub records; a no-op one that takes the row lock, followed by
a fresh read of the latest revision, for plans). On PostgreSQL the second
``UPDATE`` waits on the row lock and then re-evaluates its condition against the
committed row; on SQLite the first write of the transaction takes the database
write lock. Either way, exactly one of two simultaneous saves passes and the
other is refused like any stale one. (``select_for_update`` would do on
PostgreSQL but is a no-op on SQLite, where a read-then-write transaction would
fail with "database is locked" instead of a clear message.)
"""

from datetime import datetime

from django import forms
from django.db import transaction
from django.db.models import F
from django.utils import dateformat, timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst

from wagtail.admin.utils import get_user_display_name
from wagtail.log_actions import registry as log_registry

#: The hidden form field that carries the version of the record the form was loaded from.
LOADED_VERSION_FIELD = "loaded_version"


class StaleEdit(Exception):
    """The record changed after the form was loaded; nothing was saved."""


class LoadedVersionField(forms.CharField):
    """The hidden version token: never a "change" of its own (``form.has_changed``)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def has_changed(self, initial, data):
        return False


def when(moment: datetime) -> str:
    """``14:03 on 23 November 2026`` in the site's time zone."""
    return dateformat.format(timezone.localtime(moment), r"H:i \o\n j F Y")


def _who(user, current_user) -> str:
    if user is None:
        return "Someone"
    if current_user is not None and user.pk == current_user.pk:
        return "You (in another window or tab)"
    return get_user_display_name(user) or "Someone"


def stale_message(name: str, who: str, moment: datetime | None, verb: str = "changed") -> str:
    """The error shown on a refused save: who changed what and when, and what to do."""
    at = f" at {when(moment)}" if moment else ""
    return (
        f"{who} {verb} this {name}{at}, after you opened it, so your changes were not "
        f"saved. They are still in the form below. Open the {name} in a new tab to see "
        "the latest version; then save again to replace it with yours, or reload to "
        "start from it."
    )


class StaleEditMixin:
    """For a ``generic.EditView`` of a model with ``updated_at``: refuse stale saves.

    See the module docstring. The token is a form field added in :meth:`get_form`
    (so every form class of every viewset gets it, and Wagtail's panels render it
    with the form's other hidden fields) and never reaches the model.
    """

    version_field = "updated_at"

    @cached_property
    def tracks_versions(self) -> bool:
        return any(f.name == self.version_field for f in self.model._meta.concrete_fields)

    def version_of(self, obj) -> str:
        value = getattr(obj, self.version_field, None) if obj is not None else None
        return value.isoformat() if value else ""

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        self.add_version_token(form)
        return form

    def add_version_token(self, form) -> None:
        if self.tracks_versions:
            form.fields[LOADED_VERSION_FIELD] = LoadedVersionField(
                initial=self.version_of(self.object)
            )

    def loaded_version(self, form) -> str | None:
        """The version the form was loaded from, or ``None`` when the post has no token."""
        if not self.tracks_versions:
            return None
        return form.data.get(form.add_prefix(LOADED_VERSION_FIELD)) or None

    def refused_as_stale(self, form) -> bool:
        """Refuse (on the form) a form loaded from an older version; say whether it was."""
        loaded = self.loaded_version(form)
        if loaded is not None and loaded != self.version_of(self.object):
            self.refuse_stale(form, loaded)
            return True
        return False

    def is_valid(self, form):
        """Validate as usual, then refuse a form loaded from an older version.

        Checked here as well as at save so that a stale form with other errors
        says so at once, rather than after the user has fixed the others.
        """
        valid = super().is_valid(form)
        return not self.refused_as_stale(form) and valid

    def save_instance(self):
        return self.save_claimed(super().save_instance)

    def save_claimed(self, save):
        """Run ``save`` after claiming the row for the loaded version, in one transaction."""
        loaded = self.loaded_version(self.form)
        if loaded is None:
            return save()
        with transaction.atomic():
            self.claim_row(loaded)
            return save()

    def claim_row(self, loaded: str) -> None:
        """Bump the row's version if it is still ``loaded``; raise :class:`StaleEdit` if not.

        One conditional ``UPDATE``, so that of two simultaneous saves exactly one
        matches; the model's own save then sets ``updated_at`` again.
        """
        try:
            loaded_at = datetime.fromisoformat(loaded)
        except ValueError:
            raise StaleEdit from None
        claimed = (
            self.model._base_manager.filter(pk=self.object.pk, **{self.version_field: loaded_at})
            .order_by()
            .update(**{self.version_field: timezone.now()})
        )
        if not claimed:
            raise StaleEdit

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except StaleEdit:
            self.refuse_stale(form, self.loaded_version(form))
            return self.form_invalid(form)

    def refuse_stale(self, form, loaded: str | None) -> None:
        """Explain the refusal on the form, which then re-renders carrying the current version."""
        current = self.model._base_manager.filter(pk=self.object.pk).first()
        name = self.model._meta.verbose_name
        if current is None:
            message = (
                f"This {name} was deleted after you opened it, so your changes were not saved."
            )
        else:
            who, moment = self.last_change(current, loaded)
            message = stale_message(name, who, moment)
            # The next save is a deliberate one over the version the user was just told about.
            form.data = form.data.copy()
            form.data[form.add_prefix(LOADED_VERSION_FIELD)] = self.version_of(current)
        form.add_error(None, message)
        self.produced_error_code = "stale_edit"
        self.produced_error_message = capfirst(f"this {name} was not saved.")

    def last_change(self, current, loaded: str | None) -> tuple[str, datetime | None]:
        """Who changed ``current`` since ``loaded``, and when: from its latest log entry."""
        moment = getattr(current, self.version_field, None)
        try:
            since = datetime.fromisoformat(loaded) if loaded else None
        except ValueError:
            since = None
        if since is not None and timezone.is_naive(since):
            since = None  # not a token this form wrote: no time to compare with
        entry = log_registry.get_logs_for_instance(current).select_related("user").first()
        if entry is not None and (since is None or entry.timestamp >= since):
            return _who(entry.user, self.request.user), entry.timestamp
        return "Someone", moment


class StaleRevisionMixin:
    """For the edit view of a revisioned snippet: refuse a save over a newer revision.

    The same rule Wagtail applies to autosave (``is_out_of_date``), applied to every
    post of the editor, and re-checked under the row lock when saving.
    """

    def revision_is_stale(self, latest) -> bool:
        """Whether the posted form was loaded from something other than ``latest``.

        Mirrors Wagtail's ``is_out_of_date``: an autosaved revision the form
        overwrites, else the loaded revision's id and creation time (autosave may
        overwrite a revision in place). A post that names neither is not stale.
        """
        if latest is None:
            return False
        post = self.request.POST
        if overwrite := post.get("overwrite_revision_id"):
            return overwrite != str(latest.pk)
        if loaded := post.get("loaded_revision_id"):
            return loaded != str(latest.pk) or (
                post.get("loaded_revision_created_at", "") != latest.created_at.isoformat()
            )
        return False

    def checks_revisions(self) -> bool:
        return self.view_name == "edit" and self.revision_enabled and self.object is not None

    def is_valid(self, form):
        valid = super().is_valid(form)
        if self.checks_revisions() and self.revision_is_stale(self.latest_revision):
            self.refuse_stale_revision(form, self.latest_revision)
            return False
        return valid

    def save_instance(self):
        if not self.checks_revisions():
            return super().save_instance()
        with transaction.atomic():
            # A no-op UPDATE as the transaction's first statement: it takes the row
            # lock (PostgreSQL) or the write lock (SQLite) before the re-check reads.
            self.model._base_manager.filter(pk=self.object.pk).order_by().update(
                latest_revision=F("latest_revision")
            )
            fresh = (
                self.model._base_manager.filter(pk=self.object.pk)
                .select_related("latest_revision__user")
                .get()
                .latest_revision
            )
            if self.revision_is_stale(fresh):
                raise StaleEdit(fresh)
            return super().save_instance()

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except StaleEdit as stale:
            (latest,) = stale.args
            self.refuse_stale_revision(form, latest)
            return self.form_invalid(form)

    def refuse_stale_revision(self, form, latest) -> None:
        """Say who saved the newer revision and when; re-render on top of it."""
        name = self.model._meta.verbose_name
        who = _who(latest.user, self.request.user)
        form.add_error(
            None, stale_message(name, who, latest.created_at, verb="saved a newer version of")
        )
        self.produced_error_code = "invalid_revision"
        self.produced_error_message = capfirst(f"this {name} was not saved.")
        # The re-rendered form's loaded_revision_* come from these: the next save is
        # a deliberate one over the revision the user was just told about.
        self.object.latest_revision = latest
        for cached in ("latest_revision", "latest_revision_created_at", "is_out_of_date"):
            self.__dict__.pop(cached, None)
