"""Masking of personal values before they leave syncguard (JSON, reports, logs)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import polars as pl

MASK = "\u2022\u2022\u2022"
ADDRESS = r"^\s*[^@\s;,]+@[^@\s;,]+\s*$"
SINGLE_ADDRESS = re.compile(ADDRESS)
SHOW_FIRST = 4
"""A value shows its first character only when it has at least this many (else all masked)."""


def _at(domain: str, domains: Sequence[str]) -> bool:
    domain = domain.strip().lower().rstrip(".")
    return any(domain == d or domain.endswith("." + d) for d in (x.lower() for x in domains))


def mask(value: str | None, domains: Sequence[str] = ()) -> str:
    """Mask a cell value: ``jana@uni.ac.uk`` -> ``j•••@uni.ac.uk``, ``Anna`` -> ``A•••``.

    The domain of an email address is kept only when it is one of the institution's
    ``domains`` (rules are about it, and it identifies no one); a private domain such as
    ``jana-novak.de`` is masked too. Of any other value only the first character is kept, and
    not even that of a value shorter than :data:`SHOW_FIRST`. Blank stays blank, so it can be
    told apart.
    """
    if value is None:
        return ""
    if value.strip() == "":
        return value
    if SINGLE_ADDRESS.match(value):
        core = value.strip()
        lead, trail = value[: len(value) - len(value.lstrip())], value[len(value.rstrip()) :]
        local, _, domain = core.partition("@")
        shown = domain if _at(domain, domains) else MASK
        return f"{lead}{local[0]}{MASK}@{shown}{trail}"  # stray spaces stay visible
    return f"{value[0]}{MASK}" if len(value) >= SHOW_FIRST else MASK


def shown(value: str | None, show_values: bool, domains: Sequence[str] = ()) -> str:
    """The value as it may be shown: raw when asked for, else masked."""
    if show_values:
        return "" if value is None else value
    return mask(value, domains)


def mask_expr(value: pl.Expr, domains: Sequence[str] = ()) -> pl.Expr:
    """:func:`mask` as a polars expression, for whole columns."""
    first = value.str.strip_chars().str.slice(0, 1)
    domain = value.str.strip_chars().str.extract(r"@(.+)$", 1).str.to_lowercase()
    home = pl.lit(False)
    for d in domains:
        d = d.lower()
        home = home | (domain == d) | domain.str.ends_with("." + d)
    lead = value.str.extract(r"^(\s*)", 1)
    trail = value.str.extract(r"(\s*)$", 1)
    email = pl.concat_str(
        [lead, first, pl.lit(MASK + "@"), pl.when(home).then(domain).otherwise(pl.lit(MASK)), trail]
    )
    blank = value.is_null() | (value.str.strip_chars() == "")
    short = value.str.len_chars() < SHOW_FIRST
    return (
        pl.when(blank)
        .then(value.fill_null(""))
        .when(value.str.contains(ADDRESS))
        .then(email)
        .when(short)
        .then(pl.lit(MASK))
        .otherwise(pl.concat_str([value.str.slice(0, 1), pl.lit(MASK)]))
    )
