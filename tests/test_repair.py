"""``syncguard fix``'s repairs: only what has one right answer, each recorded, the rest noted."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncguard.importer import BOOLEANS, CLEAR, EDUCATION_LEVELS, IDENTITY_COLUMNS, SCHOOL_YEARS
from syncguard.intake import read_export
from syncguard.masking import Masker
from syncguard.model import BasisKind, Severity
from syncguard.pipeline import contract_of
from syncguard.repair import (
    BOM,
    BOOLEAN,
    DAY_FIRST_DATE,
    DELIMITER,
    ENCODING,
    EXCEL_DATE,
    HEADER_CASE,
    HEADER_TYPO,
    LISTED_VALUE,
    REPAIRS,
    WHITESPACE,
    Change,
    Repaired,
    Vocabulary,
    change_log,
    changes_path,
    dry_run,
    fix_export,
    repair,
    save,
)
from syncguard.suite.model import Suite
from tests.conftest import HEADER, SAMPLE_DATA

ALL = frozenset(c.id for c in REPAIRS)
START, END = "primary_education:start_date", "primary_education:end_date"
LEVEL, ATTENDING = "primary_education:education_level_name", "primary_education:currently_attending"


def inputs(suite: Suite) -> dict[str, Any]:
    """What the CLI passes to :func:`repair`, taken from the suite's rules."""
    return {
        "known_headers": suite.known_headers,
        "date_columns": [r.column for r in suite.rules_of("date")],
        "listed": {
            r.column: [str(v) for v in r.params["values"]]
            for r in suite.rules_of("allowed_values")
            if "separator" not in r.params
        },
        "boolean_columns": [r.column for r in suite.rules_of("boolean")],
        "identity_columns": sorted(
            {*IDENTITY_COLUMNS, *(c for r in suite.rules_of("excel_mangled_id") for c in r.columns)}
        ),
    }


@pytest.fixture
def fix(suite: Suite) -> Callable[..., Repaired]:
    """``repair`` with the built-in suite's columns; every repair on unless told."""

    def run(data: bytes, enabled: frozenset[str] = ALL, fix_headers: bool = False) -> Repaired:
        return repair(data, **inputs(suite), enabled=enabled, fix_headers=fix_headers)

    return run


def export(header: Sequence[str], *rows: Sequence[str], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue()


def records(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))


def test_every_repair_kind_is_declared_like_a_check() -> None:
    assert [c.id for c in REPAIRS] == [
        "repair.encoding",
        "repair.delimiter",
        "repair.bom",
        "repair.header_case",
        "repair.header_typo",
        "repair.whitespace",
        "repair.listed_value",
        "repair.boolean",
        "repair.day_first_date",
        "repair.excel_date",
    ]
    for check in REPAIRS:
        assert check.severity is Severity.WARNING
        assert check.basis.kind in (BasisKind.SPEC, BasisKind.IMPORTER, BasisKind.PRACTICE)
        assert check.title and check.description and check.fix and check.basis.text
        assert check.tunable


