"""``make run`` serves images from /media/, never documents.

With ``DEBUG`` on (``cms.settings.dev``), ``cms/urls.py`` serves ``MEDIA_ROOT`` itself.
A document's file there would skip Wagtail's serve view, where a private PD
attachment is checked (``workflows.documents.private``). So the dev server must answer 404
for documents and still show images and renditions. The URLconf is rebuilt here
with ``DEBUG`` on, as the dev server builds it, and rebuilt again afterwards.
"""

import importlib
import io

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.test import override_settings
from django.urls import clear_url_caches

from wagtail.documents import get_document_model
from wagtail.images import get_image_model

import pytest
from PIL import Image as PILImage

import cms.urls
from cms.views import PUBLIC_MEDIA_FOLDERS

pytestmark = pytest.mark.django_db

Document = get_document_model()
Image = get_image_model()
BROOKFIELD = 990101


def rebuild_urls():
    importlib.reload(cms.urls)
    clear_url_caches()


@pytest.fixture
def dev_urls():
    """The URLconf as ``manage.py runserver`` with ``cms.settings.dev`` builds it."""
    try:
        with override_settings(DEBUG=True):
            rebuild_urls()
            yield
    finally:
        rebuild_urls()  # back to the URLconf without DEBUG, for the tests that follow


@pytest.fixture
def image():
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), "teal").save(buffer, "PNG")
    picture = Image(title="Classroom")
    picture.file.save("classroom.png", ImageFile(buffer, name="classroom.png"), save=False)
    picture.save()
    return picture


def media_url(file) -> str:
    return f"/media/{file.name}"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_private_pd_attachment_is_not_served_from_media(client, demo, dev_urls):
    document = Document.objects.get(collection__name__startswith=f"{BROOKFIELD} ")
    assert document.file.name.startswith("documents/")
    assert document.file.storage.exists(document.file.name)  # the file is there to serve
    assert client.get(media_url(document.file)).status_code == 404
    # Its only address is Wagtail's serve view, which sends visitors to the login.
    response = client.get(document.url)
    assert response.status_code == 302
    assert "/login/?next=" in response["Location"]


def test_no_document_is_served_from_media_even_a_public_one(client, dev_urls):
    document = Document(title="Leaflet")
    document.file.save("leaflet.pdf", ContentFile(b"%PDF-1.4 public leaflet"), save=False)
    document.save()
    assert client.get(media_url(document.file)).status_code == 404
    assert body(client.get(document.url)) == b"%PDF-1.4 public leaflet"


def test_images_and_renditions_are_served_from_media(client, image, dev_urls):
    response = client.get(media_url(image.file))
    assert media_url(image.file).startswith("/media/original_images/")
    assert response.status_code == 200
    assert body(response) == image.file.open("rb").read()
    rendition = image.get_rendition("fill-20x20")
    assert rendition.url.startswith("/media/images/")
    assert client.get(rendition.url).status_code == 200


@pytest.mark.parametrize(
    "route",
    [
        "/media/original_images/../documents/{name}",
        "/media/images/%2e%2e/documents/{name}",
        "/media/./documents/{name}",
        "/media//documents/{name}",
    ],
)
def test_a_path_that_climbs_from_an_image_folder_to_documents_is_refused(client, dev_urls, route):
    document = Document(title="Notes")
    document.file.save("notes.pdf", ContentFile(b"%PDF-1.4 notes"), save=False)
    document.save()
    name = document.file.name.removeprefix("documents/")
    assert client.get(route.format(name=name)).status_code == 404


def test_the_served_folders_are_where_wagtail_puts_images_avatars_not_documents():
    """If Wagtail moved its images, dev would stop showing them: this says so first."""
    from wagtail.users.models import upload_avatar_to

    rendition_model = Image.get_rendition_model()
    folders = {
        Image().get_upload_to("a.png").split("/")[0],
        rendition_model().get_upload_to("a.png").split("/")[0],
        upload_avatar_to(None, "a.png").split("/")[0],
    }
    assert folders == set(PUBLIC_MEDIA_FOLDERS)
    assert Document._meta.get_field("file").upload_to not in PUBLIC_MEDIA_FOLDERS


def test_without_debug_nothing_is_served_from_media(client, image):
    """Production leaves /media/ to the web server, with documents/ kept out of it."""
    assert client.get(media_url(image.file)).status_code == 404
