"""The failing-rows download: every failing row, masked, and safe to open in Excel."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import polars as pl

from syncguard.output.failing_csv import failing_rows, write_failing_rows
from tests.output.test_html_report import _result


def _with_frame(value: str) -> object:
    frame = pl.DataFrame({"last_name": [value], "__row__": pl.Series([7], dtype=pl.UInt32)})
    return dataclasses.replace(_result(value), frame=frame)


def test_values_are_masked_unless_asked() -> None:
    result = _with_frame("Nováková")
    assert failing_rows(result).rows() == [(7, "last_name.not_blank", "error", "last_name", "N•••")]
    assert failing_rows(result, show_values=True)["value"].to_list() == ["Nováková"]


def test_formula_cells_are_neutralised(tmp_path: Path) -> None:
    result = _with_frame('=HYPERLINK("http://evil","x")')
    target = tmp_path / "failing_rows.csv"
    assert write_failing_rows(target, result, show_values=True) == 1
    (row,) = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert row["value"] == '\'=HYPERLINK("http://evil","x")'
    assert list(row) == ["row", "rule", "severity", "column", "value"]
