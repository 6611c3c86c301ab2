"""Tags typed on a school's private attachment reach only those who may see it.

Wagtail's tag autocomplete and the "Tag" filter of the documents and images
listings offered every tag in the database to every admin user, so a tag such as
"Riverside safeguarding concern" on a PD attachment read out to an editor.
"""

from django.urls import reverse

from wagtail.documents import get_document_model
from wagtail.images import get_image_model

import pytest

from tests.workflows import hubdata
from tests.workflows.test_wagtail_media_scope import (
    RIVERSIDE,
    pd_document,
    pd_image,
    public_document,
    public_image,
)

pytestmark = pytest.mark.django_db

SECRET = "Riverside safeguarding concern"
PUBLIC = "Reasoning leaflet"


@pytest.fixture
def tagged(demo):
    for item in (pd_document(RIVERSIDE), pd_image(RIVERSIDE)):
        item.tags.add(SECRET)
    for item in (public_document(), public_image()):
        item.tags.add(PUBLIC)


def autocomplete(client, username, term, model=None):
    client.force_login(hubdata.user(username))
    if model is None:
        url = reverse("wagtailadmin_tag_autocomplete")
    else:
        url = reverse("wagtailadmin_tag_model_autocomplete", args=["taggit", "tag"])
    response = client.get(url, {"term": term})
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("username", ["editor", "specialist", "head"])
def test_tag_autocomplete_leaves_out_tags_of_hidden_attachments(client, tagged, username):
    assert SECRET not in autocomplete(client, username, "Riv")
    assert SECRET not in autocomplete(client, username, "Riv", model=True)
    assert PUBLIC in autocomplete(client, username, "Reas")


@pytest.mark.parametrize("username", ["hublead", "specialist2"])
def test_those_who_may_see_the_attachment_are_offered_its_tag(client, tagged, username):
    assert SECRET in autocomplete(client, username, "Riv")


@pytest.mark.parametrize("model", [get_document_model(), get_image_model()])
def test_the_listings_tag_filter_offers_an_editor_no_tag_of_an_attachment(client, tagged, model):
    client.force_login(hubdata.user("editor"))
    url = reverse("wagtaildocs:index" if model is get_document_model() else "wagtailimages:index")
    page = client.get(url).content.decode()
    assert PUBLIC in page and SECRET not in page
    client.force_login(hubdata.user("admin"))  # a superuser sees every attachment
    assert SECRET in client.get(url).content.decode()