CELL_REPAIRS = [
    # surrounding whitespace, non-breaking and zero-width characters
    ("first_name", " Anna\u00a0", "Anna", WHITESPACE.id),
    ("last_name", "\u200bWolf\t", "Wolf", WHITESPACE.id),
    ("gender", "Female\r\n", "Female", WHITESPACE.id),
    # identity values: surrounding whitespace only
    ("username", " S6624039 ", "S6624039", WHITESPACE.id),
    ("email_address", "anna.wolf@uni.eu\u00a0", "anna.wolf@uni.eu", WHITESPACE.id),
    ("auth_identifier", "\ufeffu9777560", "u9777560", WHITESPACE.id),
    ("card_id", " 0471924865", "0471924865", WHITESPACE.id),
    # the importer's listed values: case, spacing and accents
    ("school_year_name", "doctorate", "Doctorate", LISTED_VALUE.id),
    ("school_year_name", "Bachelor  1st year or equivalent", SCHOOL_YEARS[1], LISTED_VALUE.id),
    (LEVEL, " undergraduate ", "Undergraduate", LISTED_VALUE.id),
    (LEVEL, "Non-degree seeking", "Non-Degree Seeking", LISTED_VALUE.id),
    (LEVEL, "Pòstgraduate", "Postgraduate", LISTED_VALUE.id),
    # booleans: case and spacing
    ("disabled", "true", "TRUE", BOOLEAN.id),
    (ATTENDING, " False", "FALSE", BOOLEAN.id),
    # day-first dates whose day is over 12
    (END, "31/03/2027", "2027-03-31", DAY_FIRST_DATE.id),
    (START, "15.09.2024", "2024-09-15", DAY_FIRST_DATE.id),
    (END, "30-6-2027", "2027-06-30", DAY_FIRST_DATE.id),
    # Excel serials and date-times
    (END, "46112", "2026-03-31", EXCEL_DATE.id),
    (END, "2027-03-31 00:00:00", "2027-03-31", EXCEL_DATE.id),
    (START, "2024-09-01T00:00:00", "2024-09-01", EXCEL_DATE.id),
    (START, " 2024-09-01 08:30", "2024-09-01", EXCEL_DATE.id),
]


@pytest.mark.parametrize(("column", "before", "after", "repair_id"), CELL_REPAIRS)
def test_a_cell_is_repaired_and_recorded(
    fix: Callable[..., Repaired], column: str, before: str, after: str, repair_id: str
) -> None:
    fixed = fix(export([column, "campus_name"], [before, "Main"]).encode())
    assert records(fixed.text) == [[column, "campus_name"], [after, "Main"]]
    assert fixed.changes == [Change(2, column, repair_id, before, after)]


LEFT_ALONE = [
    ("username", "S\u00a0123"),  # an identity value: nothing but surrounding whitespace
    ("email_address", "Anna.Wolf@Uni.eu"),
    ("auth_identifier", "U9777560"),
    ("card_id", "7.7E+04"),  # digits lost: noted, not changed
    ("first_name", ""),  # blank: leave unchanged
    ("first_name", "   "),  # nothing but whitespace counts as blank
    ("last_name", CLEAR),
    (START, CLEAR),
    ("disabled", CLEAR),
    ("disabled", "yes"),  # no synonyms for booleans
    ("disabled", "1"),
    (ATTENDING, "Y"),
    ("disabled", "Tru"),  # no typos either
    ("school_year_name", "PhD"),  # a synonym, not case or spacing
    ("school_year_name", "Bachelor 5th year or equivalent"),
    (LEVEL, "Undergradute"),  # a typo: the rule flags it, there is no case-only fix
    (END, "01/02/2027"),  # ambiguous: day and month both 12 or less
    (END, "31/02/2027"),  # no such day either way
    (END, "12345"),  # not a plausible Excel date
    (END, "2027-03-31T10:00:00+02:00"),  # a time zone could move the day
    (END, "27/03/31"),  # a two-digit year
    ("gender", "Fe male"),  # not a listed-value column: interior spacing is left
]


@pytest.mark.parametrize(("column", "value"), LEFT_ALONE)
def test_a_value_without_one_right_answer_is_left_alone(
    fix: Callable[..., Repaired], column: str, value: str
) -> None:
    fixed = fix(export([column, "campus_name"], [value, "Main"]).encode())
    assert records(fixed.text) == [[column, "campus_name"], [value, "Main"]]
    assert fixed.changes == []


FORMULA_PADS = [" ", "\t", "\r", "\u00a0", "\u200b", "\ufeff", " \u2060 "]


@pytest.mark.parametrize("pad", FORMULA_PADS, ids=[repr(p) for p in FORMULA_PADS])
@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
@pytest.mark.parametrize("column", ["first_name", "username", "school_year_name", END])
def test_trimming_never_makes_a_formula(
    fix: Callable[..., Repaired], column: str, start: str, pad: str
) -> None:
    inert = f'{pad}{start}HYPERLINK("http://x.example","y") '
    fixed = fix(export([column, "campus_name"], [inert, "Main"], ["Ana ", "Main"]).encode())
    assert records(fixed.text)[1] == [inert, "Main"]  # left exactly as it was
    assert [c.row for c in fixed.changes] == [3]  # the other row is still trimmed
    (note,) = fixed.notes
    assert column in note and "row 2" in note and "formula" in note
    assert "HYPERLINK" not in note  # the value itself is never in a note


