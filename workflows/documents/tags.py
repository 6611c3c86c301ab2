"""Tags of PD attachments, kept from those who may not see the attachments.

A tag is text someone typed about a file ("Riverside safeguarding concern"), so a
tag used on a school's private document or image names that school's business.
Wagtail offers tags without asking who may see what is tagged: its tag
autocomplete answers every admin user from every tag in the database, and the
documents and images listings offer the ten most used tags of the model as a
filter. Here both leave out every tag used on a document or image the user may
not see (by the PD attachments rule of :mod:`workflows.documents.private`), served at
Wagtail's own addresses through the ``override_admin_urls`` hook.
"""

import json

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.http import JsonResponse
from django.urls import path

from taggit.models import Tag
from wagtail import hooks
from wagtail.admin.views import tags as wagtail_tags
from wagtail.documents import get_document_model
from wagtail.documents.views import documents as document_views
from wagtail.images import get_image_model
from wagtail.images.views import images as image_views

from cms.admin_urls import OVERRIDE_HOOK
from workflows.documents.private import hidden_pd_collection_ids


def hidden_tags(user):
    """Tags used on any document or image in a PD collection hidden from ``user``."""
    hidden = hidden_pd_collection_ids(user)
    if not hidden:
        return Tag.objects.none()
    q = Q(pk__in=[])
    for model in (get_document_model(), get_image_model()):
        q |= Q(
            taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(model),
            taggit_taggeditem_items__object_id__in=model.objects.filter(
                collection_id__in=hidden
            ).values("pk"),
        )
    return Tag.objects.filter(q)


def tag_autocomplete(request, app_name=None, model_name=None):
    """Wagtail's tag autocomplete, less the tags of attachments hidden from the user."""
    response = wagtail_tags.autocomplete(request, app_name=app_name, model_name=model_name)
    hidden = set(hidden_tags(request.user).values_list("name", flat=True))
    if not hidden:
        return response

    names = [name for name in json.loads(response.content) if name not in hidden]
    return JsonResponse(names, safe=False)


class VisibleTagsFilterSetMixin:
    """The listing's "Tag" filter offers the most used tags of what the user may see."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        tag_filter = self.filters.get("tag")
        if tag_filter is None or request is None:
            return
        model = self._meta.model
        popular = (
            Tag.objects.filter(
                taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(model)
            )
            .exclude(pk__in=hidden_tags(request.user).values("pk"))
            .annotate(item_count=Count("taggit_taggeditem_items"))
            .order_by("-item_count")[:10]
        )
        choices = [(tag.name, tag.name) for tag in popular]
        if choices:
            tag_filter.extra["choices"] = choices
        else:
            del self.filters["tag"]


class DocumentsFilterSet(VisibleTagsFilterSetMixin, document_views.DocumentsFilterSet):
    pass


class ImagesFilterSet(VisibleTagsFilterSetMixin, image_views.ImagesFilterSet):
    pass


class DocumentIndexView(document_views.IndexView):
    filterset_class = DocumentsFilterSet


class ImageIndexView(image_views.IndexView):
    filterset_class = ImagesFilterSet


@hooks.register(OVERRIDE_HOOK)
def media_tag_urls():
    return [
        path("tag-autocomplete/", tag_autocomplete),
        path("tag-autocomplete/<slug:app_name>/<slug:model_name>/", tag_autocomplete),
        path("documents/", DocumentIndexView.as_view()),
        path("documents/results/", DocumentIndexView.as_view(results_only=True)),
        path("images/", ImageIndexView.as_view()),
        path("images/results/", ImageIndexView.as_view(results_only=True)),
    ]
