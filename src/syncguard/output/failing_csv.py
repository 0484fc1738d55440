"""The failing rows as a CSV download, in the worklist's shape; safe to open in Excel.

It lists every failing row with its problems, the most harmful first, up to the run's
:class:`~syncguard.output.base.Limits`: a row with more problems than ``csv_problems_per_row``
gets a line saying how many were left out, and a file cut at ``csv_lines`` ends with a line
saying how many lines were left out (thousands of rules failing on every row would otherwise
write millions of lines).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from syncguard.output.base import RunOutput, write_atomic
from syncguard.output.worklist import COLUMNS, MORE, cut, excel_safe, worklist

FILENAME = "failing_rows.csv"
__all__ = ["COLUMNS", "FILENAME", "failing_rows", "write"]
NOTE = "note"
"""The severity cell of a line that says what the file left out."""
EMPTY_IN_NOTES = COLUMNS[COLUMNS.index("column") :]
"""The cells a note line leaves empty (it says what it says in ``title``)."""


def failing_rows(run: RunOutput) -> pl.DataFrame:
    """Every failing row and problem (the worklist) within the run's limits, text cells made
    safe for Excel; lines with the severity :data:`NOTE` say what was left out."""
    limits = run.limits
    per_row = limits.csv_problems_per_row
    table = worklist(run, per_row=per_row, most=limits.csv_lines)
    text = [c for c in COLUMNS if c != "row"]
    notes = table.filter(pl.col(MORE) > 0).select(
        "row",
        pl.lit(NOTE).alias("severity"),
        pl.lit("").alias("check"),
        pl.format(
            "… and {} more problem(s) in this row, left out: this file lists the {} most "
            "harmful problems of a row",
            pl.col(MORE),
            pl.lit(per_row),
        ).alias("title"),
        *(pl.lit("").alias(c) for c in EMPTY_IN_NOTES),
    )
    if notes.height:
        order = pl.int_range(pl.len()).alias("_line")
        lines = table.drop(MORE).with_columns(order, pl.lit(0).alias("_note"))
        notes = notes.join(
            lines.group_by("row").agg(pl.col("_line").max()), on="row", how="left"
        ).with_columns(pl.lit(1).alias("_note"))
        table = (
            pl.concat([lines, notes.select(lines.columns)])
            .sort("_line", "_note")
            .drop("_line", "_note")
        )
    else:
        table = table.drop(MORE)
    table = table.with_columns(
        excel_safe(pl.col(c).cast(pl.String).fill_null("")).alias(c) for c in text
    )
    left = cut(run.result.findings, limits)
    if left.stopped:
        end = pl.DataFrame(
            {
                "row": pl.Series([None], dtype=pl.UInt32),
                "severity": [NOTE],
                "check": [""],
                "title": [
                    f"… the file ends here: it holds at most {left.at_most:,} problem lines, and "
                    f"{left.left_out:,} of the run's {left.lines:,} are left out in all (the "
                    "counts of every problem are whole in results.json)"
                ],
                **{c: [""] for c in EMPTY_IN_NOTES},
            }
        )
        table = pl.concat([table, end.select(table.columns)], how="vertical_relaxed")
    return table


def write(run: RunOutput, folder: Path) -> Path:
    """The writer of ``failing_rows.csv`` in the run folder (written atomically)."""
    path = folder / FILENAME
    table = failing_rows(run)
    # streamed: a million rows never become one string
    write_atomic(path, table.write_csv, run.masker.show_values)
    return path
