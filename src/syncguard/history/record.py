"""From a run's result to history records, and back: finding status since the previous run."""

from __future__ import annotations

from pathlib import Path

from syncguard.history.store import RuleCount, RunRecord
from syncguard.model import Finding, RunResult


def finding_key(finding: Finding) -> tuple[str, str]:
    """What identifies "the same problem" from run to run: the rule and its column(s)."""
    return finding.rule, ",".join(finding.columns)


def rule_counts(findings: tuple[Finding, ...]) -> list[RuleCount]:
    """Failed rows per rule and column (a rule over several columns counts each)."""
    merged: dict[tuple[str, str], RuleCount] = {}
    for f in findings:
        key = finding_key(f)
        old = merged.get(key)
        count = f.failed_count + (old.failed_rows if old else 0)
        merged[key] = RuleCount(key[0], key[1], f.severity.value, count)
    return list(merged.values())


def run_record(result: RunResult, report: Path | None) -> RunRecord:
    """The ``runs`` row of a result (id assigned by the store)."""
    return RunRecord(
        id=0,
        started_at=result.started_at,
        suite=result.suite,
        suite_version=result.suite_version,
        export_name=Path(result.export.path).name,
        export_sha256=result.export.sha256,
        rows=result.export.rows,
        outcome=result.outcome.value,
        errors=sum(1 for f in result.findings if f.severity.value == "error"),
        warnings=sum(1 for f in result.findings if f.severity.value == "warning"),
        rows_clean=result.accounting.rows_clean,
        rows_with_errors=result.accounting.rows_with_errors,
        report=str(report) if report else None,
    )


def statuses(
    findings: tuple[Finding, ...], before: list[RuleCount] | None
) -> tuple[dict[tuple[str, str], str], tuple[RuleCount, ...]]:
    """Each finding's status (``new`` or ``persisting``) and the previous run's resolved ones.

    With no previous run there is no status at all.
    """
    if before is None:
        return {}, ()
    earlier = {(c.rule, c.column) for c in before}
    now = {finding_key(f) for f in findings}
    status = {key: "persisting" if key in earlier else "new" for key in now}
    resolved = tuple(c for c in before if (c.rule, c.column) not in now)
    return status, resolved
