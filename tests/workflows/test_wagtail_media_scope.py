"""No title or name of an out-of-scope record in Wagtail's own screens (issue #13, part 3).

The demo hub files visit notes in the private collections of Brookfield (990101:
``head``'s school, in ``specialist``'s Leeds group) and Riverside (990201:
``head2``'s, ``specialist2``'s Bradford group); the tests here add an image to
each and public things beside them. Three kinds of screen Wagtail builds itself:

* bulk-action confirmation pages of documents, images and pages: an id the user
  may not act on is as good as missing: not named, not acted on, and 404 when
  nothing else is asked for (``workflows.shared.bulk_actions``);
* the site history report and its CSV export: document and image entries only
  for those who may see the document or image (``MediaLogEntry``);
* the images admin, the image chooser, upload forms and the collections
  screens: no "PD attachments" collection, and nothing in one, for editors.
"""

import csv
import importlib
import io

from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.log_actions import log
from wagtail.log_actions import registry as log_registry
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    GroupCollectionPermission,
    ModelLogEntry,
    Page,
)
from wagtail.permissions import policy_registry

import pytest

from home.models import HomePage, StandardPage
from tests.workflows import hubdata
from tests.workflows.test_documents_access import add_document, pd_document
from workflows.audit.models import MediaLogEntry
from workflows.documents.private import (
    PD_ROOT_NAME,
    PDAttachmentPermissionPolicy,
    PDCollectionPermissionPolicy,
    pd_root,
    school_collection,
)
from workflows.models import School
from workflows.shared.bulk_actions import ActionableOnlyMixin

Document = get_document_model()
Image = get_image_model()
BROOKFIELD, RIVERSIDE = 990101, 990201
PD_ROLES = ("specialist", "specialist2", "head", "head2")
# Refusals: Wagtail's redirect to the dashboard, 403, or 404 for what is out of view.
DENIED = {302, 403, 404}
SITE_HISTORY = reverse("wagtailadmin_reports:site_history")


def login(client, username):
    client.force_login(hubdata.user(username))
    return client


def text_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def pd_names():
    """Everything that would name a PD collection or its school in a page."""
    names = [PD_ROOT_NAME]
    for urn in (BROOKFIELD, RIVERSIDE):
        school = School.objects.get(urn=urn)
        names += [str(urn), school.name]
    return names


def assert_names_none(html, names):
    found = [name for name in names if name in html]
    assert not found, f"named {found}"


def add_image(collection, title, colour="white"):
    image = Image(title=title, collection=collection)
    image.file = get_test_image_file(
        filename=f"{title.lower().replace(' ', '-').replace(':', '')}.png", colour=colour
    )
    image._set_image_file_metadata()
    image.save()
    return image


def pd_image(urn):
    school = School.objects.get(urn=urn)
    return add_image(
        school_collection(school), f"{school.name}: playground photo", colour=f"#{urn % 999:03d}"
    )


def public_image(title="Programme banner photo"):
    return add_image(Collection.get_first_root_node(), title, colour="blue")


def public_document(title="Programme leaflet"):
    return add_document(Collection.get_first_root_node(), title)


def bulk_url(model, action, objects):
    query = [("id", getattr(obj, "pk", obj)) for obj in objects]
    args = (model._meta.app_label, model._meta.model_name, action)
    return reverse("wagtail_bulk_action", args=args) + "?" + urlencode(query)


def bulk_post_data(model, action):
    """What the action's confirmation form posts (its one field, if any)."""
    if action == "add_to_collection":
        return {"collection": Collection.get_first_root_node().pk}
    if action == "add_tags":
        return {"tags": "bulk-tagged"}
    if action == "move":
        return {"chooser": Page.objects.get(depth=2).pk}
    return {}


def snapshot(obj):
    """What a bulk action could change about ``obj`` (``None`` once deleted)."""
    model = type(obj)
    current = model._default_manager.filter(pk=obj.pk).first()
    if current is None:
        return None
    if isinstance(current, Page):
        return (current.title, current.live, current.path, current.has_unpublished_changes)
    return (current.title, current.collection_id, sorted(current.tags.names()))


