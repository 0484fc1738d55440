"""The one result model every engine reports into: findings, accounting, run results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How bad a finding is: an ``error`` fails the gate, a ``warning`` does not."""

    ERROR = "error"
    WARNING = "warning"


class Engine(StrEnum):
    """Which part of syncguard produced a finding."""

    INTAKE = "intake"
    PANDERA = "pandera"
    GREAT_EXPECTATIONS = "great_expectations"
    COMPARE = "compare"


class Outcome(StrEnum):
    """The verdict of a run."""

    PASSED = "passed"
    FAILED = "failed"
    UNUSABLE = "unusable"


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the export, as found by one rule.

    ``rows`` are spreadsheet row numbers (header = row 1), all of them, sorted. ``examples``
    are raw cell values (masked only when written out), at most a handful.
    """

    rule: str
    severity: Severity
    engine: Engine
    message: str
    columns: tuple[str, ...] = ()
    rows: tuple[int, ...] = ()
    examples: tuple[str, ...] = ()
    failed_rows: int | None = None
    location: str | None = None
    suggestion: str | None = None
    previous_rows: tuple[int, ...] = ()

    @property
    def column(self) -> str | None:
        """The single column the finding concerns, if it concerns exactly one."""
        return self.columns[0] if len(self.columns) == 1 else None

    @property
    def failed_count(self) -> int:
        """How many rows failed (``failed_rows`` when given, else the number of rows)."""
        return self.failed_rows if self.failed_rows is not None else len(self.rows)


@dataclass(frozen=True)
class Accounting:
    """Where every record went: ``rows_read == rows_clean + rows_with_errors``."""

    rows_read: int
    rows_clean: int
    rows_with_errors: int


@dataclass(frozen=True)
class ExportInfo:
    """What was read: the file, its fingerprint and the dialect it was read with."""

    path: str
    sha256: str
    rows: int
    bytes: int
    encoding: str
    delimiter: str


@dataclass(frozen=True)
class RuleInfo:
    """A rule of the suite as reports list it (passed rules included)."""

    id: str
    description: str
    severity: Severity
    engine: Engine
    columns: tuple[str, ...]


@dataclass(frozen=True)
class RunResult:
    """Everything one ``syncguard check`` produced."""

    suite: str
    suite_version: str
    export: ExportInfo
    outcome: Outcome
    findings: tuple[Finding, ...]
    accounting: Accounting
    started_at: str
    duration_s: float = 0.0
    notes: tuple[str, ...] = field(default=())
    comparison: Any = None
    """The weekly comparison (``syncguard.compare.changes.Comparison``), when there was one."""
    status: dict[tuple[str, str], str] = field(default_factory=dict, hash=False, compare=False)
    """Per (rule, columns): ``new`` or ``persisting`` since the previous run in the history."""
    resolved: tuple[Any, ...] = ()
    """Rule counts of the previous run whose problem is gone now."""
    snapshot: Any = field(default=None, hash=False, compare=False, repr=False)
    """This run's hashed snapshot, kept for the history."""
    rules: tuple[RuleInfo, ...] = ()
    """Every rule that ran, so reports can list the ones that passed."""
    frame: Any = field(default=None, hash=False, compare=False, repr=False)
    """The export's usable records (polars), for the failing-rows download."""

    def count(self, severity: Severity) -> int:
        """Number of findings of a severity."""
        return sum(1 for f in self.findings if f.severity is severity)


def outcome_of(findings: tuple[Finding, ...] | list[Finding]) -> Outcome:
    """Passed unless some finding is an error."""
    if any(f.severity is Severity.ERROR for f in findings):
        return Outcome.FAILED
    return Outcome.PASSED


def account(row_numbers: range | list[int], findings: list[Finding]) -> Accounting:
    """Count clean rows and rows named by at least one error finding."""
    all_rows = set(row_numbers)
    bad: set[int] = set()
    for f in findings:
        if f.severity is Severity.ERROR:
            bad.update(r for r in f.rows if r in all_rows)
    return Accounting(
        rows_read=len(all_rows), rows_clean=len(all_rows) - len(bad), rows_with_errors=len(bad)
    )
