"""Kind ``conditional``: when the first column meets a condition, the second must too.

Examples: an ``Alumni`` school year with ``currently_attending`` TRUE; an end date before today
while still attending.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import polars as pl

from syncguard.suite.kinds._values import date_column, iso_date
from syncguard.suite.model import Rule
from syncguard.suite.registry import (
    ConditionOp,
    Example,
    ExpectationSpec,
    GxKind,
    Param,
    RowCondition,
    register,
)

WHEN = ("when_in", "when_before")
THEN = ("then_in", "then_not_in")


@register
class Conditional(GxKind):
    """Run by Great Expectations with a row condition on the first column (a date condition
    compares valid yyyy-mm-dd dates only; a malformed date is the date rule's business)."""

    name = "conditional"
    summary = "where the first column meets 'when_…', the second must meet 'then_…'"
    min_columns = 2
    max_columns = 2
    params = (
        Param("when_in", (list,), doc="rows whose first column is one of these values"),
        Param("when_before", (str,), doc="rows whose first column is a date before this one"),
        Param("then_in", (list,), doc="the second column must be one of these"),
        Param("then_not_in", (list,), doc="the second column must not be one of these"),
    )
    example = Example(
        columns=("school_year_name", "primary_education:currently_attending"),
        params={"when_in": ["Alumni"], "then_not_in": ["TRUE"]},
        passing=(("Alumni", "FALSE"), ("Master 1st year or equivalent", "TRUE"), (None, "TRUE")),
        failing=(("Alumni", "TRUE"),),
    )

    def check_params(self, params: Mapping[str, Any]) -> list[str]:
        problems = []
        if sum(k in params for k in WHEN) != 1:
            problems.append("give exactly one of " + ", ".join(WHEN))
        if sum(k in params for k in THEN) != 1:
            problems.append("give exactly one of " + ", ".join(THEN))
        for name in ("when_in", "then_in", "then_not_in"):
            items = params.get(name, [])
            if not all(isinstance(v, str) for v in items):
                problems.append(
                    f"'{name}' must list texts; quote values such as \"TRUE\" (YAML reads "
                    "TRUE unquoted as a boolean)"
                )
        if "when_before" in params:
            try:
                date.fromisoformat(str(params["when_before"]))
            except ValueError:
                problems.append("'when_before' must be a date written yyyy-mm-dd")
        return problems

    def boundary_columns(self, rule: Rule) -> tuple[str, ...]:
        first = () if "when_before" in rule.params else (rule.columns[0],)
        return (*first, rule.columns[1])

    def derived(self, rule: Rule) -> dict[str, pl.Expr]:
        if "when_before" in rule.params:
            return {date_column(rule.columns[0]): iso_date(pl.col(rule.columns[0]))}
        return {}

    def row_condition(self, rule: Rule) -> RowCondition:
        """The rows the rule applies to."""
        if "when_before" in rule.params:
            column = date_column(rule.columns[0])
            return RowCondition(column, ConditionOp.BEFORE, str(rule.params["when_before"]))
        values = [str(v) for v in rule.params["when_in"]]
        return RowCondition(rule.columns[0], ConditionOp.IN, values)

    def expectation(self, rule: Rule) -> ExpectationSpec:
        derived = None
        if "when_before" in rule.params:
            derived = f"{date_column(rule.columns[0])}: valid yyyy-mm-dd dates"
        if "then_in" in rule.params:
            name, values = "ExpectColumnValuesToBeInSet", rule.params["then_in"]
        else:
            name, values = "ExpectColumnValuesToNotBeInSet", rule.params["then_not_in"]
        return ExpectationSpec(
            name,
            {"column": rule.columns[1], "value_set": list(values)},
            row_condition=self.row_condition(rule),
            derived=derived,
        )
