"""syncguard's own Great Expectations expectations, for what GE has no expectation for.

Importing this module imports Great Expectations and registers the expectations and their
metrics, so a team loading the compiled suite (``syncguard compile``) imports it first.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import pandas as pd
import polars as pl
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    ColumnPairMapExpectation,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    ColumnPairMapMetricProvider,
    column_condition_partial,
    column_pair_condition_partial,
)

PAIR_DOMAIN_KEYS = (
    "batch_id",
    "table",
    "column_A",
    "column_B",
    "row_condition",
    "condition_parser",
    "ignore_row_if",
)


def _items(column: pd.Series, separator: str) -> pd.Series:
    """One row per item, indexed like the column (vectorised: no Python per value)."""
    return column.astype(str).str.split(separator, regex=False).explode()


class ColumnValuesItemsMaxLength(ColumnMapMetricProvider):
    """Each separator-delimited item of a value is at most ``max_length`` characters."""

    condition_metric_name = "column_values.syncguard_items_max_length"
    condition_value_keys = ("max_length", "separator")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, max_length: int, separator: str, **_: Any) -> pd.Series:
        # an item longer than max_length is a run of more than max_length non-separators
        too_long = f"[^{re.escape(separator)}]{{{int(max_length) + 1},}}"
        return ~column.astype(str).str.contains(too_long, regex=True)


class ExpectColumnValuesItemsToBeAtMostLength(ColumnMapExpectation):
    """Expect every ``separator``-delimited item of each value to be at most ``max_length`` long."""

    max_length: int
    separator: str = ";"
    map_metric: ClassVar[str] = "column_values.syncguard_items_max_length"
    success_keys: ClassVar[tuple[str, ...]] = ("max_length", "separator", "mostly")


class ColumnValuesItemsInSet(ColumnMapMetricProvider):
    """Each separator-delimited item of a value is in the set."""

    condition_metric_name = "column_values.syncguard_items_in_set"
    condition_value_keys = ("value_set", "separator")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(
        cls, column: pd.Series, value_set: list[str], separator: str, **_: Any
    ) -> pd.Series:
        known = _items(column, separator).isin(list(value_set))
        return known.groupby(level=0, sort=False).all().reindex(column.index)


class ExpectColumnValuesItemsToBeInSet(ColumnMapExpectation):
    """Expect every ``separator``-delimited item of each value to be one of ``value_set``."""

    value_set: list[str]
    separator: str = ";"
    map_metric: ClassVar[str] = "column_values.syncguard_items_in_set"
    success_keys: ClassVar[tuple[str, ...]] = ("value_set", "separator", "mostly")


WHITESPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
"""What Python's ``str.strip()`` strips (with \\x1c to \\x1f), so polars strips the same."""


def independent(column_a: pd.Series, column_b: pd.Series) -> pd.Series:
    """Per row: neither value contains the other, ignoring case and surrounding spaces (a
    blank passes). Row by row in polars, a column as the pattern: no Python loop."""
    pair = pl.DataFrame(
        {
            "a": pl.Series(column_a.astype(str).to_numpy(), dtype=pl.String),
            "b": pl.Series(column_b.astype(str).to_numpy(), dtype=pl.String),
        }
    )
    x = pl.col("a").str.strip_chars(WHITESPACE).str.to_lowercase()
    y = pl.col("b").str.strip_chars(WHITESPACE).str.to_lowercase()
    inside = y.str.contains(x, literal=True) | x.str.contains(y, literal=True)
    ok = pair.select(((x == "") | (y == "") | ~inside).alias("ok")).get_column("ok")
    return pd.Series(ok.to_numpy(), index=column_a.index, dtype=bool)


class ColumnPairValuesIndependent(ColumnPairMapMetricProvider):
    """Neither value of the pair contains the other, ignoring case and surrounding spaces."""

    condition_metric_name = "column_pair_values.syncguard_independent"
    condition_domain_keys = PAIR_DOMAIN_KEYS
    condition_value_keys = ()

    @column_pair_condition_partial(engine=PandasExecutionEngine)  # type: ignore[untyped-decorator]
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **_: Any) -> pd.Series:
        return independent(column_A, column_B)


class ExpectColumnPairValuesToBeIndependent(ColumnPairMapExpectation):
    """Expect neither value of a column pair to contain the other (case-insensitive)."""

    ignore_row_if: str = "either_value_is_missing"
    map_metric: ClassVar[str] = "column_pair_values.syncguard_independent"
    success_keys: ClassVar[tuple[str, ...]] = ("column_A", "column_B", "ignore_row_if", "mostly")
