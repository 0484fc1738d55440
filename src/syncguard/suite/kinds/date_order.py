"""Kind ``date_order``: the second date is on or after the first (end on or after start)."""

from __future__ import annotations

import polars as pl

from syncguard.model import Consequence
from syncguard.suite.kinds._values import date_column, iso_date
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, ExpectationSpec, GxKind, register


@register
class DateOrder(GxKind):
    """Run by Great Expectations on the valid dates only; malformed dates are the date rule's."""

    name = "date_order"

    consequence = Consequence.ROW_SKIPPED
    summary = "the second column's date must be on or after the first's"
    min_columns = 2
    max_columns = 2
    example = Example(
        columns=("primary_education:start_date", "primary_education:end_date"),
        passing=(("2024-09-01", "2027-06-30"), ("2024-09-01", "2024-09-01"), (None, "2027-06-30")),
        failing=(("2027-06-30", "2024-09-01"), ("2024-09-02", "2024-09-01")),
    )

    def boundary_columns(self, rule: Rule) -> tuple[str, ...]:
        return ()

    def derived(self, rule: Rule) -> dict[str, pl.Expr]:
        return {date_column(c): iso_date(pl.col(c)) for c in rule.columns}

    def expectation(self, rule: Rule) -> ExpectationSpec:
        return ExpectationSpec(
            "ExpectColumnPairValuesAToBeGreaterThanB",
            {
                "column_A": date_column(rule.columns[1]),
                "column_B": date_column(rule.columns[0]),
                "or_equal": True,
                "ignore_row_if": "either_value_is_missing",
            },
            derived="valid yyyy-mm-dd dates of the columns, else missing",
        )