# --- Bulk actions: documents and images ---------------------------------------------

MEDIA_ACTIONS = ("delete", "add_to_collection", "add_tags")


@pytest.fixture
def media(demo):
    """Per model: a public item, and the PD item of each school."""
    return {
        Document: (public_document(), pd_document(BROOKFIELD), pd_document(RIVERSIDE)),
        Image: (public_image(), pd_image(BROOKFIELD), pd_image(RIVERSIDE)),
    }


def test_every_bulk_action_wagtail_registers_for_documents_images_and_pages_is_scoped():
    """A bulk action a later Wagtail adds for these models would list titles unchecked."""
    for model in (Document, Image, Page):
        actions = bulk_action_registry.get_bulk_actions_for_model(
            model._meta.app_label, model._meta.model_name
        )
        assert actions, model
        for action in actions:
            assert issubclass(action, ActionableOnlyMixin), (model, action)
    registered = {
        (model._meta.model_name, action.action_type)
        for model in (Document, Image, Page)
        for action in bulk_action_registry.get_bulk_actions_for_model(
            model._meta.app_label, model._meta.model_name
        )
    }
    assert registered == {
        *((name, action) for name in ("document", "image") for action in MEDIA_ACTIONS),
        *(("page", action) for action in ("delete", "move", "publish", "unpublish")),
    }


@pytest.mark.parametrize("action", MEDIA_ACTIONS)
@pytest.mark.parametrize("model", [Document, Image], ids=["documents", "images"])
def test_an_editors_bulk_action_names_and_touches_only_what_is_outside_pd_attachments(
    client, media, model, action
):
    public, *private = media[model]
    login(client, "editor")
    url = bulk_url(model, action, [*private, public])
    response = client.get(url)
    assert response.status_code == 200
    html = text_of(response)
    assert public.title in html
    assert_names_none(html, [item.title for item in private] + pd_names())
    before = {item.pk: snapshot(item) for item in private}
    response = client.post(url, bulk_post_data(model, action))
    assert response.status_code == 302
    assert {item.pk: snapshot(item) for item in private} == before
    # The item the editor may act on was acted on (the action did run).
    after = snapshot(public)
    if action == "delete":
        assert after is None
    elif action == "add_tags":
        assert after[2] == ["bulk-tagged"]


@pytest.mark.parametrize("action", MEDIA_ACTIONS)
@pytest.mark.parametrize("model", [Document, Image], ids=["documents", "images"])
@pytest.mark.parametrize("username", ["editor", *PD_ROLES])
def test_bulk_actions_on_nothing_the_user_may_act_on_are_404_and_change_nothing(
    client, media, model, action, username
):
    """PD roles hold no document or image permission: every id is foreign to them,
    their own school's attachment included; editors may act on no PD attachment."""
    public, *private = media[model]
    asked = private if username == "editor" else [*private, public]
    login(client, username)
    url = bulk_url(model, action, asked)
    before = {item.pk: snapshot(item) for item in asked}
    response = client.get(url)
    assert response.status_code == 404
    assert_names_none(text_of(response), [item.title for item in asked])
    assert client.post(url, bulk_post_data(model, action)).status_code == 404
    assert {item.pk: snapshot(item) for item in asked} == before
    # Foreign ids answer exactly as ids that do not exist (or are not ids at all).
    for ids in ([987654], ["not-a-number"]):
        assert client.get(bulk_url(model, action, ids)).status_code == 404


@pytest.mark.parametrize("action", MEDIA_ACTIONS)
def test_bulk_confirmations_name_schools_attachments_to_hub_leads_only(client, media, action):
    _public, brookfield, riverside = media[Document]
    url = bulk_url(Document, action, [brookfield, riverside])
    login(client, "hublead")
    response = client.get(url)
    assert response.status_code == 200
    html = text_of(response)
    assert brookfield.title in html and riverside.title in html
    for username in ("editor", "specialist", "head2"):
        login(client, username)
        response = client.get(url)
        assert response.status_code == 404, username
        assert_names_none(text_of(response), [brookfield.title, riverside.title])


