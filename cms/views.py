from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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
