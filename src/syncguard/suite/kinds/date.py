"""Kind ``date``: a real calendar date written yyyy-mm-dd (day-first dates are named as such)."""

from __future__ import annotations

import re

import polars as pl

from syncguard.model import Consequence
from syncguard.suite.kinds._values import ALLOW_CLEAR, iso_date, skipped
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, register

DAY_FIRST = re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}$")
ISO_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@register
class Date(PanderaKind):
    """``2027-02-30`` fails (no such day); ``30/06/2027`` fails and is named as day-first."""

    name = "date"

    consequence = Consequence.FIELD_REJECTED
    summary = "a real calendar date written yyyy-mm-dd"
    params = (ALLOW_CLEAR,)
    example = Example(
        columns=("primary_education:end_date",),
        passing=(("2027-06-30",), ("2028-02-29",), (None,)),
        failing=(("30/06/2027",), ("2027-02-30",), ("2027-6-30",), ("June 2027",)),
    )

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        return skipped(value, rule.params.get("allow_clear")) | iso_date(value).is_not_null()

    def hint(self, rule: Rule, failing: list[str]) -> str | None:
        day_first = sum(1 for v in failing if DAY_FIRST.match(v.strip()))
        impossible = sum(1 for v in failing if ISO_SHAPE.match(v))
        parts = []
        if day_first:
            parts.append(f"{day_first} look day-first (dd/mm/yyyy): write them as yyyy-mm-dd")
        if impossible:
            parts.append(f"{impossible} are not real calendar dates (such as 30 February)")
        return "Of these, " + "; ".join(parts) + "." if parts else None
