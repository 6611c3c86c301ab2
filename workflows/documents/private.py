"""Private documents of schools: the "PD attachments" collections and who may fetch them.

Visit notes, signed action plans and similar files of a named school are Wagtail
documents (or, now and then, images) like any other, kept in one place in the
collection tree::

    Root
    └── PD attachments          login required (a CollectionViewRestriction)
        ├── 990101 Brookfield Primary School
        ├── 990201 Riverside Primary School
        └── ...                 one collection per school, named "<URN> <name>"

Collections are made on demand by :func:`school_collection` (the demo calls it, as
does ``manage.py pd_collections``), so the tree needs no migration and no model:
a school's collection is recognised by the URN its name starts with, and anything
else under "PD attachments" (the root itself, a collection renamed without its
URN) is treated as the hub's own, for hub leads only. Sub-collections of a
school's collection belong to that school.

Two Wagtail mechanisms enforce it, each enough to refuse an outsider:

* the view restriction on "PD attachments" makes Wagtail's own
  ``before_serve_document`` hook send anonymous visitors to the login;
* :func:`check_pd_document_access` (our ``before_serve_document`` hook) lets a
  signed-in user fetch a school's document only when the school is in their
  scope in ``workflows.permissions``: hub leads every school, a Mastery
  Specialist the schools of the groups they lead, a school leader their own.
  Everyone else gets 403.

The admin follows the same rule, for documents and images alike:
:class:`PDAttachmentPermissionPolicy` wraps Wagtail's collection-based policy and
is registered for both models, so the listings, the choosers, the edit, delete
and bulk views, the duplicate check of the image upload and the collection
choices of every upload form leave out other schools' attachments and their
collections; :class:`PDCollectionPermissionPolicy` does the same for the
collections screens themselves (``/admin/collections/``). Collection names carry
schools' URNs and names, so a hidden collection is never named either. That
matters for Wagtail's "Editors" group, whose document and image permissions
(from Wagtail's own migrations) cover the whole tree: an editor sees no PD
attachment, image or collection at all. Specialists and school leaders hold no
document permission, so they never reach the documents admin; the hub leads'
group is given add, change and choose on "PD attachments" when it is created.
The history of documents and images is kept in a log of its own, scoped by the
same policies (:class:`workflows.audit.models.MediaLogEntry`).

Documents are always streamed by Wagtail's serve view
(``WAGTAILDOCS_SERVE_METHOD = "serve_view"``), never linked straight from the
storage, so these checks run on every download.
"""

import re

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse

from wagtail.models import (
    BaseViewRestriction,
    Collection,
    CollectionViewRestriction,
    GroupCollectionPermission,
)
from wagtail.permission_policies.collections import (
    CollectionManagementPermissionPolicy,
    CollectionOwnershipPermissionPolicy,
)

from workflows.accounts import roles
from workflows.models import ActionPlan, School
from workflows.permissions import is_hub_lead, visible

PD_ROOT_NAME = "PD attachments"
# What hub leads may do with documents under "PD attachments".
HUB_LEAD_DOCUMENT_PERMISSIONS = ("add_document", "change_document", "choose_document")
_URN_AT_START = re.compile(r"^(\d+)(?:\s|$)")


def collection_name(school: School) -> str:
    """Return the name a school's collection is created with: ``"<URN> <name>"``."""
    return f"{school.urn} {school.name}"


def urn_of(collection: Collection) -> int | None:
    """Return the URN a school collection's name starts with, or ``None``."""
    match = _URN_AT_START.match(collection.name)
    return int(match.group(1)) if match else None


def pd_root() -> Collection | None:
    """Return the "PD attachments" collection (a child of the root), if it exists yet."""
    # Depth 2: a child of the one root collection (one query, not two).
    return Collection.objects.filter(depth=2, name=PD_ROOT_NAME).order_by("path").first()


@transaction.atomic
def ensure_pd_root() -> Collection:
    """Return "PD attachments", creating it (login required, hub leads' upload rights)."""
    root = pd_root()
    if root is not None:
        return root
    root = Collection.get_first_root_node().add_child(name=PD_ROOT_NAME)
    CollectionViewRestriction.objects.create(
        collection=root, restriction_type=BaseViewRestriction.LOGIN
    )
    hub_leads = Group.objects.filter(name=roles.HUB_LEADS).first()
    if hub_leads is not None:
        for permission in Permission.objects.filter(
            content_type__app_label="wagtaildocs", codename__in=HUB_LEAD_DOCUMENT_PERMISSIONS
        ):
            GroupCollectionPermission.objects.get_or_create(
                group=hub_leads, collection=root, permission=permission
            )
    return root


