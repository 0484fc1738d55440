"""The worklist: every failing row with all its problems and how to fix each, in row order.

A steward fixes students, not rules: the report lists the first rows, the failing-rows CSV all
of them, in the same shape (row, severity, check, column, value, did you mean, fix). Values are
shown by their column's data class (personal and special ones masked) and formula-like cells
in the CSV are prefixed with ``'`` so Excel does not run them.
"""

from __future__ import annotations

import polars as pl

from syncguard.intake.reader import ROW
from syncguard.model import Finding
from syncguard.output.base import RunOutput

COLUMNS = ("row", "severity", "check", "title", "column", "value", "did_you_mean", "fix")
FORMULA_START = r"^[=+\-@\t\r]"


def _pieces(finding: Finding) -> tuple[tuple[str, tuple[int, ...]], ...]:
    if finding.parts:
        return finding.parts
    return ((finding.columns[0] if finding.columns else "", finding.rows),)


def worklist(run: RunOutput, limit: int | None = None) -> pl.DataFrame:
    """One line per failing row and problem, sorted by row then by harm (finding order).

    ``limit`` keeps only the first rows (all their problems): the report shows a page of them.
    """
    frame, masker = run.frame, run.masker
    first = _first_rows(run, limit) if limit is not None else None
    parts = []
    for order, f in enumerate(run.result.findings):
        entry = run.check(f.rule)
        title = entry.title if entry is not None else f.rule
        fix = entry.fix if entry is not None else ""
        fixes = dict(f.fixes)
        for column, rows in _pieces(f):
            if not rows:
                continue
            part = pl.DataFrame(
                {"row": pl.Series(rows, dtype=pl.UInt32)},
            ).with_columns(
                pl.lit(order, dtype=pl.UInt32).alias("order"),
                pl.lit(f.severity.value).alias("severity"),
                pl.lit(f.rule).alias("check"),
                pl.lit(title).alias("title"),
                pl.lit(
                    ", ".join(f.columns) if len(f.columns) > 1 and not f.parts else column
                ).alias("column"),
                pl.lit(fix).alias("fix"),
            )
            if first is not None:
                part = part.filter(pl.col("row").is_in(first))
            if column in frame.columns and part.height:
                values = frame.select(pl.col(ROW).alias("row"), pl.col(column).alias("raw"))
                part = part.join(values, on="row", how="left")
                meant = pl.col("raw").replace_strict(fixes, default="", return_dtype=pl.String)
                part = part.with_columns(
                    masker.series(part.get_column("raw"), column).alias("value"),
                    (meant if fixes else pl.lit("")).alias("did_you_mean"),
                ).drop("raw")
            else:
                part = part.with_columns(
                    pl.lit("").alias("value"), pl.lit("").alias("did_you_mean")
                )
            parts.append(part)
    if not parts:
        return pl.DataFrame(schema={c: pl.String for c in COLUMNS} | {"row": pl.UInt32})
    table = pl.concat(parts, how="vertical_relaxed").sort("row", "order").drop("order")
    return table.select(COLUMNS)


def _first_rows(run: RunOutput, limit: int) -> list[int]:
    rows: set[int] = set()
    for f in run.result.findings:
        rows.update(f.rows[:limit])
    return sorted(rows)[:limit]


def excel_safe(value: pl.Expr) -> pl.Expr:
    """Prefix ``'`` to a cell that Excel would run as a formula (OWASP CSV injection advice)."""
    return pl.when(value.str.contains(FORMULA_START)).then(pl.lit("'") + value).otherwise(value)
