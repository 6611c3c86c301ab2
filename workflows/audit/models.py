from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast

from wagtail.models.audit_log import BaseLogEntry, ModelLogEntryManager


class HubLogEntryManager(ModelLogEntryManager):
    """Wagtail's model log manager, answering "viewable by" per object.

    The stock manager lets anyone with a permission on a model read the history
    of every object of it, so a specialist would read the site history of the
    other group's schools. Here each entry is visible exactly when its object is,
    by the one access rule in :mod:`workflows.permissions`.
    """

    def viewable_by_user(self, user):
        """Entries of the records ``user`` may see: in their scope *and* their role's rights.

        The scope alone would show a school leader the history of their school's
        participants and meetings, which their role may not open (``0004``): the
        registered policy answers both, as every listing does. Records outside the
        PD models (the retention policy, its purges and exports) are hub leads' only.
        """
        from wagtail.permissions import policy_registry

        from workflows.audit.history import LOGGED_MODELS
        from workflows.permissions import scope_for

        if scope_for(user).everything:
            return self.all()
        q = Q(pk__in=[])
        for model in LOGGED_MODELS:
            policy = policy_registry.get_by_type(model)
            if not policy.user_has_any_permission(user, ["add", "change", "delete", "view"]):
                continue
            ids = policy.instances_user_has_any_permission_for(
                user, ["add", "change", "delete", "view"]
            ).annotate(pk_str=Cast("pk", output_field=CharField()))
            q |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=ids.values("pk_str"),
            )
        return self.filter(q)


class HubLogEntry(BaseLogEntry):
    """The history of the hub's records (schools, groups, applications, visits...),
    kept apart from Wagtail's shared model log so it can be scoped per object."""

    object_id = models.CharField(max_length=255, db_index=True)

    objects = HubLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = "hub log entry"
        verbose_name_plural = "hub log entries"


# What a viewer must be able to do with a document or image to read its history:
# what its listing ("change", and "delete", which Wagtail treats as "change") or
# its chooser ("choose") asks.
MEDIA_VIEW_ACTIONS = ("change", "choose")


class MediaLogEntryManager(ModelLogEntryManager):
    """The history of documents and images, readable only where the thing itself is.

    Wagtail's own ``ModelLogEntry`` lets anyone holding any permission on a model
    read every entry of it, with its label (the title): editors, who hold document
    and image permissions on the whole collection tree, would read the titles of
    schools' PD attachments in the site history report and its exports, however
    well the listings hide the files themselves. Here an entry is visible when

    * the viewer holds a permission on the model (Wagtail's own condition), asked
      of the permission policy registered for it, so collection permissions count
      (hub leads hold theirs on "PD attachments" only);
    * its document or image, if it still exists, is one that policy lets the
      viewer change or choose: what the listings and choosers show them
      (``workflows.documents.private.PDAttachmentPermissionPolicy``);
    * and no entry of that document or image records it in a collection the PD
      attachments rule hides from the viewer: an attachment moved out of a
      school's collection, or deleted, does not reveal the titles it had there.
      Each entry records the collection it was written in (``collection``); an
      entry without one (moved from Wagtail's log for something already deleted)
      counts as hidden, except from hub leads.
    """

    def log_action(self, instance, action, **kwargs):
        kwargs.setdefault("collection_id", getattr(instance, "collection_id", None))
        return super().log_action(instance, action, **kwargs)

    def viewable_by_user(self, user):
        from wagtail.permissions import policy_registry

        from workflows.documents.private import hidden_pd_collection_ids

        if user.is_active and user.is_superuser:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        per_model = []
        for model in media_models():
            policy = policy_registry.get_by_type(model)
            if not policy.user_has_any_permission(user, ["add", *MEDIA_VIEW_ACTIONS]):
                continue
            visible_now = policy.instances_user_has_any_permission_for(user, MEDIA_VIEW_ACTIONS)
            per_model.append(
                Q(content_type=ContentType.objects.get_for_model(model))
                & (
                    Q(object_id__in=_pk_strings(visible_now))
                    | ~Q(object_id__in=_pk_strings(model._default_manager.all()))
                )
            )
        if not per_model:  # specialists and school leaders: no document or image rights
            return self.none()
        entries = self.filter(reduce(or_, per_model))
        hidden = hidden_pd_collection_ids(user)
        if hidden is None:  # hub leads: no collection is hidden from them
            return entries
        ever_hidden = self.model.objects.filter(
            Q(collection__isnull=True) | Q(collection_id__in=hidden),
            content_type=OuterRef("content_type"),
            object_id=OuterRef("object_id"),
        )
        return entries.filter(~Exists(ever_hidden))


def media_models():
    """The document and image models (swappable), whose history :class:`MediaLogEntry` keeps."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    return (get_document_model(), get_image_model())


def _pk_strings(queryset):
    """``queryset``'s keys as strings, to match a log entry's ``object_id`` in a subquery."""
    return (
        queryset.order_by().annotate(pk_str=Cast("pk", output_field=CharField())).values("pk_str")
    )


class MediaLogEntry(BaseLogEntry):
    """The history of documents and images, apart from Wagtail's shared model log.

    Why a log model of our own rather than a filter on Wagtail's ``ModelLogEntry``:
    Wagtail asks each registered log model for ``viewable_by_user`` (the site
    history report, its "user", "type" and "action" filters and its CSV/XLSX
    exports), and a model's entries go to the log model registered for it (the
    ``register_log_actions`` hook), as the hub's records go to
    :class:`HubLogEntry`. Registering this model for documents and images
    (``workflows.accounts.wagtail_hooks``) moves exactly their entries to a manager that
    answers per object, with no change to Wagtail's own model or its other
    entries. The alternatives were worse: ``ModelLogEntry`` has no hook to narrow
    it per object short of replacing its manager on Wagtail's model, and a proxy
    model would leave every entry in the shared table, listed twice. Migration
    ``0013_media_log_entry`` moves the entries Wagtail had already written for
    documents and images here (and back, if reversed).

    Wagtail 8 gives documents and images no history page of their own; the
    "last updated" line of their edit views reads this log through the registry,
    and those views are refused to anyone the policy does not let see the object.

    ``collection`` is where the document or image was filed when the entry was
    written: once it is deleted, that is the only place left to judge its entries by.
    """

    object_id = models.CharField(max_length=255, db_index=True)
    collection = models.ForeignKey(
        "wagtailcore.Collection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where the document or image was filed when this entry was written.",
    )

    objects = MediaLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = "document or image log entry"
        verbose_name_plural = "document and image log entries"
