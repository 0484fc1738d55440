"""The cross-column kinds compare_columns and expression, written in YAML beside the rules."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import polars as pl
import pytest

from syncguard.engines import validate
from syncguard.errors import RuleFileError
from syncguard.importer import CLEAR
from syncguard.model import Engine, Finding, Severity
from syncguard.suite.loader import load_suite
from syncguard.suite.model import Suite
from tests.conftest import ROOT

RULES = """\
rules:
  - id: cross.preferred_differs
    kind: compare_columns
    columns: [preferred_name, first_name]
    description: The preferred name is only given when it differs from the first name.
    basis: "practice: a preferred name equal to the first name is noise"
    params: {op: "!=", ignore_case: true}
  - id: cross.same_case
    kind: compare_columns
    columns: [preferred_name, first_name]
    description: Equal names.
    basis: "practice: a test"
    params: {op: "=="}
  - id: cross.dates
    kind: compare_columns
    columns: [primary_education:start_date, primary_education:end_date]
    description: Studies end on or after they start.
    basis: "practice: a test"
    params: {op: "<=", as: date}
  - id: cross.numbers
    kind: compare_columns
    columns: [card_id, mobile_number]
    description: Numbers in order.
    basis: "practice: a test"
    params: {op: "<", as: number}
  - id: cross.texts
    kind: compare_columns
    columns: [card_id, mobile_number]
    description: Texts in order.
    basis: "practice: a test"
    params: {op: "<"}
  - id: cross.alumni
    kind: expression
    columns: [school_year_name, primary_education:currently_attending]
    description: Alumni are not currently attending.
    basis: "practice: an alumnus who still attends is a stale record"
    params:
      sql: >-
        school_year_name <> 'Alumni' OR "primary_education:currently_attending" <> 'TRUE'
  - id: cross.nulls_pass
    kind: expression
    columns: [preferred_name, first_name]
    description: Names differ.
    basis: "practice: a test"
    params:
      sql: lower(preferred_name) <> lower(first_name)
  - id: cross.nulls_fail
    kind: expression
    columns: [preferred_name, first_name]
    description: Names differ, and both are given.
    basis: "practice: a test"
    params:
      sql: lower(preferred_name) <> lower(first_name)
      null_fails: true
  - id: cross.numbers_sql
    kind: expression
    columns: [card_id]
    description: Card numbers are large.
    basis: "practice: a test"
    params:
      sql: TRY_CAST(card_id AS INT) >= 100
