"""Import schools from the DfE's Get Information about Schools (GIAS) extract.

The national extract is about 50,000 rows by 140 columns, Windows-1252 encoded,
with dd-mm-yyyy dates, and its header changes between releases; so the importer

* detects the encoding (strict UTF-8, with or without a byte-order mark, else
  Windows-1252) with one streaming pass that holds no more than a chunk;
* reads columns by header name, never by position;
* streams rows through :mod:`csv` and upserts them in batches keyed by URN: one
  query fetches a batch's existing schools, new ones are ``bulk_create``-d and only
  schools whose GIAS-owned fields changed are updated (one prepared statement a
  batch), so a re-import of the same file writes nothing; each batch commits in
  its own transaction, so an interrupted import leaves whole batches that a
  re-run completes;
* remembers which URNs the file listed in a fixed-size bitmap (URNs are six digits),
  so peak memory does not grow with the file; after the last batch, schools the
  file no longer lists are marked ``missing_from_gias`` (never deleted: plans,
  enrolments and applications refer to them).

Filters (``phase``, ``status``, ``la``) say which schools this import is
responsible for:

* a row outside the filters never *adds* a school; but a school we already hold
  is still refreshed from its row whatever the filters, so a school that closes
  or changes phase is kept current;
* the "missing" sweep only looks at schools whose stored values match the
  filters. Importing a Leeds-only download with ``--la Leeds`` therefore never
  marks Bradford's schools missing. Without filters the file is taken to be the
  whole national extract and every school it does not list is marked missing.

Fields the hub owns (leaders, contact email, notes) are never read or written.
"""

import codecs
import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from workflows.models import School

#: GIAS column name -> School field; the importer reads these and nothing else.
COLUMNS = {
    "URN": "urn",
    "LA (code)": "la_code",
    "LA (name)": "local_authority",
    "EstablishmentNumber": "establishment_number",
    "EstablishmentName": "name",
    "TypeOfEstablishment (name)": "establishment_type",
    "EstablishmentStatus (name)": "status",
    "PhaseOfEducation (name)": "phase",
    "Street": "street",
    "Town": "town",
    "Postcode": "postcode",
    "HeadTitle (name)": "head_title",
    "HeadFirstName": "head_first_name",
    "HeadLastName": "head_last_name",
    "OpenDate": "opened_on",
    "CloseDate": "closed_on",
    "Easting": "easting",
    "Northing": "northing",
}
REQUIRED_COLUMNS = ("URN", "EstablishmentName")
DATE_FIELDS = {"opened_on", "closed_on"}
#: National Grid coordinates in metres; GIAS leaves them blank (or 0) when unknown.
GRID_FIELDS = {"easting": 700_000, "northing": 1_300_000}
GRID_RE = re.compile(r"^[0-9]{1,7}$")
# ASCII digits only (``\d`` would take Arabic-Indic or superscript digits), and no
# leading zero: URNs start at 100000, so "099999" is not one (it would also fall
# outside the URN bitmap and the database's check constraint).
URN_RE = re.compile(r"^[1-9][0-9]{5}$")
DATE_RE = re.compile(r"^([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})$")
BATCH_SIZE = 2000
MAX_LENGTHS = {
    name: School._meta.get_field(name).max_length
    for name in COLUMNS.values()
    if School._meta.get_field(name).max_length
}
FIRST_URN, LAST_URN = 100000, 999999


class NotAGiasFile(Exception):
    """The file lacks the columns every GIAS extract has; nothing was written."""


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    filtered_out: int = 0
    marked_missing: int = 0
    bad_rows: int = 0
    encoding: str = ""

    def summary(self) -> str:
        parts = [
            f"{self.added:,} added",
            f"{self.updated:,} updated",
            f"{self.unchanged:,} unchanged",
            f"{self.marked_missing:,} marked missing from GIAS",
        ]
        if self.filtered_out:
            parts.append(f"{self.filtered_out:,} rows outside the filters")
        if self.bad_rows:
            parts.append(f"{self.bad_rows:,} bad rows skipped")
        return ", ".join(parts) + "."


