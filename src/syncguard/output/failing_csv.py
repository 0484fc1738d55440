"""The failing rows as a CSV download: row, rule, severity, column, value; safe to open in Excel."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from syncguard.intake.reader import ROW
from syncguard.masking import mask_expr
from syncguard.model import RunResult
from syncguard.output.base import RunOutput, write_atomic

FILENAME = "failing_rows.csv"
COLUMNS = ("row", "rule", "severity", "column", "value")
FORMULA_START = r"^[=+\-@\t\r]"


def excel_safe(value: pl.Expr) -> pl.Expr:
    """Prefix ``'`` to a cell that Excel would run as a formula (OWASP CSV injection advice)."""
    return pl.when(value.str.contains(FORMULA_START)).then(pl.lit("'") + value).otherwise(value)


def failing_rows(
    result: RunResult, frame: pl.DataFrame | None, show_values: bool = False
) -> pl.DataFrame:
    """One line per failing row of each finding, values masked unless ``show_values``."""
    parts = []
    for f in result.findings:
        if not f.rows:
            continue
        column = f.columns[0] if f.columns else ""
        part = pl.DataFrame(
            {
                "row": pl.Series(f.rows, dtype=pl.UInt32),
                "rule": pl.Series([f.rule] * len(f.rows), dtype=pl.String),
                "severity": pl.Series([f.severity.value] * len(f.rows), dtype=pl.String),
                "column": pl.Series([", ".join(f.columns)] * len(f.rows), dtype=pl.String),
            }
        )
        if frame is not None and column in frame.columns:
            values = frame.select(pl.col(ROW).alias("row"), pl.col(column).alias("value"))
            part = part.join(values, on="row", how="left")
        else:
            part = part.with_columns(pl.lit(None, dtype=pl.String).alias("value"))
        parts.append(part)
    if not parts:
        return pl.DataFrame(schema=dict.fromkeys(COLUMNS, pl.String))
    out = pl.concat(parts).sort("row", "rule", maintain_order=True)
    domains = result.email_domains.domains if result.email_domains is not None else ()
    value = pl.col("value") if show_values else mask_expr(pl.col("value"), domains)
    cells = [excel_safe(pl.col(c).cast(pl.String)).alias(c) for c in ("rule", "column")]
    return out.with_columns(excel_safe(value.fill_null("")).alias("value"), *cells)


def write(run: RunOutput, folder: Path) -> Path:
    """The writer of ``failing_rows.csv`` in the run folder (written atomically)."""
    path = folder / FILENAME
    table = failing_rows(run.result, run.frame, run.show_values)
    buffer = io.StringIO()
    table.write_csv(buffer)
    write_atomic(path, buffer.getvalue())
    return path
