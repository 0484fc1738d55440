"""Masking of personal values before they leave syncguard (JSON, reports, logs)."""

from __future__ import annotations

import re

import polars as pl

MASK = "\u2022\u2022\u2022"
ADDRESS = r"^\s*[^@\s;,]+@[^@\s;,]+\s*$"
SINGLE_ADDRESS = re.compile(ADDRESS)


def mask(value: str | None) -> str:
    """Mask a cell value: ``jana@uni.ac.uk`` -> ``j•••@uni.ac.uk``, ``Anna`` -> ``A•••``.

    The domain of an email address is kept (it is the institution's, and rules are about it);
    of any other value only the first character. Blank stays blank so it can be told apart.
    """
    if value is None:
        return ""
    if value.strip() == "":
        return value
    if SINGLE_ADDRESS.match(value):
        local, _, domain = value.partition("@")
        return f"{local[0]}{MASK}@{domain}"
    return f"{value[0]}{MASK}"


def shown(value: str | None, show_values: bool) -> str:
    """The value as it may be shown: raw when asked for, else masked."""
    if show_values:
        return "" if value is None else value
    return mask(value)


def mask_expr(value: pl.Expr) -> pl.Expr:
    """:func:`mask` as a polars expression, for whole columns."""
    first = value.str.slice(0, 1)
    domain = value.str.extract(r"@(.+)$", 1)
    email = pl.concat_str([first, pl.lit(MASK + "@"), domain])
    blank = value.is_null() | (value.str.strip_chars() == "")
    return (
        pl.when(blank)
        .then(value.fill_null(""))
        .when(value.str.contains(ADDRESS))
        .then(email)
        .otherwise(pl.concat_str([first, pl.lit(MASK)]))
    )