@dataclass
class Filters:
    """Case-insensitive filters on phase, status and local authority (name or code)."""

    phases: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    las: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.phases = [value.strip().casefold() for value in self.phases if value.strip()]
        self.statuses = [value.strip().casefold() for value in self.statuses if value.strip()]
        self.las = [value.strip().casefold() for value in self.las if value.strip()]

    def __bool__(self) -> bool:
        return bool(self.phases or self.statuses or self.las)

    def matches(self, values: dict) -> bool:
        """Whether a parsed row (School field -> value) falls within the filters."""
        if self.phases and values.get("phase", "").casefold() not in self.phases:
            return False
        if self.statuses and values.get("status", "").casefold() not in self.statuses:
            return False
        return not self.las or bool(
            {values.get("local_authority", "").casefold(), values.get("la_code", "").casefold()}
            & set(self.las)
        )

    def q(self) -> Q:
        """The same filters on stored schools, for the "missing" sweep."""
        q = Q()
        for attr, lookups in (
            ("phases", ["phase__iexact"]),
            ("statuses", ["status__iexact"]),
            ("las", ["local_authority__iexact", "la_code__iexact"]),
        ):
            values = getattr(self, attr)
            if values:
                any_of = Q(pk__in=[])
                for value in values:
                    for lookup in lookups:
                        any_of |= Q(**{lookup: value})
                q &= any_of
        return q


