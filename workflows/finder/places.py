"""Places on the British National Grid, from the hub's own schools: no network, no gazetteer.

GIAS gives each school an easting and northing in metres on the Ordnance Survey
National Grid, a flat projection of Great Britain; within a region its scale
error is under 0.1%, so straight-line distance is plain Pythagoras in metres.

A visitor's postcode is placed where the hub's schools say it is: at a school
with that full postcode, else at the middle of the schools in its sector
("LS6 2"), else of those in its district ("LS6"). A town is the middle of the
schools in that town. Nothing here names a school: only points leave.
"""

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.db.models.functions import Upper

from workflows.models import School

METRES_PER_MILE = 1609.344
#: The outward code (district) and, optionally, the inward code, whole or its first digit.
POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)(?: ?([0-9])([A-Z]{2})?)?$")
#: Something typed with a digit in it is meant as a postcode (no town name has one).
LOOKS_LIKE_POSTCODE_RE = re.compile(r"[0-9]")
#: The National Grid covers Great Britain within 700 km east and 1,300 km north.
MAX_EASTING, MAX_NORTHING = 700_000, 1_300_000


@dataclass(frozen=True)
class Point:
    easting: float
    northing: float

    def metres_to(self, other: "Point") -> float:
        return math.hypot(self.easting - other.easting, self.northing - other.northing)

    def miles_to(self, other: "Point") -> float:
        return self.metres_to(other) / METRES_PER_MILE


def centroid(points: Iterable[tuple[float, float]]) -> Point | None:
    """The middle (mean) of ``(easting, northing)`` pairs, or ``None`` for none."""
    points = list(points)
    if not points:
        return None
    return Point(sum(e for e, _ in points) / len(points), sum(n for _, n in points) / len(points))


def about_miles(miles: float) -> str:
    """Distance as people say it: "less than a mile", "about 1 mile", "about 12 miles"."""
    if miles < 0.75:
        return "less than a mile"
    rounded = max(round(miles), 1)
    return "about 1 mile" if rounded == 1 else f"about {rounded} miles"


@dataclass(frozen=True)
class Postcode:
    """A typed postcode, whole ("LS6 2AB"), to its sector ("LS6 2") or district ("LS6")."""

    district: str
    sector_digit: str = ""
    unit: str = ""

    @property
    def sector(self) -> str:
        return f"{self.district} {self.sector_digit}" if self.sector_digit else ""

    @property
    def full(self) -> str:
        return f"{self.sector}{self.unit}" if self.unit else ""

    def __str__(self) -> str:
        return self.full or self.sector or self.district


def parse_postcode(text: str) -> Postcode | None:
    """``"ls62ab"`` -> ``Postcode("LS6", "2", "AB")``; ``None`` when it is not one.

    Without the space "LS62" is ambiguous (district LS62, or LS6 sector 2); it is
    read as a district, as Royal Mail's own rule (the inward code is a digit and two
    letters) leaves it.
    """
    compact = "".join(text.upper().split())
    spaced = " ".join(text.upper().split())
    if len(compact) >= 5 and compact[-2:].isalpha() and compact[-3].isdigit():
        spaced = f"{compact[:-3]} {compact[-3:]}"  # a whole postcode typed without its space
    match = POSTCODE_RE.match(spaced)
    if not match:
        return None
    district, digit, unit = match.groups()
    return Postcode(district, digit or "", unit or "")


def looks_like_postcode(text: str) -> bool:
    return bool(LOOKS_LIKE_POSTCODE_RE.search(text))


@dataclass(frozen=True)
class Placed:
    """Where a search was placed and how closely: "postcode", "sector" or "district"."""

    point: Point
    precision: str
    label: str


def place_postcode(postcode: Postcode) -> Placed | None:
    """Place ``postcode`` at the hub's schools' coordinates (one query), or ``None``.

    Reads only the schools of its district (a few hundred at most nationally) and
    only their postcode and coordinates.
    """
    rows = School.objects.filter(
        postcode__istartswith=f"{postcode.district} ",
        easting__isnull=False,
        northing__isnull=False,
    ).values_list("postcode", "easting", "northing")
    full, sector, district = [], [], []
    for code, easting, northing in rows:
        code = " ".join(code.upper().split())
        district.append((easting, northing))
        if postcode.sector and code.startswith(postcode.sector):
            sector.append((easting, northing))
            if postcode.full and code == postcode.full:
                full.append((easting, northing))
    for points, precision, label in (
        (full, "postcode", postcode.full),
        (sector, "sector", postcode.sector),
        (district, "district", postcode.district),
    ):
        if label and points:
            return Placed(centroid(points), precision, label)
    return None


def place_town(town: str) -> Placed | None:
    """Place ``town`` at the middle of the hub's schools there (one query), or ``None``."""
    rows = (
        School.objects.annotate(town_upper=Upper("town"))
        .filter(town_upper=town.upper(), easting__isnull=False, northing__isnull=False)
        .values_list("easting", "northing")
    )
    point = centroid(rows)
    return Placed(point, "town", town) if point else None


def town_and_area_points(towns: Iterable[str], areas: Iterable[str]) -> tuple[dict, dict]:
    """The middle of the hub's schools in each town and each local authority, in one query.

    :returns: ``({TOWN: Point}, {AREA: Point})`` keyed in capitals; a town or area
        with no school that has coordinates is left out.
    """
    towns = {t.upper() for t in towns if t}
    areas = {a.upper() for a in areas if a}
    if not towns and not areas:
        return {}, {}
    # Sums and counts per (town, authority) pair: a handful of rows, however many schools.
    rows = (
        School.objects.annotate(town_upper=Upper("town"), area_upper=Upper("local_authority"))
        .filter(Q(town_upper__in=towns) | Q(area_upper__in=areas))
        .filter(easting__isnull=False, northing__isnull=False)
        .values("town_upper", "area_upper")
        .annotate(n=Count("pk"), e=Sum("easting"), no=Sum("northing"))
        .order_by()
    )
    by_town, by_area = defaultdict(lambda: [0, 0, 0]), defaultdict(lambda: [0, 0, 0])
    for row in rows:
        for key, wanted, sums in (
            (row["town_upper"], towns, by_town),
            (row["area_upper"], areas, by_area),
        ):
            if key in wanted:
                total = sums[key]
                total[0] += row["n"]
                total[1] += row["e"]
                total[2] += row["no"]
    return (
        {key: Point(e / n, no / n) for key, (n, e, no) in by_town.items()},
        {key: Point(e / n, no / n) for key, (n, e, no) in by_area.items()},
    )