def test_a_value_that_already_starts_like_a_formula_may_lose_trailing_spaces(
    fix: Callable[..., Repaired],
) -> None:
    fixed = fix(export(["first_name", "campus_name"], ["=1+1 ", "Main"]).encode())
    assert records(fixed.text)[1] == ["=1+1", "Main"] and not fixed.notes


@pytest.mark.parametrize("column", ["card_id", "username", "auth_identifier", "mobile_number"])
def test_scientific_notation_is_noted_not_changed(
    fix: Callable[..., Repaired], column: str
) -> None:
    fixed = fix(export([column], ["0471924865"], ["7.7E+04"], [" 4.83593E+08 "]).encode())
    assert records(fixed.text)[1:] == [["0471924865"], ["7.7E+04"], ["4.83593E+08"]]
    assert [(c.row, c.repair) for c in fixed.changes] == [(4, WHITESPACE.id)]
    (note,) = fixed.notes
    assert column in note and "rows 3, 4" in note and "cannot be restored" in note
    assert "7.7E+04" in note and "0471924865" not in note  # the shape, never a value


@pytest.mark.parametrize(
    ("dates", "expected", "note"),
    [
        (["13/02/2027", "01/02/2027", ""], ["2027-02-13", "2027-02-01", ""], None),
        (["02/13/2027", "01/02/2027"], ["2027-02-13", "2027-01-02"], "month-first"),
        (["01/02/2027", "03.04.2027", "2027-06-30"], None, "all 2 date(s)"),
        (["13/02/2027", "02/13/2027", "01/02/2027"], None, "some dates are day-first"),
    ],
    ids=["day-first-proven", "month-first-proven", "all-ambiguous", "both-orders"],
)
def test_the_column_decides_the_order_of_its_dates(
    fix: Callable[..., Repaired], dates: list[str], expected: list[str] | None, note: str | None
) -> None:
    fixed = fix(export([END], *([d] for d in dates)).encode())
    assert [r[0] for r in records(fixed.text)[1:]] == (expected or dates)
    if note is None:
        assert fixed.notes == []
    else:
        assert len(fixed.notes) == 1 and note in fixed.notes[0] and END in fixed.notes[0]
    if expected is None:
        assert fixed.changes == []


def test_duplicates_are_not_touched(fix: Callable[..., Repaired]) -> None:
    text = export(["username", "email_address"], ["S1", "a@uni.eu"], ["S1", "a@uni.eu"])
    fixed = fix(text.encode())
    assert fixed.text == text and fixed.changes == [] and fixed.notes == []


HEADER_REPAIRS = [
    ("USERNAME", "username", HEADER_CASE.id, False),
    (" first_name\u00a0", "first_name", HEADER_CASE.id, False),
    ("\u200bEmail_Address", "email_address", HEADER_CASE.id, False),
    ("primary_education: End_Date", END, HEADER_CASE.id, False),
    ("usrname", "username", HEADER_TYPO.id, True),
    ("Gendr", "gender", HEADER_TYPO.id, True),
]


@pytest.mark.parametrize(("before", "after", "repair_id", "fix_headers"), HEADER_REPAIRS)
def test_a_header_is_renamed_when_it_can_mean_one_header_only(
    fix: Callable[..., Repaired], before: str, after: str, repair_id: str, fix_headers: bool
) -> None:
    fixed = fix(export(["campus_name", before], ["Main", "x"]).encode(), fix_headers=fix_headers)
    assert records(fixed.text)[0] == ["campus_name", after]
    assert fixed.changes == [Change(1, after, repair_id, before, after)]


