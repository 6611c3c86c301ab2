"""Wagtail hooks for accounts and private documents (imported by ``wagtail_hooks``).

* ``before_serve_document``: PD attachments only to their school's people
  (:mod:`workflows.documents`).
* ``register_admin_urls`` and ``register_settings_menu_item``: the sign-in
  lockouts page for hub leads (:mod:`workflows.lockouts`).
* ``register_log_actions``: the "Sign-in unlocked" entry those unlocks log, and
  the history of documents and images kept in the scoped
  :class:`~workflows.models.audit.MediaLogEntry`.
* ``construct_admin_api``: the admin API's documents and images endpoints keep to
  the same rule.
* ``register_bulk_action``: Wagtail's bulk actions on documents, images and pages
  load only what the user may act on (:mod:`workflows.admin.bulk_actions`).
"""

from django.urls import include, path, reverse

from wagtail import hooks
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet

from workflows import documents, lockouts
from workflows.admin import bulk_actions as _bulk_actions  # noqa: F401  (registers its hooks)
from workflows.admin import media_tags as _media_tags  # noqa: F401  (serves scoped tag lists)
from workflows.admin.wagtail_hooks import HubLeadMenuItem
from workflows.models.audit import MediaLogEntry, media_models

hooks.register("before_serve_document", documents.check_pd_document_access)


class PDAttachmentsAPIMixin:
    """An admin API endpoint of documents or images, narrowed like their admin screens.

    Wagtail's own endpoints (``/admin/api/main/documents/``, ``.../images/``) list
    everything any signed-in admin user may open under the collections' view
    restrictions, and "login required" lets every role through: titles of other
    schools' attachments would show. These apply the PD attachments rule as well.
    """

    def get_queryset(self):
        return documents.restrict_media(self.request.user, super().get_queryset())


class ScopedDocumentsAdminAPIViewSet(PDAttachmentsAPIMixin, DocumentsAdminAPIViewSet):
    pass


class ScopedImagesAdminAPIViewSet(PDAttachmentsAPIMixin, ImagesAdminAPIViewSet):
    pass


# After wagtail.documents' and wagtail.images' own hooks (order 0), so these
# endpoints replace Wagtail's.
@hooks.register("construct_admin_api", order=100)
def scope_media_admin_api(router):
    router.register_endpoint("documents", ScopedDocumentsAdminAPIViewSet)
    router.register_endpoint("images", ScopedImagesAdminAPIViewSet)


@hooks.register("register_log_actions")
def register_media_log_model(actions):
    """Documents and images log into the scoped :class:`MediaLogEntry`, not ``ModelLogEntry``."""
    for model in media_models():
        actions.register_model(model, MediaLogEntry)


@hooks.register("register_admin_urls")
def register_lockout_urls():
    urls = [path("", lockouts.LockoutsView.as_view(), name="index")]
    return [path("login-lockouts/", include((urls, "login_lockouts"), namespace="login_lockouts"))]


@hooks.register("register_settings_menu_item")
def lockouts_menu_item():
    return HubLeadMenuItem(
        "Sign-in lockouts",
        reverse("login_lockouts:index"),
        name="sign-in-lockouts",
        icon_name="lock-open",
        order=610,
    )


@hooks.register("register_log_actions")
def register_unlock_action(actions):
    actions.register_action(lockouts.UNLOCK_ACTION, "Unlock sign-in", "Sign-in unlocked")
