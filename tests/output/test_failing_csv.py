"""The failing-rows download: the worklist's shape, masked by class, safe to open in Excel."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import polars as pl
import pytest

from syncguard.masking import DataClass, Masker
from syncguard.output import failing_csv
from syncguard.output.base import RunOutput
from syncguard.output.failing_csv import failing_rows
from syncguard.output.html_report import render
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
            "Aaaaaaaa",
            "",
            "Fill it in.",
            "no",
            "",
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


@pytest.mark.parametrize(
    ("cells", "kind", "marked"),
    [
        (frozenset({(7, 1)}), "stray_whitespace", "yes"),
        (frozenset({(7, 1)}), "unique", "no"),
        (frozenset({(7, 0), (8, 1)}), "stray_whitespace", "no"),
        (None, "stray_whitespace", "no"),
    ],
    ids=["its-cell", "tidied-not-mended", "other-cells", "no-dry-run"],
)
def test_a_cell_fix_repairs_is_marked_near_the_end_of_the_line(
    cells: frozenset[tuple[int, int]] | None, kind: str, marked: str
) -> None:
    """``fix_repairs`` comes after the older columns (they keep their order) and says whether
    ``syncguard fix`` changes the cell (the dry run names it by its column's place) and so
    mends the line's problem: trimming a duplicated value leaves it a duplicate."""
    from syncguard.repair import Planned

    frame = pl.DataFrame(
        {
            "first_name": ["Ana"],
            "last_name": ["Nováková"],
            "__row__": pl.Series([7], dtype=pl.UInt32),
        }
    )
    repairs = None if cells is None else Planned((), (), cells)
    result = _result("Nováková")
    checks = tuple(dataclasses.replace(c, kind=kind) for c in result.checks)
    run = RunOutput(dataclasses.replace(result, checks=checks), frame, Masker(), repairs=repairs)
    table = failing_rows(run)
    assert table.columns == [
        "row",
        "severity",
        "check",
        "title",
        "column",
        "value",
        "did_you_mean",
        "fix",
        "fix_repairs",
        "duplicate_group",
    ]
    assert table["fix_repairs"].to_list() == [marked]
    html = render(run)
    assert html.count("syncguard fix repairs this cell") == (marked == "yes")
