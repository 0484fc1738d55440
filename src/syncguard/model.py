"""The result model every part reports into: checks, findings, comparison, plan, run results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is: an ``error`` fails the gate, a ``warning`` does not."""

    ERROR = "error"
    WARNING = "warning"


SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1}
"""Sort key: errors first."""


class Engine(StrEnum):
    """Which part of syncguard produced a finding."""

    INTAKE = "intake"
    PANDERA = "pandera"
    GREAT_EXPECTATIONS = "great_expectations"
    COMPARE = "compare"


class Source(StrEnum):
    """Where a check is declared: a rule file, or syncguard's built-in intake or comparison."""

    RULE_FILE = "rule_file"
    INTAKE = "intake"
    COMPARE = "compare"
    REPAIR = "repair"
    """A repair ``syncguard fix`` makes (listed and tunable like a check)."""


class BasisKind(StrEnum):
    """What a check's verdict rests on. Only ``spec``, ``importer`` and ``security`` may block."""

    SPEC = "spec"
    IMPORTER = "importer"
    SECURITY = "security"
    PRACTICE = "practice"


class Outcome(StrEnum):
    """The verdict of a run."""

    PASSED = "passed"
    FAILED = "failed"
    PARTIAL = "partial"
    """Only some checks ran (``--only``) and none of them failed: no verdict on the file. A
    partial run that finds a failure is FAILED (what it found is real), but never PASSED."""
    UNUSABLE = "unusable"
    INVALID = "invalid"
    """The command line, a rule file or the settings are wrong: nothing was checked (exit 3)."""
    ERROR = "error"
    """syncguard failed (exit 4)."""


class Status(StrEnum):
    """A problem compared with the previous run in the history."""

    NEW = "new"
    PERSISTING = "persisting"
    RESOLVED = "resolved"


class Consequence(StrEnum):
    """What the import does with data a check finds wrong, worst first (the order "what to
    fix" ranks by). Every check declares one; a finding shows it in plain words."""

    FILE_REJECTED = "file_rejected"
    NOT_CHECKED = "not_checked"
    ACCOUNT_TAKEN_OVER = "account_taken_over"
    ACCOUNT_SPLIT = "account_split"
    ROW_SKIPPED = "row_skipped"
    LABELS_WIPED = "labels_wiped"
    SECURITY_RISK = "security_risk"
    FIELD_REJECTED = "field_rejected"
    STORED_WRONG = "stored_wrong"
    COSMETIC = "cosmetic"

    @property
    def plain(self) -> str:
        """What the import will do, for people: the label, a colon, one sentence."""
        return CONSEQUENCE_WORDS[self]

    @property
    def label(self) -> str:
        """Two or three words: ``row skipped``."""
        return self.value.replace("_", " ")

    @property
    def rank(self) -> int:
        """Sort key: the worst consequence first."""
        return list(Consequence).index(self)


CONSEQUENCE_WORDS = {
    Consequence.FILE_REJECTED: "file rejected: the importer refuses the whole file",
    Consequence.NOT_CHECKED: "not checked: syncguard could not check this, so the import's "
    "effect is unknown",
    Consequence.ACCOUNT_TAKEN_OVER: "account taken over: another person gets this student's "
    "account (its CV and applications)",
    Consequence.ACCOUNT_SPLIT: "account split: the importer cannot match the student and "
    "creates a second account",
    Consequence.ROW_SKIPPED: "row skipped: the student is not created or updated",
    Consequence.LABELS_WIPED: "labels wiped: the import removes the student's system labels",
    Consequence.SECURITY_RISK: "security risk: the cell runs as a formula when the file is "
    "opened in a spreadsheet",
    Consequence.FIELD_REJECTED: "field rejected: the importer refuses or ignores the value, "
    "and the field is not set",
    Consequence.STORED_WRONG: "stored wrong: the value is imported as written, but it is wrong "
    "or contradicts the student's other fields",
    Consequence.COSMETIC: "cosmetic: imported as it is; only tidiness",
}


def default_severity(basis: BasisKind) -> Severity:
    """The severity of a rule that names none: a warning for ``practice`` (hygiene only warns),
    an error for what the spec, the importer or security rests on."""
    return Severity.WARNING if basis is BasisKind.PRACTICE else Severity.ERROR


