"""The failing rows as a CSV download, in the worklist's shape; safe to open in Excel."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from syncguard.output.base import RunOutput, write_atomic
from syncguard.output.worklist import COLUMNS, excel_safe, worklist

FILENAME = "failing_rows.csv"
__all__ = ["COLUMNS", "FILENAME", "failing_rows", "write"]


def failing_rows(run: RunOutput) -> pl.DataFrame:
    """Every failing row and problem (the worklist), text cells made safe for Excel."""
    table = worklist(run)
    text = [c for c in COLUMNS if c != "row"]
    return table.with_columns(
        excel_safe(pl.col(c).cast(pl.String).fill_null("")).alias(c) for c in text
    )


def write(run: RunOutput, folder: Path) -> Path:
    """The writer of ``failing_rows.csv`` in the run folder (written atomically)."""
    path = folder / FILENAME
    table = failing_rows(run)
    # streamed: a million rows never become one string
    write_atomic(path, table.write_csv, run.masker.show_values)
    return path
