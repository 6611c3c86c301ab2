"""``manage.py import_schools``: the GIAS extract becomes our school list."""

import io
from datetime import date

from django.core.management import CommandError, call_command

import pytest

from tests.workflows.gias_sample import GIAS_HEADER, gias_row, synthetic_rows, write_gias_csv
from workflows.models import School
from workflows.schools.gias import Filters, GiasImporter, parse_date

pytestmark = pytest.mark.django_db


def school_row(urn, name, **extra):
    values = {
        "URN": str(urn),
        "EstablishmentName": name,
        "LA (code)": "383",
        "LA (name)": "Leeds",
        "EstablishmentNumber": "2001",
        "TypeOfEstablishment (name)": "Voluntary aided school",
        "EstablishmentStatus (name)": "Open",
        "PhaseOfEducation (name)": "Primary",
        "Street": "Church Lane",
        "Town": "Leeds",
        "Postcode": "LS6 1AA",
        "HeadTitle (name)": "Mrs",
        "HeadFirstName": "Ann",
        "HeadLastName": "O\u2019Brien",
        "OpenDate": "01-09-1975",
        "CloseDate": "",
    }
    values.update(extra)
    return gias_row(**values)


ST_MARYS = "St Mary\u2019s Catholic Primary School"


@pytest.fixture
def extract(tmp_path):
    """A small Windows-1252 extract in the real 140-column shape."""
    return write_gias_csv(
        tmp_path / "edubasealldata.csv",
        [
            school_row(107001, ST_MARYS),
            school_row(107002, "Meanwood Primary School", **{"Postcode": "LS6 4LD"}),
            school_row(
                107003,
                "Leeds High School",
                **{"PhaseOfEducation (name)": "Secondary", "LA (name)": "Leeds"},
            ),
        ],
    )


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_schools", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_sample_header_has_the_real_shape():
    assert len(GIAS_HEADER) == 140
    assert GIAS_HEADER.index("URN") == 0
    assert GIAS_HEADER.index("EstablishmentName") < GIAS_HEADER.index("Postcode")