@dataclass(frozen=True)
class Basis:
    """Why a check exists: ``spec: "sentence"``, ``importer: fact``, ``practice: why``."""

    kind: BasisKind
    text: str

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.text}"

    @classmethod
    def parse(cls, text: str) -> Basis:
        """Read ``kind: text``; ValueError when the kind is not one of :class:`BasisKind`."""
        kind, sep, rest = text.partition(":")
        if not sep or not rest.strip():
            raise ValueError(text)
        return cls(BasisKind(kind.strip()), rest.strip())


@dataclass(frozen=True)
class Check:
    """One declared check, as the catalogue lists it: a YAML rule or a built-in check."""

    id: str
    title: str
    severity: Severity
    description: str
    basis: Basis
    fix: str
    source: Source
    engine: Engine
    columns: tuple[str, ...] = ()
    location: str | None = None
    kind: str | None = None
    tunable: bool = True
    """False for what no setting can change (an unusable export stays unusable)."""
    message: str = ""
    """A built-in check's message, a ``str.format`` template filled by :meth:`finding`."""
    params: Mapping[str, object] = field(default_factory=dict, hash=False, compare=False)
    """A rule's parameters (the allowed values, the pattern, the limit), for reports."""
    defaulted: bool = False
    """The rule file gave no severity, so it follows the basis (:func:`default_severity`)."""
    consequence: Consequence = Consequence.COSMETIC
    """What the import does with the data this check finds wrong (declared with every check)."""
    explains: tuple[str, ...] = ()
    """Checks whose finding on the same cell this check's finding explains: one cause, one
    finding (those checks skip the cells this one found)."""

    @property
    def severity_label(self) -> str:
        """``error``, or ``warning (default for practice)`` when the basis chose it."""
        if self.defaulted:
            return f"{self.severity.value} (default for {self.basis.kind.value})"
        return self.severity.value

    def finding(
        self,
        *,
        rows: tuple[int, ...] | list[int] = (),
        columns: tuple[str, ...] = (),
        suggestion: str | None = None,
        previous_rows: tuple[int, ...] | list[int] = (),
        failed_rows: int | None = None,
        **values: object,
    ) -> Finding:
        """A finding of this check at its default severity, its message filled with ``values``.

        The values are inserted as text, never parsed as a template themselves, so text from
        the export (a header, a cell) cannot change the message's shape.
        """
        return Finding(
            rule=self.id,
            severity=self.severity,
            engine=self.engine,
            message=self.message.format(**values),
            columns=columns,
            rows=tuple(sorted(rows)),
            failed_rows=failed_rows,
            location=self.location,
            suggestion=suggestion,
            previous_rows=tuple(sorted(previous_rows)),
            consequence=self.consequence,
        )


def declare(
    source: Source,
    engine: Engine,
    id: str,
    title: str,
    severity: Severity,
    description: str,
    basis: tuple[BasisKind, str],
    fix: str,
    message: str = "",
    columns: tuple[str, ...] = (),
    tunable: bool = True,
    *,
    consequence: Consequence,
    explains: tuple[str, ...] = (),
) -> Check:
    """A built-in check as its module declares it (intake, comparison, repair)."""
    return Check(
        id=id,
        title=title,
        severity=severity,
        description=description,
        basis=Basis(*basis),
        fix=fix,
        source=source,
        engine=engine,
        columns=columns,
        tunable=tunable,
        message=message,
        consequence=consequence,
        explains=explains,
    )


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the export, as found by one check.

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
    suggestions: tuple[str, ...] = ()
    """Per example, the value confidently meant instead ("" where there is none)."""
    example_columns: tuple[str, ...] = ()
    """Per example, the column it was read from (when the finding spans several columns)."""
    top_values: tuple[tuple[str, int], ...] = ()
    """The most frequent failing values with their counts (raw: masked when written out)."""
    top_shapes: tuple[tuple[str, int], ...] = ()
    """The most frequent shapes of the failing values (``0471924865`` -> ``9999999999``)."""
    also: tuple[str, ...] = ()
    """Ids of other checks that found the same rows for the same cause (folded into this one)."""
    parts: tuple[tuple[str, tuple[int, ...]], ...] = ()
    """For a check over several columns: each column with its failing rows."""
    fixes: tuple[tuple[str, str], ...] = ()
    """Failing values with the value confidently meant instead (listed values only)."""
    consequence: Consequence | None = None
    """What the import does with these rows (the check's; set by the catalogue for every
    finding of a run)."""

    @property
    def column(self) -> str | None:
        """The single column the finding concerns, if it concerns exactly one."""
        return self.columns[0] if len(self.columns) == 1 else None

    @property
    def failed_count(self) -> int:
        """How many rows failed (``failed_rows`` when given, else the number of rows)."""
        return self.failed_rows if self.failed_rows is not None else len(self.rows)

    @property
    def key(self) -> tuple[str, str]:
        """What identifies "the same problem" from run to run: the rule and its column(s)."""
        return self.rule, ",".join(self.columns)


