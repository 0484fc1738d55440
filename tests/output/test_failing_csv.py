"""The failing-rows download: the worklist's shape, masked by class, safe to open in Excel."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from syncguard.masking import DataClass, Masker
from syncguard.output import failing_csv
from syncguard.output.base import RunOutput
from syncguard.output.failing_csv import failing_rows
from tests.output.test_html_report import _frame, _result


def test_values_are_masked_unless_asked() -> None:
    run = RunOutput(_result("Nováková"), _frame("Nováková"), Masker())
    assert failing_rows(run).rows() == [
        (
            7,
            "error",
            "last_name.not_blank",
            "Last name not blank",
            "last_name",
            "N•••",
            "",
            "Fill it in.",
        )
    ]
    shown = RunOutput(_result("Nováková"), _frame("Nováková"), Masker(show_values=True))
    assert failing_rows(shown)["value"].to_list() == ["Nováková"]


def test_formula_cells_are_neutralised(tmp_path: Path) -> None:
    value = '=HYPERLINK("http://evil","x")'
    run = RunOutput(_result(value), _frame(value), Masker(show_values=True))
    target = failing_csv.write(run, tmp_path)
    assert target == tmp_path / "failing_rows.csv"
    (row,) = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert row["value"] == '\'=HYPERLINK("http://evil","x")'
    assert list(row) == list(failing_csv.COLUMNS)


def test_public_values_are_shown_with_invisible_marks() -> None:
    result = _result(" 30/06/2027")
    finding = result.findings[0]
    import dataclasses

    finding = dataclasses.replace(finding, columns=("primary_education:end_date",))
    result = dataclasses.replace(result, findings=(finding,))
    frame = _frame(" 30/06/2027", "primary_education:end_date")
    public = Masker(classes={"primary_education:end_date": DataClass.PUBLIC})
    table = failing_rows(RunOutput(result, frame, public))
    assert table["value"].to_list() == ["␣30/06/2027"]
    assert isinstance(table, pl.DataFrame)
