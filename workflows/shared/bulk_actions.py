"""Wagtail's bulk actions on documents, images and pages, blind to what a user may not act on.

Wagtail 8's bulk-action confirmation page (``/admin/bulk/<app>/<model>/<action>/
?id=1&id=2``) loads every requested id that exists and lists, by title, those the
user may not act on ("items_with_no_access"). Any admin user can type ids, so a
school leader would read the titles of pages, and an editor those of schools'
PD attachments and images, that no listing shows them.

Here one mixin, :class:`ActionableOnlyMixin`, is put in front of each of
Wagtail's own action classes (registered after them, with ``order=1``, so the
registry's later entry for the same model and action type replaces Wagtail's):

* the requested ids are first narrowed to what the user's listing shows, by the
  same rule the listing asks (:meth:`ActionableOnlyMixin.narrow`): the
  permission policy registered for documents and images (PD attachments of
  other schools never load), the page permissions for pages;
* of those, only the objects the action's own ``check_perm`` allows are kept,
  so Wagtail's "no access" list is always empty: an object the user may not act
  on is treated as one that does not exist, neither named nor acted on;
* when nothing is left the answer is 404, as for ids that do not exist, so the
  answer tells nothing about which ids exist.

Snippet bulk actions of PD records (deleting action plans) go through the same
mixin, narrowed by the record's scoped permission policy; users' bulk actions
need user-management permissions only administrators hold.
"""

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from wagtail import hooks
from wagtail.admin.views.pages import bulk_actions as page_actions
from wagtail.documents.views import bulk_actions as document_actions
from wagtail.images.views import bulk_actions as image_actions
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import policy_registry
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction as SnippetDeleteBulkAction

from workflows.models import ActionPlan


def _valid_ids(model, object_ids):
    """The requested ids that can be primary keys of ``model`` (others are simply unknown)."""
    if isinstance(object_ids, QuerySet):  # "all": the listing's own query
        return object_ids
    pk = model._meta.pk
    # An integer past the column's range is unknown too (SQLite raises OverflowError on it).
    low, high = connection.ops.integer_field_ranges.get(pk.get_internal_type(), (None, None))
    ids = []
    for value in object_ids:
        try:
            value = pk.to_python(value)
        except (ValidationError, TypeError, ValueError):
            continue
        if isinstance(value, int) and high is not None and not low <= value <= high:
            continue
        ids.append(value)
    return ids


class ActionableOnlyMixin:
    """Load only the requested objects the user may act on; 404 when there are none."""

    def narrow(self, queryset):
        """Narrow ``queryset`` to what the user's listing of this model shows."""
        raise NotImplementedError

    def get_queryset(self, model, object_ids):
        # Wagtail's BulkAction.get_queryset is a classmethod taking any id; the base
        # view calls it on the instance, so the user's rule can apply here.
        requested = model._default_manager.filter(pk__in=_valid_ids(model, object_ids))
        objects = [obj for obj in self.narrow(requested) if self.check_perm(obj)]
        if not objects:
            raise Http404
        return objects


class MediaActionableOnlyMixin(ActionableOnlyMixin):
    """Documents and images: what the registered collection policy lists for the user."""

    def narrow(self, queryset):
        # The listing's own question (Wagtail's documents and images index views).
        return queryset & self.permission_policy.instances_user_has_any_permission_for(
            self.request.user, ["change", "delete"]
        )


class PageActionableOnlyMixin(ActionableOnlyMixin):
    """Pages: those the user holds a page permission on (``check_perm`` then asks the action's)."""

    def narrow(self, queryset):
        return queryset & PagePermissionPolicy().instances_user_has_any_permission_for(
            self.request.user, {"add", "change", "publish", "bulk_delete", "lock", "unlock"}
        )


class RecordActionableOnlyMixin(ActionableOnlyMixin):
    """Records of the PD domain (action plans): what their scoped permission policy allows."""

    def narrow(self, queryset):
        policy = policy_registry.get_by_type(self.model)
        return queryset & policy.instances_user_has_any_permission_for(
            self.request.user, ["change", "delete"]
        )


def _scoped(action_class, mixin):
    """``action_class`` with ``mixin`` in front: e.g. ``ScopedDocumentDeleteBulkAction``."""
    name = f"Scoped{action_class.models[0].__name__}{action_class.__name__}"
    return type(name, (mixin, action_class), {"__module__": __name__})


SCOPED_BULK_ACTIONS = [
    *(
        _scoped(action, MediaActionableOnlyMixin)
        for module in (document_actions, image_actions)
        for action in (
            module.AddTagsBulkAction,
            module.AddToCollectionBulkAction,
            module.DeleteBulkAction,
        )
    ),
    *(
        _scoped(action, PageActionableOnlyMixin)
        for action in (
            page_actions.DeleteBulkAction,
            page_actions.MoveBulkAction,
            page_actions.PublishBulkAction,
            page_actions.UnpublishBulkAction,
        )
    ),
    type(
        "ScopedActionPlanDeleteBulkAction",
        (RecordActionableOnlyMixin, SnippetDeleteBulkAction),
        {"__module__": __name__, "models": [ActionPlan]},
    ),
]

# After Wagtail's own registrations (order 0): the registry keeps the last class
# registered for a model and action type.
for _action_class in SCOPED_BULK_ACTIONS:
    hooks.register("register_bulk_action", _action_class, order=1)
