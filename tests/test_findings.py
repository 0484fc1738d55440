"""Findings as a steward reads them: one per check, shared causes folded, worst harm first."""

from __future__ import annotations

import dataclasses

from syncguard.findings import blocks_whole_upload, by_harm, fold_same_cause, merge_columns
from syncguard.model import Engine, Finding, Severity


def _finding(rule: str, columns: tuple[str, ...], rows: tuple[int, ...], **kw: object) -> Finding:
    values = {
        "severity": Severity.ERROR,
        "engine": Engine.PANDERA,
        "message": "m.",
        "examples": tuple(f"v{r}" for r in rows),
        **kw,
    }
    return Finding(rule=rule, columns=columns, rows=rows, **values)  # type: ignore[arg-type]


def test_a_check_over_several_columns_is_one_finding() -> None:
    parts = [
        _finding("cells.no_formula", ("first_name",), (4, 9)),
        _finding("cells.no_formula", ("gender",), (2, 4)),
        _finding("other.rule", ("x",), (3,)),
    ]
    merged = merge_columns(parts, {"cells.no_formula": "No formulas."}, total=10)
    assert [f.rule for f in merged] == ["cells.no_formula", "other.rule"]
    one = merged[0]
    assert one.columns == ("first_name", "gender")
    assert one.rows == (2, 4, 9) and one.failed_count == 3
    assert one.examples == ("v2", "v4", "v9")
    assert one.example_columns == ("gender", "first_name", "first_name")
    assert one.parts == (("first_name", (4, 9)), ("gender", (2, 4)))
    assert "in 2 column(s): first_name, gender" in one.message


def test_one_cause_is_one_problem() -> None:
    wiped = _finding("compare.labels_wiped", ("system_label_names",), (5, 7))
    blank = _finding("system_label_names.not_blank", ("system_label_names",), (5, 7, 8))
    folded = fold_same_cause([blank, wiped])
    by_rule = {f.rule: f for f in folded}
    assert by_rule["compare.labels_wiped"].also == ("system_label_names.not_blank",)
    assert by_rule["system_label_names.not_blank"].rows == (8,)  # a new student: its own cause
    exactly = fold_same_cause([_finding("system_label_names.not_blank", ("s",), (5, 7)), wiped])
    assert [f.rule for f in exactly] == ["compare.labels_wiped"]


def test_worst_harm_first() -> None:
    many = _finding("a.many", ("a",), tuple(range(2, 50)))
    warning = _finding("b.warn", ("b",), tuple(range(2, 90)), severity=Severity.WARNING)
    size = _finding("intake.file_size", (), (), engine=Engine.INTAKE)
    assert blocks_whole_upload(size) and not blocks_whole_upload(many)
    assert [f.rule for f in by_harm([warning, many, size])] == [
        "intake.file_size",
        "a.many",
        "b.warn",
    ]


def test_a_merged_finding_never_counts_a_row_twice() -> None:
    # row 2 has "Anna " in first_name and "Berg " in last_name: one row, one shape each column
    parts = [
        _finding("cells.ws", ("first_name",), (2,), top_shapes=(("Aaaa ", 1),)),
        _finding("cells.ws", ("last_name",), (2,), top_shapes=(("Aaaa ", 1),)),
    ]
    (merged,) = merge_columns(parts, {"cells.ws": "No stray spaces."}, total=10)
    assert merged.failed_count == 1
    assert all(n <= merged.failed_count for _, n in merged.top_shapes)
    assert [(s.column, s.top_shapes) for s in merged.summaries] == [
        ("first_name", (("Aaaa ", 1),)),
        ("last_name", (("Aaaa ", 1),)),
    ]


def test_a_folded_finding_keeps_the_cells_of_its_rows() -> None:
    wiped = _finding("compare.labels_wiped", ("system_label_names",), (5,))
    related = _finding("x.rule", ("a", "b"), (5, 8), cells=(("a5", "b5"), ("a8", "b8")))
    folded = fold_same_cause(
        [dataclasses.replace(related, rule="system_label_names.not_blank"), wiped]
    )
    (kept,) = [f for f in folded if f.rule == "system_label_names.not_blank"]
    assert kept.rows == (8,) and kept.examples == ("v8",) and kept.cells == (("a8", "b8"),)
