"""Wagtail hooks for accounts and private documents (imported by ``wagtail_hooks``).

* ``before_serve_document``: PD attachments only to their school's people
  (:mod:`workflows.documents`).
* ``register_admin_urls`` and ``register_settings_menu_item``: the sign-in
  lockouts page for hub leads (:mod:`workflows.lockouts`).
* ``register_log_actions``: the "Sign-in unlocked" entry those unlocks log.
* ``construct_admin_api``: the admin API's documents endpoint keeps to the same rule.
"""

from django.urls import include, path, reverse

from wagtail import hooks
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet

from workflows import documents, lockouts
from workflows.admin.wagtail_hooks import HubLeadMenuItem

hooks.register("before_serve_document", documents.check_pd_document_access)


class ScopedDocumentsAdminAPIViewSet(DocumentsAdminAPIViewSet):
    """The admin API's documents endpoint, narrowed like the documents admin.

    Wagtail's own endpoint (``/admin/api/main/documents/``) lists every document
    any signed-in admin user may open under the collections' view restrictions,
    and "login required" lets every role through: titles of other schools'
    attachments would show. This one applies the PD attachments rule as well.
    """

    def get_queryset(self):
        return documents.restrict_documents(self.request.user, super().get_queryset())


# After wagtail.documents' own hook (order 0), so this endpoint replaces Wagtail's.
@hooks.register("construct_admin_api", order=100)
def scope_documents_admin_api(router):
    router.register_endpoint("documents", ScopedDocumentsAdminAPIViewSet)


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
