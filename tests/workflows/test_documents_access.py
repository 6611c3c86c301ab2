"""PD attachments reach only the people of their school; other documents stay public.

The demo files a PDF of visit notes in the private collections of Brookfield
(990101: ``head``'s school, in ``specialist``'s Leeds group) and Riverside
(990201: ``head2``'s school, in ``specialist2``'s Bradford group). Each is fetched
through Wagtail's serve view by every role, and the documents admin is checked
for who sees which.
"""

import io

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse

from wagtail.documents import get_document_model
from wagtail.models import (
    BaseViewRestriction,
    Collection,
    CollectionViewRestriction,
    GroupCollectionPermission,
)
from wagtail.permissions import policy_registry

import pytest

from tests.workflows import hubdata
from workflows.accounts import roles
from workflows.documents.private import (
    PD_ROOT_NAME,
    PDAttachmentPermissionPolicy,
    pd_root,
    restrict_media,
    school_collection,
)
from workflows.models import School

Document = get_document_model()
BROOKFIELD, RIVERSIDE, ST_MARYS = 990101, 990201, 990102
# Wagtail refuses admin views without permission by redirecting to the dashboard.
DENIED = {302, 403}


def pd_document(urn):
    return Document.objects.get(collection__name__startswith=f"{urn} ")


def add_document(collection, title="Leaflet", content=b"public leaflet"):
    document = Document(title=title, collection=collection)
    document.file.save(f"{title.lower().replace(' ', '-')}.pdf", ContentFile(content), save=False)
    document._set_document_file_metadata()
    document.save()
    return document


def fetch(client, document):
    return client.get(document.url)


def content_of(response) -> bytes:
    return b"".join(response.streaming_content)


def as_user(client, username):
    if username:
        client.force_login(hubdata.user(username))
    return client


# Who may fetch the notes of each school: hub lead, the group's specialist, the school's leader.
MAY_FETCH = {
    BROOKFIELD: {"hublead", "specialist", "head", "admin"},
    RIVERSIDE: {"hublead", "specialist2", "head2", "admin"},
}
USERS = ["hublead", "specialist", "specialist2", "head", "head2", "editor", "admin"]


@pytest.mark.parametrize("urn", [BROOKFIELD, RIVERSIDE])
@pytest.mark.parametrize("username", USERS)
def test_a_school_document_serves_only_to_people_whose_scope_holds_the_school(
    client, demo, username, urn
):
    document = pd_document(urn)
    response = fetch(as_user(client, username), document)
    if username in MAY_FETCH[urn]:
        assert response.status_code == 200
        assert content_of(response).startswith(b"%PDF-1.4")
        # Wagtail's own policy for served files (no script runs in a PDF) is kept.
        assert response["Content-Security-Policy"] == "default-src 'none'"
        assert response["X-Content-Type-Options"] == "nosniff"
    else:
        assert response.status_code == 403


def test_a_leader_is_refused_a_sibling_schools_document_that_their_specialist_may_fetch(
    client, demo
):
    """St Mary's is in head's own Work Group, yet it is not head's school."""
    notes = add_document(
        school_collection(School.objects.get(urn=ST_MARYS)), "St Marys notes", b"%PDF-1.4 x"
    )
    assert fetch(as_user(client, "head"), notes).status_code == 403
    assert fetch(as_user(client, "specialist"), notes).status_code == 200


def test_anonymous_visitors_are_sent_to_the_login_by_wagtails_own_view_restriction(client, demo):
    root = pd_root()
    restriction = CollectionViewRestriction.objects.get(collection=root)
    assert restriction.restriction_type == BaseViewRestriction.LOGIN
    document = pd_document(BROOKFIELD)
    response = fetch(client, document)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailcore_login") + "?next=")
    assert document.url in response.url.replace("%2F", "/")


def test_anonymous_visitors_are_still_refused_if_the_view_restriction_is_removed(client, demo):
    """Our hook does not lean on the restriction: deleting it by mistake leaks nothing."""
    CollectionViewRestriction.objects.filter(collection=pd_root()).delete()
    response = fetch(client, pd_document(RIVERSIDE))
    assert response.status_code == 302
    assert reverse("wagtailcore_login") in response["Location"]


@pytest.mark.parametrize("username", [None, "head", "editor", "specialist2"])
def test_a_public_document_still_serves_to_everyone(client, demo, username):
    leaflet = add_document(Collection.get_first_root_node(), "Programme leaflet", b"%PDF leaflet")
    response = fetch(as_user(client, username), leaflet)
    assert response.status_code == 200
    assert content_of(response) == b"%PDF leaflet"


def test_documents_in_a_school_sub_collection_belong_to_that_school(client, demo):
    brookfield = school_collection(School.objects.get(urn=BROOKFIELD))
    minutes = add_document(brookfield.add_child(name="Governor minutes"), "Minutes", b"%PDF m")
    assert fetch(as_user(client, "head"), minutes).status_code == 200
    assert fetch(as_user(client, "head2"), minutes).status_code == 403


