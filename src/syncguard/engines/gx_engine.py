"""The Great Expectations backend: set-level kinds compiled to a GE suite, run on pandas.

Great Expectations has no polars engine: only the columns its rules need cross the boundary,
with a pandas index of spreadsheet row numbers so failing rows come back ready to report.
Importing it costs seconds, so it is imported only when validating or compiling, and its import
starts in the background (``warm_up``) while the export is read.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Sequence
from typing import Any

import polars as pl

from syncguard.engines.common import crashed, failing
from syncguard.intake.reader import ROW
from syncguard.model import Engine, Finding, Severity
from syncguard.suite.model import Rule, Suite
from syncguard.suite.registry import (
    ConditionOp,
    ExpectationSpec,
    GxKind,
    RowCondition,
    RuleKind,
    kinds,
)

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

RESULT_FORMAT = {
    "result_format": "COMPLETE",  # every failing row, as index labels (= spreadsheet rows)
    "return_unexpected_index_query": False,  # not a pandas query string listing them again
}

_import: threading.Thread | None = None


def preload() -> threading.Thread:
    """Start importing Great Expectations in a background thread, once."""
    global _import
    if _import is None:
        _import = threading.Thread(
            target=importlib.import_module,
            args=("great_expectations",),
            daemon=True,
            name="gx-import",
        )
        _import.start()
    return _import


def gx_rules(suite: Suite, columns: Sequence[str] | None = None) -> list[Rule]:
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


def _condition(condition: RowCondition) -> Any:
    from great_expectations.expectations.row_conditions import Column

    if condition.op is ConditionOp.BEFORE:
        return Column(condition.column) < condition.value
    return Column(condition.column).is_in(list(condition.value))


def build(rule: Rule, spec: ExpectationSpec) -> Any:
    """The GE expectation of a rule: class, arguments, ``mostly`` and ``meta`` (set only here)."""
    import great_expectations.expectations as builtin

    from syncguard.engines import gx_expectations as own

    cls = getattr(builtin, spec.type, None) or getattr(own, spec.type)
    meta: dict[str, Any] = {
        "rule": rule.id,
        "severity": rule.severity.value,
        "source": str(rule.location),
    }
    if spec.derived:
        meta["derived"] = spec.derived
    kwargs = {**spec.kwargs, "meta": meta}
    if spec.row_condition is not None:
        kwargs["row_condition"] = _condition(spec.row_condition)
    if rule.mostly is not None:
        kwargs["mostly"] = rule.mostly
    expectation = cls(**kwargs)
    expectation.severity = "warning" if rule.severity is Severity.WARNING else "critical"
    return expectation


def compile_suite(suite: Suite, rules: Sequence[Rule] | None = None) -> Any:
    """The Great Expectations ``ExpectationSuite`` of the rules (all GE rules by default)."""
    import great_expectations as gx

    _context()  # GE builds suites only with an active data context
    expectation_suite = gx.ExpectationSuite(
        name=suite.name, meta={"syncguard_version": suite.version}
    )
    for rule in gx_rules(suite) if rules is None else rules:
        expectation_suite.add_expectation(build(rule, _kind(rule).expectation(rule)))
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


class GxBackend:
    """Runs the set-level kinds (uniqueness, allowed values, cross-column) with GE."""

    engine = Engine.GREAT_EXPECTATIONS

    def owns(self, kind: RuleKind) -> bool:
        return isinstance(kind, GxKind)

    def warm_up(self) -> None:
        preload()

    def run(self, frame: pl.DataFrame, rules: Sequence[Rule], suite: str) -> list[Finding]:
        """Validate with GE: one finding per failing rule, and per rule it could not run."""
        rules = [r for r in rules if all(c in frame.columns for c in r.columns)]
        if not rules:
            return []
        preload().join()
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
            import great_expectations as gx

            context = _context()
            batch = (
                context.data_sources.add_pandas("syncguard")
                .add_dataframe_asset("export")
                .add_batch_definition_whole_dataframe("whole")
                .get_batch(batch_parameters={"dataframe": pdf})
            )
            expectations = gx.ExpectationSuite(name=suite)
            for rule in rules:
                expectations.add_expectation(build(rule, _kind(rule).expectation(rule)))
            result = batch.validate(expectations, result_format=RESULT_FORMAT)
        except BaseException as exc:  # an engine crash is a finding per rule, never a pass
            if isinstance(exc, KeyboardInterrupt):
                raise
            return [crashed(r, self.engine, f"{type(exc).__name__}: {exc}") for r in rules]
        return self._findings(result, rules, frame)

    def _findings(self, result: Any, rules: Sequence[Rule], frame: pl.DataFrame) -> list[Finding]:
        by_id = {r.id: r for r in rules}
        findings: list[Finding] = []
        seen: set[str] = set()
        for item in result.results:
            rule = by_id[item.expectation_config.meta["rule"]]
            seen.add(rule.id)
            info = item.exception_info or {}
            raised = [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
            if info.get("raised_exception") or raised:
                message = (raised[0] if raised else info).get("exception_message") or "unknown"
                findings.append(crashed(rule, self.engine, str(message)))
            elif not item.success:
                rows = [int(i) for i in item.result.get("unexpected_index_list") or []]
                finding = failing(rule, self.engine, frame, rows)
                if finding is not None:
                    findings.append(finding)
        findings.extend(
            crashed(r, self.engine, "no result came back") for r in rules if r.id not in seen
        )
        return findings
