"""Uploads: oversize and wrong-type images and documents are refused with a clear message.

Uploaded through Wagtail's own admin forms by an editor, as people do. A refused
upload re-renders the form with the title that was typed and saves nothing.
"""

import io

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

import pytest
from PIL import Image as PILImage

pytestmark = pytest.mark.django_db

Document = get_document_model()
Image = get_image_model()
TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def editor_client(client, django_user_model):
    editor = django_user_model.objects.create_user("eddie", password="not-used-here-at-all")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    return client


def picture(image_format="PNG", size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("L", size).save(buffer, image_format)
    return buffer.getvalue()


def png(size=(40, 30)) -> bytes:
    return picture("PNG", size)


def upload_document(client, name, content, title="Visit handout"):
    return client.post(
        reverse("wagtaildocs:add"),
        {
            "title": title,
            "file": SimpleUploadedFile(name, content),
            "collection": Collection.get_first_root_node().pk,
            "tags": "",
        },
    )


def upload_image(client, name, content, title="Classroom photo"):
    return client.post(
        reverse("wagtailimages:add"),
        {
            "title": title,
            "file": SimpleUploadedFile(name, content),
            "collection": Collection.get_first_root_node().pk,
            "tags": "",
        },
    )


def refused(response, message, title):
    html = response.content.decode()
    assert response.status_code == 200, response.get("Location")
    assert message in html
    assert f'value="{title}"' in html  # what was typed is still there


def test_a_pdf_within_the_limit_is_accepted(editor_client):
    response = upload_document(editor_client, "handout.pdf", b"%PDF-1.4 small")
    assert response.status_code == 302
    assert Document.objects.get().title == "Visit handout"


@pytest.mark.parametrize("name", ["installer.exe", "page.html", "macro.docm", "drawing.svg"])
def test_a_document_of_another_type_is_refused(editor_client, name):
    response = upload_document(editor_client, name, b"MZ not a document")
    extension = name.rsplit(".", 1)[1]
    refused(response, f"File extension “{extension}” is not allowed.", "Visit handout")
    assert (
        "Allowed extensions are: csv, docx, jpeg, jpg, odt, pdf, png, pptx, xlsx."
        in response.content.decode()
    )
    assert not Document.objects.exists()


def test_a_document_over_ten_megabytes_is_refused(editor_client):
    response = upload_document(editor_client, "big.pdf", b"%PDF" + b"0" * (TEN_MB - 3))
    refused(
        response, "This file is too big (10.0\xa0MB). Maximum filesize 10.0\xa0MB.", "Visit handout"
    )
    assert not Document.objects.exists()


def test_a_png_within_the_limits_is_accepted(editor_client):
    response = upload_image(editor_client, "photo.png", png())
    assert response.status_code == 302
    assert Image.objects.get().width == 40


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "Not a supported image format. Supported formats: GIF, JPG, JPEG, PNG, WEBP.",
        ),
        ("scan.bmp", picture("BMP"), "Not a supported image format."),
        ("scan.tiff", picture("TIFF"), "Not a supported image format."),
        ("photo.png", b"this is text, not a picture", "Upload a valid image."),
    ],
)
def test_an_image_of_another_type_is_refused(editor_client, name, content, message):
    refused(upload_image(editor_client, name, content), message, "Classroom photo")
    assert not Image.objects.exists()


def test_an_image_over_ten_megabytes_is_refused(editor_client):
    content = png() + b"\0" * TEN_MB
    refused(
        upload_image(editor_client, "huge.png", content),
        "This file is too big",
        "Classroom photo",
    )
    assert not Image.objects.exists()


def test_a_small_file_that_unpacks_to_too_many_pixels_is_refused(editor_client):
    content = png(size=(8000, 6000))  # 48 million pixels in a few kilobytes
    assert len(content) < 200_000
    refused(
        upload_image(editor_client, "bomb.png", content),
        "This file has too many pixels (48000000). Maximum pixels 40000000.",
        "Classroom photo",
    )
    assert not Image.objects.exists()
