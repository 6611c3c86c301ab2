"""The hub-wide Work Group finder at ``/work-groups/`` (``workflows:finder``).

Anonymous visitors use it, so, like the per-programme finder, it shows only a
public projection of each group (name, programme, area, meeting town, status,
places left) built from ``values()``: no person and no school name can reach the
template. Its cost is fixed however many groups, schools or programmes there are:
six queries with a search (the programmes and their view restrictions, the years,
the groups, where the place typed is, where the groups meet).

Where a group is, for its distance: the middle of the hub's schools in the town it
meets in, else of those in the area (local authority) it serves. Not the middle of
its enrolled schools: visitors travel to the meetings, the meeting town is already
public on this page, and a point computed from a group's one or two members could
be walked back (by searching from a few postcodes) to which school joined it.
"""

from collections import Counter
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from programmes.models import ProgrammePage
from workflows.applications.public_views import FINDER_STATUSES, application_window
from workflows.finder.places import (
    about_miles,
    looks_like_postcode,
    parse_postcode,
    place_postcode,
    place_town,
    town_and_area_points,
)
from workflows.models import WorkGroup
from workflows.shared.fields import validate_academic_year

#: Groups a school can ask to join: not completed, with a place left.
TAKING_SCHOOLS = (WorkGroup.Status.RECRUITING, WorkGroup.Status.PLANNING, WorkGroup.Status.RUNNING)


class FinderForm(forms.Form):
    """The finder's search: where, which programme, which year (carried, not typed)."""

    near = forms.CharField(
        label="Postcode or town",
        required=False,
        max_length=60,
        help_text="For example, LS6 2AB, LS6 or Halifax.",
        error_messages={"max_length": "Enter a postcode or a town of 60 characters or fewer"},
    )
    programme = forms.TypedChoiceField(
        label="Programme",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a programme from the list"},
    )
    year = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "All programmes")] + [
            (p.pk, p.title) for p in programmes
        ]
        near = self.fields["near"].widget.attrs
        near.update(
            {
                "class": "form-control form-control--medium",
                "aria-describedby": "id_near-hint",
                "autocomplete": "postal-code",
                "spellcheck": "false",
            }
        )
        self.fields["programme"].widget.attrs["class"] = "form-control form-control--medium"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                hint = "id_near-hint " if name == "near" else ""
                attrs["aria-describedby"] = f"{hint}id_{name}-error"
                attrs["aria-invalid"] = "true"

    def clean_near(self) -> str:
        text = " ".join(self.cleaned_data["near"].split())
        if text and looks_like_postcode(text) and parse_postcode(text) is None:
            raise ValidationError(
                f"{text} is not a postcode we recognise: enter one like LS6 2AB or LS6, "
                "or the name of your town"
            )
        return text

    def clean_year(self) -> str:
        year = self.cleaned_data["year"].strip()
        try:
            validate_academic_year(year)
        except ValidationError:
            return ""  # a mangled year link opens on the usual year; nothing to tell
        return year

    def not_placed(self, message: str) -> None:
        """Say the place typed could not be found, beside the box and in the summary."""
        self.add_error("near", message)
        attrs = self.fields["near"].widget.attrs
        attrs["aria-describedby"] = "id_near-hint id_near-error"
        attrs["aria-invalid"] = "true"


def _start(year: str) -> int:
    return int(year[:4])


def nearest_year(reference: str, years: set[str]) -> str:
    """``reference`` if it has groups, else the year with groups closest to it (later on a tie)."""
    if reference in years or not years:
        return reference
    return min(years, key=lambda y: (abs(_start(y) - _start(reference)), -_start(y)))


def _reference_year(programmes, chosen) -> str:
    """The year applications are for: the chosen programme's, else most programmes'."""
    if chosen is not None:
        return application_window(chosen).academic_year
    counts = Counter(application_window(p).academic_year for p in programmes)
    return min(counts, key=lambda y: (-counts[y], y)) if counts else ""


def finder_groups(programme_ids, year: str) -> list[dict]:
    """Public facts of the groups of ``programme_ids`` in ``year``, one query."""
    return list(
        WorkGroup.objects.with_places()
        .filter(stage_id__in=programme_ids, academic_year=year, status__in=FINDER_STATUSES)
        .annotate(places=Coalesce("capacity", F("stage__group_size_max"), Value(0)))
        .order_by("area", "meeting_town", "name")
        .values(
            "code",
            "name",
            "stage_id",
            "academic_year",
            "area",
            "meeting_town",
            "status",
            "places_taken",
            "places",
        )
    )