@dataclass(frozen=True)
class Tuning:
    """A check a rule file's ``overrides:`` switched off or re-graded, as every run shows it."""

    check: Check
    """The check as the run uses it (at its tuned severity)."""
    declared: Severity
    """Its severity before the override."""
    location: str
    """Where the override is written: ``file:line:col``."""
    reason: str = ""
    enabled: bool = True

    def describe(self) -> str:
        """One phrase: ``intake.bom error, not warning (rules/local.yaml:3:5: why)``."""
        what = f"{self.check.severity.value}, not {self.declared.value}"
        if not self.enabled:
            what = "switched off"
        why = f": {self.reason}" if self.reason else ""
        return f"{self.check.id} {what} ({self.location}{why})"


@dataclass(frozen=True)
class Gate:
    """How a run's findings become its verdict, and what the run left out.

    Computed once per run (the pipeline), then every output says the same: the policy
    (``--fail-on``), the rules not run (``--only``), the checks switched off or re-graded.
    """

    fail_on: Severity = Severity.ERROR
    """The least severity that fails the gate (``--fail-on``)."""
    only: tuple[str, ...] | None = None
    """The rules selected with ``--only`` (None: every check ran)."""
    not_run: tuple[Check, ...] = ()
    """The enabled rules of the rule files that were not selected, so did not run."""
    disabled: tuple[Tuning, ...] = ()
    regraded: tuple[Tuning, ...] = ()

    @property
    def partial(self) -> bool:
        """Whether some enabled rule did not run: such a run is no verdict on the file."""
        return bool(self.not_run)

    def fails(self, finding: Finding) -> bool:
        """Whether a finding fails the gate under this policy."""
        return finding.severity is Severity.ERROR or self.fail_on is Severity.WARNING

    def outcome(self, findings: tuple[Finding, ...] | list[Finding]) -> Outcome:
        """Failed when a finding fails the gate; else passed, or partial when rules did not run."""
        if any(self.fails(f) for f in findings):
            return Outcome.FAILED
        return Outcome.PARTIAL if self.partial else Outcome.PASSED

    @property
    def scope(self) -> str:
        """``ran 2 of 34 rules (--only)`` for a partial run; empty for a whole run."""
        if not self.partial:
            return ""
        ran = len(self.only or ())
        return f"ran {ran} of {ran + len(self.not_run)} rules (--only)"

    def reason(self, findings: tuple[Finding, ...] | list[Finding]) -> str | None:
        """Why the verdict is what it is, when the findings' severities alone do not say it:
        a partial run, or warnings that count as errors. None otherwise."""
        outcome = self.outcome(findings)
        if outcome is Outcome.PARTIAL:
            return (
                f"partial: {self.scope}, so this is no verdict on the file; run every check "
                "before uploading it"
            )
        parts = []
        if outcome is Outcome.FAILED and not any(f.severity is Severity.ERROR for f in findings):
            parts.append("failed: warnings count as errors here (--fail-on warning)")
        if self.partial:
            parts.append(f"partial: {self.scope}")
        return "; ".join(parts) or None


