"""Property tests of the GIAS importer: whatever the file holds, the import never
fails with an unexpected error, reports its bad rows, and loses no good row.

Files are built as GIAS builds them (the 140-column header, rows by
``csv.writer``) in the encodings real files arrive in: Windows-1252 (GIAS's own),
UTF-8 with and without a byte-order mark, ISO-8859-1, and UTF-16 (a spreadsheet's
"Unicode text", which the importer refuses as a whole, writing nothing). Good rows
are mixed with bad ones: wrong column counts, bad URNs, no name, impossible or
foreign dates, over-long and huge fields (beyond csv's field limit), NULs.
"""

import csv
import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import FUZZ, nasty_text, rolled_back
from tests.workflows.gias_sample import GIAS_HEADER, gias_row
from workflows.models import School
from workflows.schools.gias import COLUMNS, MAX_LENGTHS, GiasImporter, NotAGiasFile

pytestmark = pytest.mark.django_db

#: In every single-byte file, so that it is never also valid UTF-8 (as a real GIAS
#: file, full of accents and curly apostrophes, never is: "\xe9 " is not UTF-8); the
#: importer's detection then has one right answer to find.
SINGLE_BYTE_MARKER = ("999999", "\u00c9cole \u00e9 \u00a3 School")
ENCODINGS = ["cp1252", "utf-8", "utf-8-sig", "latin-1"]
# Characters each encoding writes and the importer reads back as they were. ISO-8859-1
# files are read as Windows-1252, which differs from it only in the C1 controls.
ALPHABETS = {
    "cp1252": st.characters(codec="cp1252", exclude_characters="\x00"),
    "latin-1": st.characters(
        codec="latin-1", exclude_characters="\x00" + "".join(map(chr, range(0x80, 0xA0)))
    ),
    "utf-8": st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    "utf-8-sig": st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
}
TEXT_FIELDS = [
    (column, field)
    for column, field in COLUMNS.items()
    if field not in {"urn", "name", "opened_on", "closed_on", "easting", "northing"}
]


def good_row(draw, alphabet, urn: int) -> tuple[list[str], dict]:
    """A valid row for ``urn`` and the School values it must become."""

    def text(limit, min_size=0):
        return draw(st.text(alphabet, min_size=min_size, max_size=min(limit, 40)))

    name = draw(st.text(alphabet, min_size=1, max_size=80).filter(lambda s: s.strip()))
    values = {"URN": str(urn), "EstablishmentName": name}
    expected = {"name": name.strip()}
    for column, field in TEXT_FIELDS:
        values[column] = text(MAX_LENGTHS[field])
        expected[field] = values[column].strip()
    for column, field in (("OpenDate", "opened_on"), ("CloseDate", "closed_on")):
        day = draw(st.none() | st.dates(date(1900, 1, 1), date(2100, 12, 31)))
        values[column] = f"{day.day:02d}-{day.month:02d}-{day.year}" if day else ""
        expected[field] = day
    for column, field, limit in (
        ("Easting", "easting", 700_000),
        ("Northing", "northing", 1_300_000),
    ):
        metres = draw(st.none() | st.integers(0, limit))
        values[column] = "" if metres is None else str(metres)
        expected[field] = metres or None  # blank and 0 both mean not known
    return gias_row(**values), expected


BAD_KINDS = [
    "columns",
    "urn",
    "no_name",
    "date",
    "too_long",
    "huge",
    "nul",
    "grid",
]


def bad_row(draw, alphabet, urn: int) -> list[str]:
    """A row the importer must skip and report (its URN is no good row's)."""
    kind = draw(st.sampled_from(BAD_KINDS))
    values = {"URN": str(urn), "EstablishmentName": "Bad Row Primary"}
    if kind == "urn":
        values["URN"] = draw(
            st.sampled_from(["", "12345", "1234567", "abcdef", "099999", "12 345"])
            | st.text(alphabet, max_size=8).filter(lambda s: not s.strip().isdigit())
        )
    elif kind == "no_name":
        values["EstablishmentName"] = draw(st.sampled_from(["", "   ", "\t"]))
    elif kind == "date":
        values["OpenDate"] = draw(
            st.sampled_from(["31-02-2020", "2020-01-01", "01/09/2020", "yesterday", "00-00-0000"])
        )
    elif kind == "too_long":
        values["Postcode"] = draw(
            st.text(alphabet, min_size=11, max_size=40).filter(
                lambda s: len(s.strip()) > MAX_LENGTHS["postcode"]
            )
        )
    elif kind == "huge":
        # Plain letters: a huge field with line breaks would read on as rows of its own.
        size = draw(st.sampled_from([256, 5_000, 131_072, 131_073, 200_000]))
        values["EstablishmentName"] = draw(st.sampled_from("abcdefgh")) * size
    elif kind == "nul":
        values["Town"] = "Hali\x00fax"
    elif kind == "grid":
        values[draw(st.sampled_from(["Easting", "Northing"]))] = draw(
            st.sampled_from(["-1", "4301.5", "430 123", "1e6", "99999999", "N/A"])
        )
    row = gias_row(**values)
    if kind == "columns":
        extra = draw(st.sampled_from([-5, -1, 1, 5]))
        row = row[:extra] if extra < 0 else row + ["x"] * extra
    return row