def test_bulk_select_all_as_an_editor_leaves_pd_images_out(client, media):
    """``id=all`` (the listing's "select all") takes the listing's own query, which
    the image policy narrows (documents' was narrowed before)."""
    public, *private = media[Image]
    login(client, "editor")
    url = bulk_url(Image, "add_tags", ["all"])
    html = text_of(client.get(url))
    assert public.title in html
    assert_names_none(html, [item.title for item in private])
    client.post(url, {"tags": "everything"})
    assert snapshot(public)[2] == ["everything"]
    assert all(snapshot(item)[2] == [] for item in private)


# --- Bulk actions: pages ------------------------------------------------------------

PAGE_ACTIONS = ("delete", "move", "publish", "unpublish")


@pytest.fixture
def pages(demo):
    """A draft briefing with a child under the home page, and a public leaf page."""
    home = HomePage.objects.get()
    briefing = home.add_child(
        instance=StandardPage(title="Riverside merger briefing", slug="briefing", live=False)
    )
    briefing.save_revision()
    briefing.add_child(
        instance=StandardPage(title="Briefing annex", slug="annex", live=False)
    ).save_revision()
    leaf = home.add_child(instance=StandardPage(title="Spare public page", slug="spare"))
    leaf.save_revision().publish()
    return Page.objects.get(pk=briefing.pk), Page.objects.get(pk=leaf.pk)


@pytest.mark.parametrize("action", PAGE_ACTIONS)
@pytest.mark.parametrize("username", PD_ROLES)
def test_pd_roles_bulk_acting_on_pages_get_404_and_no_titles(client, pages, username, action):
    """They hold no page permission: Wagtail listed the titles of the pages asked for."""
    briefing, leaf = pages
    home = Page.objects.get(depth=2)
    login(client, username)
    asked = [briefing, leaf, home]
    url = bulk_url(Page, action, asked)
    before = {page.pk: snapshot(page) for page in asked}
    response = client.get(url)
    assert response.status_code == 404
    assert_names_none(text_of(response), [page.title for page in asked])
    assert client.post(url, bulk_post_data(Page, action)).status_code == 404
    assert {page.pk: snapshot(page) for page in asked} == before


def test_an_editor_bulk_deleting_pages_sees_and_deletes_only_those_they_may_delete(client, pages):
    """Editors may delete leaf pages but not a page with children (no bulk_delete);
    they may publish and move both."""
    briefing, leaf = pages
    login(client, "editor")
    for action in ("publish", "move"):
        response = client.get(bulk_url(Page, action, [briefing, leaf]))
        assert response.status_code == 200
        html = text_of(response)
        assert briefing.title in html and leaf.title in html, action
    url = bulk_url(Page, "delete", [briefing, leaf])
    html = text_of(client.get(url))
    assert leaf.title in html
    assert briefing.title not in html
    assert client.get(bulk_url(Page, "delete", [briefing])).status_code == 404
    assert client.post(url, {}).status_code == 302
    assert snapshot(leaf) is None
    assert snapshot(briefing) is not None


# --- Site history: document and image entries ---------------------------------------


def site_history(username, **query):
    """The site history report (HTML, or ``export="csv"``) as ``username`` sees it."""
    client = login(Client(), username)
    response = client.get(SITE_HISTORY, query)
    assert response.status_code == 200, username
    return text_of(response)


def csv_labels(text):
    return {cell for row in csv.reader(io.StringIO(text)) for cell in row}


def edit_document(client, document, title):
    """Change a document's title through Wagtail's edit view, as a browser would."""
    url = reverse("wagtaildocs:edit", args=[document.pk])
    response = client.post(
        url,
        {"title": title, "collection": document.collection_id, "tags": ""},
    )
    assert response.status_code == 302, response.context["form"].errors
    return Document.objects.get(pk=document.pk)


