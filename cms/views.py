import posixpath

from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Answer 200 only when the database answers, for load balancers and uptime checks.

    :returns: ``200 ok`` or ``503 database unavailable``, as plain text.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Send ``/favicon.ico`` to the site's icon, which browsers ask for whatever a page says.

    Resolved per request, not at import, so production's hashed file name comes from
    the manifest ``collectstatic`` wrote.
    """
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


# Where Wagtail stores images (originals, renditions) and admin profile pictures
# under MEDIA_ROOT: public by nature, unlike "documents/".
PUBLIC_MEDIA_FOLDERS = ("original_images", "images", "avatar_images")


def dev_media(request: HttpRequest, path: str, document_root=None, show_indexes=False):
    """Serve images from ``MEDIA_ROOT`` under ``runserver``; answer 404 for everything else.

    Only ``cms/urls.py`` with ``DEBUG`` on routes ``/media/`` here (in production the
    web server or the bucket serves images). Documents must never come from here:
    a private PD attachment is checked by Wagtail's serve view
    (``/documents/<id>/<filename>``), and a plain file URL would skip the check. So
    only the image folders are served, an allow-list: a folder added later stays
    private until someone decides otherwise. The path is normalised as Django's
    ``serve`` does before the folder is read, so ``original_images/../documents/``
    is refused too.
    """
    folder = posixpath.normpath(path).lstrip("/").split("/", 1)[0]
    if folder not in PUBLIC_MEDIA_FOLDERS:
        raise Http404("Only images are served from /media/; documents are at /documents/.")
    return serve(request, path, document_root=document_root, show_indexes=False)