@transaction.atomic
def school_collection(school: School) -> Collection:
    """Return the school's collection under "PD attachments", creating both if needed.

    Idempotent: a collection whose name starts with the school's URN is reused even
    if the school's name changed since (GIAS renames schools; the URN stays).
    """
    root = ensure_pd_root()
    for child in root.get_children().order_by("path"):
        if urn_of(child) == school.urn:
            return child
    return root.add_child(name=collection_name(school))


# --- Which PD documents a user may see -------------------------------------------------


def _school_collection_of(collection: Collection, root: Collection) -> Collection | None:
    """Return the school-level ancestor (or self) of ``collection`` under ``root``."""
    if collection.depth <= root.depth:
        return None
    if collection.depth == root.depth + 1:
        return collection
    steplen = Collection.steplen
    return Collection.objects.filter(path=collection.path[: steplen * (root.depth + 1)]).first()


def in_pd_tree(collection: Collection, root: Collection | None) -> bool:
    return root is not None and collection.path.startswith(root.path)


def user_may_see_collection(user, collection: Collection, root: Collection | None = None) -> bool:
    """Whether ``user`` may see documents in ``collection`` by the PD attachments rule.

    Collections outside "PD attachments" are not this rule's business (``True``);
    inside it, hub leads see all, others only a school collection whose school
    is in their scope.
    """
    root = root if root is not None else pd_root()
    if not in_pd_tree(collection, root):
        return True
    if is_hub_lead(user):
        return True
    school_level = _school_collection_of(collection, root)
    urn = urn_of(school_level) if school_level is not None else None
    if urn is None:
        return False
    return visible(user, School.objects.filter(urn=urn)).exists()


def pd_collection_ids(user, root: Collection) -> tuple[list[int], list[int]]:
    """Return the ids of the collections under ``root``: all, and those ``user`` may see.

    Two queries however many schools: the collections, and the visible URNs among
    them (a school's sub-collections come with it).
    """
    collections = list(
        Collection.objects.filter(path__startswith=root.path, depth__gt=root.depth).only(
            "pk", "path", "depth", "name"
        )
    )
    every = [root.pk] + [c.pk for c in collections]
    urn_by_path = {c.path: urn_of(c) for c in collections if c.depth == root.depth + 1}
    urns = {urn for urn in urn_by_path.values() if urn is not None}
    if not urns:
        return every, []
    seen = set(visible(user, School.objects.filter(urn__in=urns)).values_list("urn", flat=True))
    prefix_length = Collection.steplen * (root.depth + 1)
    allowed = [c.pk for c in collections if urn_by_path.get(c.path[:prefix_length]) in seen]
    return every, allowed


def pd_collections_for(user) -> tuple[list[int], list[int]] | None:
    """Return ``pd_collection_ids`` for ``user``, or ``None`` when the rule hides nothing
    from them (hub leads and superusers, or no "PD attachments" yet).

    Kept on the user object, like its scope (``workflows.permissions.scope_for``):
    one request asks it many times (a listing, its filters, the site history's
    log models) and pays for it once. Only hub leads and superusers, whom it
    does not concern, create collections under "PD attachments".
    """
    if is_hub_lead(user):
        return None
    if not hasattr(user, "_pd_collections"):
        root = pd_root()
        user._pd_collections = None if root is None else pd_collection_ids(user, root)
    return user._pd_collections


def hidden_pd_collection_ids(user) -> list[int] | None:
    """Return the ids of the collections under "PD attachments" hidden from ``user``.

    ``None`` when nothing is (hub leads, or no "PD attachments" yet).
    """
    ids = pd_collections_for(user)
    if ids is None:
        return None
    every, allowed = ids
    allowed = set(allowed)
    return [pk for pk in every if pk not in allowed]


def restrict_media(user, queryset: QuerySet, field: str = "collection_id") -> QuerySet:
    """Narrow ``queryset`` to what ``user`` may see by the PD attachments rule.

    ``queryset`` holds things filed in a collection (documents, images, log entries
    of either); ``field`` names their collection's id. The filter is outside the
    PD attachments tree, or in a collection ``user`` may see, by collection id
    rather than by tree path: Wagtail's search can filter documents and images on
    their collection (a ``FilterField``) but not on the collection's path, and
    the listings and choosers search through this queryset.
    """
    ids = pd_collections_for(user)
    if ids is None:
        return queryset
    every, allowed = ids
    return queryset.filter(~Q(**{f"{field}__in": every}) | Q(**{f"{field}__in": allowed}))


