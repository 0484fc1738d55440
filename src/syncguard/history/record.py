"""From a run's result to history records, and back: finding status since the previous run."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from syncguard.model import (
    SEVERITY_RANK,
    CheckCount,
    Finding,
    PastRun,
    RuleCount,
    RunResult,
    Severity,
    Status,
)


@dataclass(frozen=True)
class ColumnNames:
    """How a finding's columns are stored: known headers as they are, any other name (text
    from the export's header row, perhaps a student's data) as a keyed hash."""

    known: Collection[str]
    key: bytes

    def stored(self, finding: Finding) -> tuple[str, str]:
        """The finding's key as the history keeps it."""
        return finding.rule, ",".join(self._one(c) for c in finding.columns)

    def _one(self, column: str) -> str:
        if column in self.known:
            return column
        digest = hashlib.blake2b(column.encode(), key=self.key, digest_size=6, person=b"sg-col")
        return f"#{digest.hexdigest()}"


def rule_counts(findings: tuple[Finding, ...], names: ColumnNames) -> list[RuleCount]:
    """Failed rows per check and column (a check over several columns counts each)."""
    merged: dict[tuple[str, str], RuleCount] = {}
    for f in findings:
        key = names.stored(f)
        old = merged.get(key)
        count = f.failed_count + (old.failed_rows if old else 0)
        merged[key] = RuleCount(key[0], key[1], f.severity, count)
    return list(merged.values())


def check_counts(findings: Iterable[Finding]) -> list[CheckCount]:
    """The students (rows) each check failed, over all its findings and columns: a row is
    counted once per check. A finding that does not list all its rows adds its count."""
    rows: dict[str, set[int]] = {}
    unlisted: dict[str, int] = {}
    severity: dict[str, Severity] = {}
    for f in findings:
        worst = min(severity.get(f.rule, f.severity), f.severity, key=SEVERITY_RANK.__getitem__)
        severity[f.rule] = worst
        if f.failed_count == len(f.rows):
            rows.setdefault(f.rule, set()).update(f.rows)
        else:
            unlisted[f.rule] = unlisted.get(f.rule, 0) + f.failed_count
    return [
        CheckCount(rule, sev, len(rows.get(rule, ())) + unlisted.get(rule, 0))
        for rule, sev in severity.items()
    ]


def merged_counts(counts: Iterable[RuleCount]) -> list[CheckCount]:
    """Per check, its per-column counts added up: the students of a run recorded before the
    history kept them per check (exact for a check with one finding, as nearly every one has)."""
    merged: dict[str, CheckCount] = {}
    for c in counts:
        old = merged.get(c.rule)
        if old is None:
            merged[c.rule] = CheckCount(c.rule, c.severity, c.failed_rows)
            continue
        worst = min(old.severity, c.severity, key=SEVERITY_RANK.__getitem__)
        merged[c.rule] = CheckCount(c.rule, worst, old.failed_rows + c.failed_rows)
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
        rows_with_warnings=result.accounting.rows_with_warnings,
        report=str(report) if report else None,
        only=result.gate.only if result.gate.partial else None,
        not_run=tuple(c.id for c in result.gate.not_run),
        fail_on=result.gate.fail_on,
    )


def statuses(
    findings: tuple[Finding, ...],
    before: list[RuleCount] | None,
    names: ColumnNames,
    not_run: Collection[str] = (),
) -> tuple[Mapping[tuple[str, str], Status], tuple[RuleCount, ...]]:
    """Each finding's status (new or persisting) and the previous run's resolved counts.

    With no previous run there is no status at all. Statuses are keyed by :attr:`Finding.key`.
    A count of a check in ``not_run`` (not selected, switched off) is not resolved: that
    check did not look this time.
    """
    if before is None:
        return {}, ()
    earlier = {(c.rule, c.column) for c in before}
    stored = {f.key: names.stored(f) for f in findings}
    status = {k: Status.PERSISTING if s in earlier else Status.NEW for k, s in stored.items()}
    now = set(stored.values())
    resolved = tuple(c for c in before if (c.rule, c.column) not in now and c.rule not in not_run)
    return status, resolved
