"""Public views of the PD domain: the application form, the school type-ahead and
the Work Group finder. Anonymous visitors use them, so none of them shows a
person's name or address, and each costs a fixed number of queries.
"""

import logging
import re
from dataclasses import dataclass
from datetime import date

from django.core import signing
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from wagtail.models import Page

from cms.security import client_ip
from programmes.models import ProgrammePage
from workflows.applications.emails import send_application_received
from workflows.applications.forms import (
    ApplicationForm,
    DuplicateApplication,
    hub_email_link,
    normalise_postcode,
    open_schools,
)
from workflows.applications.models import new_reference
from workflows.models import WorkGroup
from workflows.shared.fields import academic_year_of, validate_academic_year

logger = logging.getLogger(__name__)

#: Complete applications (saved, or refused because of the school's history) allowed
#: from one IP address per window; then a friendly 429.
RATE_LIMIT = 5
RATE_WINDOW_SECONDS = 60 * 60
DONE_SALT = "workflows.application_done"
DONE_MAX_AGE = 7 * 24 * 60 * 60
SEARCH_RESULTS = 10
FINDER_STATUSES = (WorkGroup.Status.RECRUITING, WorkGroup.Status.RUNNING, WorkGroup.Status.PLANNING)


# The application window -------------------------------------------------------------


@dataclass
class ApplicationWindow:
    """Whether a programme takes applications today, and for which academic year."""

    status: str  # "open", "opening" or "closed", as ProgrammePage.application_status says
    opens: date | None
    closes: date | None
    academic_year: str

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def next_academic_year(today: date) -> str:
    start = int(academic_year_of(today)[:4]) + 1
    return f"{start}/{(start + 1) % 100:02d}"


def application_window(programme, today: date | None = None) -> ApplicationWindow:
    """Read the window from the programme page, tolerating pages without one.

    The page's own ``application_status(today)`` decides open or closed; a page
    model without it is treated as open. The academic year is the page's
    ``academic_year`` when it holds a valid one, else the next academic year.
    """
    today = today or timezone.localdate()
    year = getattr(programme, "academic_year", "") or ""
    try:
        validate_academic_year(year)
    except ValidationError:
        year = next_academic_year(today)
    status_of = getattr(programme, "application_status", None)
    return ApplicationWindow(
        status=status_of(today) if callable(status_of) else "open",
        opens=getattr(programme, "application_opens", None),
        closes=getattr(programme, "application_closes", None),
        academic_year=year,
    )


def _programme_or_404(programme_id: int) -> ProgrammePage:
    return get_object_or_404(ProgrammePage.objects.live().public(), pk=programme_id)


# Rate limit -----------------------------------------------------------------------------


def _rate_key(request) -> str:
    # The address the sign-in lockout uses too: a forwarded header counts only as far as
    # the trusted proxies go, so a client cannot dodge the limit by writing one.
    return f"workflows:apply-rate:{client_ip(request)}"


def _counters():
    """The cache every worker sees: a per-worker count would let N workers take N times."""
    return caches["shared"]


def _over_rate_limit(request) -> bool:
    return (_counters().get(_rate_key(request)) or 0) >= RATE_LIMIT


def _count_submission(request) -> None:
    key = _rate_key(request)
    cache = _counters()
    if not cache.add(key, 1, RATE_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, RATE_WINDOW_SECONDS)


# The confirmation link ---------------------------------------------------------------


def done_url(reference: str, programme_id: int) -> str:
    """The confirmation page's address, signed so nobody can open another school's."""
    token = signing.dumps({"reference": reference, "programme": programme_id}, salt=DONE_SALT)
    return reverse("workflows:application_done", kwargs={"reference": reference}) + (
        f"?token={token}"
    )


def privacy_notice_url() -> str:
    page = Page.objects.live().public().filter(slug="privacy-notice").first()
    return (page.url if page else None) or "/privacy-notice/"