@pytest.mark.parametrize(
    ("header", "fix_headers", "enabled", "note"),
    [
        (["usrname"], False, ALL, "--fix-headers"),  # a typo is renamed only when asked
        (["usrname"], True, ALL - {HEADER_TYPO.id}, None),
        (["fist_name"], True, ALL, "'first_name' and 'last_name'"),  # two equally close
        (["userid"], True, ALL, None),  # close to nothing
        (["username", "Username"], False, ALL, "column 1"),  # would repeat a header
        (["USERNAME", "Username"], False, ALL, "column 2"),
    ],
)
def test_a_header_is_left_alone_unless_it_has_one_right_answer(
    fix: Callable[..., Repaired],
    header: list[str],
    fix_headers: bool,
    enabled: frozenset[str],
    note: str | None,
) -> None:
    text = export(header, ["x"] * len(header))
    fixed = fix(text.encode(), enabled=enabled, fix_headers=fix_headers)
    assert fixed.text == text and fixed.changes == []
    if note is None:
        assert fixed.notes == []
    else:
        assert any(note in n for n in fixed.notes), fixed.notes


def test_a_windows_1252_file_with_semicolons_is_written_as_utf8_with_commas(
    fix: Callable[..., Repaired],
) -> None:
    text = export(["First_Name", "last_name"], ["José", "Müller, Jr."], delimiter=";")
    fixed = fix(text.encode("cp1252"))
    assert records(fixed.text) == [["first_name", "last_name"], ["José", "Müller, Jr."]]
    assert fixed.changes[:2] == [
        Change(1, "", ENCODING.id, "Windows-1252", "UTF-8"),
        Change(1, "", DELIMITER.id, "semicolons", "commas"),
    ]
    assert any("Windows-1252" in n for n in fixed.notes)


@pytest.mark.parametrize(
    ("data", "repair_id"),
    [
        (b"\xef\xbb\xbfusername,first_name\r\nS1,Anna\r\n", BOM.id),
        ("username\tfirst_name\r\nS1\tZoë\r\n".encode("utf-16"), ENCODING.id),
        (b"username|first_name\nS1|Anna\n", DELIMITER.id),
    ],
    ids=["utf8-bom", "utf16-tabs", "pipes"],
)
def test_the_file_itself_is_written_as_utf8_commas_without_bom(
    fix: Callable[..., Repaired], data: bytes, repair_id: str
) -> None:
    fixed = fix(data)
    assert not fixed.text.startswith("\ufeff")
    assert fixed.text.endswith("\r\n")
    assert records(fixed.text)[0] == ["username", "first_name"]
    assert any(c.repair == repair_id and c.row == 1 and c.column == "" for c in fixed.changes)


REFUSED = [
    (b"", "empty"),
    (b" \r\n\xef\xbb\xbf", "empty"),
    (b"PK\x03\x04rest", "Excel workbook"),
    (b"%PDF-1.7", "PDF"),
    (b"username,first_name\r\nS1,An\x00na\r\n", "NUL"),
    ("username\r\nJosé\r\n".encode() + b"Ren\xe9\r\n", "mixes UTF-8"),
    (b"\xef\xbb\xbfusername\r\nRen\xe9\r\n", "mixes UTF-8"),
    (b"username\r\nx\x81y\r\n", "neither UTF-8 nor Windows-1252"),
    (b"username;first_name,last_name\r\n", "delimiter cannot be told"),
    (b'username,first_name\r\nS1,"Anna"x\r\n', "row 2"),
]


