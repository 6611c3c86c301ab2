"""Wagtail hooks of private documents (imported by ``workflows.wagtail_hooks``).

* ``before_serve_document``: PD attachments only to their school's people
  (:mod:`workflows.documents.private`).
* ``register_log_actions``: the history of documents and images is kept in the
  scoped :class:`~workflows.audit.models.MediaLogEntry`.
* ``construct_admin_api``: the admin API's documents and images endpoints keep to
  the same rule.
* ``register_bulk_action``: Wagtail's bulk actions on documents, images and pages
  load only what the user may act on (:mod:`workflows.shared.bulk_actions`).
"""

from wagtail import hooks
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet

from workflows.audit.models import MediaLogEntry, media_models
from workflows.documents import private
from workflows.documents import tags as _media_tags  # noqa: F401  (serves scoped tag lists)
from workflows.shared import bulk_actions as _bulk_actions  # noqa: F401  (registers its hooks)

hooks.register("before_serve_document", private.check_pd_document_access)


class PDAttachmentsAPIMixin:
    """An admin API endpoint of documents or images, narrowed like their admin screens.

    Wagtail's own endpoints (``/admin/api/main/documents/``, ``.../images/``) list
    everything any signed-in admin user may open under the collections' view
    restrictions, and "login required" lets every role through: titles of other
    schools' attachments would show. These apply the PD attachments rule as well.
    """

    def get_queryset(self):
        return private.restrict_media(self.request.user, super().get_queryset())


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
