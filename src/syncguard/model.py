"""The result model every part reports into: checks, findings, comparison, plan, run results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
class ColumnSummary:
    """One column's most frequent failing values and shapes within a finding's rows."""

    column: str
    top_values: tuple[tuple[str, int], ...] = ()
    """Raw values with how many of the finding's rows hold each in this column."""
    top_shapes: tuple[tuple[str, int], ...] = ()
    """Shapes (:func:`syncguard.masking.shape`) with how many rows hold each."""


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
    """The most frequent shapes of the failing values (``0471924865`` -> ``9999999999``; see
    :func:`syncguard.masking.shape`: the domain of an address is raw, masked when written out).
    Every count is of this finding's rows, so none exceeds ``failed_count``."""
    also: tuple[str, ...] = ()
    """Ids of other checks that found the same rows for the same cause (folded into this one)."""
    parts: tuple[tuple[str, tuple[int, ...]], ...] = ()
    """For a check over several columns: each column with its failing rows."""
    fixes: tuple[tuple[str, str], ...] = ()
    """Failing values with the value confidently meant instead (listed values only)."""
    consequence: Consequence | None = None
    """What the import does with these rows (the check's; set by the catalogue for every
    finding of a run)."""
    cells: tuple[tuple[str, ...], ...] = ()
    """Per example, the cell of every column in ``columns`` (raw), for a check that relates
    several columns of a row (an end date before the start date): each example is all of them.
    Empty for a check of one column, or of several columns each on its own (``parts``)."""
    summaries: tuple[ColumnSummary, ...] = ()
    """For a finding over several columns: each column's most frequent failing values and
    shapes, counted over this finding's rows in that column (``top_values`` and ``top_shapes``
    then hold the most frequent entries of all columns, each still one column's count)."""

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

    @property
    def pieces(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """Each column with its failing rows: the ``parts`` of a finding over several columns,
        else its first column (or ``""``) with every row."""
        if self.parts:
            return self.parts
        return ((self.columns[0] if self.columns else "", self.rows),)


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


class PlanCategory(StrEnum):
    """What the import does with one row of the export. The sync plan puts every row read in
    exactly one category: the first of :data:`PLAN_PRIORITY` that applies to it. Declared in
    reading order: what goes as meant first, then what goes wrong."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    ARCHIVED = "archived"
    SKIPPED = "skipped"
    REJECTED_FIELDS = "rejected_fields"
    FAILED = "failed"
    LABELS_WIPED = "labels_wiped"
    TAKEN_OVER = "taken_over"
    SPLIT = "split"
    NOT_READ = "not_read"

    @property
    def plain(self) -> str:
        """What the import does with the rows of this category, for people."""
        return PLAN_WORDS[self]

    @property
    def label(self) -> str:
        """The category's name for people (``rejected fields``)."""
        return PLAN_WORDS[self].split(":", 1)[0]


PLAN_WORDS = {
    PlanCategory.CREATED: "created: students not in the baseline, created by the import",
    PlanCategory.UPDATED: "updated: known students whose values change",
    PlanCategory.UNCHANGED: "left unchanged: known students with nothing to change",
    PlanCategory.ARCHIVED: "archived: known students newly marked disabled TRUE",
    PlanCategory.SKIPPED: "skipped: rows that duplicate a username, email_address, "
    "auth_identifier or card_id of another row; the importer skips rows that duplicate one",
    PlanCategory.REJECTED_FIELDS: "rejected fields: rows imported without the values the "
    "importer refuses",
    PlanCategory.FAILED: "failed: rows the importer refuses (an identifier change in an "
    "automatic sync, a required value missing, dates out of order)",
    PlanCategory.LABELS_WIPED: "labels wiped: a blank system_label_names cell removes the "
    "student's system labels",
    PlanCategory.TAKEN_OVER: "taken over: the row updates the account of another person",
    PlanCategory.SPLIT: "split: username and email changed together, so the importer cannot "
    "match the student and creates a second account",
    PlanCategory.NOT_READ: "not read: rows that could not be split into the header's "
    "columns, so what the import does with them is not known",
}

PLAN_PRIORITY = (
    PlanCategory.SKIPPED,
    PlanCategory.FAILED,
    PlanCategory.TAKEN_OVER,
    PlanCategory.SPLIT,
    PlanCategory.LABELS_WIPED,
    PlanCategory.REJECTED_FIELDS,
    PlanCategory.ARCHIVED,
    PlanCategory.CREATED,
    PlanCategory.UPDATED,
    PlanCategory.UNCHANGED,
    PlanCategory.NOT_READ,
)
"""A row in several categories is in the first of these: the worst thing the import does
with it (a skipped row is neither created nor updated; a row with a refused value is imported
without it). ``not_read`` is what is left: a record intake could not read (ragged) and no
finding says more of."""

IMPORTED = frozenset(
    {
        PlanCategory.UPDATED,
        PlanCategory.ARCHIVED,
        PlanCategory.LABELS_WIPED,
        PlanCategory.REJECTED_FIELDS,
    }
)
"""The categories of known students whose changed values the import writes (the per-column
counts of the plan count these rows)."""


@dataclass(frozen=True)
class SyncPlan:
    """What the import will do with each row: a dry run against the baseline.

    ``categories`` partition the rows read (:attr:`adds_up`): each row is in exactly one
    :class:`PlanCategory`. The matching alone makes a draft (``refined`` False); the pipeline
    refines it with the run's findings once they are all known (``compare.plan.refine``). The
    baseline's students missing from this export (``vanished``) are listed apart: they are
    rows of the baseline, not rows read.
    """

    rows_read: int
    categories: Mapping[PlanCategory, tuple[int, ...]] = field(default_factory=dict, hash=False)
    """The rows of each category (spreadsheet rows of this export, sorted)."""
    vanished: tuple[int, ...] = ()
    """The baseline's rows of students not in this export (they keep their accounts)."""
    changes: Mapping[str, tuple[int, ...]] = field(default_factory=dict, hash=False)
    """Per column, rows of known students whose value differs from the baseline's, as the
    matching sees them (refused and mangled values included). Across a polars upgrade only the
    identities (username, email, auth_identifier, card_id) are compared."""
    updated_by_column: Mapping[str, int] | None = field(default=None, hash=False)
    """Per column, the values the import changes: of rows in :data:`IMPORTED` categories,
    without the values it refuses and those Excel mangled. None when last week's field hashes
    cannot be compared (another polars version)."""
    rejected_by_column: Mapping[str, int] = field(default_factory=dict, hash=False)
    """Per column, the values (cells) the importer refuses in rows it imports."""
    reasons: Mapping[PlanCategory, Mapping[str, tuple[int, ...]]] = field(
        default_factory=dict, hash=False
    )
    """For the categories findings put rows in: per check, its rows there."""
    label_additions: int = 0
    label_removals: int = 0
    left_unchanged: Mapping[str, int] = field(default_factory=dict, hash=False)
    """Per required column: existing students whose blank cell leaves the stored value."""
    username_changed: tuple[int, ...] = ()
    """Rows of students found by their email: their username changed."""
    username_and_email_changed: tuple[int, ...] = ()
    """Rows of students found only by auth_identifier or card_id."""
    refined: bool = False
    """Whether the run's findings were applied (the plan every output shows)."""
    stored_end_dates: Mapping[int, str] = field(default_factory=dict, hash=False)
    """Row -> the end date the importer has stored (yyyy-mm-dd) that the row's blank end date
    leaves in place (a returning alumnus: ``compare.stored_end_before_start``)."""

    def rows(self, category: PlanCategory) -> tuple[int, ...]:
        """The rows of one category (none when it is empty)."""
        return self.categories.get(category, ())

    def count(self, category: PlanCategory) -> int:
        """How many rows are in one category."""
        return len(self.rows(category))

    @property
    def total(self) -> int:
        """The rows of every category together."""
        return sum(len(rows) for rows in self.categories.values())

    @property
    def adds_up(self) -> bool:
        """Whether the categories' totals add up to the rows read."""
        return self.total == self.rows_read

    def partition_problems(self, row_numbers: Iterable[int] | None = None) -> list[str]:
        """What keeps the categories from partitioning the rows read (empty: they do).

        The totals must add up to :attr:`rows_read`, no row may be in two categories, and
        (given ``row_numbers``, the rows read) the categories must hold exactly those rows.
        """
        problems = []
        if not self.adds_up:
            problems.append(f"the categories hold {self.total} row(s), not {self.rows_read}")
        seen: dict[int, PlanCategory] = {}
        for category, rows in self.categories.items():
            for row in rows:
                if row in seen:
                    problems.append(f"row {row} is {seen[row].value} and {category.value}")
                seen[row] = category
        if row_numbers is not None:
            expected = set(row_numbers)
            missing, extra = sorted(expected - set(seen)), sorted(set(seen) - expected)
            if missing:
                problems.append(f"rows read in no category: {missing[:10]}")
            if extra:
                problems.append(f"rows in a category but not read: {extra[:10]}")
        return problems

    def assert_partition(self, row_numbers: Iterable[int] | None = None) -> None:
        """Raise AssertionError (a developer error) when the categories are no partition."""
        problems = self.partition_problems(row_numbers)
        assert not problems, "; ".join(problems[:5])


def listing(rows: Sequence[int], most: int = 10) -> str:
    """``row 8`` or ``rows 8, 4120`` (the first ``most``, then how many more)."""
    shown = ", ".join(str(r) for r in rows[:most])
    more = f" and {len(rows) - most} more" if len(rows) > most else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


@dataclass(frozen=True)
class DuplicateGroup:
    """Rows sharing one value of a column that must be unique (a ``unique`` rule's finding),
    under a label that never shows the value: ``D3``.

    With a baseline, ``keep`` are the rows that are the baseline's student with this value (their
    other identifiers agree with that student's, more than they differ); the others are new or
    changed rows to check.
    """

    label: str
    rule: str
    column: str
    rows: tuple[int, ...]
    keep: tuple[int, ...] = ()
    compared: bool = False
    """Whether a baseline was there to tell which row is its student."""

    @property
    def to_check(self) -> tuple[int, ...]:
        """The rows that are not the baseline's student (all of them without a baseline)."""
        return tuple(r for r in self.rows if r not in self.keep)

    def advice(self, row: int) -> str:
        """What to do about one row of the group, naming the others (never the value)."""
        others = tuple(r for r in self.rows if r != row)
        same = f"duplicate group {self.label}: same {self.column} as {listing(others)}"
        skips = f"the importer skips rows that duplicate another row's {self.column}"
        if not self.compared:
            return (
                f"{same}; {skips}: give each student their own {self.column} in the student "
                "record system"
            )
        if not self.keep:
            return (
                f"{same}; none of them is the baseline's student with this {self.column}: check "
                f"which student it belongs to ({skips})"
            )
        if len(self.keep) == len(self.rows):
            return (
                f"{same}; every row of the group is the baseline's student: the same student "
                "is listed more than once, keep one row"
            )
        if row in self.keep:
            return (
                f"{same}; this row is the baseline's student: keep it, and check "
                f"{listing(self.to_check)} (new or changed)"
            )
        return (
            f"{same}; {listing(self.keep)} is the baseline's student: keep it; this row is new or "
            "changed: check it"
        )

    def summary(self) -> str:
        """The group in one sentence: its rows and which to keep or check."""
        head = f"{self.label} ({self.column}): {listing(self.rows)}"
        if not self.compared:
            return f"{head}; no baseline to tell which is its student"
        if not self.keep:
            return f"{head}; none is the baseline's student: check them"
        if len(self.keep) == len(self.rows):
            return f"{head}; the baseline's student listed more than once: keep one row"
        return (
            f"{head}; {listing(self.keep)} is the baseline's student: keep it; "
            f"{listing(self.to_check)} new or changed: check"
        )


@dataclass(frozen=True)
class Repairable:
    """What ``syncguard fix`` repairs in this export, as the run's dry run of fix found it."""

    cells: int
    """Cells of records it changes (the header row and the file itself not counted)."""
    file_changes: int = 0
    """Changes to the file itself and its header row (encoding, delimiter, BOM, a header)."""
    per_finding: Mapping[tuple[str, str], int] = field(default_factory=dict, hash=False)
    """Per finding (:attr:`Finding.key`), how many of its cells fix repairs."""

    def of(self, finding: Finding) -> int:
        """How many of a finding's cells fix repairs."""
        return self.per_finding.get(finding.key, 0)


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
    duplicates: tuple[DuplicateGroup, ...] = ()
    """Rows sharing a value that must be unique, group by group (labels ``D1``, ``D2``...)."""
    repairable: Repairable | None = None
    """What ``syncguard fix`` would repair in this export (None: nothing, or not asked)."""

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
