"""Intake on fixture files: each problem is found, at its spreadsheet row, and nothing is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncguard.errors import UnusableExportError
from syncguard.intake import read_export, reader
from syncguard.pipeline import contract_of
from syncguard.suite.model import Suite
from tests.conftest import FIXTURES

INTAKE = FIXTURES / "intake"


@pytest.mark.parametrize(
    ("name", "row", "words"),
    [
        ("empty.csv", None, "the file is empty"),
        ("whitespace_only.csv", None, "the file is empty"),
        ("xlsx_renamed.csv", None, "Excel workbook (.xlsx)"),
        ("nul_bytes.csv", 4, "NUL bytes"),
        ("utf16.csv", None, "UTF-16"),
        ("latin1.csv", 4, "not UTF-8 in column 'first_name' (byte 0xE9 reads as 'é'"),
        ("semicolon.csv", 1, "separated by semicolons"),
        ("tab.csv", 1, "separated by tabs"),
        ("not_an_export.csv", 1, "none of the 2 cell(s) of row 1 is a student sync header"),
        (
            "missing_required.csv",
            1,
            "'primary_education:end_date' (found 'primary_education:end_dat' instead)",
        ),
    ],
)
def test_unusable_files_stop_with_the_row_and_the_fix(
    suite: Suite, name: str, row: int | None, words: str
) -> None:
    with pytest.raises(UnusableExportError) as caught:
        read_export(INTAKE / name, contract_of(suite))
    message = str(caught.value)
    assert caught.value.row == row
    assert words in message
    assert message.startswith(str(INTAKE / name))
    assert message.count("\n") == 0 and message.endswith(".")


@pytest.mark.parametrize(
    ("name", "rule", "severity", "rows", "words"),
    [
        ("bom.csv", "intake.bom", "warning", (1,), "byte order mark"),
        (
            "unknown_header.csv",
            "intake.unknown_header",
            "error",
            (1,),
            "did you mean 'mobile_number'?",
        ),
        ("unknown_header.csv", "intake.extra_header", "warning", (1,), "'favourite_colour'"),
        (
            "wrong_case_header.csv",
            "intake.header_case",
            "error",
            (1,),
            "lowercase as 'mobile_number'",
        ),
        (
            "duplicate_header.csv",
            "intake.duplicate_header",
            "warning",
            (1,),
            "appears again in column 8 (first in column 7)",
        ),
        ("blank_header.csv", "intake.blank_header", "error", (1,), "column 7 has a blank header"),
        ("ragged.csv", "intake.ragged_rows", "error", (3, 5), "row 3: 7, row 5: 5"),
        ("blank_rows.csv", "intake.blank_rows", "error", (3, 5), "2 blank row(s)"),
        (
            "unclosed_quote.csv",
            "intake.quoting",
            "error",
            (4,),
            "opens in row 4 and is never closed",
        ),
    ],
)
def test_findings_name_their_rows(
    suite: Suite, name: str, rule: str, severity: str, rows: tuple[int, ...], words: str
) -> None:
    export = read_export(INTAKE / name, contract_of(suite))
    matching = [f for f in export.findings if f.rule == rule and f.severity.value == severity]
    assert len(matching) == 1, export.findings
    assert matching[0].rows == rows
    assert words in matching[0].message


@pytest.mark.parametrize(
    ("name", "rows_read", "frame_rows"),
    [
        ("valid.csv", 4, [2, 3, 4, 5]),
        ("multiline_quoted.csv", 4, [2, 3, 4, 5]),
        ("ragged.csv", 4, [2, 4]),
        ("blank_rows.csv", 5, [2, 4, 6]),
        ("unclosed_quote.csv", 3, [2, 3]),
        ("bom.csv", 2, [2, 3]),
        ("duplicate_header.csv", 2, [2, 3]),
    ],
)
def test_every_record_is_kept_or_listed(
    suite: Suite, name: str, rows_read: int, frame_rows: list[int]
) -> None:
    export = read_export(INTAKE / name, contract_of(suite))
    assert export.rows_read == rows_read
    assert export.frame["__row__"].to_list() == frame_rows
    listed = {r for f in export.findings if f.severity.value == "error" for r in f.rows if r > 1}
    assert set(frame_rows) | listed == set(export.row_numbers)


def test_multiline_cells_keep_spreadsheet_rows_and_text(suite: Suite) -> None:
    export = read_export(INTAKE / "multiline_quoted.csv", contract_of(suite))
    rows = dict(
        zip(export.frame["__row__"].to_list(), export.frame["first_name"].to_list(), strict=True)
    )
    assert rows[3] == "Anna\r\nMaria"
    assert rows[4] == "Søren"
    names = dict(
        zip(export.frame["__row__"].to_list(), export.frame["last_name"].to_list(), strict=True)
    )
    assert names[5] == 'Kis "the" Younger'


def test_ids_keep_leading_zeros_and_blank_cells_are_null(write_csv, suite: Suite) -> None:  # type: ignore[no-untyped-def]
    path = write_csv('a@student.uni-example.eu,00123,Ana,,2027-06-30,""')
    export = read_export(path, contract_of(suite))
    assert export.frame["username"].to_list() == ["00123"]
    assert export.frame["last_name"].to_list() == [None]
    assert export.frame["school_year_name"].to_list() == [None]


def test_file_over_the_import_limit_is_an_error_finding(
    suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "MAX_IMPORT_BYTES", 100)
    export = read_export(INTAKE / "valid.csv", contract_of(suite))
    (finding,) = [f for f in export.findings if f.rule == "intake.file_size"]
    assert finding.severity.value == "error"
    assert "under 50 MB" in finding.message


def test_missing_file_is_unusable(suite: Suite, tmp_path: Path) -> None:
    with pytest.raises(UnusableExportError, match="no such file"):
        read_export(tmp_path / "nope.csv", contract_of(suite))


@pytest.mark.parametrize(
    ("body", "rule", "severity", "rows"),
    [
        # Excel's trailing commas: read without them, and the rows are still validated
        (
            ["a@x.eu,S1,Ana,Berg,2027-06-30,Alumni,,", "b@x.eu,S2,Eva,Kis,2027-06-30,Alumni,"],
            "intake.trailing_cells",
            "warning",
            (2, 3),
        ),
        # a quote inside a quoted cell that is not doubled
        (['a@x.eu,S1,"Anna "Nan" Maria",Berg,2027-06-30,Alumni'], "intake.quoting", "error", (2,)),
    ],
)
def test_excel_habits(
    write_csv, suite: Suite, body: list[str], rule: str, severity: str, rows: tuple[int, ...]
) -> None:  # type: ignore[no-untyped-def]
    export = read_export(write_csv(*body), contract_of(suite))
    (finding,) = [f for f in export.findings if f.rule == rule]
    assert (finding.severity.value, finding.rows) == (severity, rows)


def test_empty_trailing_columns_are_a_warning(tmp_path: Path, suite: Suite) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "email_address,username,first_name,last_name,primary_education:end_date,"
        "school_year_name,,\r\na@x.eu,S1,Ana,Berg,2027-06-30,Alumni,,\r\n",
        encoding="utf-8",
    )
    export = read_export(path, contract_of(suite))
    assert {(f.rule, f.severity.value) for f in export.findings} == {
        ("intake.empty_column", "warning")
    }


def test_header_only_is_unusable(tmp_path: Path, suite: Suite) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(
        b"\xef\xbb\xbfemail_address,username,first_name,last_name,"
        b"primary_education:end_date,school_year_name"
    )
    with pytest.raises(UnusableExportError, match="a header row but no student rows"):
        read_export(path, contract_of(suite))


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_old_mac_line_ends_and_semicolon_lists(tmp_path: Path, suite: Suite, newline: str) -> None:
    header = (
        "email_address,username,first_name,last_name,primary_education:end_date,"
        "school_year_name,system_label_names"
    )
    row = "a{i}@x.eu,S{i},Ana,Berg,2027-06-30,Alumni," + ";".join("ABCDEFGHIJ")
    path = tmp_path / "x.csv"
    path.write_text(newline.join([header, *(row.format(i=i) for i in range(3))]) + newline)
    export = read_export(path, contract_of(suite))
    assert export.rows_read == 3 and export.frame["__row__"].to_list() == [2, 3, 4]


def test_lone_carriage_return_in_a_cell_gives_the_same_rows_on_both_paths(
    tmp_path: Path, suite: Suite
) -> None:
    header = (
        "email_address,username,first_name,last_name,primary_education:end_date,school_year_name"
    )
    path = tmp_path / "x.csv"
    path.write_bytes(
        (
            header + "\r\na@x.eu,S1,Ana,Main\rCampus,2027-06-30,Alumni\r\nb@x.eu,S2,Eva,Kis,"
            "30/06/2027,Alumni\r\n"
        ).encode()
    )
    export = read_export(path, contract_of(suite))
    # like a spreadsheet, a lone CR ends the line: the record splits, and Eva is on row 4
    assert export.rows_read == 3
    assert export.frame.filter(export.frame["first_name"] == "Eva")["__row__"].to_list() == [4]