def test_imports_a_windows_1252_extract_with_curly_apostrophes(extract):
    assert b"Mary\x92s" in extract.read_bytes()  # cp1252's right single quote

    out, err = run(extract)

    school = School.objects.get(urn=107001)
    assert school.name == ST_MARYS
    assert school.head_last_name == "O\u2019Brien"
    assert school.local_authority == "Leeds"
    assert school.la_code == "383"
    assert school.phase == "Primary"
    assert school.opened_on == date(1975, 9, 1)
    assert school.closed_on is None
    assert school.gias_imported_at is not None
    assert School.objects.count() == 3
    assert "cp1252" in out
    assert "3 added, 0 updated, 0 unchanged" in out
    assert "100%" in err  # the progress bar reached the end


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8"])
def test_reads_utf8_with_or_without_a_byte_order_mark(tmp_path, encoding):
    path = write_gias_csv(
        tmp_path / "extract.csv", [school_row(107001, ST_MARYS)], encoding=encoding
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")

    run(path)

    assert School.objects.get(urn=107001).name == ST_MARYS


def test_reads_columns_by_name_in_any_order(tmp_path):
    header = list(reversed(GIAS_HEADER))
    row = list(reversed(school_row(107001, "Reversed Primary", **{"Town": "Otley"})))
    run(write_gias_csv(tmp_path / "reversed.csv", [row], header=header))

    school = School.objects.get(urn=107001)
    assert (school.name, school.town) == ("Reversed Primary", "Otley")


def test_reimporting_the_same_file_changes_nothing_and_says_so(extract):
    run(extract)
    before = dict(School.objects.values_list("urn", "updated_at"))

    out, _ = run(extract)

    assert "0 added, 0 updated, 3 unchanged, 0 marked missing" in out
    assert dict(School.objects.values_list("urn", "updated_at")) == before


def test_changed_rows_update_and_local_edits_survive(extract, tmp_path, django_user_model):
    run(extract)
    school = School.objects.get(urn=107001)
    leader = django_user_model.objects.create_user("leader", password="x" * 12)
    school.leaders.add(leader)
    School.objects.filter(pk=school.pk).update(
        contact_email="office@stmarys.example", notes="Keen to join in 2027."
    )
    changed = write_gias_csv(
        tmp_path / "changed.csv",
        [
            school_row(107001, ST_MARYS, **{"HeadFirstName": "Grace", "HeadLastName": "Ito"}),
            school_row(107002, "Meanwood Primary School", **{"Postcode": "LS6 4LD"}),
            school_row(107003, "Leeds High School", **{"PhaseOfEducation (name)": "Secondary"}),
        ],
    )

    out, _ = run(changed)

    assert "0 added, 1 updated, 2 unchanged" in out
    school.refresh_from_db()
    assert school.head_name == "Mrs Grace Ito"
    assert school.contact_email == "office@stmarys.example"
    assert school.notes == "Keen to join in 2027."
    assert list(school.leaders.all()) == [leader]


def test_a_school_gone_from_the_file_is_marked_missing_never_deleted(extract, tmp_path):
    run(extract)
    shorter = write_gias_csv(
        tmp_path / "shorter.csv",
        [
            school_row(107001, ST_MARYS),
            school_row(107003, "Leeds High School", **{"PhaseOfEducation (name)": "Secondary"}),
        ],
    )

    out, _ = run(shorter)

    assert "1 marked missing from GIAS" in out
    gone = School.objects.get(urn=107002)
    assert gone.missing_from_gias
    assert not gone.is_open
    assert not School.objects.get(urn=107001).missing_from_gias

    # Listed again later: it comes back.
    out, _ = run(extract)
    assert "0 added, 1 updated, 2 unchanged" in out
    assert not School.objects.get(urn=107002).missing_from_gias


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_still_land(tmp_path):
    good = school_row(107001, ST_MARYS)
    short = school_row(107005, "Short Row Primary")[:-3]
    path = write_gias_csv(
        tmp_path / "bad.csv",
        [
            good,  # line 2
            school_row("", "No URN Primary"),  # line 3
            school_row("10700X", "Letters Primary"),  # line 4
            short,  # line 5
            school_row(107006, "Leap Primary", **{"OpenDate": "31-02-2020"}),  # line 6
            school_row(107007, "Fine Primary"),  # line 7
            school_row(107001, "Twice Primary"),  # line 8
        ],
    )

    out, _ = run(path)

    assert "Line 3: skipped because the URN is missing." in out
    assert "Line 4: skipped because the URN '10700X' is not a six-digit number." in out
    assert "Line 5: skipped because it has 137 columns where the header has 140." in out
    assert "Line 6: skipped because OpenDate 31-02-2020 is not a real date." in out
    assert "Line 8: skipped because URN 107001 appears earlier in the file." in out
    assert "2 added" in out
    assert "5 bad rows skipped" in out
    assert set(School.objects.values_list("urn", flat=True)) == {107001, 107007}
    assert School.objects.get(urn=107001).name == ST_MARYS


def test_a_file_that_is_not_a_gias_extract_stops_and_writes_nothing(tmp_path):
    path = tmp_path / "pupils.csv"
    path.write_text("Name,Postcode\r\nBrookfield,LS6 2AB\r\n", encoding="cp1252")

    with pytest.raises(CommandError) as error:
        run(path)

    assert str(error.value) == (
        "This is not a GIAS establishment extract: its first line has no 'URN' or "
        "'EstablishmentName' column, so nothing was imported."
    )
    assert not School.objects.exists()


def test_a_missing_file_is_one_clear_sentence(tmp_path):
    with pytest.raises(CommandError, match="There is no file at"):
        run(tmp_path / "nowhere.csv")


def test_phase_filter_adds_only_matching_schools(extract):
    out, _ = run(extract, "--phase", "primary")

    assert set(School.objects.values_list("urn", flat=True)) == {107001, 107002}
    assert "1 rows outside the filters" in out


def test_filters_limit_the_missing_sweep_to_the_schools_they_select(extract, tmp_path):
    run(extract)
    School.objects.create(urn=107900, name="Bradford Primary", local_authority="Bradford")
    leeds_only = write_gias_csv(
        tmp_path / "leeds.csv",
        [school_row(107001, ST_MARYS), school_row(107003, "Leeds High School")],
    )

    out, _ = run(leeds_only, "--la", "Leeds")

    # Meanwood is a Leeds school the Leeds file lacks; Bradford is not this import's business.
    assert "1 marked missing" in out
    assert School.objects.get(urn=107002).missing_from_gias
    assert not School.objects.get(urn=107900).missing_from_gias


def test_existing_schools_outside_the_filter_are_still_kept_current(extract, tmp_path):
    run(extract)
    closed = write_gias_csv(
        tmp_path / "closed.csv",
        [
            school_row(
                107001,
                ST_MARYS,
                **{"EstablishmentStatus (name)": "Closed", "CloseDate": "31-08-2026"},
            )
        ],
    )

    run(closed, "--status", "open")

    school = School.objects.get(urn=107001)
    assert school.status == "Closed"
    assert school.closed_on == date(2026, 8, 31)
    assert not school.is_open


def test_an_interrupted_import_keeps_whole_batches_and_a_rerun_completes(tmp_path):
    path = write_gias_csv(tmp_path / "many.csv", synthetic_rows(25))

    def interrupt(fraction, rows):
        raise KeyboardInterrupt  # the operator presses Ctrl-C after the first batch

    with open(path, "rb") as handle, pytest.raises(KeyboardInterrupt):
        GiasImporter(Filters(), batch_size=10, progress=interrupt).run(handle)
    assert School.objects.count() == 10

    with open(path, "rb") as handle:
        result = GiasImporter(Filters(), batch_size=10).run(handle)

    assert (result.added, result.unchanged) == (15, 10)
    assert School.objects.count() == 25
    assert School.objects.filter(name__contains="\u2019s").count() == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [("01-09-1975", date(1975, 9, 1)), ("", None), ("1-9-1975", date(1975, 9, 1))],
)
def test_parse_date_reads_gias_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31-02-2020", "2020-02-01", "yesterday"])
def test_parse_date_refuses_impossible_or_foreign_dates(text):
    with pytest.raises(ValueError):
        parse_date(text)