@pytest.fixture
def logged_media(client, demo):
    """Entries made through the admin: a hub lead edits and deletes schools' notes,
    an editor edits a leaflet; a superuser uploads a PD image."""
    leaflet = public_document("Programme leaflet")
    login(client, "editor")
    leaflet = edit_document(client, leaflet, "Programme leaflet 2027")
    login(client, "hublead")
    brookfield = edit_document(client, pd_document(BROOKFIELD), "Brookfield notes, signed")
    riverside = pd_document(RIVERSIDE)
    response = client.post(reverse("wagtaildocs:delete", args=[riverside.pk]))
    assert response.status_code == 302
    assert not Document.objects.filter(pk=riverside.pk).exists()
    image = pd_image(BROOKFIELD)
    log(image, "wagtail.create", user=hubdata.user("admin"))
    return {
        "leaflet": leaflet.title,
        "brookfield": brookfield.title,
        "riverside": riverside.title,
        "image": image.title,
    }


def test_document_and_image_entries_go_to_the_scoped_log_with_their_collection(logged_media):
    document = Document.objects.get(title=logged_media["brookfield"])
    entry = log_registry.get_logs_for_instance(document).filter(action="wagtail.edit").first()
    assert isinstance(entry, MediaLogEntry)
    assert entry.collection == document.collection
    assert entry.user == hubdata.user("hublead")
    assert not ModelLogEntry.objects.filter(
        content_type__in=[
            ContentType.objects.get_for_model(Document),
            ContentType.objects.get_for_model(Image),
        ]
    ).exists()


@pytest.mark.parametrize("export", [None, "csv"])
def test_site_history_shows_pd_attachment_entries_to_hub_leads_and_never_to_editors(
    logged_media, export
):
    query = {"export": export} if export else {}
    editor = site_history("editor", **query)
    hub_lead = site_history("hublead", **query)
    admin = site_history("admin", **query)
    if export:
        editor, hub_lead, admin = csv_labels(editor), csv_labels(hub_lead), csv_labels(admin)
    pd_titles = (logged_media["brookfield"], logged_media["riverside"], logged_media["image"])
    # The editor's own leaflet shows to them: the report is not simply empty.
    assert logged_media["leaflet"] in editor
    for title in pd_titles:
        assert title not in editor, title
    # Hub leads see every school's notes, edited or deleted, and not the leaflet,
    # which their document permissions do not reach (nor the image: no image rights).
    assert logged_media["brookfield"] in hub_lead
    assert logged_media["riverside"] in hub_lead
    assert logged_media["leaflet"] not in hub_lead
    assert logged_media["image"] not in hub_lead
    for title in (*pd_titles, logged_media["leaflet"]):
        assert title in admin
    # Specialists and school leaders hold no document permission: not even their
    # own school's notes show to them (they fetch those by link).
    for username in PD_ROLES:
        seen = site_history(username, **query)
        for title in logged_media.values():
            assert title not in seen, (username, title)


def test_filtering_site_history_by_documents_shows_an_editor_no_pd_attachment(logged_media):
    content_type = ContentType.objects.get_for_model(Document)
    html = site_history("editor", object_type=content_type.pk)
    assert logged_media["leaflet"] in html
    assert logged_media["brookfield"] not in html
    assert logged_media["riverside"] not in html


def test_an_attachment_moved_out_of_a_schools_collection_keeps_its_past_hidden(
    client, logged_media
):
    """The titles it had in the school's collection stay with the hub leads: its
    history is shown to no one who could not see it wherever it was."""
    document = Document.objects.get(title=logged_media["brookfield"])
    document.collection = Collection.get_first_root_node()
    document.save()
    login(client, "admin")
    edit_document(client, document, "Blank visit notes form")
    html = site_history("editor")
    assert "Blank visit notes form" not in html
    assert logged_media["brookfield"] not in html
    # The document itself is the editor's now: the listing rule and the history
    # rule differ on purpose.
    assert (
        Document.objects.filter(pk=document.pk)
        .filter(
            pk__in=policy_registry.get_by_type(Document).instances_user_has_any_permission_for(
                hubdata.user("editor"), ["change"]
            )
        )
        .exists()
    )


