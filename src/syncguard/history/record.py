"""From a run's result to history records, and back: finding status since the previous run."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from syncguard.model import Finding, PastRun, RuleCount, RunResult, Severity, Status


def rule_counts(findings: tuple[Finding, ...]) -> list[RuleCount]:
    """Failed rows per check and column (a check over several columns counts each)."""
    merged: dict[tuple[str, str], RuleCount] = {}
    for f in findings:
        key = f.key
        old = merged.get(key)
        count = f.failed_count + (old.failed_rows if old else 0)
        merged[key] = RuleCount(key[0], key[1], f.severity, count)
    return list(merged.values())


def run_record(result: RunResult, report: Path | None) -> PastRun:
    """The ``runs`` row of a result (id assigned by the store)."""
    return PastRun(
        id=0,
        started_at=result.started_at,
        suite=result.suite,
        suite_version=result.suite_version,
        export_name=Path(result.export.path).name,
        export_sha256=result.export.sha256,
        rows=result.export.rows,
        outcome=result.outcome,
        errors=result.count(Severity.ERROR),
        warnings=result.count(Severity.WARNING),
        rows_clean=result.accounting.rows_clean,
        rows_with_errors=result.accounting.rows_with_errors,
        report=str(report) if report else None,
    )


def statuses(
    findings: tuple[Finding, ...], before: list[RuleCount] | None
) -> tuple[Mapping[tuple[str, str], Status], tuple[RuleCount, ...]]:
    """Each finding's status (new or persisting) and the previous run's resolved counts.

    With no previous run there is no status at all.
    """
    if before is None:
        return {}, ()
    earlier = {(c.rule, c.column) for c in before}
    now = {f.key for f in findings}
    status = {key: Status.PERSISTING if key in earlier else Status.NEW for key in now}
    resolved = tuple(c for c in before if (c.rule, c.column) not in now)
    return status, resolved
