"""Compiles the suite's per-row kinds to one Pandera schema and runs it on the polars frame."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaError, SchemaErrors

from syncguard.engines.common import crashed, failing, summary
from syncguard.intake.reader import ROW
from syncguard.model import Engine, Finding
from syncguard.suite.model import Rule, Suite
from syncguard.suite.registry import PanderaKind, kinds


def pandera_rules(suite: Suite, columns: list[str]) -> list[Rule]:
    """The Pandera rules that apply: those of Pandera kinds whose columns are in the export."""
    registry = kinds()
    return [
        r
        for r in suite.rules
        if isinstance(registry[r.kind], PanderaKind) and all(c in columns for c in r.columns)
    ]


def _check(rule: Rule, kind: PanderaKind) -> pa.Check:
    def passes(data: Any) -> pl.LazyFrame:
        frame: pl.LazyFrame = data.lazyframe
        return frame.select(kind.passes(rule, pl.col(data.key)))

    return pa.Check(passes, name=rule.id, ignore_na=False, element_wise=False)


def compile_schema(rules: list[Rule]) -> pa.DataFrameSchema:
    """One schema: each column text-typed, optional, with the checks of its rules."""
    registry = kinds()
    checks: dict[str, list[pa.Check]] = defaultdict(list)
    for rule in rules:
        kind = registry[rule.kind]
        assert isinstance(kind, PanderaKind)
        checks[rule.column].append(_check(rule, kind))
    return pa.DataFrameSchema(
        {
            name: pa.Column(pl.String, checks=cs, nullable=True, required=False)
            for name, cs in checks.items()
        },
        strict=False,
    )


def run_pandera(frame: pl.DataFrame, suite: Suite) -> list[Finding]:
    """Validate the frame; one finding per failing rule, rows as spreadsheet numbers."""
    rules = pandera_rules(suite, frame.columns)
    if not rules:
        return []
    by_id = {r.id: r for r in rules}
    try:
        compile_schema(rules).validate(frame, lazy=True)
        return []
    except SchemaErrors as exc:
        cases = exc.failure_cases
    except (SchemaError, Exception) as exc:  # an engine crash is a finding, not a pass
        return [crashed(r, Engine.PANDERA, f"{type(exc).__name__}: {exc}") for r in rules]
    positions: dict[str, list[int]] = defaultdict(list)
    unexplained: list[str] = []
    for check, index in zip(cases["check"].to_list(), cases["index"].to_list(), strict=True):
        if check in by_id and index is not None:
            positions[check].append(int(index))
        else:
            unexplained.append(str(check))
    row_numbers = frame.get_column(ROW)
    findings = []
    for rule_id, idx in positions.items():
        rule = by_id[rule_id]
        rows = row_numbers.gather(idx).to_list()
        if rule.mostly is not None and len(set(rows)) <= (1 - rule.mostly) * frame.height:
            continue
        findings.append(
            failing(rule, Engine.PANDERA, frame, rows, summary(rule, len(set(rows)), frame.height))
        )
    if unexplained:
        findings.extend(
            crashed(
                r,
                Engine.PANDERA,
                "unexpected schema failure: " + ", ".join(sorted(set(unexplained))),
            )
            for r in rules[:1]
        )
    return findings