def test_the_migration_moves_wagtails_document_and_image_entries_into_the_scoped_log(demo):
    migration = importlib.import_module("workflows.migrations.0013_media_log_entry")
    document = pd_document(BROOKFIELD)
    content_type = ContentType.objects.get_for_model(Document)
    common = {"content_type": content_type, "action": "wagtail.edit", "timestamp": timezone.now()}
    ModelLogEntry.objects.create(object_id=str(document.pk), label=document.title, **common)
    ModelLogEntry.objects.create(object_id="987654", label="Long gone notes", **common)
    school_entry = ModelLogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(School),
        object_id="1",
        label="Not a document",
        action="wagtail.edit",
        timestamp=timezone.now(),
    )
    migration.documents_and_images_to_media_log(django_apps, None)
    moved = {entry.label: entry for entry in MediaLogEntry.objects.all()}
    assert set(moved) == {document.title, "Long gone notes"}
    assert moved[document.title].collection_id == document.collection_id
    assert moved["Long gone notes"].collection_id is None
    assert not ModelLogEntry.objects.filter(content_type=content_type).exists()
    assert ModelLogEntry.objects.filter(pk=school_entry.pk).exists()
    # The entry of a document already gone is for superusers and hub leads only.
    assert "Long gone notes" not in site_history("editor")
    assert "Long gone notes" in site_history("hublead")
    migration.media_log_to_documents_and_images(django_apps, None)
    assert not MediaLogEntry.objects.exists()
    back = ModelLogEntry.objects.filter(content_type=content_type)
    assert sorted(back.values_list("label", flat=True)) == sorted(
        [document.title, "Long gone notes"]
    )


# --- Images admin, upload forms and collections -------------------------------------


@pytest.fixture
def images(demo):
    return public_image(), pd_image(BROOKFIELD), pd_image(RIVERSIDE)


def test_wagtail_asks_our_policies_for_images_and_collections():
    assert isinstance(policy_registry.get_by_type(Image), PDAttachmentPermissionPolicy)
    assert isinstance(policy_registry.get_by_type(Collection), PDCollectionPermissionPolicy)


IMAGE_SCREENS = [
    ("wagtailimages:index", {}),
    ("wagtailimages:index_results", {"q": "photo"}),
    ("wagtailimages_chooser:choose", {}),
    ("wagtailimages_chooser:choose_results", {"q": "photo"}),
    ("wagtailimages:add", {}),
    ("wagtailimages:add_multiple", {}),
]


@pytest.mark.parametrize("name, query", IMAGE_SCREENS)
def test_editors_see_no_pd_collection_or_image_in_the_image_screens(client, images, name, query):
    public, *private = images
    login(client, "editor")
    response = client.get(reverse(name), query)
    assert response.status_code == 200
    html = text_of(response)
    assert_names_none(html, [image.title for image in private] + pd_names())
    if "add" not in name:
        assert public.title in html  # listings, choosers and searches show the public image
    else:
        # The upload form is there; with only "Root" left to offer, Wagtail drops
        # the collection field (it listed every school's collection before).
        assert 'type="file"' in html


