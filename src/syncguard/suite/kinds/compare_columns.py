"""Kind ``compare_columns``: on each row, the first column compares to the second as stated."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import polars as pl

from syncguard.importer import CLEAR
from syncguard.suite.kinds._values import iso_date, skipped
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, Param, register

OPS: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
"""The comparisons a rule may ask for, by the operator an analyst writes."""

MEANT = {"=": "==", "<>": "!=", "=<": "<=", "=>": ">=", "eq": "==", "ne": "!="}
"""Operators of other languages, and what they are written as here."""

AS = ("text", "date", "number")
"""How the two cells are read before they are compared."""

NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
"""A plain decimal number (digits, an optional point; no thousands separator, no exponent)."""


def cell(column: str) -> pl.Expr:
    """A column's cells, or nulls when the export lacks the column (a missing column is blank).

    The column is selected by an exact regular expression, which selects nothing (instead of
    failing) when the frame has no such column; ``coalesce`` then falls back to null.
    """
    return pl.coalesce(pl.col(f"^{re.escape(column)}$"), pl.lit(None, dtype=pl.String))


def is_reported_column(rule: Rule, value: pl.Expr) -> bool:
    """Whether ``value`` is the rule's first column, the one a cross-column rule is checked on.

    The Pandera engine checks a rule once per column it names and reports each column
    separately; a cross-column rule judges whole rows, so it is evaluated on its first column
    only (the finding is reported once, there) and passes everywhere on the others.
    """
    return value.meta.output_name(raise_if_undetermined=False) == rule.columns[0]


def every_row(value: pl.Expr) -> pl.Expr:
    """True on every row of the frame (the result of a cross-column rule on its other columns)."""
    return value.is_null() | value.is_not_null()


def _read(value: pl.Expr, how: str) -> pl.Expr:
    """The cells as compared: dates and numbers typed (null when not one), text as written."""
    if how == "date":
        return iso_date(value).str.to_date("%Y-%m-%d", strict=False)
    if how == "number":
        text = value.str.strip_chars()
        shaped = text.str.contains(NUMBER)
        return pl.when(shaped).then(text.cast(pl.Float64, strict=False)).otherwise(None)
    return value


@register
class CompareColumns(PanderaKind):
    """Compares two cells of a row: as text (optionally ignoring case), dates or numbers.

    A row is not judged when either cell is blank (empty or only spaces: the importer leaves the
    stored value unchanged) or the importer's CLEAR literal, or, compared as dates or numbers,
    when either cell is not one (the date or pattern rules report those). A column missing from
    the export counts as blank. Text is compared exactly as written, character by character
    (``<`` and ``>`` by Unicode code point), so it suits ``==`` and ``!=`` best.

    The finding is reported once, on the first column (see :func:`is_reported_column`).
    """

    name = "compare_columns"
    summary = "on each row, the first column must compare to the second with 'op' (==, !=, <, …)"
    min_columns = 2
    max_columns = 2
    params = (
        Param(
            "op",
            (str,),
            required=True,
            doc="the comparison that must hold, first column on the left: one of "
            + ", ".join(OPS)
            + '; quote it in YAML (op: "!=")',
        ),
        Param(
            "ignore_case",
            (bool,),
            doc="compare text without regard to upper and lower case; default false",
        ),
        Param(
            "as",
            (str,),
            doc="read both cells as 'text' (default), 'date' (yyyy-mm-dd; rows where either "
            "is not a real date are skipped) or 'number' (such as 12 or -3.5; rows where either "
            "is not a number are skipped)",
        ),
    )
    example = Example(
        columns=("preferred_name", "first_name"),
        params={"op": "!=", "ignore_case": True},
        passing=(
            ("Zoé", "Zoë"),
            ("Kasia", "Katarzyna"),
            (None, "Zoë"),
            ("  ", "Zoë"),
            (CLEAR, "Zoë"),
            ("Łukasz", None),
        ),
        failing=(("Zoë", "Zoë"), ("ZOË", "zoë"), ("łukasz", "Łukasz")),
    )

    def check_params(self, params: Mapping[str, Any]) -> list[str]:
        problems = []
        op = params.get("op")
        if isinstance(op, str) and op not in OPS:
            meant = MEANT.get(op.strip().lower())
            hint = f"did you mean '{meant}'? " if meant else ""
            problems.append(
                f"unknown comparison 'op: {op}'; {hint}write one of " + ", ".join(OPS) + " (quoted)"
            )
        how = params.get("as", "text")
        if how not in AS:
            problems.append(f"'as' must be one of {', '.join(AS)}, got '{how}'")
        elif params.get("ignore_case") is True and how != "text":
            problems.append(f"'ignore_case' applies to text only, not to 'as: {how}'")
        return problems

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        if not is_reported_column(rule, value):
            return every_row(value)
        first, second = (cell(c) for c in rule.columns)
        how = str(rule.params.get("as", "text"))
        left, right = _read(first, how), _read(second, how)
        if how == "text" and rule.params.get("ignore_case", False):
            left, right = left.str.to_lowercase(), right.str.to_lowercase()
        compared = OPS[str(rule.params["op"])](left, right)
        unjudged = skipped(first) | skipped(second) | left.is_null() | right.is_null()
        return pl.when(unjudged).then(pl.lit(True)).otherwise(compared.fill_null(True))

    def hint(self, rule: Rule, failing: list[str]) -> str | None:
        a, b = rule.columns
        how = str(rule.params.get("as", "text"))
        case = ", ignoring case" if rule.params.get("ignore_case", False) else ""
        return (
            f"On these rows '{a} {rule.params['op']} {b}' does not hold (compared as {how}{case})."
        )