def restrict_collections(user, collections: QuerySet) -> QuerySet:
    """Narrow a collection queryset the same way (upload and filter choices)."""
    return restrict_media(user, collections, field="pk")


class PDAttachmentPermissionPolicy(CollectionOwnershipPermissionPolicy):
    """Wagtail's document and image policy, minus the PD attachments a user's scope leaves out.

    Registered for the document model and for the image model (exact class, so it
    wins over the policy ``wagtail.documents`` and ``wagtail.images`` register), it
    is what their listings, choosers, edit, delete, usage, upload and bulk views ask.
    """

    def instances_user_has_any_permission_for(self, user, actions):
        return restrict_media(user, super().instances_user_has_any_permission_for(user, actions))

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return super().user_has_any_permission_for_instance(
            user, actions, instance
        ) and user_may_see_collection(user, instance.collection)

    def collections_user_has_any_permission_for(self, user, actions):
        return restrict_collections(
            user, super().collections_user_has_any_permission_for(user, actions)
        )


class PDCollectionPermissionPolicy(CollectionManagementPermissionPolicy):
    """Wagtail's policy for managing collections, minus the PD collections a scope leaves out.

    Nobody but superusers manages collections in the demo's groups; this keeps the
    rule if an administrator ever grants collection permissions to editors: the
    collections listing, its edit and delete views and the parent choices would
    otherwise name every school's collection. Wagtail's management policy answers
    "for one" and "for any" separately, so both are narrowed.
    """

    def collections_user_has_any_permission_for(self, user, actions):
        # Also what instances_user_has_any_permission_for answers.
        return restrict_collections(
            user, super().collections_user_has_any_permission_for(user, actions)
        )

    def instances_user_has_permission_for(self, user, action):
        return restrict_collections(user, super().instances_user_has_permission_for(user, action))

    def user_has_permission_for_instance(self, user, action, instance):
        return super().user_has_permission_for_instance(
            user, action, instance
        ) and user_may_see_collection(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return super().user_has_any_permission_for_instance(
            user, actions, instance
        ) and user_may_see_collection(user, instance)


def register_pd_policies() -> None:
    """Register the PD attachments rule for documents, images and collections."""
    from wagtail.documents import get_document_model, get_document_model_string
    from wagtail.images import get_image_model, get_image_model_string
    from wagtail.permissions import register_permission_policy

    for model, model_string, auth_model in (
        (get_document_model(), get_document_model_string(), "wagtaildocs.Document"),
        (get_image_model(), get_image_model_string(), "wagtailimages.Image"),
    ):
        register_permission_policy(
            model,
            PDAttachmentPermissionPolicy(
                model_string, auth_model=auth_model, owner_field_name="uploaded_by_user"
            ),
            exact_class=True,
        )
    register_permission_policy(
        Collection, PDCollectionPermissionPolicy(Collection), exact_class=True
    )


# The name ``WorkflowsConfig.ready`` calls; it registers all three policies.
register_document_policy = register_pd_policies


# --- Serving ---------------------------------------------------------------------------


def check_pd_document_access(document, request):
    """``before_serve_document`` hook: refuse a PD attachment to anyone outside its school.

    Anonymous visitors go to the login (as Wagtail's own view restriction does, so
    the rule holds even if that restriction were removed); signed-in users without
    the school in their scope get 403. Documents elsewhere pass untouched.

    Evidence of an action plan (``ActionEvidence``) follows its plan's rule, not
    its school's: a plan's own specialist from another group opens it, another
    group's specialist who works with the same school does not.

    :returns: ``None`` to let Wagtail serve the file, or a redirect response.
    :raises PermissionDenied: for a signed-in user outside the document's school.
    """
    root = pd_root()
    plans = ActionPlan.objects.filter(evidence__document=document)
    is_evidence = plans.exists()
    if not (is_evidence or in_pd_tree(document.collection, root)):
        return None
    if not request.user.is_authenticated:
        # The login Wagtail's own view restrictions send visitors to.
        login_url = getattr(settings, "WAGTAIL_FRONTEND_LOGIN_URL", None) or reverse(
            "wagtailcore_login"
        )
        return redirect_to_login(request.get_full_path(), login_url)
    if is_evidence:
        if not visible(request.user, plans).exists():
            raise PermissionDenied("This file belongs to an action plan outside your scope.")
        return None
    if not user_may_see_collection(request.user, document.collection, root):
        raise PermissionDenied("This document belongs to a school outside your scope.")
    return None