@pytest.mark.parametrize(("data", "reason"), REFUSED)
def test_what_cannot_be_repaired_at_all_is_refused_in_one_sentence(
    fix: Callable[..., Repaired], data: bytes, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        fix(data)
    assert "\n" not in str(caught.value)


def test_a_windows_1252_file_is_refused_when_decoding_is_switched_off(
    fix: Callable[..., Repaired],
) -> None:
    with pytest.raises(ValueError, match="switched off"):
        fix("first_name\r\nJosé\r\n".encode("cp1252"), enabled=ALL - {ENCODING.id})


SINK = (
    "\ufeffUSERNAME;first_name;usrname_x;school_year_name;disabled;"
    f"{START};{END}\r\n"
    " S1 ;Anna ;x;doctorate;true;31/03/2026;46112\r\n"
)
"""An export that needs every repair but the encoding and the typo."""


@pytest.mark.parametrize(
    "repair_id", sorted(ALL - {ENCODING.id, HEADER_TYPO.id}), ids=lambda i: i.split(".")[1]
)
def test_every_repair_can_be_switched_off(fix: Callable[..., Repaired], repair_id: str) -> None:
    everything = fix(SINK.encode())
    assert repair_id in {c.repair for c in everything.changes}
    without = fix(SINK.encode(), enabled=ALL - {repair_id})
    assert repair_id not in {c.repair for c in without.changes}
    assert len(records(without.text, ";" if repair_id == DELIMITER.id else ",")) == 2


def test_a_repaired_windows_1252_export_passes_intake(
    fix: Callable[..., Repaired], suite: Suite, tmp_path: Path
) -> None:
    header = [h.upper() if i % 2 else h.title() for i, h in enumerate(HEADER.split(","))]
    rows = [
        ["rené.dupont@uni.eu", "S1", "René", "Dupont", "30/06/2027", "Doctorate"],
        ["zoë.mäki@uni.eu", "S2", "Zoë", "Mäki", "2027-06-30", "Alumni"],
    ]
    data = export(header, *rows, delimiter=";").encode("cp1252")
    path = tmp_path / "fixed.csv"
    path.write_bytes(fix(data).text.encode("utf-8"))
    read = read_export(path, contract_of(suite))
    assert read.info.rows == 2
    assert list(read.frame.get_column("first_name")) == ["René", "Zoë"]
    assert list(read.frame.get_column(END)) == ["2027-06-30", "2027-06-30"]
    rules = {f.rule for f in read.findings}
    assert not rules & {"intake.bom", "intake.header_case", "intake.unknown_header"}


def test_the_defective_sample_is_repaired_record_for_record(fix: Callable[..., Repaired]) -> None:
    data = (SAMPLE_DATA / "defective.csv").read_bytes()
    before = records(data.decode("utf-8"))
    fixed = fix(data)
    after = records(fixed.text)
    assert len(after) == len(before)
    assert after[0] == before[0]
    assert fixed.changes
    header = after[0]
    for change in fixed.changes:
        cell = before[change.row - 1][header.index(change.column)]
        assert cell == change.before, change
        assert after[change.row - 1][header.index(change.column)] == change.after
        if change.column in IDENTITY_COLUMNS:
            assert change.repair == WHITESPACE.id
    changed = {(c.row, c.column) for c in fixed.changes}
    for row, (old, new) in enumerate(zip(before, after, strict=True), start=1):
        for column, a, b in zip(header, old, new, strict=True):
            assert a == b or (row, column) in changed


JUNK = st.text(alphabet="aZé 09/.-E+,;\"'\t\r\n\u00a0\u200b", max_size=12)
CELL = st.one_of(
    JUNK,
    st.sampled_from([*SCHOOL_YEARS, *EDUCATION_LEVELS, *BOOLEANS, CLEAR, "", "true", "31/03/2027"]),
    st.builds(lambda v, pad: pad + v.lower() + pad, st.sampled_from(SCHOOL_YEARS), JUNK),
)
COLUMNS = ["username", "card_id", "email_address", "school_year_name", "disabled", END, LEVEL]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    # two columns at least: a one-column header row shows no delimiter
    header=st.lists(st.sampled_from(COLUMNS), min_size=2, max_size=4, unique=True),
    data=st.data(),
    delimiter=st.sampled_from([",", ";"]),
)
def test_identity_is_only_trimmed_and_records_are_kept(
    suite: Suite, header: list[str], data: st.DataObject, delimiter: str
) -> None:
    width = len(header)
    rows = data.draw(st.lists(st.lists(CELL, min_size=width - 1, max_size=width + 1)))
    text = export(header, *rows, delimiter=delimiter)
    fixed = repair(text.encode(), **inputs(suite), enabled=ALL, fix_headers=True)
    before, after = records(text, delimiter), records(fixed.text)
    assert len(after) == len(before)
    for old, new in zip(before[1:], after[1:], strict=True):
        assert len(new) == len(old)
        for column, a, b in zip(header, old, new, strict=False):
            if column in IDENTITY_COLUMNS:
                assert b == a or (b == a.strip(" \t\r\n\u00a0\u200b") and b)


