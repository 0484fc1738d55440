"""Expression helpers shared by kinds (no kind lives here)."""

from __future__ import annotations

import polars as pl

from syncguard.importer import CLEAR
from syncguard.suite.registry import Param

ALLOW_CLEAR = Param(
    "allow_clear", (bool,), doc=f"accept the importer's {CLEAR} (clear the field); default true"
)


def skipped(value: pl.Expr, allow_clear: object = True) -> pl.Expr:
    """Rows a format rule does not judge: blank cells ("leave unchanged") and, if allowed, CLEAR."""
    blank = value.is_null() | (value.str.strip_chars() == "")
    if allow_clear is False:
        return blank
    return blank | (value == CLEAR)


def iso_date(value: pl.Expr) -> pl.Expr:
    """The value as a yyyy-mm-dd text when it is a real calendar date in that format, else null."""
    shaped = value.str.contains(r"^\d{4}-\d{2}-\d{2}$")
    parsed = value.str.to_date("%Y-%m-%d", strict=False)
    return pl.when(shaped & parsed.is_not_null()).then(value).otherwise(None)


def date_column(column: str) -> str:
    """Name of the derived column holding a column's valid dates (see :func:`iso_date`)."""
    return f"{column}::date"