@st.composite
def gias_files(draw):
    """A GIAS file's bytes, its encoding, the good rows' values by URN, and the bad rows' count."""
    encoding = draw(st.sampled_from(ENCODINGS))
    alphabet = ALPHABETS[encoding]
    urns = draw(st.lists(st.integers(100000, 999998), max_size=25, unique=True))
    split = draw(st.integers(0, len(urns)))
    good, rows = {}, []
    for urn in urns[:split]:
        row, expected = good_row(draw, alphabet, urn)
        rows.append(row)
        good[urn] = expected
    bad = [bad_row(draw, alphabet, urn) for urn in urns[split:]]
    rows = draw(st.permutations(rows + bad))
    if encoding in ("cp1252", "latin-1"):
        marker_urn, marker_name = SINGLE_BYTE_MARKER
        rows.append(gias_row(URN=marker_urn, EstablishmentName=marker_name))
        good[int(marker_urn)] = None  # checked by name only
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([GIAS_HEADER, *rows])
    return buffer.getvalue().encode(encoding), encoding, good, len(bad)


def stored() -> dict[int, dict]:
    fields = [field for field in COLUMNS.values() if field != "urn"]
    return {row["urn"]: row for row in School.objects.values("urn", *fields)}


def run(data: bytes):
    reported = []
    importer = GiasImporter(batch_size=7, report_bad_row=lambda line, why: reported.append(why))
    return importer.run(io.BytesIO(data)), reported


@FUZZ
@given(gias_files())
def test_every_good_row_is_imported_and_every_bad_row_reported(db, file):
    data, encoding, good, bad = file
    with rolled_back():
        result, reported = run(data)

        assert result.encoding == ("utf-8-sig" if encoding.startswith("utf-8") else "cp1252")
        assert result.added == len(good)
        assert result.bad_rows == bad == len(reported)
        schools = stored()
        assert set(schools) == set(good)  # every good row, and nothing from a bad one
        for urn, expected in good.items():
            if expected is None:
                assert schools[urn]["name"] == SINGLE_BYTE_MARKER[1]
                continue
            assert {key: schools[urn][key] for key in expected} == expected, urn


@FUZZ
@given(
    header=st.booleans(),
    body=st.binary(max_size=4000)
    | st.lists(st.lists(nasty_text, max_size=8), max_size=6).map(
        lambda rows: "\r\n".join(",".join(row) for row in rows).encode("utf-8", "replace")
    ),
    encoding=st.sampled_from(["utf-8", "utf-16", "utf-16-le", "cp1252", "utf-32"]),
)
def test_random_bytes_never_break_the_import(db, header, body, encoding):
    """Garbage after a good header, or with none: a result or a clear refusal, nothing else."""
    prefix = (",".join(GIAS_HEADER) + "\r\n").encode(encoding) if header else b""
    with rolled_back():
        try:
            result, reported = run(prefix + body)
        except NotAGiasFile as refusal:
            assert "nothing was imported" in str(refusal)
            assert not School.objects.exists()
            return
        assert result.bad_rows == len(reported)
        for school in School.objects.all():
            assert 100000 <= school.urn <= 999999
            assert school.name.strip() and "\x00" not in school.name
            for field, limit in MAX_LENGTHS.items():
                assert len(getattr(school, field)) <= limit


@FUZZ
@given(encoding=st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-32"]))
def test_a_utf16_file_is_refused_whole(db, encoding):
    data = (
        "\r\n".join(
            [",".join(GIAS_HEADER), ",".join(gias_row(URN="100001", EstablishmentName="A"))]
        )
    ).encode(encoding)
    with rolled_back():
        with pytest.raises(NotAGiasFile, match="nothing was imported"):
            run(data)
        assert not School.objects.exists()