# Views ------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request, programme_id: int):
    """Show the application form for a programme, or save what was posted.

    A filled honeypot gets the same confirmation as a person but saves nothing,
    so the bot learns nothing; a sixth application from one address within the
    hour gets a 429 page; a closed window shows when it opens and refuses posts.

    A complete application refused because of the school's history counts towards
    that limit like a saved one: it is the only post that says anything about a
    school, so asking about many schools costs as much as applying for them.
    Mistakes cost nothing, and say nothing about the school.
    """
    programme = _programme_or_404(programme_id)
    window = application_window(programme)
    context = {"programme": programme, "window": window, "hub_email_link": hub_email_link()}
    if not window.is_open:
        status = 200 if request.method == "GET" else 403
        return render(request, "workflows/applications/apply_closed.html", context, status=status)

    if request.method == "POST":
        if _over_rate_limit(request):
            response = render(
                request, "workflows/applications/rate_limited.html", context, status=429
            )
            response["Retry-After"] = str(RATE_WINDOW_SECONDS)
            return response
        form = ApplicationForm(
            request.POST, programme=programme, academic_year=window.academic_year
        )
        if form.is_bot:
            _count_submission(request)
            return redirect(done_url(new_reference(), programme.pk))
        if form.is_valid():
            try:
                application = form.save()
            except DuplicateApplication:
                pass  # the form now carries the refusal; show it again
            else:
                _count_submission(request)
                send_application_received(application, list(application.participants.all()))
                return redirect(done_url(application.reference, programme.pk))
        if form.refused:
            _count_submission(request)
            # A trace for the hub if someone works through URNs; the visitor sees none of it.
            school = form.resolved_school
            logger.info(
                "Refused a complete application for %s, %s %s: the school may not apply again",
                f"URN {school.urn}" if school else "a school not in our list",
                programme.title,
                window.academic_year,
            )
    else:
        form = ApplicationForm(
            programme=programme,
            academic_year=window.academic_year,
            group=request.GET.get("group", ""),
        )

    context.update(
        form=form,
        teachers=form.teacher_fields(),
        privacy_url=privacy_notice_url(),
        search_url=reverse("workflows:school_search"),
    )
    return render(request, "workflows/applications/apply.html", context)


@never_cache
@require_GET
def application_done(request, reference: str):
    """The confirmation with the reference, for the holder of the signed link only."""
    try:
        data = signing.loads(request.GET.get("token", ""), salt=DONE_SALT, max_age=DONE_MAX_AGE)
    except signing.BadSignature:
        raise Http404("No such confirmation") from None
    if data.get("reference") != reference:
        raise Http404("No such confirmation")
    programme = ProgrammePage.objects.filter(pk=data.get("programme")).first()
    return render(
        request,
        "workflows/applications/application_done.html",
        {"reference": reference, "programme": programme},
    )


APOSTROPHES = "'\u2019\u2018`"


def _word_start(field: str, word: str) -> Q:
    """``field`` has a word starting with ``word`` (at the start, or after a space, - or ( )."""
    q = Q(**{f"{field}__istartswith": word})
    for before in (" ", "-", "("):
        q |= Q(**{f"{field}__icontains": f"{before}{word}"})
    return q


def _name_word(word: str) -> Q:
    q = _word_start("name", word)
    if len(word) > 3 and word[-1] in "sS":
        # People type "st marys" for "St Mary's" or GIAS's "St Mary\u2019s".
        for apostrophe in ("'", "\u2019"):
            q |= _word_start("name", f"{word[:-1]}{apostrophe}{word[-1]}")
    return q


