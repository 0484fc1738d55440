"""Kind ``unique``: no two rows share a value (the importer skips duplicate rows)."""

from __future__ import annotations

import polars as pl

from syncguard.importer import CLEAR
from syncguard.model import Consequence
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, ExpectationSpec, GxKind, Param, register


@register
class Unique(GxKind):
    """Great Expectations' uniqueness, optionally on case-folded, trimmed values.

    Blank cells are not compared: a blank is "no value", not a duplicate.
    """

    name = "unique"

    consequence = Consequence.ROW_SKIPPED
    summary = "no two rows may share a value"
    params = (
        Param("ignore_case", (bool,), doc="compare case-insensitively (emails)"),
        Param("strip", (bool,), doc="ignore leading and trailing spaces"),
    )
    example = Example(
        columns=("email_address",),
        params={"ignore_case": True, "strip": True},
        passing=(
            ("a@uni-example.eu",),
            ("b@uni-example.eu",),
            (None,),
            (None,),
            ("**CLEAR**",),
            ("**CLEAR**",),
        ),
        failing=(("c@uni-example.eu",), ("C@Uni-Example.eu ",)),
    )

    def boundary_columns(self, rule: Rule) -> tuple[str, ...]:
        return ()

    def derived(self, rule: Rule) -> dict[str, pl.Expr]:
        value = pl.col(rule.column)
        if rule.params.get("strip"):
            value = value.str.strip_chars()
        if rule.params.get("ignore_case"):
            value = value.str.to_lowercase()
        blank = (value == "") | (pl.col(rule.column) == CLEAR)  # CLEAR is no identity
        value = pl.when(blank).then(None).otherwise(value)
        return {self._column(rule): value}

    def _column(self, rule: Rule) -> str:
        return f"{rule.column}::{rule.id}"

    def expectation(self, rule: Rule) -> ExpectationSpec:
        return ExpectationSpec(
            "ExpectColumnValuesToBeUnique",
            {"column": self._column(rule)},
            derived=self._describe(rule),
        )

    def _describe(self, rule: Rule) -> str:
        steps = [s for s in ("strip", "ignore_case") if rule.params.get(s)]
        how = " and ".join({"strip": "trimmed", "ignore_case": "lowercased"}[s] for s in steps)
        return f"{rule.column}{', ' + how if how else ''}, blank as missing"