"""

ROWS = {
    # column: values of rows 2, 3, 4, ... (None: an empty cell)
    "preferred_name": ["Zoë", "ZOË", "Kasia", None, "  ", CLEAR, "Łukasz", "Ola"],
    "first_name": ["Zoë", "zoë", "Katarzyna", "Zoë", "Zoë", "Zoë", None, "ola"],
    "primary_education:start_date": [
        "2024-09-01",
        "2027-06-30",
        "2024-09-01",
        "30/06/2027",
        None,
        CLEAR,
        "2024-02-30",
        "2024-09-02",
    ],
    "primary_education:end_date": [
        "2027-06-30",
        "2024-09-01",
        "2024-09-01",
        "2024-09-01",
        "2024-09-01",
        "2024-09-01",
        "2024-01-01",
        "2024-09-01",
    ],
    "card_id": ["9", "10", " 12 ", "abc", "1.5", "-2", None, "100"],
    "mobile_number": ["10", "9", "13", "1", "1.25", "+3", "5", "100"],
    "school_year_name": [
        "Alumni",
        "Alumni",
        "Master 1st year or equivalent",
        None,
        "Alumni",
        "Alumni",
        "  ",
        "Alumni",
    ],
    "primary_education:currently_attending": [
        "TRUE",
        "FALSE",
        "TRUE",
        "TRUE",
        None,
        "  ",
        "TRUE",
        "TRUE",
    ],
}


def _frame(rows: dict[str, list[str | None]]) -> pl.DataFrame:
    height = len(next(iter(rows.values())))
    data = {c: pl.Series(c, v, dtype=pl.String) for c, v in rows.items()}
    numbers = pl.Series("__row__", range(2, height + 2), dtype=pl.UInt32)
    return pl.DataFrame(data).with_columns(numbers)


def _folder(tmp: Path, rules: str) -> Path:
    """The repository's rules with one more file of ours, its checks folder linked beside."""
    folder = tmp / "rules"
    shutil.copytree(ROOT / "rules", folder)
    (tmp / "checks").symlink_to(ROOT / "checks")
    (folder / "zz_cross.yaml").write_text(rules, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Suite:
    return load_suite(_folder(tmp_path_factory.mktemp("cross"), RULES))


def _only(suite: Suite, rule_id: str) -> Suite:
    return dataclasses.replace(suite, rules=(suite.rule(rule_id),))


def _failing_rows(findings: list[Finding], rule_id: str) -> set[int]:
    mine = [f for f in findings if f.rule == rule_id]
    assert len(mine) <= 1, "a cross-column rule is reported once, not once per column"
    assert all("could not run" not in f.message for f in findings)
    return {r for f in mine for r in f.rows}


@pytest.mark.parametrize(
    ("rule_id", "expected"),
    [
        # row 2 Zoë/Zoë and 3 ZOË/zoë are equal ignoring case; 9 Ola/ola too; the blank (5),
        # spaces (6), CLEAR (7) and missing first name (8) are not judged
        ("cross.preferred_differs", {2, 3, 9}),
        # case-sensitive ==: ZOË/zoë (3), Kasia/Katarzyna (4) and Ola/ola (9) differ
        ("cross.same_case", {3, 4, 9}),
        # 3 ends before it starts, 9 a day before; day-first (5), impossible (8), blank (6) and
        # CLEAR (7) dates are not judged
        ("cross.dates", {3, 9}),
        # as numbers: 10 < 9 (3), -2 < +3 holds, 1.5 < 1.25 does not (6), 100 < 100 (9);
        # "abc" (5) and a blank card (8) are not judged, " 12 " reads as 12
        ("cross.numbers", {3, 6, 9}),
        # as text, by code point: "9" < "10" is false (2) while "10" < "9" holds, " 12 " < "13"
        # (a space sorts first), "-2" < "+3" is false ("-" sorts after "+")
        ("cross.texts", {2, 5, 6, 7, 9}),
        # Alumni still attending: 2 and 9; blank (6), spaces (7, 8) and an empty year (5) pass
        ("cross.alumni", {2, 9}),
        # the brief's example in SQL: NULL (a blank name) passes ...
        ("cross.nulls_pass", {2, 3, 9}),
        # ... unless null_fails: the blank (5), spaces (6) and missing first name (8) fail too
        ("cross.nulls_fail", {2, 3, 5, 6, 8, 9}),
        # TRY_CAST: "abc", "1.5", " 12 " (spaces) and a blank card are NULL (pass); 9, 10 and -2
        # are below 100
        ("cross.numbers_sql", {2, 3, 7}),
    ],
)
def test_rule_flags_exactly_its_failing_rows(
    suite: Suite, rule_id: str, expected: set[int]
) -> None:
    findings = validate(_frame(ROWS), _only(suite, rule_id))
    assert _failing_rows(findings, rule_id) == expected
    rule = suite.rule(rule_id)
    (finding,) = findings
    assert finding.columns == (rule.columns[0],)
    # practice rules without a severity: a warning (the default follows the basis)
    assert finding.engine is Engine.PANDERA and finding.severity is Severity.WARNING
    assert finding.message.startswith(rule.description)


def test_the_rules_run_alongside_the_repository_rules(suite: Suite) -> None:
    findings = validate(_frame(ROWS), suite)
    assert _failing_rows(findings, "cross.alumni") == {2, 9}
    assert _failing_rows(findings, "cross.preferred_differs") == {2, 3, 9}


@pytest.mark.parametrize("rule_id", ["cross.preferred_differs", "cross.alumni"])
def test_a_column_missing_from_the_export_reads_as_blank(suite: Suite, rule_id: str) -> None:
    second = suite.rule(rule_id).columns[1]
    rows = {c: v for c, v in ROWS.items() if c != second}
    assert validate(_frame(rows), _only(suite, rule_id)) == []


def test_the_hint_names_the_comparison(suite: Suite) -> None:
    (finding,) = validate(_frame(ROWS), _only(suite, "cross.dates"))
    assert finding.message.endswith(
        "On these rows 'primary_education:start_date <= primary_education:end_date' does not "
        "hold (compared as date)."
    )


HEAD = """\
rules:
  - id: cross.bad
    kind: {kind}
    columns: [{columns}]
    description: Bad.
    basis: "practice: a test"
    params:
"""
PARAMS_AT = "8:7"
"""Where the params of the rule above begin: the kinds' own problems are reported there."""


@pytest.mark.parametrize(
    ("kind", "columns", "params", "where", "message"),
    [
        (
            "compare_columns",
            "preferred_name, first_name",
            "op: '='",
            PARAMS_AT,
            "unknown comparison 'op: ='; did you mean '=='? write one of ==, !=, <, <=, >, >= "
            "(quoted)",
        ),
        (
            "compare_columns",
            "preferred_name, first_name",
            "op: '<>'",
            PARAMS_AT,
            "unknown comparison 'op: <>'; did you mean '!='? write one of ==, !=, <, <=, >, >= "
            "(quoted)",
        ),
        (
            "compare_columns",
            "preferred_name, first_name",
            "op: '<'\n      as: datetime",
            PARAMS_AT,
            "'as' must be one of text, date, number, got 'datetime'",
        ),
        (
            "compare_columns",
            "preferred_name, first_name",
            "op: '<'\n      as: date\n      ignore_case: true",
            PARAMS_AT,
            "'ignore_case' applies to text only, not to 'as: date'",
        ),
        (
            "compare_columns",
            "preferred_name, first_name",
            "op: !=",
            "8:11",
            "cannot read this value (rule files may not use YAML tags such as '!='); "
            "write the plain value",
        ),
        (
            "compare_columns",
            "preferred_name",
            "op: '=='",
            "4:14",
            "kind 'compare_columns' takes 2 column(s), got 1",
        ),
        (
            "expression",
            "first_name",
            "sql: first_name =",
            PARAMS_AT,
            "'sql' is not a valid SQL condition: expected a value at character 13, found the end",
        ),
        (
            "expression",
            "first_name",
            "sql: shout(first_name) = 'A'",
            PARAMS_AT,
            "'sql' cannot call shout() (character 1): it is not one of the scalar functions a "
            "condition may call; call one of abs, ceil, ceiling, character_length, char_length, "
            "coalesce, concat, concat_ws, ends_with, floor, greatest, if, ifnull, initcap, least, "
            "left, length, lower, lpad, ltrim, mod, normalize, nullif, octet_length, regexp_like, "
            "regexp_replace, replace, reverse, right, round, rpad, rtrim, sign, split_part, sqrt, "
            "starts_with, strpos, substr, substring, trim, upper",
        ),
        (
            "expression",
            "first_name",
            "sql: first_name",
            PARAMS_AT,
            "'sql' must be a condition (true or false on each row), but it gives text; "
            "compare the value, as in first_name <> ''",
        ),
        (
            "expression",
            "card_id",
            "sql: card_id = 42",
            PARAMS_AT,
            "'sql' cannot run on the export's columns, which are all text: cannot compare "
            "string with numeric type (i32) (quote values, as in card_id = '0042', or read "
            "numbers with TRY_CAST(x AS INT))",
        ),
        (
            "expression",
            "card_id",
            "sql: count(card_id) > 1",
            PARAMS_AT,
            "'sql' must give one result per row; aggregates such as count() or max() combine rows",
        ),
        (
            "expression",
            "card_id",
            "sql: 1 = 1",
            PARAMS_AT,
            "'sql' reads no column; name the columns to check (double-quote a:b)",
        ),
        (
            "expression",
            "first_nam",
            "sql: first_nam <> ''",
            "4:15",
            "unknown column 'first_nam' (not in 'headers'); did you mean 'first_name'?",
        ),
        (
            "expression",
            "first_name",
            "null_fails: true",
            PARAMS_AT,
            "kind 'expression' needs parameter 'sql'",
        ),
    ],
)
def test_bad_params_are_rule_file_problems_at_their_place(
    tmp_path: Path, kind: str, columns: str, params: str, where: str, message: str
) -> None:
    text = HEAD.format(kind=kind, columns=columns) + f"      {params}\n"
    folder = _folder(tmp_path, text)
    with pytest.raises(RuleFileError) as caught:
        load_suite(folder)
    assert [str(p) for p in caught.value.problems] == [
        f"{folder / 'zz_cross.yaml'}:{where}: {message}"
    ]
