"""Kind ``expression``: a boolean SQL condition over a row's columns holds on every row."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import polars as pl

from syncguard.suite.kinds._sql import SqlProblem, sandboxed
from syncguard.suite.kinds.compare_columns import every_row, is_reported_column
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, Param, register

DTYPES: tuple[tuple[pl.DataType | type[pl.DataType], str], ...] = (
    (pl.String, "text"),
    (pl.Null, "nothing (NULL)"),
)
"""Plain words for the result types an analyst may get by mistake."""


def _one_line(exc: BaseException) -> str:
    """The first non-empty line of an error's message (Polars adds the plan below it)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def compile_sql(sql: str) -> tuple[pl.Expr, tuple[str, ...]]:
    """The condition as a Polars expression, and the columns it reads (in order).

    Polars compiles only the condition's rewrite by :func:`~syncguard.suite.kinds._sql.sandboxed`,
    never the text as written: a subquery, a table function (``read_csv`` and the like), a
    file, a URL or a comment never reaches it, so compiling reads nothing and cannot wait.

    Raises:
        SqlProblem: the SQL is outside the whitelisted grammar, does not parse, reads no
            column, or is not a per-row condition on text columns (checked on two null rows,
            as a blank cell reads).
    """
    condition = sandboxed(sql)
    try:
        expr = pl.sql_expr(condition.sql)
    except (Exception, pl.exceptions.PanicException) as exc:
        raise SqlProblem(f"'sql' is not a valid SQL condition: {_one_line(exc)}") from None
    read = tuple(dict.fromkeys(expr.meta.root_names()))
    if not read:
        raise SqlProblem("'sql' reads no column; name the columns to check (double-quote a:b)")
    probe = pl.DataFrame({c: pl.Series(c, [None, None], dtype=pl.String) for c in read})
    try:
        result = probe.select(expr.alias("result")).get_column("result")
    except (Exception, pl.exceptions.PanicException) as exc:
        raise SqlProblem(
            f"'sql' cannot run on the export's columns, which are all text: {_one_line(exc)} "
            "(quote values, as in card_id = '0042', or read numbers with TRY_CAST(x AS INT))"
        ) from None
    if len(result) != len(probe):
        raise SqlProblem(
            "'sql' must give one result per row; aggregates such as count() or max() combine rows"
        )
    if result.dtype != pl.Boolean:
        got = next((word for dtype, word in DTYPES if result.dtype == dtype), str(result.dtype))
        raise SqlProblem(
            f"'sql' must be a condition (true or false on each row), but it gives {got}; "
            "compare the value, as in first_name <> ''"
        )
    return expr, read


def _exactly(columns: tuple[str, ...]) -> str:
    """A regular expression selecting exactly these columns (those the frame has)."""
    return "^(" + "|".join(re.escape(c) for c in columns) + ")$"


@register
class Expression(PanderaKind):
    """A condition in a small part of Polars' SQL dialect, evaluated on each row's cells as text.

    The condition may use column names, literals, the grammar's operators and a list of
    scalar functions (see :func:`~syncguard.suite.kinds._sql.sandboxed` and rules/README.md);
    a subquery, ``FROM``, a table function such as ``read_csv``, a comment or any other SQL is
    refused when the rules load, so a rule file reads no file and no URL.

    The condition sees a blank cell (empty or only spaces: the importer leaves the stored
    value unchanged) as NULL, and so does it a column the export lacks; the importer's CLEAR
    literal is seen as the text it is. A comparison with NULL is neither true nor false: such
    a row passes, unless the rule sets ``null_fails: true``. The rule's ``columns`` must list
    every column the SQL reads (they are checked against ``headers``, and the finding is
    reported once, on the first of them; see
    :func:`~syncguard.suite.kinds.compare_columns.is_reported_column`).

    The SQL is checked against the grammar, compiled and tried on two blank rows when the rules
    load: SQL outside the grammar, a parse error, an unknown function, a type mismatch
    (comparing text with a number) or a result that is not a condition is a problem of the
    rule file. What depends on the data is found when the rule
    runs, and the rule then cannot run (an error finding): a column the SQL reads that the rule
    does not list, or a CAST of a cell that is not a number (TRY_CAST gives NULL instead).
    """

    name = "expression"
    summary = "a boolean SQL condition over the row's columns must hold on every row"
    min_columns = 1
    max_columns = None
    params = (
        Param(
            "sql",
            (str,),
            required=True,
            doc="the condition each row must meet, in a small part of Polars' SQL (columns, "
            "values, operators, CASE, CAST and scalar functions such as lower(); no SELECT, FROM "
            "or table function): texts in single quotes, column names with ':' in double quotes, "
            "a blank cell is NULL, numbers read with TRY_CAST(x AS INT); e.g. "
            "school_year_name <> 'Alumni' OR \"primary_education:currently_attending\" <> 'TRUE'",
        ),
        Param(
            "null_fails",
            (bool,),
            doc="fail rows where the condition is NULL (it read a blank cell) instead of "
            "passing them; default false",
        ),
    )
    example = Example(
        columns=("school_year_name", "primary_education:currently_attending"),
        params={
            "sql": "school_year_name <> 'Alumni' "
            "OR \"primary_education:currently_attending\" <> 'TRUE'"
        },
        passing=(
            ("Alumni", "FALSE"),
            ("Master 1st year or equivalent", "TRUE"),
            (None, "TRUE"),
            ("Alumni", None),
            ("Alumni", "  "),
        ),
        failing=(("Alumni", "TRUE"),),
    )

    def check_params(self, params: Mapping[str, Any]) -> list[str]:
        sql = params.get("sql")
        if not isinstance(sql, str):
            return []  # the loader reports a missing or mistyped parameter
        if not sql.strip():
            return ["'sql' must be a condition, not empty"]
        try:
            compile_sql(sql)
        except SqlProblem as exc:
            return [str(exc)]
        return []

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        if not is_reported_column(rule, value):
            return every_row(value)
        expr, read = compile_sql(str(rule.params["sql"]))
        unlisted = [c for c in read if c not in rule.columns]
        if unlisted:
            raise SqlProblem(
                f"the SQL of rule '{rule.id}' reads {', '.join(repr(c) for c in unlisted)}, "
                "not listed in its 'columns' (list every column the SQL reads)"
            )
        null_fails = bool(rule.params.get("null_fails", False))

        def evaluate(cells: pl.Series) -> pl.Series:
            frame = cells.struct.unnest()
            absent = [c for c in read if c not in frame.columns]
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in absent)
            blank = [
                pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c)
                for c in read
            ]
            return (
                frame.with_columns(blank)
                .select(expr.fill_null(not null_fails).alias(rule.columns[0]))
                .get_column(rule.columns[0])
            )

        # one call per batch of rows, never per row: the struct carries the columns the frame
        # has, so a column the export lacks reads as NULL instead of failing the whole check
        columns = pl.struct(pl.col(_exactly((rule.columns[0], *read))))
        return columns.map_batches(evaluate, return_dtype=pl.Boolean)

    def hint(self, rule: Rule, failing: list[str]) -> str | None:
        nulls = " or NULL" if rule.params.get("null_fails", False) else ""
        return f"On these rows the condition is false{nulls}: {rule.params['sql']}"