def _query(**params) -> str:
    return urlencode({key: value for key, value in params.items() if value})


@require_GET
def finder(request):
    """Every programme's Work Groups in one year, nearest first when a place is typed.

    Opens on the year applications are for when it has groups, else the nearest
    year that has; links the other years with groups, keeping the search.
    """
    programmes = list(ProgrammePage.objects.live().public().order_by("stage_order", "title"))
    by_pk = {p.pk: p for p in programmes}
    form = FinderForm(request.GET or None, programmes=programmes)
    # Each field that is right is used even when another is not (a tampered programme
    # still searches the place typed); what is wrong is said in the summary.
    data = {}
    if form.is_bound:
        form.is_valid()  # cleaned_data keeps every field that passed
        data = form.cleaned_data
    chosen = by_pk.get(data.get("programme"))
    scope = [chosen.pk] if chosen else list(by_pk)

    years = set(
        WorkGroup.objects.filter(stage_id__in=scope, status__in=FINDER_STATUSES)
        .values_list("academic_year", flat=True)
        .distinct()
    )
    reference = _reference_year(programmes, chosen)
    year = data.get("year") or nearest_year(reference, years)
    rows = finder_groups(scope, year) if year else []

    near = data.get("near", "")
    placed = None
    if near:
        postcode = parse_postcode(near) if looks_like_postcode(near) else None
        if postcode is not None:
            placed = place_postcode(postcode)
            if placed is None:
                form.not_placed(
                    f"We couldn't find {postcode} among our schools' postcodes; try your town"
                )
        else:
            placed = place_town(near)
            if placed is None and not any(
                row["meeting_town"].upper() == near.upper() for row in rows
            ):
                form.not_placed(
                    f"We couldn't find {near} among our schools' towns; "
                    "try your postcode or a nearby town"
                )
            elif placed is None:
                # No school there has coordinates, but groups meet there: show those.
                rows = [row for row in rows if row["meeting_town"].upper() == near.upper()]

    groups = _public_rows(rows, by_pk, placed)
    other_years = sorted(years - {year}, reverse=True)
    context = {
        "form": form,
        "programmes": programmes,
        "chosen": chosen,
        "academic_year": year,
        "reference_year": reference,
        "groups": groups,
        "placed": placed,
        "near": near,
        "year_links": [
            (other, "?" + _query(near=near, programme=chosen.pk if chosen else "", year=other))
            for other in other_years
        ],
    }
    return render(request, "workflows/finder/finder.html", context)


def _public_rows(rows, programmes, placed) -> list[dict]:
    """Rows for the template: public fields, distance when placed, nearest first."""
    towns, areas = {}, {}
    if placed is not None:
        towns, areas = town_and_area_points(
            [row["meeting_town"] for row in rows], [row["area"] for row in rows]
        )
    labels = dict(WorkGroup.Status.choices)
    result = []
    for row in rows:
        programme = programmes[row["stage_id"]]
        window = application_window(programme)
        places_left = max(row["places"] - row["places_taken"], 0)
        point = towns.get(row["meeting_town"].upper()) or areas.get(row["area"].upper())
        miles = placed.point.miles_to(point) if placed is not None and point else None
        takes_applications = (
            window.is_open
            and row["academic_year"] == window.academic_year
            and row["status"] in TAKING_SCHOOLS
            and places_left > 0
        )
        apply_url = ""
        if takes_applications:
            apply_url = (
                reverse("workflows:apply", kwargs={"programme_id": programme.pk})
                + "?"
                + _query(group=row["code"])
            )
        result.append(
            {
                "name": row["name"],
                "programme": programme.title,
                "area": row["area"],
                "meeting_town": row["meeting_town"],
                "status": labels.get(row["status"], row["status"]),
                "places_left": places_left,
                "miles": miles,
                "distance": about_miles(miles) if miles is not None else "",
                "apply_url": apply_url,
            }
        )
    if placed is not None:
        # Nearest first; groups we cannot place go last, in their usual order.
        result.sort(key=lambda row: (row["miles"] is None, row["miles"] or 0))
    return result
