"""The failing-rows download: every failing row, masked, and safe to open in Excel."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from syncguard.output import failing_csv
from syncguard.output.base import RunOutput
from syncguard.output.failing_csv import failing_rows
from tests.output.test_html_report import _result


def _frame(value: str) -> pl.DataFrame:
    return pl.DataFrame({"last_name": [value], "__row__": pl.Series([7], dtype=pl.UInt32)})


def test_values_are_masked_unless_asked() -> None:
    result, frame = _result("Nováková"), _frame("Nováková")
    assert failing_rows(result, frame).rows() == [
        (7, "last_name.not_blank", "error", "last_name", "N•••")
    ]
    assert failing_rows(result, frame, show_values=True)["value"].to_list() == ["Nováková"]


def test_formula_cells_are_neutralised(tmp_path: Path) -> None:
    value = '=HYPERLINK("http://evil","x")'
    target = failing_csv.write(RunOutput(_result(value), _frame(value), True), tmp_path)
    assert target == tmp_path / "failing_rows.csv"
    (row,) = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert row["value"] == '\'=HYPERLINK("http://evil","x")'
    assert list(row) == ["row", "rule", "severity", "column", "value"]