def test_a_pd_collection_without_a_urn_is_for_hub_leads_only(client, demo):
    """A collection renamed without its URN (or a file left in the root) fails closed."""
    loose = add_document(pd_root(), "Hub planning", b"%PDF hub")
    renamed = school_collection(School.objects.get(urn=BROOKFIELD))
    renamed.name = "Brookfield (renamed)"
    renamed.save()
    for document in (loose, pd_document(RIVERSIDE)):
        assert fetch(as_user(client, "hublead"), document).status_code == 200
    notes = Document.objects.get(collection=renamed)
    assert fetch(as_user(client, "hublead"), notes).status_code == 200
    for username in ("head", "specialist", "editor"):
        assert fetch(as_user(client, username), loose).status_code == 403
        assert fetch(as_user(client, username), notes).status_code == 403


def test_school_collection_is_made_once_and_kept_when_the_school_is_renamed(demo):
    school = School.objects.get(urn=BROOKFIELD)
    collection = school_collection(school)
    assert collection.name == f"{BROOKFIELD} Brookfield Primary School"
    assert collection.get_parent() == pd_root()
    school.name = "Brookfield Community Primary School"
    school.save()
    assert school_collection(school) == collection
    assert Collection.objects.filter(name__startswith=f"{BROOKFIELD} ").count() == 1


def test_the_pd_root_is_created_private_with_upload_rights_for_hub_leads_only(db):
    assert pd_root() is None
    collection = school_collection(hubdata.school(name="Fresh Start Primary"))
    root = pd_root()
    assert root.name == PD_ROOT_NAME and root.depth == 2
    assert collection.get_parent() == root
    assert CollectionViewRestriction.objects.filter(
        collection=root, restriction_type=BaseViewRestriction.LOGIN
    ).exists()
    granted = GroupCollectionPermission.objects.filter(collection=root)
    assert {(p.group.name, p.permission.codename) for p in granted} == {
        (roles.HUB_LEADS, "add_document"),
        (roles.HUB_LEADS, "change_document"),
        (roles.HUB_LEADS, "choose_document"),
    }


def test_pd_collections_command_creates_each_enrolled_schools_collection_once(demo):
    out = io.StringIO()
    call_command("pd_collections", stdout=out)
    assert "0 collection(s) created; 11 already there." in out.getvalue()
    extra = hubdata.school(name="Late Joiner Primary")
    out = io.StringIO()
    call_command("pd_collections", str(extra.urn), stdout=out)
    assert f"Created {extra.urn} Late Joiner Primary" in out.getvalue()
    assert pd_root().get_children().count() == 12


# --- The documents admin ---------------------------------------------------------------


def test_wagtail_asks_our_policy_for_documents():
    assert isinstance(policy_registry.get_by_type(Document), PDAttachmentPermissionPolicy)


def test_editors_see_no_pd_attachment_in_the_documents_admin(client, demo):
    """Editors hold document permissions on the whole tree (Wagtail's migrations)."""
    leaflet = add_document(Collection.get_first_root_node(), "Programme leaflet")
    editors = Group.objects.get(name="Editors")
    assert GroupCollectionPermission.objects.filter(
        group=editors, collection=Collection.get_first_root_node()
    ).exists()
    as_user(client, "editor")
    listing = client.get(reverse("wagtaildocs:index")).content.decode()
    chooser = client.get(reverse("wagtaildocs_chooser:choose")).content.decode()
    for html in (listing, chooser):
        assert "Programme leaflet" in html
        assert "visit notes" not in html
    # Nor may they upload into a PD collection: the upload form offers only the rest.
    for upload in ("wagtaildocs:add", "wagtaildocs:add_multiple"):
        upload_form = client.get(reverse(upload)).content.decode()
        assert PD_ROOT_NAME not in upload_form and "Brookfield" not in upload_form
    policy = policy_registry.get_by_type(Document)
    offered = policy.collections_user_has_permission_for(hubdata.user("editor"), "add")
    assert list(offered.values_list("name", flat=True)) == ["Root"]
    for urn in (BROOKFIELD, RIVERSIDE):
        notes = pd_document(urn)
        for name in ("wagtaildocs:edit", "wagtaildocs:delete"):
            assert client.get(reverse(name, args=[notes.pk])).status_code in DENIED
        response = client.get(reverse("wagtaildocs_chooser:chosen", args=[notes.pk]))
        assert response.status_code in DENIED
    assert client.get(reverse("wagtaildocs:edit", args=[leaflet.pk])).status_code == 200


def test_hub_leads_manage_every_schools_attachments_and_nothing_else(client, demo):
    leaflet = add_document(Collection.get_first_root_node(), "Programme leaflet")
    as_user(client, "hublead")
    listing = client.get(reverse("wagtaildocs:index")).content.decode()
    assert "Brookfield Primary School: autumn visit notes" in listing
    assert "Riverside Primary School: autumn visit notes" in listing
    assert "Programme leaflet" not in listing  # outside "PD attachments"
    notes = pd_document(RIVERSIDE)
    assert client.get(reverse("wagtaildocs:edit", args=[notes.pk])).status_code == 200
    assert client.get(reverse("wagtaildocs:edit", args=[leaflet.pk])).status_code in DENIED