class UrnBitmap:
    """The set of six-digit URNs seen, in 113 KB whatever the file's size."""

    def __init__(self):
        self.bits = bytearray((LAST_URN - FIRST_URN) // 8 + 1)

    def add(self, urn: int) -> bool:
        """Mark ``urn`` seen; return False when it had been seen already."""
        offset = urn - FIRST_URN
        byte, mask = offset >> 3, 1 << (offset & 7)
        if self.bits[byte] & mask:
            return False
        self.bits[byte] |= mask
        return True

    def __contains__(self, urn: int) -> bool:
        offset = urn - FIRST_URN
        return 0 <= offset <= LAST_URN - FIRST_URN and bool(
            self.bits[offset >> 3] & (1 << (offset & 7))
        )


def detect_encoding(handle: BinaryIO, chunk_size: int = 1 << 20) -> str:
    """Return ``"utf-8-sig"`` if the whole stream decodes as strict UTF-8, else ``"cp1252"``.

    Decodes chunk by chunk with an incremental decoder, so a 50 MB file costs one
    fast pass and a megabyte of memory; the stream is rewound afterwards. The
    ``-sig`` codec drops a byte-order mark when there is one and is plain UTF-8
    when there is not.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    try:
        while chunk := handle.read(chunk_size):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
    handle.seek(0)
    return encoding


def parse_date(text: str) -> date | None:
    """Parse GIAS's ``dd-mm-yyyy``; raise ``ValueError`` for anything else or an impossible day."""
    if not text:
        return None
    match = DATE_RE.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a dd-mm-yyyy date")
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{text} is not a real date") from None


def parse_grid(text: str, limit: int) -> int | None:
    """Parse a National Grid easting or northing in whole metres; blank or 0 is unknown.

    :raises ValueError: for anything but digits, or a value beyond Great Britain's grid.
    """
    if text in ("", "0"):
        return None
    if not GRID_RE.match(text):
        raise ValueError(f"'{text}' is not a number of metres")
    value = int(text)
    if value > limit:
        raise ValueError(f"{value} is beyond the National Grid")
    return value or None


class GiasImporter:
    """Stream one GIAS extract into ``School``; see the module docstring for the rules.

    :param report_bad_row: called with ``(line_number, reason)`` for each skipped row.
    :param progress: called with ``(fraction_done, rows_read)`` after each batch.
    """

    def __init__(
        self,
        filters: Filters | None = None,
        *,
        batch_size: int = BATCH_SIZE,
        report_bad_row: Callable[[int, str], None] | None = None,
        progress: Callable[[float, int], None] | None = None,
    ):
        self.filters = filters or Filters()
        self.batch_size = batch_size
        self.report_bad_row = report_bad_row or (lambda line, reason: None)
        self.progress = progress or (lambda fraction, rows: None)
        self.result = ImportResult()
        self.seen = UrnBitmap()
        self.now = timezone.now()

    # Reading -----------------------------------------------------------------

    def run(self, handle: BinaryIO) -> ImportResult:
        """Import from a binary file object opened at its start."""
        self.result.encoding = detect_encoding(handle)
        size = handle.seek(0, io.SEEK_END) or 1
        handle.seek(0)
        # cp1252 leaves five bytes undefined; replace them rather than stop the import.
        text = io.TextIOWrapper(handle, encoding=self.result.encoding, errors="replace", newline="")
        try:
            reader = csv.reader(text)
            try:
                header = next(reader, None)
            except csv.Error:
                header = None  # e.g. a first "line" of megabytes: not a GIAS header
            positions = self._positions(header)
            rows_read = 0
            batch: dict[int, dict] = {}
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as error:
                    # A field over csv's size limit: skip that row and read on. The
                    # reader starts afresh on the next line.
                    rows_read += 1
                    self._bad(reader.line_num, f"it cannot be read as CSV ({error}).")
                    continue
                rows_read += 1
                values = self._parse(row, reader.line_num, len(header), positions)
                if values is not None:
                    batch[values["urn"]] = values
                if len(batch) >= self.batch_size:
                    self._write_batch(batch)
                    batch = {}
                    self.progress(min(handle.tell() / size, 1.0), rows_read)
            if batch:
                self._write_batch(batch)
            self.progress(1.0, rows_read)
        finally:
            text.detach()
        self._mark_missing()
        return self.result

    def _positions(self, header: list[str] | None) -> dict[str, int]:
        """Map each known column present to its index, or refuse a file that is not GIAS."""
        names = [name.strip() for name in header or []]
        if names:
            # A byte-order mark on a file that is otherwise not UTF-8 reads as "ï»¿".
            names[0] = names[0].removeprefix("\ufeff").removeprefix("\u00ef\u00bb\u00bf")
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if missing:
            raise NotAGiasFile(
                "This is not a GIAS establishment extract: its first line has no "
                + " or ".join(f"'{name}'" for name in missing)
                + " column, so nothing was imported."
            )
        return {COLUMNS[name]: names.index(name) for name in COLUMNS if name in names}

    def _parse(
        self, row: list[str], line: int, width: int, positions: dict[str, int]
    ) -> dict | None:
        """Return the row's School field values, or ``None`` when it is skipped."""
        if not row:
            return None  # a blank line
        if len(row) != width:
            return self._bad(line, f"it has {len(row)} columns where the header has {width}.")
        values = {name: row[index].strip() for name, index in positions.items()}
        if any("\x00" in value for value in values.values()):
            # PostgreSQL cannot store NUL in text; no real GIAS value holds one.
            return self._bad(line, "it contains a NUL character.")
        urn_text = values["urn"]
        if not urn_text:
            return self._bad(line, "the URN is missing.")
        if not URN_RE.match(urn_text):
            return self._bad(line, f"the URN '{urn_text}' is not a six-digit number.")
        urn = values["urn"] = int(urn_text)
        first_time = self.seen.add(urn)
        if not first_time:
            return self._bad(line, f"URN {urn} appears earlier in the file.")
        if not values["name"]:
            return self._bad(line, f"school {urn} has no EstablishmentName.")
        for name in DATE_FIELDS & values.keys():
            try:
                values[name] = parse_date(values[name])
            except ValueError as error:
                column = next(key for key, value in COLUMNS.items() if value == name)
                return self._bad(line, f"{column} {error}.")
        for name in GRID_FIELDS.keys() & values.keys():
            try:
                values[name] = parse_grid(values[name], GRID_FIELDS[name])
            except ValueError as error:
                column = next(key for key, value in COLUMNS.items() if value == name)
                return self._bad(line, f"{column} {error}.")
        for name, limit in MAX_LENGTHS.items():
            value = values.get(name)
            if isinstance(value, str) and len(value) > limit:
                return self._bad(line, f"{name} is longer than {limit} characters.")
        return values

    def _bad(self, line: int, reason: str) -> None:
        self.result.bad_rows += 1
        self.report_bad_row(line, reason)
        return None

    # Writing -----------------------------------------------------------------

    def _write_batch(self, batch: dict[int, dict]) -> None:
        """Upsert one batch in its own transaction: one read, at most two writes."""
        fields = [name for name in next(iter(batch.values())) if name != "urn"]
        with transaction.atomic():
            existing = School.objects.in_bulk(list(batch), field_name="urn")
            to_create, to_update = [], []
            for urn, values in batch.items():
                school = existing.get(urn)
                if school is None:
                    if self.filters.matches(values):
                        to_create.append(School(**values, gias_imported_at=self.now))
                    else:
                        self.result.filtered_out += 1
                    continue
                changed = school.missing_from_gias or any(
                    getattr(school, name) != values[name] for name in fields
                )
                if changed:
                    for name in fields:
                        setattr(school, name, values[name])
                    school.missing_from_gias = False
                    school.gias_imported_at = self.now
                    school.updated_at = self.now
                    to_update.append(school)
                else:
                    self.result.unchanged += 1
            if to_create:
                self._insert(to_create)
            if to_update:
                self._update(
                    to_update, [*fields, "missing_from_gias", "gias_imported_at", "updated_at"]
                )
        self.result.added += len(to_create)
        self.result.updated += len(to_update)

    # Django's bulk_create and bulk_update spend most of their time compiling SQL
    # (bulk_update's ``CASE WHEN pk = ...`` per column grows with the batch squared:
    # updating all 50,000 schools took five minutes on SQLite). One prepared
    # statement run by ``executemany`` does the same work in seconds on SQLite and
    # PostgreSQL alike (psycopg pipelines it). Values still go through each field's
    # ``get_db_prep_save``, so dates and times are adapted exactly as the ORM would.

    def _executemany(self, sql: str, rows: list[list]) -> None:
        with connections[router.db_for_write(School)].cursor() as cursor:
            cursor.executemany(sql, rows)

    def _insert(self, schools: list[School]) -> None:
        """Insert new schools with every concrete column (defaults included)."""
        connection = connections[router.db_for_write(School)]
        quote = connection.ops.quote_name
        fields = [f for f in School._meta.concrete_fields if not f.primary_key]
        # Identifiers come from the model's own metadata, quoted; every value is a parameter.
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            quote(School._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        for school in schools:
            school.created_at = school.updated_at = self.now
        self._executemany(
            sql,
            [
                [f.get_db_prep_save(getattr(s, f.attname), connection) for f in fields]
                for s in schools
            ],
        )

    def _update(self, schools: list[School], names: list[str]) -> None:
        """Write the ``names`` columns of changed schools, one row per execution."""
        connection = connections[router.db_for_write(School)]
        quote = connection.ops.quote_name
        fields = [School._meta.get_field(name) for name in names]
        sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
            quote(School._meta.db_table),
            ", ".join(f"{quote(f.column)} = %s" for f in fields),
            quote(School._meta.pk.column),
        )
        self._executemany(
            sql,
            [
                [f.get_db_prep_save(getattr(s, f.attname), connection) for f in fields] + [s.pk]
                for s in schools
            ],
        )

    def _mark_missing(self) -> None:
        """Mark schools the file no longer lists, within the filters, a batch at a time.

        Walks the stored schools by primary key (keyset pagination), so no cursor
        stays open while the updates commit and memory stays at one batch.
        """
        candidates = School.objects.filter(self.filters.q(), missing_from_gias=False).order_by("pk")
        last_pk = 0
        while True:
            page = list(
                candidates.filter(pk__gt=last_pk).values_list("pk", "urn")[: self.batch_size]
            )
            if not page:
                return
            last_pk = page[-1][0]
            gone = [pk for pk, urn in page if urn not in self.seen]
            if gone:
                with transaction.atomic():
                    self.result.marked_missing += School.objects.filter(pk__in=gone).update(
                        missing_from_gias=True, updated_at=self.now
                    )


def import_gias_file(path, filters: Filters | None = None, **kwargs) -> ImportResult:
    """Import the GIAS extract at ``path``; see :class:`GiasImporter`."""
    with open(path, "rb") as handle:
        return GiasImporter(filters, **kwargs).run(handle)