def test_the_change_log_masks_personal_values_and_disarms_formulas(suite: Suite) -> None:
    changes = [
        Change(1, "", ENCODING.id, "Windows-1252", "UTF-8"),
        Change(1, "username", HEADER_CASE.id, "USERNAME ", "username"),
        Change(2, "first_name", WHITESPACE.id, " Anna", "Anna"),
        Change(2, "disabled", BOOLEAN.id, "true", "TRUE"),
        Change(3, "last_name", WHITESPACE.id, "=cmd ", "=cmd"),
    ]
    masked = records(change_log(changes, Masker(classes=suite.data_classes)))
    assert masked == [
        ["row", "column", "repair", "before", "after"],
        ["1", "", ENCODING.id, "Windows-1252", "UTF-8"],
        ["1", "username", HEADER_CASE.id, "USERNAME␣", "username"],
        ["2", "first_name", WHITESPACE.id, "␣Aaaa", "Aaaa"],
        ["2", "disabled", BOOLEAN.id, "true", "TRUE"],
        ["3", "last_name", WHITESPACE.id, "'=aaa␣", "'=aaa"],
    ]
    raw = records(change_log(changes, Masker(show_values=True, classes=suite.data_classes)))
    assert raw[3][3:] == ["␣Anna", "Anna"]
    assert raw[5][3:] == ["'=cmd␣", "'=cmd"]


@pytest.mark.parametrize(
    ("out", "log"),
    [
        ("FIXED.csv", "FIXED.changes.csv"),
        ("fixed.CSV", "fixed.changes.csv"),
        ("out", "out.changes.csv"),
    ],
)
def test_the_change_log_sits_beside_the_fixed_file(out: str, log: str) -> None:
    assert changes_path(Path("/x") / out) == Path("/x") / log


def test_save_writes_both_files_and_refuses_to_overwrite(tmp_path: Path) -> None:
    source, out = tmp_path / "in.csv", tmp_path / "FIXED.csv"
    source.write_bytes(b"original")
    log = save(source, out, "a,b\r\n", "row\r\n")
    assert log == tmp_path / "FIXED.changes.csv"
    assert out.read_bytes() == b"a,b\r\n" and log.read_bytes() == b"row\r\n"
    with pytest.raises(FileExistsError, match="--force"):
        save(source, out, "new", "new")
    assert out.read_bytes() == b"a,b\r\n"
    save(source, out, "new", "log", force=True)
    assert out.read_text() == "new" and log.read_text() == "log"
    with pytest.raises(ValueError, match="input file"):
        save(source, source, "x", "y", force=True)
    assert source.read_bytes() == b"original"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "FIXED.changes.csv",
        "FIXED.csv",
        "in.csv",
    ]


@pytest.mark.parametrize("existing", [False, True], ids=["new", "forced-over-old"])
def test_save_leaves_what_was_there_when_the_second_file_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool
) -> None:
    source, out = tmp_path / "in.csv", tmp_path / "FIXED.csv"
    log = changes_path(out)
    source.write_bytes(b"original")
    if existing:
        out.write_bytes(b"old fixed")
        log.write_bytes(b"old log")
    real = os.replace

    def failing(src: Any, dst: Any) -> None:
        if Path(dst) == log and str(src).endswith(".tmp"):
            raise OSError("disk full")
        real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError, match="disk full"):
        save(source, out, "new fixed", "new log", force=True)
    left = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    expected = {"in.csv": b"original"}
    if existing:
        expected |= {out.name: b"old fixed", log.name: b"old log"}
    assert left == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(st.sampled_from(COLUMNS), min_size=2, max_size=4, unique=True),
    data=st.data(),
    delimiter=st.sampled_from([",", ";"]),
)
def test_a_fixed_file_is_fixed_and_every_change_is_logged(
    suite: Suite, header: list[str], data: st.DataObject, delimiter: str
) -> None:
    """Idempotent, and cell by cell: what changed is in the log, and nothing else changed."""
    width = len(header)
    rows = data.draw(st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=6))
    text = export(header, *rows, delimiter=delimiter)
    fixed = repair(text.encode(), **inputs(suite), enabled=ALL, fix_headers=True)
    again = repair(fixed.text.encode(), **inputs(suite), enabled=ALL, fix_headers=True)
    assert again.text == fixed.text and again.changes == []
    before, after = records(text, delimiter), records(fixed.text)
    logged = {(c.row, c.column) for c in fixed.changes if c.row > 1}
    for number, (old, new) in enumerate(zip(before[1:], after[1:], strict=True), start=2):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                assert (number, after[0][index]) in logged, (number, after[0][index], a, b)
    assert all(before[c.row - 1] != after[c.row - 1] for c in fixed.changes if c.row > 1)