@pytest.mark.parametrize("username", ["specialist", "specialist2", "head", "head2"])
def test_specialists_and_school_leaders_hold_no_document_permission_at_all(client, demo, username):
    """They fetch their schools' attachments by link; the documents admin is not theirs."""
    user = hubdata.user(username)
    assert not [p for p in user.get_all_permissions() if p.startswith("wagtaildocs.")]
    assert not GroupCollectionPermission.objects.filter(group__user=user).exists()
    as_user(client, username)
    for name in ("wagtaildocs:index", "wagtaildocs:add", "wagtaildocs:add_multiple"):
        assert client.get(reverse(name)).status_code in DENIED
    notes = pd_document(BROOKFIELD)
    assert client.get(reverse("wagtaildocs:edit", args=[notes.pk])).status_code in DENIED
    # Wagtail's chooser is open to every admin user; it offers them nothing.
    chooser = client.get(reverse("wagtaildocs_chooser:choose"))
    assert chooser.status_code in DENIED or "visit notes" not in chooser.content.decode()


def test_a_leader_who_is_also_an_editor_sees_only_their_own_schools_attachments(client, demo):
    head = hubdata.user("head")
    head.groups.add(Group.objects.get(name="Editors"))
    as_user(client, "head")
    listing = client.get(reverse("wagtaildocs:index")).content.decode()
    assert "Brookfield Primary School: autumn visit notes" in listing
    assert "Riverside Primary School: autumn visit notes" not in listing


def test_narrowing_a_listing_costs_the_same_queries_however_many_schools(
    demo, django_assert_num_queries
):
    specialist = hubdata.user("specialist")
    documents = Document.objects.order_by("pk")
    # The PD root, the user's groups, the collections under the root, the URNs of
    # those schools in the user's scope, and the documents.
    with django_assert_num_queries(5):
        before = list(restrict_media(specialist, documents))
    for urn in (990103, 990104, 990105, 990202, 990203):
        add_document(school_collection(School.objects.get(urn=urn)), f"Notes {urn}")
    specialist = hubdata.user("specialist")
    with django_assert_num_queries(5):
        after = list(restrict_media(specialist, documents))
    assert [d.title for d in before] == ["Brookfield Primary School: autumn visit notes"]
    assert [d.title for d in after] == [
        "Brookfield Primary School: autumn visit notes",
        "Notes 990103",
        "Notes 990104",
        "Notes 990105",
    ]


@pytest.mark.parametrize(
    "username, visible_urns",
    [
        ("head", {BROOKFIELD}),
        ("head2", {RIVERSIDE}),
        ("specialist", {BROOKFIELD}),
        ("editor", set()),
        ("hublead", {BROOKFIELD, RIVERSIDE}),
    ],
)
def test_the_admin_api_lists_only_the_attachments_in_the_users_scope(
    client, demo, username, visible_urns
):
    """Every role reaches /admin/api/; its documents endpoint must keep to the rule too."""
    leaflet = add_document(Collection.get_first_root_node(), "Programme leaflet")
    as_user(client, username)
    listing = client.get("/admin/api/main/documents/?limit=20").json()
    titles = {item["title"] for item in listing["items"]}
    expected = {pd_document(urn).title for urn in visible_urns} | {leaflet.title}
    assert titles == expected
    for urn in {BROOKFIELD, RIVERSIDE} - visible_urns:
        detail = client.get(f"/admin/api/main/documents/{pd_document(urn).pk}/")
        assert detail.status_code == 404


@pytest.mark.parametrize(
    "username, found",
    [
        ("editor", {"Visit notes template"}),
        ("head+editor", {"Visit notes template", "Brookfield"}),
        ("hublead", {"Brookfield", "Riverside"}),
        ("specialist", set()),
        ("head", set()),
    ],
)
@pytest.mark.parametrize(
    "view",
    ["wagtaildocs:index", "wagtaildocs_chooser:choose", "wagtaildocs_chooser:choose_results"],
)
def test_searching_documents_finds_only_what_the_user_may_see(client, demo, username, found, view):
    """The listing and the chooser (rich-text links) search through the scoped queryset."""
    add_document(Collection.get_first_root_node(), "Visit notes template")
    if username == "head+editor":
        username = "head"
        hubdata.user(username).groups.add(Group.objects.get(name="Editors"))
    as_user(client, username)
    response = client.get(reverse(view), {"q": "visit notes"})
    if view == "wagtaildocs:index" and not found:
        assert response.status_code in DENIED  # no documents admin for them at all
        return
    assert response.status_code == 200
    html = response.content.decode()
    texts = {
        "Visit notes template": "Visit notes template",
        "Brookfield": "Brookfield Primary School: autumn visit notes",
        "Riverside": "Riverside Primary School: autumn visit notes",
    }
    assert {name for name, text in texts.items() if text in html} == found