@dataclass(frozen=True)
class Accounting:
    """Where every record went: ``rows_read == rows_clean + rows_with_errors``."""

    rows_read: int
    rows_clean: int
    rows_with_errors: int
    rows_with_warnings: int = 0
    """Rows named by at least one warning (whether or not an error names them too)."""


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
class SyncPlan:
    """What the import will do: a dry run computed from this week's and last week's exports."""

    new: int
    changed: int
    unchanged: int
    vanished: int
    newly_archived: int
    label_additions: int
    label_removals: int
    skipped_duplicates: int = 0
    changed_by_field: Mapping[str, int] | None = field(default=None, hash=False)
    """Students changed per column; None when last week's hashes cannot be compared."""
    left_unchanged: Mapping[str, int] = field(default_factory=dict, hash=False)
    """Per required column: existing students whose blank cell leaves the stored value."""
    rows: Mapping[str, tuple[int, ...]] = field(default_factory=dict, hash=False)
    """The rows of each category: ``new``, ``changed``, ``changed:<column>``, ``unchanged``,
    ``newly_archived``, ``label_additions``, ``label_removals``, ``username_changed``,
    ``username_and_email_changed`` (rows of this export) and ``vanished`` (the baseline's)."""


class BaselineMode(StrEnum):
    """Which earlier export a run is compared with."""

    LAST_PASSED = "last-passed"
    """The newest run the importer took: passed the gate, or accepted (the default)."""
    LAST = "last"
    """The newest run, whatever its outcome."""
    RUN = "run"
    """A run named by its number."""
    FILE = "file"
    """An export file given with ``--previous``."""


@dataclass(frozen=True)
class Baseline:
    """The export a run was compared with: a run of the history, or a file."""

    mode: BaselineMode
    rows: int
    run: int | None = None
    started_at: str | None = None
    export_name: str | None = None
    outcome: Outcome | None = None
    accepted: bool = False
    path: str | None = None

    def describe(self) -> str:
        """One phrase for people: "run #3 of 2026-11-15 (2026-11-15.csv, passed)"."""
        if self.run is None:
            return f"the export {self.path}"
        how = "accepted" if self.accepted else self.outcome.value if self.outcome else ""
        return f"run #{self.run} of {(self.started_at or '')[:10]} ({self.export_name}, {how})"


@dataclass(frozen=True)
class Comparison:
    """The baseline this export was compared with, and the sync plan against it."""

    baseline: Baseline
    plan: SyncPlan
    note: str | None = None

    @property
    def source(self) -> str:
        """Where the baseline came from, for people."""
        return self.baseline.describe()

    @property
    def previous_rows(self) -> int:
        """Rows of the baseline export."""
        return self.baseline.rows


@dataclass(frozen=True)
class RuleCount:
    """Failed rows of one check (and column) in one run, as the history keeps them."""

    rule: str
    column: str
    severity: Severity
    failed_rows: int


@dataclass(frozen=True)
class CheckCount:
    """The students (rows) one check failed in one run, over all its columns: the trend's
    count per check (a row failing it in two columns counts once)."""

    rule: str
    severity: Severity
    failed_rows: int


@dataclass(frozen=True)
class PastRun:
    """One run as the history keeps it (no personal data)."""

    id: int
    started_at: str
    suite: str
    suite_version: str
    export_name: str
    export_sha256: str
    rows: int
    outcome: Outcome
    errors: int
    warnings: int
    rows_clean: int
    rows_with_errors: int
    report: str | None
    accepted: bool = False
    """Marked uploaded by ``syncguard accept`` although it failed the gate."""
    as_of: str | None = None
    """The date the run counted as today (``--as-of``)."""
    baseline: int | None = None
    """The run it was compared with, if any."""
    only: tuple[str, ...] | None = None
    """The rules a partial run selected (``--only``); None for a run of every check."""
    not_run: tuple[str, ...] = ()
    """The rules a partial run left out."""
    fail_on: Severity = Severity.ERROR
    """The least severity that failed the gate (``--fail-on``)."""
    rows_with_warnings: int | None = None
    """Rows named by at least one warning; None for a run recorded before the history kept it."""

    @property
    def partial(self) -> bool:
        """Whether some rules did not run (``--only``): never a baseline, never passed."""
        return bool(self.not_run) or self.outcome is Outcome.PARTIAL

    @property
    def is_baseline(self) -> bool:
        """Whether the importer took this export: a whole run that passed, or an accepted one."""
        return (self.outcome is Outcome.PASSED or self.accepted) and not self.partial

    def verdict_note(self) -> str | None:
        """What the outcome alone does not say: a partial run, warnings counted as errors."""
        parts = []
        if self.outcome is Outcome.FAILED and not self.errors and self.fail_on is Severity.WARNING:
            parts.append("warnings count as errors (--fail-on warning)")
        if self.partial:
            ran = len(self.only or ())
            parts.append(f"partial run: {ran} of {ran + len(self.not_run)} rules")
        return "; ".join(parts) or None