def search_schools(text: str) -> list[dict]:
    """Up to ten open schools matching ``text`` by name, town, local authority, URN or postcode.

    One query. Punctuation is ignored ("St. Mary", "St Mary's" and "st marys" are the
    same search), and every word must start a word of the name, town or local
    authority, so "st mary" does not find "Kirkstall Valley Primary". Ranked: the
    exact URN, then names starting with the text, then names with every word, then
    schools in that town or authority, then names merely containing the text.
    Only public GIAS facts are returned: no head teacher, no contact.
    """
    plain = re.sub(f"[{APOSTROPHES}]", "", text)
    words = re.findall(r"[^\W_]+", plain)[:5]
    if not words:
        return []
    phrase = " ".join(words)
    name_words = Q()
    any_field_words = Q()
    for word in words:
        name_words &= _name_word(word)
        any_field_words &= (
            _name_word(word) | _word_start("town", word) | _word_start("local_authority", word)
        )
    starts = Q(name__istartswith=phrase)
    if words[0].lower() == "st" and len(words) > 1:
        starts |= Q(name__istartswith=f"St. {' '.join(words[1:])}")
    contains = Q(name__icontains=phrase)
    match = any_field_words | contains
    compact = "".join(text.split())
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    number = compact.isascii() and compact.isdigit()
    if number and len(compact) <= 6:
        scale = 10 ** (6 - len(compact))
        match |= Q(urn__gte=int(compact) * scale, urn__lt=(int(compact) + 1) * scale)
    if re.match(r"^[A-Za-z]{1,2}\d", compact) and len(compact) <= 8:
        prefix = normalise_postcode(compact) if len(compact) >= 5 else compact.upper()
        match |= Q(postcode__istartswith=prefix)
    first = [When(urn=int(compact), then=Value(0))] if number and len(compact) <= 6 else []
    rank = Case(
        *first,
        When(starts, then=Value(1)),
        When(name_words, then=Value(2)),
        When(any_field_words, then=Value(3)),
        When(contains, then=Value(4)),
        default=Value(5),
        output_field=IntegerField(),
    )
    return list(
        open_schools()
        .filter(match)
        .annotate(rank=rank)
        .order_by("rank", "name")
        .values("urn", "name", "town", "postcode", "local_authority")[:SEARCH_RESULTS]
    )


@require_GET
def school_search(request):
    """JSON for the type-ahead: ``{"results": [{urn, name, town, postcode, local_authority}]}``.

    Fewer than two characters answer at once with no query. Answers may be cached by
    the browser for five minutes, so a visitor typing and deleting costs nothing.
    """
    text = " ".join(request.GET.get("q", "").split())[:100]
    results = search_schools(text) if len(text) >= 2 else []
    response = JsonResponse({"results": results})
    response["Cache-Control"] = "public, max-age=300"
    return response


def finder_rows(programme: ProgrammePage, academic_year: str) -> list[dict]:
    """The public facts of a programme's groups in a year, with places left, in one query.

    Only ``values()`` leave here, so a template cannot reach the specialist or the
    schools however it is edited. This is the one deliberate exception to scoping
    through ``workflows.permissions``: anonymous visitors have no scope, and what
    they get is a public projection (no person, no school), not a PD record.
    """
    rows = (
        WorkGroup.objects.with_places()
        .filter(stage=programme, academic_year=academic_year, status__in=FINDER_STATUSES)
        .annotate(places=Coalesce("capacity", Value(programme.group_size_max)))
        .order_by("area", "meeting_town", "name")
        .values("name", "area", "meeting_town", "status", "places_taken", "places")
    )
    labels = dict(WorkGroup.Status.choices)
    return [
        {
            "name": row["name"],
            "area": row["area"],
            "meeting_town": row["meeting_town"],
            "status": labels.get(row["status"], row["status"]),
            "places_left": max(row["places"] - row["places_taken"], 0),
        }
        for row in rows
    ]


@require_GET
def work_group_finder(request, programme_id: int):
    """A programme's groups in one academic year with area, town, status and places left.

    It opens on the year the programme's applications are for (the page's
    ``academic_year``), since that is what a school deciding to apply needs;
    ``?year=2026/27`` shows another year, and the page links every year that has
    groups (one more query, however many years).
    """
    programme = _programme_or_404(programme_id)
    window = application_window(programme)
    year = request.GET.get("year", "")
    try:
        validate_academic_year(year)
    except ValidationError:
        year = window.academic_year
    years = set(
        WorkGroup.objects.filter(stage=programme, status__in=FINDER_STATUSES)
        .values_list("academic_year", flat=True)
        .distinct()
    )
    years |= {window.academic_year}
    context = {
        "programme": programme,
        "academic_year": year,
        "groups": finder_rows(programme, year),
        "window": window,
        "other_years": sorted(years - {year}, reverse=True),
        "apply_url": reverse("workflows:apply", kwargs={"programme_id": programme.pk})
        if window.is_open
        else "",
    }
    return render(request, "workflows/finder/programme_finder.html", context)