def test_pd_images_open_to_superusers_and_hub_leads_with_image_rights_not_editors(client, images):
    _public, brookfield, riverside = images
    login(client, "editor")
    html = text_of(
        client.get(reverse("wagtailimages:index"), {"collection_id": brookfield.collection_id})
    )
    assert brookfield.title not in html
    for name in ("wagtailimages:edit", "wagtailimages:delete", "wagtailimages:image_usage"):
        assert client.get(reverse(name, args=[brookfield.pk])).status_code in DENIED
    chosen = client.get(reverse("wagtailimages_chooser:chosen", args=[brookfield.pk]))
    assert chosen.status_code in DENIED

    login(client, "admin")
    html = text_of(client.get(reverse("wagtailimages:index")))
    assert brookfield.title in html and riverside.title in html
    hub_leads = Group.objects.get(name="Hub leads")
    for codename in ("add_image", "change_image", "choose_image"):
        GroupCollectionPermission.objects.create(
            group=hub_leads,
            collection=pd_root(),
            permission=Permission.objects.get(
                content_type__app_label="wagtailimages", codename=codename
            ),
        )
    login(client, "hublead")
    html = text_of(client.get(reverse("wagtailimages:index")))
    assert brookfield.title in html and riverside.title in html
    upload_form = text_of(client.get(reverse("wagtailimages:add")))
    assert f"{BROOKFIELD} Brookfield" in upload_form
    assert client.get(reverse("wagtailimages:edit", args=[brookfield.pk])).status_code == 200


def test_uploading_a_duplicate_of_a_pd_image_does_not_name_it_to_an_editor(client, images):
    """Wagtail's multiple upload says "this image already exists" with its title."""
    _public, brookfield, _riverside = images
    login(client, "editor")
    copy = get_test_image_file("copy.png", colour=f"#{BROOKFIELD % 999:03d}")
    copy.seek(0)
    root = Collection.get_first_root_node()
    response = client.post(
        reverse("wagtailimages:add_multiple"), {"files[]": copy, "collection": root.pk}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["success"] and not data["duplicate"]
    assert brookfield.title not in response.content.decode()


def test_collections_screens_name_no_pd_collection_to_editors_even_with_collection_rights(
    client, demo
):
    login(client, "editor")
    assert client.get(reverse("wagtailadmin_collections:index")).status_code in DENIED
    editors = Group.objects.get(name="Editors")
    for codename in ("add_collection", "change_collection", "delete_collection"):
        GroupCollectionPermission.objects.create(
            group=editors,
            collection=Collection.get_first_root_node(),
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    leaflets = Collection.get_first_root_node().add_child(name="Leaflets")
    login(client, "editor")
    html = text_of(client.get(reverse("wagtailadmin_collections:index")))
    assert leaflets.name in html
    assert_names_none(html, pd_names())
    add_form = text_of(client.get(reverse("wagtailadmin_collections:add")))
    assert_names_none(add_form, pd_names())
    brookfield = school_collection(School.objects.get(urn=BROOKFIELD))
    # Nor may they open them, or lift the login restriction on "PD attachments".
    for name in (
        "wagtailadmin_collections:edit",
        "wagtailadmin_collections:delete",
        "wagtailadmin_collections:set_privacy",
    ):
        for collection in (brookfield, pd_root()):
            response = client.get(reverse(name, args=[collection.pk]))
            assert response.status_code in DENIED, (name, collection)
            response = client.post(
                reverse(name, args=[collection.pk]), {"restriction_type": "none"}
            )
            assert response.status_code in DENIED, (name, collection)
    assert Collection.objects.filter(pk=brookfield.pk, name=brookfield.name).exists()
    assert CollectionViewRestriction.objects.filter(collection=pd_root()).exists()
    login(client, "admin")
    assert brookfield.name in text_of(client.get(reverse("wagtailadmin_collections:index")))


@pytest.mark.parametrize(
    "username, own_urn",
    [("editor", None), ("specialist", BROOKFIELD), ("head", BROOKFIELD), ("head2", RIVERSIDE)],
)
def test_the_admin_api_lists_images_by_the_same_rule_as_documents(
    client, images, username, own_urn
):
    """Every role reaches /admin/api/: no other school's image, as for documents."""
    public, brookfield, riverside = images
    own = {BROOKFIELD: brookfield, RIVERSIDE: riverside}.get(own_urn)
    login(client, username)
    listing = client.get("/admin/api/main/images/?limit=20").json()
    titles = {item["title"] for item in listing["items"]}
    assert titles == {public.title} | ({own.title} if own else set())
    for image in (brookfield, riverside):
        if image is not own:
            assert client.get(f"/admin/api/main/images/{image.pk}/").status_code == 404