@dataclass(frozen=True)
class Trend:
    """Every run of the history, oldest first, with the students each check failed in each
    (by run id; a run no check failed may be left out)."""

    runs: tuple[PastRun, ...]
    checks: Mapping[int, tuple[CheckCount, ...]]


@dataclass(frozen=True)
class EmailDomains:
    """The institution's email domains as a run used them."""

    domains: tuple[str, ...]
    inferred: bool
    reason: str = ""


@dataclass(frozen=True)
class ContractOrigin:
    """Where a run's contract (its first rule folder) came from, and whether it is the one
    packaged with syncguard: the same rule files and check modules, byte for byte."""

    path: str
    sha256: str
    """Of the contract's rule files and check modules (names and contents)."""
    packaged: bool
    packaged_suite: str
    packaged_version: str

    @property
    def note(self) -> str | None:
        """What a run with another contract says in its verdict, JSON and report."""
        if self.packaged:
            return None
        return (
            f"contract: {self.path}, not the packaged {self.packaged_suite} {self.packaged_version}"
        )


@dataclass(frozen=True)
class RunResult:
    """Everything one ``syncguard check`` found."""

    suite: str
    suite_version: str
    export: ExportInfo
    outcome: Outcome
    findings: tuple[Finding, ...]
    accounting: Accounting
    started_at: str
    duration_s: float = 0.0
    notes: tuple[str, ...] = ()
    comparison: Comparison | None = None
    status: Mapping[tuple[str, str], Status] = field(default_factory=dict, hash=False)
    """Per :attr:`Finding.key`: new or persisting since the previous run in the history."""
    resolved: tuple[RuleCount, ...] = ()
    """Counts of the previous run whose problem is gone now."""
    checks: tuple[Check, ...] = ()
    """Every check that ran (passed ones included), so reports can list them."""
    as_of: str | None = None
    """The date the run counted as today."""
    email_domains: EmailDomains | None = None
    """The institution email domains the run used, and whether they were inferred."""
    rule_files: tuple[str, ...] = ()
    """The rule files the suite was read from (the packaged contract, the project's own)."""
    config: str | None = None
    """The project file (syncguard.toml) the run used, if any."""
    settings: Mapping[str, object] = field(default_factory=dict, hash=False)
    """The settings the run used (after the project file and the command line)."""
    contract: ContractOrigin | None = None
    """Where the contract came from (None: a suite built in code, not read from files)."""
    gate: Gate = field(default_factory=Gate)
    """The policy, the scope and the overrides the verdict was reached with."""

    @property
    def reason(self) -> str | None:
        """Why the verdict is what it is, when the counts alone do not say it (see Gate)."""
        if self.outcome is Outcome.UNUSABLE:
            return None
        return self.gate.reason(self.findings)

    def count(self, severity: Severity) -> int:
        """Number of findings of a severity."""
        return sum(1 for f in self.findings if f.severity is severity)


def outcome_of(findings: tuple[Finding, ...] | list[Finding], gate: Gate | None = None) -> Outcome:
    """The verdict of a run's findings under its gate (default: errors fail, every check ran)."""
    return (gate or Gate()).outcome(findings)


def order(findings: list[Finding]) -> tuple[Finding, ...]:
    """Errors first, then by failed rows (most first), then by rule id."""
    return tuple(
        sorted(findings, key=lambda f: (SEVERITY_RANK[f.severity], -f.failed_count, f.rule))
    )


def account(row_numbers: range | list[int], findings: list[Finding]) -> Accounting:
    """Count clean rows, rows named by at least one error and rows named by a warning."""
    all_rows = set(row_numbers)
    bad: set[int] = set()
    warned: set[int] = set()
    for f in findings:
        (bad if f.severity is Severity.ERROR else warned).update(r for r in f.rows if r in all_rows)
    return Accounting(
        rows_read=len(all_rows),
        rows_clean=len(all_rows) - len(bad),
        rows_with_errors=len(bad),
        rows_with_warnings=len(warned),
    )