PADS = [" ", "\u00a0", "\u200b", "\u3000", "\x1c", "\t", "\r\n"]
VALUES = [
    *(v.lower() for v in SCHOOL_YEARS[:3]),
    *SCHOOL_YEARS[:2],
    *BOOLEANS,
    "true",
    "31/03/2027",
    "03/31/2027",
    "05/06/2027",
    "46112",
    "2027-03-31 00:00:00",
    "2027-03-31",
    CLEAR,
    "**clear**",
    "=1+1",
    "7.7E+04",
    "S1",
    "",
]
RICH = st.one_of(
    st.sampled_from(VALUES),
    st.builds(
        lambda v, a, b: a + v + b,
        st.sampled_from(VALUES),
        st.sampled_from(PADS),
        st.sampled_from(["", *PADS]),
    ),
    JUNK,
)


def test_the_vocabulary_of_a_suite_is_what_fix_is_given(suite: Suite) -> None:
    vocabulary = Vocabulary.of(suite, ALL)
    given = inputs(suite)
    assert vocabulary.known_headers == tuple(given["known_headers"])
    assert sorted(vocabulary.date_columns) == sorted(given["date_columns"])
    assert {k: list(v) for k, v in vocabulary.listed.items()} == given["listed"]
    assert sorted(vocabulary.boolean_columns) == sorted(given["boolean_columns"])
    assert sorted(set(vocabulary.identity_columns)) == given["identity_columns"]


def test_trimming_takes_off_every_space_python_knows() -> None:
    from syncguard.repair import _SPACES

    assert "".join(c for c in map(chr, range(0x110000)) if c.isspace()) == _SPACES


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(
        st.sampled_from([*COLUMNS, START, ATTENDING, "first_name"]),
        min_size=2,
        max_size=5,
        unique=True,
    ),
    data=st.data(),
)
def test_a_dry_run_finds_exactly_what_fix_changes(
    suite: Suite, header: list[str], data: st.DataObject
) -> None:
    """The dry run (what a check says ``fix`` would repair) is fix's own code: the same
    changes and notes, and its cells are the cells the fixed file differs in. A record with a
    padded cell or a ``*`` is read cell by cell, the others by their listed, boolean, date and
    identity cells only: the same file with one padded ``*`` cell more on every row gets the
    same changes."""
    width = len(header)
    rows = data.draw(st.lists(st.lists(RICH, min_size=width, max_size=width), max_size=8))
    vocabulary = Vocabulary.of(suite, ALL)
    text = export(header, *rows)
    fixed = fix_export(text.encode(), vocabulary)
    planned = dry_run(text.encode(), vocabulary)
    assert list(planned.changes) == fixed.changes
    assert list(planned.notes) == fixed.notes
    before, after = records(text), records(fixed.text)
    differ = {
        (number, index)
        for number, (old, new) in enumerate(zip(before, after, strict=True), start=1)
        for index, (a, b) in enumerate(zip(old, new, strict=True))
        if a != b
    }
    assert planned.cells == differ
    busy = export([*header, "middle_name"], *([*row, " *"] for row in rows))
    slow = fix_export(busy.encode(), vocabulary)
    assert [c for c in slow.changes if c.column != "middle_name"] == fixed.changes
    assert slow.notes == fixed.notes
