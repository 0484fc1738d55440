"""Compiles the suite's set-level kinds to a Great Expectations suite and runs it on pandas.

Great Expectations has no polars engine: only the columns its rules need cross the boundary,
with a pandas index of spreadsheet row numbers so failing rows come back ready to report.
Importing it costs seconds, so nothing here is imported by commands that do not validate.
"""

from __future__ import annotations

import os
from typing import Any

import polars as pl

from syncguard.engines.common import crashed, failing
from syncguard.intake.reader import ROW
from syncguard.model import Engine, Finding, Severity
from syncguard.suite.model import Rule, Suite
from syncguard.suite.registry import GxKind, kinds

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

RESULT_FORMAT = {
    "result_format": "COMPLETE",  # every failing row, as index labels (= spreadsheet rows)
    "return_unexpected_index_query": False,  # not a pandas query string listing them again
}


def gx_rules(suite: Suite, columns: list[str] | None = None) -> list[Rule]:
    """Rules of Great Expectations kinds (those whose columns are all present, when given)."""
    registry = kinds()
    return [
        r
        for r in suite.rules
        if isinstance(registry[r.kind], GxKind)
        and (columns is None or all(c in columns for c in r.columns))
    ]


def _kind(rule: Rule) -> GxKind:
    kind = kinds()[rule.kind]
    assert isinstance(kind, GxKind)
    return kind


def compile_suite(suite: Suite, rules: list[Rule] | None = None) -> Any:
    """The Great Expectations ``ExpectationSuite`` of the rules (all GE rules by default)."""
    import great_expectations as gx

    _context()  # GE builds suites only with an active data context
    expectation_suite = gx.ExpectationSuite(
        name=suite.name, meta={"syncguard_version": suite.version}
    )
    for rule in gx_rules(suite) if rules is None else rules:
        meta = {"rule": rule.id, "severity": rule.severity.value, "source": str(rule.location)}
        expectation = _kind(rule).expectation(rule, meta)
        expectation.severity = "warning" if rule.severity is Severity.WARNING else "critical"
        expectation_suite.add_expectation(expectation)
    return expectation_suite


def _context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GE fingerprints every in-memory batch by hashing the whole frame (md5 of
    # hash_pandas_object: about 3 s per million rows) only to label the result; skip that.
    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def run_gx(frame: pl.DataFrame, suite: Suite) -> list[Finding]:
    """Validate with GE: one finding per failing rule, and per rule it could not run."""
    rules = gx_rules(suite, frame.columns)
    if not rules:
        return []
    derived: dict[str, pl.Expr] = {}
    for rule in rules:
        derived.update(_kind(rule).derived(rule))
    needed = sorted({c for r in rules for c in _kind(r).boundary_columns(r)} - set(derived))
    boundary = frame.select(
        [pl.col(ROW), *[pl.col(c) for c in needed], *[e.alias(n) for n, e in derived.items()]]
    )
    pdf = boundary.to_pandas().set_index(ROW)
    pdf.index.name = None
    try:
        context = _context()
        batch = (
            context.data_sources.add_pandas("syncguard")
            .add_dataframe_asset("export")
            .add_batch_definition_whole_dataframe("whole")
            .get_batch(batch_parameters={"dataframe": pdf})
        )
        result = batch.validate(compile_suite(suite, rules), result_format=RESULT_FORMAT)
    except Exception as exc:  # an engine crash is a finding for each of its rules, never a pass
        return [
            crashed(r, Engine.GREAT_EXPECTATIONS, f"{type(exc).__name__}: {exc}") for r in rules
        ]
    by_id = {r.id: r for r in rules}
    findings: list[Finding] = []
    seen: set[str] = set()
    for item in result.results:
        rule = by_id[item.expectation_config.meta["rule"]]
        seen.add(rule.id)
        info = item.exception_info or {}
        raised = [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
        if info.get("raised_exception") or raised:
            message = (raised[0] if raised else info).get("exception_message") or "unknown error"
            findings.append(crashed(rule, Engine.GREAT_EXPECTATIONS, str(message)))
        elif not item.success:
            rows = [int(i) for i in item.result.get("unexpected_index_list") or []]
            finding = failing(rule, Engine.GREAT_EXPECTATIONS, frame, rows)
            if finding is not None:
                findings.append(finding)
    findings.extend(
        crashed(r, Engine.GREAT_EXPECTATIONS, "no result came back")
        for r in rules
        if r.id not in seen
    )
    return findings
