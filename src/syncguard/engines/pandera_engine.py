"""Compiles the suite's per-row kinds to one Pandera schema and runs it on the polars frame."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

from syncguard.engines.base import Later
from syncguard.engines.common import crashed, failing
from syncguard.intake.reader import ROW
from syncguard.model import Engine, Finding
from syncguard.suite.model import Rule
from syncguard.suite.registry import PanderaKind, RuleKind, kinds

SEP = " @ "
"""Joins rule id and column in a check name: a rule over several columns has one check each."""


def _check(rule: Rule, column: str, kind: PanderaKind) -> pa.Check:
    def passes(data: Any) -> pl.LazyFrame:
        frame: pl.LazyFrame = data.lazyframe
        return frame.select(kind.passes(rule, pl.col(data.key)))

    return pa.Check(passes, name=f"{rule.id}{SEP}{column}", ignore_na=False, element_wise=False)


def compile_schema(rules: list[Rule], columns: list[str]) -> pa.DataFrameSchema:
    """One schema: each column text-typed, optional, with the checks of its rules."""
    registry = kinds()
    checks: dict[str, list[pa.Check]] = defaultdict(list)
    for rule in rules:
        kind = registry[rule.kind]
        assert isinstance(kind, PanderaKind)
        for column in rule.columns:
            if column in columns:
                checks[column].append(_check(rule, column, kind))
    return pa.DataFrameSchema(
        {
            name: pa.Column(pl.String, checks=cs, nullable=True, required=False)
            for name, cs in checks.items()
        },
        strict=False,
    )


class PanderaBackend:
    """Runs the per-row kinds as one Pandera schema on the polars frame."""

    engine = Engine.PANDERA

    def owns(self, kind: RuleKind) -> bool:
        return isinstance(kind, PanderaKind)

    def warm_up(self) -> None:
        """Nothing to start: Pandera imports in about a second, with the module."""

    def start(self, frame: pl.DataFrame, rules: Sequence[Rule], suite: str) -> Later:
        """Validation in this process, run when its result is asked for."""
        return Later(lambda: run_pandera(frame, list(rules)))

    def run(self, frame: pl.DataFrame, rules: Sequence[Rule], suite: str) -> list[Finding]:
        """Validate; one finding per failing rule and column, rows as spreadsheet rows."""
        return run_pandera(frame, list(rules))


def _failure_cases(frame: pl.DataFrame, rules: list[Rule]) -> pl.DataFrame | None:
    """Pandera's failure cases of the rules (None when every row passes); raises on a crash."""
    try:
        compile_schema(rules, frame.columns).validate(frame, lazy=True)
        return None
    except SchemaErrors as exc:
        cases: pl.DataFrame = exc.failure_cases
        return cases


def _crash(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        raise exc
    if isinstance(exc, SystemExit):
        return f"the rule's code called sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}"


def run_pandera(frame: pl.DataFrame, rules: list[Rule]) -> list[Finding]:
    """Validate the frame; one finding per failing rule and column, rows as spreadsheet rows.

    A rule whose code fails (a project kind that raises, or even calls ``sys.exit``) is an
    error finding of its own, and the other rules still run: when the whole schema crashes,
    each rule is validated on its own to find the one at fault.
    """
    if not rules:
        return []
    by_id = {r.id: r for r in rules}
    findings: list[Finding] = []
    try:
        cases = _failure_cases(frame, rules)
    except BaseException as exc:  # an engine crash is a finding, never a pass
        _crash(exc)
        parts = []
        for rule in rules:
            try:
                part = _failure_cases(frame, [rule])
            except BaseException as failure:  # isolate the rule at fault
                findings.append(crashed(rule, Engine.PANDERA, _crash(failure)))
                continue
            if part is not None:
                parts.append(part)
        cases = pl.concat(parts, how="diagonal_relaxed") if parts else None
    if cases is None:
        return findings
    positions: dict[tuple[str, str], list[int]] = defaultdict(list)
    unexplained: set[str] = set()
    crashes: dict[str, str] = {}
    texts = cases["failure_case"].cast(pl.String).to_list()
    checks, indexes = cases["check"].to_list(), cases["index"].to_list()
    for check, index, text in zip(checks, indexes, texts, strict=True):
        rule_id, _, column = str(check).partition(SEP)
        if rule_id in by_id and column and index is not None:
            positions[(rule_id, column)].append(int(index))
        elif rule_id in by_id and index is None:  # the rule's own code failed: its crash
            crashes.setdefault(rule_id, f"{column}: {text}" if column else str(text))
        else:
            unexplained.add(str(check))
    findings.extend(crashed(by_id[r], Engine.PANDERA, why) for r, why in crashes.items())
    row_numbers = frame.get_column(ROW)
    for (rule_id, column), idx in positions.items():
        rows = row_numbers.gather(idx).to_list()
        finding = failing(by_id[rule_id], Engine.PANDERA, frame, rows, (column,))
        if finding is not None:
            findings.append(finding)
    if unexplained:
        problem = "unexpected schema failure: " + ", ".join(sorted(unexplained))
        findings.append(crashed(rules[0], Engine.PANDERA, problem))
    return findings
