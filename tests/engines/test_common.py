"""What both engines share: a finding's examples, cells and summary, counted over its rows."""

from __future__ import annotations

import polars as pl
import pytest

from syncguard.engines.common import cells_at, summarized, summary, with_examples
from syncguard.intake.reader import ROW
from syncguard.model import Engine, Finding, Severity

FRAME = pl.DataFrame(
    {
        ROW: pl.Series([2, 3, 4, 5, 6], dtype=pl.UInt32),
        "first_name": ["Anna ", "Eva ", "Anna\u00a0", "Bo", None],
        "last_name": ["Berg ", "Kis", "Nagy ", "Li", "Ek"],
        "start": ["2027-09-01", "2024-09-01", "2025-09-01", "2024-09-01", "2024-09-01"],
        "end": ["2026-06-30", "2028-06-30", "2024-06-30", "2028-06-30", "2028-06-30"],
    }
)


def _finding(columns: tuple[str, ...], rows: tuple[int, ...], **kw: object) -> Finding:
    return Finding(
        "r",
        Severity.WARNING,
        Engine.PANDERA,
        "m.",
        columns=columns,
        rows=rows,
        **kw,  # type: ignore[arg-type]
    )


def test_shapes_are_counted_per_row_with_marks_kept_apart() -> None:
    values, shapes = summary(FRAME, "first_name", (2, 3, 4, 6))
    assert dict(values) == {"Anna ": 1, "Eva ": 1, "Anna\u00a0": 1, "": 1}
    # "Anna " and "Eva " differ in length; "Anna\u00a0" is not "Anna ": three shapes, and blank
    assert dict(shapes) == {"Aaaa ": 1, "Aaa ": 1, "Aaaa\u00a0": 1, "": 1}


@pytest.mark.parametrize(
    ("rows", "parts"),
    [
        ((2, 4), (("first_name", (2, 4)), ("last_name", (2, 4)))),  # both columns of each row
        ((4,), (("first_name", (2, 4)), ("last_name", (2, 4)))),  # row 2 was taken away
    ],
)
def test_a_summary_never_counts_more_rows_than_the_finding_has(
    rows: tuple[int, ...], parts: tuple[tuple[str, tuple[int, ...]], ...]
) -> None:
    stale = _finding(("first_name", "last_name"), rows, parts=parts, top_shapes=(("Aaaa ", 4),))
    fresh = summarized(stale, FRAME)
    assert all(n <= len(rows) for _, n in fresh.top_shapes)
    assert all(n <= len(rows) for s in fresh.summaries for _, n in s.top_shapes)
    assert [s.column for s in fresh.summaries] == ["first_name", "last_name"]


def test_a_check_relating_two_columns_keeps_both_cells() -> None:
    found = with_examples(_finding(("start", "end"), (2, 4)), FRAME)
    assert found.examples == ("2027-09-01", "2025-09-01")
    assert found.cells == (("2027-09-01", "2026-06-30"), ("2025-09-01", "2024-06-30"))
    assert {s.column: dict(s.top_values) for s in found.summaries} == {
        "start": {"2027-09-01": 1, "2025-09-01": 1},
        "end": {"2026-06-30": 1, "2024-06-30": 1},
    }
    one = with_examples(_finding(("start",), (2,)), FRAME)
    assert one.cells == () and one.summaries == ()
    assert cells_at(FRAME, ("start", "missing"), (2,)) == (("2027-09-01", ""),)


def test_a_finding_without_rows_is_left_as_it_is() -> None:
    bare = _finding(("start",), ())
    assert summarized(bare, FRAME) is bare
    assert with_examples(bare, FRAME) is bare
