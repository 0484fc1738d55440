"""Kind ``pattern``: every value matches a regular expression (whole value)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from syncguard.model import Consequence
from syncguard.suite.kinds._values import ALLOW_CLEAR, skipped
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, Param, register


@register
class Pattern(PanderaKind):
    """Blank cells are not judged; the whole value must match ``regex``."""

    name = "pattern"

    consequence = Consequence.FIELD_REJECTED
    summary = "every value must match a regular expression (the whole value)"
    params = (Param("regex", (str,), required=True, doc="the expression"), ALLOW_CLEAR)
    example = Example(
        columns=("campus_name",),
        params={"regex": "[A-Z][a-z]+"},
        passing=(("Main",), (None,), ("**CLEAR**",)),
        failing=(("main",), ("Main 2",)),
    )

    def check_params(self, params: Mapping[str, Any]) -> list[str]:
        try:
            pl.Series([""]).str.contains(str(params.get("regex", "")))
        except pl.exceptions.PolarsError as exc:
            text = str(exc).split("This error occurred", 1)[0]
            detail = " ".join(line.strip() for line in text.splitlines() if line.strip())
            return [
                f"'regex' is not a valid regular expression: {detail} (patterns use the "
                "polars/Rust regex dialect: no look-around, no back-references)"
            ]
        return []

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        whole = f"^(?:{rule.params['regex']})$"
        return skipped(value, rule.params.get("allow_clear")) | value.str.contains(whole)
