"""Findings as a steward reads them: one per check, shared causes folded, worst harm first."""

from __future__ import annotations

import dataclasses

import pytest

from syncguard.findings import blocks_whole_upload, by_harm, explain, merge_columns
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


WIPED = ("compare.labels_wiped", "system_label_names.not_blank")


def test_one_cause_is_one_problem() -> None:
    wiped = _finding("compare.labels_wiped", ("system_label_names",), (5, 7))
    blank = _finding("system_label_names.not_blank", ("system_label_names",), (5, 7, 8))
    folded = explain([blank, wiped], [WIPED])
    by_rule = {f.rule: f for f in folded}
    assert by_rule["compare.labels_wiped"].also == ("system_label_names.not_blank",)
    rest = by_rule["system_label_names.not_blank"]
    assert rest.rows == (8,) and rest.failed_count == 1  # a new student: its own cause
    assert rest.examples == ("v8",)
    exactly = explain(
        [_finding("system_label_names.not_blank", ("system_label_names",), (5, 7)), wiped], [WIPED]
    )
    assert [f.rule for f in exactly] == ["compare.labels_wiped"]
    assert explain([blank, wiped], []) == [blank, wiped]  # nothing declared: nothing explained


def test_a_cell_is_explained_not_a_row() -> None:
    mangled = _finding("ids.not_scientific", ("username",), (4,))
    elsewhere = _finding("username.unique", ("email_address",), (4, 6))
    same = _finding("username.unique", ("username",), (4, 6), top_values=(("x", 2),))
    pair = [("ids.not_scientific", "username.unique")]
    assert explain([mangled, elsewhere], pair)[1] == elsewhere  # row 4, another cell
    kept = explain([mangled, same], pair, lambda column, rows: (((column, len(rows)),), ()))[1]
    assert kept.rows == (6,) and kept.examples == ("v6",)
    assert kept.top_values == (("username", 1),)  # counted again on the rows left
    assert explain([mangled, same], pair)[1].top_values == ()  # no longer to be told


def test_a_check_across_columns_is_explained_by_one_of_its_cells() -> None:
    case = _finding("school_year_name.allowed", ("school_year_name",), (3,))
    across = _finding("past_end_date.alumni", ("end_date", "school_year_name"), (3, 9))
    out = explain([case, across], [("school_year_name.allowed", "past_end_date.alumni")])
    assert out[1].rows == (9,)


def test_explanation_goes_through_a_chain_to_the_first_cause() -> None:
    a = _finding("a", ("c",), (2, 3))
    b = _finding("b", ("c",), (2, 4))
    c = _finding("c", ("c",), (2, 4, 5))
    pairs = [("b", "c"), ("a", "b")]  # any order: the pairs are read as a whole
    out = {f.rule: f for f in explain([c, b, a], pairs)}
    assert set(out["a"].also) == {"b", "c"} and out["a"].rows == (2, 3)
    assert out["b"].rows == (4,) and out["b"].also == ("c",)
    assert out["c"].rows == (5,)


def test_a_warning_never_explains_an_error() -> None:
    cause = _finding("card_id.not_scientific", ("card_id",), (2,), severity=Severity.WARNING)
    skipped = _finding("card_id.unique", ("card_id",), (2, 3))
    out = explain([cause, skipped], [("card_id.not_scientific", "card_id.unique")])
    assert out == [cause, skipped]  # the gate must still fail on the row the importer skips


@pytest.mark.parametrize(
    ("message", "after"),
    [
        ("Bad. 3 row(s) fail (30.0% of 10). Hint.", "Bad. 1 row(s) fail (10.0% of 10). Hint."),
        ("3 student(s) changed.", "1 student(s) changed."),
        ("Some students changed.", "Some students changed."),
    ],
)
def test_an_explained_finding_counts_what_is_left(message: str, after: str) -> None:
    explained = _finding("b", ("c",), (2, 3, 4), message=message, previous_rows=(7, 8, 9))
    out = explain([_finding("a", ("c",), (2, 3)), explained], [("a", "b")])[1]
    assert out.message == after
    assert out.previous_rows == ()  # paired with the rows by nobody: dropped


def test_explained_cells_of_a_merged_finding() -> None:
    merged = merge_columns(
        [_finding("w", ("email",), (3, 5)), _finding("w", ("name",), (2, 3))],
        {"w": "Spaces."},
        total=10,
    )[0]
    assert merged.example_columns == ("name", "email", "email")
    out = explain([_finding("u", ("email",), (3, 5)), merged], [("u", "w")])[1]
    assert out.parts == (("name", (2, 3)),) and out.rows == (2, 3)
    assert out.columns == ("name",) and "in 1 column(s): name." in out.message
    assert out.examples == ("v2",) and out.example_columns == ("name",)  # row 3 showed email


def test_merging_keeps_what_every_column_explains() -> None:
    parts = [
        _finding("m", ("card_id",), (2,), also=("card_id.unique",)),
        _finding("m", ("phone",), (3,), also=("phone.format",)),
    ]
    merged = merge_columns(parts, {"m": "Mangled."}, total=5)[0]
    assert merged.also == ("card_id.unique", "phone.format")


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
    related = _finding(
        "x.rule", ("system_label_names", "b"), (5, 8), cells=(("a5", "b5"), ("a8", "b8"))
    )
    folded = explain(
        [dataclasses.replace(related, rule="system_label_names.not_blank"), wiped],
        [("compare.labels_wiped", "system_label_names.not_blank")],
    )
    (kept,) = [f for f in folded if f.rule == "system_label_names.not_blank"]
    assert kept.rows == (8,) and kept.examples == ("v8",) and kept.cells == (("a8", "b8"),)
