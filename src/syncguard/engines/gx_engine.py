"""The Great Expectations backend: set-level kinds compiled to GE expectations, run on pandas.

Great Expectations has no polars engine and takes seconds to import, so its rules run in a
worker process (:mod:`~syncguard.engines.gx_worker`) started when a check begins: its import
and its validation use the second core while this process reads the export and runs Pandera.
Only the columns its rules read cross the boundary, as an Arrow IPC stream with the spreadsheet
row numbers as the pandas index, so failing rows come back ready to report. In the worker each
group of rules on the same columns is validated on a frame of those columns alone: a GE row
condition or missing-value filter then copies two columns, not the whole boundary.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from syncguard import workers
from syncguard.engines.base import Later
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


@dataclass(frozen=True)
class Job:
    """One rule as the worker needs it: plain data, no rule kinds (a project's included)."""

    rule: str
    severity: Severity
    source: str
    spec: ExpectationSpec
    columns: tuple[str, ...]
    """The boundary columns the expectation reads (raw and derived)."""
    mostly: float | None = None


@dataclass(frozen=True)
class Verdict:
    """What GE said of one job: the failing spreadsheet rows, or why it could not run."""

    rule: str
    rows: tuple[int, ...] = ()
    crash: str | None = None


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


def job(rule: Rule) -> Job:
    """The worker's job for a rule."""
    kind = _kind(rule)
    columns = (*kind.boundary_columns(rule), *kind.derived(rule))
    return Job(
        rule.id,
        rule.severity,
        str(rule.location),
        kind.expectation(rule),
        tuple(dict.fromkeys(columns)),
        rule.mostly,
    )


def crossing(
    frame: pl.DataFrame, rules: Sequence[Rule]
) -> tuple[list[Job], pl.DataFrame, list[Finding]]:
    """The jobs of the rules, the columns they read (row numbers, raw and derived columns), and
    a crash finding for each rule whose kind fails to describe it (a project kind's bug).

    Raises:
        polars.exceptions.PolarsError: a derived column cannot be computed.
    """
    derived: dict[str, pl.Expr] = {}
    jobs: list[Job] = []
    failed: list[Finding] = []
    for rule in rules:
        try:
            made, extra = job(rule), _kind(rule).derived(rule)
        except Exception as exc:  # that rule's crash; the others still run
            failed.append(crashed(rule, ENGINE, f"{type(exc).__name__}: {exc}"))
            continue
        jobs.append(made)
        derived.update(extra)
    needed = sorted({c for j in jobs for c in j.columns} - set(derived))
    boundary = frame.select(
        [pl.col(ROW), *[pl.col(c) for c in needed], *[e.alias(n) for n, e in derived.items()]]
    )
    return jobs, boundary, failed


def to_pandas(boundary: pl.DataFrame) -> Any:
    """The boundary as GE reads it: pandas, indexed by spreadsheet row."""
    frame = boundary.to_pandas().set_index(ROW)
    frame.index.name = None
    return frame


def _condition(condition: RowCondition) -> Any:
    from great_expectations.expectations.row_conditions import Column

    if condition.op is ConditionOp.BEFORE:
        return Column(condition.column) < condition.value
    return Column(condition.column).is_in(list(condition.value))


def build(work: Job) -> Any:
    """The GE expectation of a job: class, arguments, ``mostly`` and ``meta`` (set only here)."""
    import great_expectations.expectations as builtin

    from syncguard.engines import gx_expectations as own

    spec = work.spec
    cls = getattr(builtin, spec.type, None) or getattr(own, spec.type)
    meta: dict[str, Any] = {
        "rule": work.rule,
        "severity": work.severity.value,
        "source": work.source,
    }
    if spec.derived:
        meta["derived"] = spec.derived
    kwargs = {**spec.kwargs, "meta": meta}
    if spec.row_condition is not None:
        kwargs["row_condition"] = _condition(spec.row_condition)
    if work.mostly is not None:
        kwargs["mostly"] = work.mostly
    expectation = cls(**kwargs)
    expectation.severity = "warning" if work.severity is Severity.WARNING else "critical"
    return expectation


def compile_suite(suite: Suite, rules: Sequence[Rule] | None = None) -> Any:
    """The Great Expectations ``ExpectationSuite`` of the rules (all GE rules by default)."""
    import great_expectations as gx

    _context()  # GE builds suites only with an active data context
    expectation_suite = gx.ExpectationSuite(
        name=suite.name, meta={"syncguard_version": suite.version}
    )
    for rule in gx_rules(suite) if rules is None else rules:
        expectation_suite.add_expectation(build(job(rule)))
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


def _crash_text(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        raise exc
    return f"{type(exc).__name__}: {exc}"


def validate_jobs(boundary: pl.DataFrame, jobs: Sequence[Job], suite: str) -> list[Verdict]:
    """Validate the boundary frame (``crossing``) in this process: one verdict per job.

    Jobs on the same columns share a batch of those columns alone, converted to pandas when
    their turn comes (so only one group's pandas copy is held at a time). A job GE cannot build
    or run is a verdict with its crash; the other jobs still run.
    """
    import great_expectations as gx

    groups: dict[tuple[str, ...], list[Job]] = {}
    for work in jobs:
        groups.setdefault(tuple(sorted(work.columns)), []).append(work)
    context = _context()
    definition = (
        context.data_sources.add_pandas("syncguard")
        .add_dataframe_asset("export")
        .add_batch_definition_whole_dataframe("whole")
    )
    verdicts: list[Verdict] = []
    for columns, group in groups.items():
        expectations = gx.ExpectationSuite(name=suite)
        runnable: list[Job] = []
        for work in group:
            try:
                expectations.add_expectation(build(work))
                runnable.append(work)
            except BaseException as exc:  # a spec GE refuses is that rule's crash
                verdicts.append(Verdict(work.rule, crash=_crash_text(exc)))
        if not runnable:
            continue
        try:
            frame = to_pandas(boundary.select(ROW, *columns))
            batch = definition.get_batch(batch_parameters={"dataframe": frame})
            result = batch.validate(expectations, result_format=RESULT_FORMAT)
            del batch, frame
        except BaseException as exc:  # an engine crash is a verdict per rule, never a pass
            why = _crash_text(exc)
            verdicts.extend(Verdict(w.rule, crash=why) for w in runnable)
            continue
        verdicts.extend(_verdicts(result, runnable))
    return verdicts


def _verdicts(result: Any, jobs: Sequence[Job]) -> list[Verdict]:
    out: list[Verdict] = []
    seen: set[str] = set()
    for item in result.results:
        rule = str(item.expectation_config.meta["rule"])
        seen.add(rule)
        info = item.exception_info or {}
        raised = [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
        if info.get("raised_exception") or raised:
            message = (raised[0] if raised else info).get("exception_message") or "unknown"
            out.append(Verdict(rule, crash=str(message)))
        elif not item.success:
            rows = tuple(int(i) for i in item.result.get("unexpected_index_list") or [])
            out.append(Verdict(rule, rows))
    out.extend(Verdict(w.rule, crash="no result came back") for w in jobs if w.rule not in seen)
    return out


WORKER = workers.GREAT_EXPECTATIONS
ENGINE = Engine.GREAT_EXPECTATIONS


def preload() -> None:
    """Start a GE worker now, if none is idle: it imports GE while this process works (when
    none can start, validating says so, rule by rule)."""
    workers.preload(WORKER)


@dataclass(frozen=True)
class Answer:
    """The worker's answer: a verdict per job, and its own timings (seconds)."""

    verdicts: tuple[Verdict, ...]
    import_s: float
    validate_s: float


class _Pending:
    """A request to the worker: the findings once it answers."""

    def __init__(
        self,
        process: workers.Worker,
        rules: Sequence[Rule],
        frame: pl.DataFrame,
        failed: Sequence[Finding] = (),
    ) -> None:
        self.process, self.rules, self.frame = process, rules, frame
        self.failed = list(failed)
        """Rules that could not be sent (their kind failed to describe them): their crashes."""
        self.sent: Callable[[], str | None] = lambda: None
        self.elsewhere = True
        self.detail: str | None = None

    def result(self) -> list[Finding]:
        try:
            answer = self.process.receive()
        except workers.WorkerStopped as exc:
            problem = self.sent()
            answer = (
                f"the export could not be sent to the Great Expectations worker ({problem})"
                if problem
                else f"the Great Expectations worker process {exc}"
            )
        except BaseException:  # interrupted: its answer may still come, so it is never reused
            self.process.close()
            raise
        else:
            self.sent()
        self.process.busy = False
        if isinstance(answer, str):
            return [*self.failed, *(crashed(r, ENGINE, answer) for r in self.rules)]
        self.detail = (
            f"imported in {answer.import_s:.1f} s and validated in {answer.validate_s:.1f} s "
            "by its worker process"
        )
        return [*self.failed, *self._findings(answer.verdicts)]

    def _findings(self, verdicts: Sequence[Verdict]) -> list[Finding]:
        by_id = {r.id: r for r in self.rules}
        findings: list[Finding] = []
        for verdict in verdicts:
            rule = by_id[verdict.rule]
            if verdict.crash is not None:
                findings.append(crashed(rule, Engine.GREAT_EXPECTATIONS, verdict.crash))
                continue
            finding = failing(rule, Engine.GREAT_EXPECTATIONS, self.frame, verdict.rows)
            if finding is not None:
                findings.append(finding)
        return findings


class GxBackend:
    """Runs the set-level kinds (uniqueness, allowed values, cross-column) with GE."""

    engine = Engine.GREAT_EXPECTATIONS

    def owns(self, kind: RuleKind) -> bool:
        return isinstance(kind, GxKind)

    def warm_up(self) -> None:
        """Start the worker now: it imports GE while the export is read."""
        preload()

    def start(self, frame: pl.DataFrame, rules: Sequence[Rule], suite: str) -> _Pending | Later:
        """Send the rules and their columns to the worker; the findings come with ``result()``."""
        rules = [r for r in rules if all(c in frame.columns for c in r.columns)]
        if not rules:
            return Later(list)
        try:
            jobs, boundary, failed = crossing(frame, rules)
        except pl.exceptions.PolarsError as exc:  # a derived column: every rule says so
            why = f"the columns could not be prepared ({type(exc).__name__}: {exc})"
            return Later(lambda: [crashed(r, ENGINE, why) for r in rules])
        sent = {j.rule for j in jobs}
        rules = [r for r in rules if r.id in sent]
        if not rules:
            return Later(lambda: failed)
        try:
            process = workers.idle(WORKER)
        except OSError as exc:  # no process can be started here: every rule says so
            why = f"the Great Expectations worker process could not start ({exc})"
            return Later(lambda: [*failed, *(crashed(r, ENGINE, why) for r in rules)])
        process.busy = True
        pending = _Pending(process, rules, frame, failed)
        pending.sent = process.send((suite, jobs), boundary)
        return pending

    def run(self, frame: pl.DataFrame, rules: Sequence[Rule], suite: str) -> list[Finding]:
        """Validate with GE: one finding per failing rule, and per rule it could not run."""
        return self.start(frame, rules, suite).result()
