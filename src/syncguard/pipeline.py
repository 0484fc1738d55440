"""One check run, one way: intake -> engines -> comparison -> writers -> history -> index.

Everything that touches the history happens inside one session (one connection, a ``with``):
reading last week's snapshot and counts, recording this run, and reading the trend the index is
drawn from. The report folder's layout lives in :class:`ReportLayout`.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import polars as pl

from syncguard.catalogue import CHECK_MODULE, Catalogue, build
from syncguard.compare import memory as remembered
from syncguard.compare.checks import UNAVAILABLE, run_checks
from syncguard.compare.duplicates import duplicate_groups
from syncguard.compare.identity import SamePerson
from syncguard.compare.matching import Matching, match, plan
from syncguard.compare.memory import Memory
from syncguard.compare.plan import refine
from syncguard.compare.snapshot import (
    FIELD,
    FORMAT,
    FORMATS,
    IDENTITIES,
    Snapshot,
    key_id,
    make_snapshot,
)
from syncguard.display import printable
from syncguard.engines import backends
from syncguard.engines.base import Pending, rules_for
from syncguard.engines.common import failing, summarized, summary, with_examples
from syncguard.errors import UnusableExportError
from syncguard.findings import by_harm, explain, merge_columns
from syncguard.history.record import (
    ColumnNames,
    check_counts,
    rule_counts,
    run_record,
    statuses,
)
from syncguard.history.secret import load_or_create
from syncguard.history.store import (
    DamagedMemoryError,
    DamagedRunError,
    History,
    HistoryError,
    StoredSnapshot,
)
from syncguard.importer import EMAIL, LABELS
from syncguard.intake import Export, read_export
from syncguard.intake.checks import EMAIL_DOMAIN, UNUSABLE
from syncguard.intake.domains import infer_domain
from syncguard.intake.headers import HeaderContract
from syncguard.intake.reader import ROW, read_bytes
from syncguard.masking import DataClass, Masker
from syncguard.model import (
    Accounting,
    Baseline,
    BaselineMode,
    Comparison,
    EmailDomains,
    Engine,
    ExportInfo,
    Finding,
    Outcome,
    Repairable,
    RuleCount,
    RunResult,
    Severity,
    Source,
    Status,
    account,
)
from syncguard.output import REQUESTED, WRITERS, RunOutput
from syncguard.output.base import Limits, Requested, write_atomic
from syncguard.output.guard import GENERATOR
from syncguard.output.results_json import FILENAME as RESULTS_NAME
from syncguard.output.results_json import results_json, write_json
from syncguard.output.trend import write_index
from syncguard.repair import REPAIRED_INTAKE, REPAIRED_KINDS, Planned, Vocabulary, dry_run, mends
from syncguard.suite.contract import origin
from syncguard.suite.model import Suite
from syncguard.suite.registry import Scope, kinds

Progress = Callable[[str], None]
RUN_NAME_BYTES = 100
"""Bytes of the export's name kept in a run folder's name."""


def _quiet(_: str) -> None:
    """No progress lines."""


@dataclass(frozen=True)
class ReportLayout:
    """Where a check writes: run folders, the history, its key, and the trend index."""

    base: Path
    history: Path | None
    """The history file; None for ``--no-history``."""

    @classmethod
    def default(cls, base: Path, history: Path | None = None, keep: bool = True) -> ReportLayout:
        """``base/history.sqlite`` unless another history is given; none when ``keep`` is off."""
        return cls(base, (history or base / "history.sqlite") if keep else None)

    @property
    def key(self) -> Path | None:
        """The secret that keys the history's hashes: ``history.sqlite`` -> ``history.key``."""
        return self.history.with_suffix(".key") if self.history is not None else None

    @property
    def index(self) -> Path:
        """The trend page of every run."""
        return self.base / "index.html"

    def run_dir(self, export: Path, started: datetime) -> Path:
        """The folder of one run: ``<UTC time>-<export name>``, the name cut to fit any disk.

        File systems allow 255 bytes per name: a long export name is cut to
        :data:`RUN_NAME_BYTES` bytes and marked with a short hash of the whole name. Only
        letters, digits and ``. _ - +`` are kept; any other character (a space, a line break,
        an escape, a byte that is not UTF-8) becomes ``_``, so a folder name never carries
        what a terminal or a CI log would act on.
        """
        name = "".join(c if c.isalnum() or c in "._-+" else "_" for c in export.stem)
        if len(name.encode()) > RUN_NAME_BYTES:
            digest = hashlib.blake2b(name.encode(), digest_size=4).hexdigest()
            cut = name.encode()[:RUN_NAME_BYTES].decode("utf-8", errors="ignore")
            name = f"{cut}~{digest}"
        return self.base / f"{started.strftime('%Y%m%dT%H%M%S%fZ')}-{name}"


@dataclass(frozen=True)
class Options:
    """How a check runs beyond the export, the catalogue and the layout."""

    previous: Path | None = None
    show_values: bool = False
    json: Path | None = None
    """Also write the results JSON here."""
    baseline: BaselineMode = BaselineMode.LAST_PASSED
    baseline_run: int | None = None
    """The run to compare with when ``baseline`` is ``RUN``."""
    config: Path | None = None
    """The project file the run uses (reported with the result)."""
    progress: Progress = _quiet
    limits: Limits = field(default_factory=Limits)
    """How much each output holds at most (the defaults keep a legitimate export whole)."""
    requested: Mapping[Requested, Path | TextIO] = field(default_factory=dict)
    """The outputs written only when asked (JUnit, Markdown summary, GitHub annotations), each
    with its file or stream (:data:`syncguard.output.REQUESTED`)."""
    fail_on: Severity = Severity.ERROR
    """The least severity that fails the gate (``--fail-on``): the verdict of every output and
    of the history follows it."""


@dataclass(frozen=True)
class Completed:
    """A finished check: its result and what was written where."""

    result: RunResult
    run_dir: Path
    files: tuple[Path, ...]
    index: Path | None = None
    warnings: tuple[str, ...] = field(default=())
    masker: Masker = field(default_factory=Masker)
    """How the run's values were shown (for outputs the caller writes, e.g. JSON on stdout)."""
    latest: Path | None = None
    """``REPORT_DIR/latest.html``, pointing at this run's report (``latest.json`` beside it);
    None when the run was not recorded (``--no-history``)."""
    frame: pl.DataFrame | None = field(default=None, repr=False)
    """The export's usable records, for callers that show values (``syncguard fix``)."""


def contract_of(suite: Suite) -> HeaderContract:
    """The header contract intake enforces for a suite (after its overrides)."""
    return build(suite).contract()


def warm_up(catalogue: Catalogue) -> None:
    """Start the slow, data-free work of every backend that has rules (GE's import)."""
    for backend in backends():
        if rules_for(backend, catalogue.suite.rules):
            backend.warm_up()


def _start(export: Export, catalogue: Catalogue) -> list[tuple[Engine, int, Pending]]:
    """Start every backend that has rules (one in another process begins work at once)."""
    started = []
    for backend in backends():
        rules = rules_for(backend, catalogue.suite.rules)
        if rules:
            pending = backend.start(export.frame, rules, catalogue.suite.name)
            started.append((backend.engine, len(rules), pending))
    return started


def _results(started: list[tuple[Engine, int, Pending]], progress: Progress) -> list[Finding]:
    """The findings of started backends, asked for in order (those here run now)."""
    findings: list[Finding] = []
    for engine, count, pending in started:
        doing = "waiting for the worker process's" if pending.elsewhere else "running"
        progress(f"{doing} {count} {engine.value} rule(s)")
        findings.extend(pending.result())
        if pending.detail:
            progress(f"{engine.value}: {pending.detail}")
    return findings


@contextmanager
def _session(layout: ReportLayout) -> Iterator[tuple[History | None, bytes]]:
    """The history (or None) and the key snapshots are hashed with, for one run."""
    if layout.history is None or layout.key is None:
        yield None, secrets.token_bytes(32)
        return
    with History(layout.history) as history:
        try:
            key = load_or_create(layout.key)
        except OSError as exc:
            raise HistoryError(str(exc)) from None
        yield history, key


@dataclass(frozen=True)
class _Before:
    """What the comparison starts from: a snapshot and where it came from, or why there is none.

    ``unavailable`` is set when a baseline exists but cannot be used (fail closed), or when the
    history's memory of earlier uploads cannot be (the baseline, if any, is still compared).
    """

    snapshot: Snapshot | None = None
    baseline: Baseline | None = None
    note: str | None = None
    unavailable: str | None = None
    memory: Memory | None = None
    """The history's memory of earlier uploads (None: no history, or none yet)."""


def _memory(history: History | None, suite: str, key: bytes) -> tuple[Memory | None, str | None]:
    """The history's memory of the suite's uploads, or why it cannot be used (fail closed)."""
    if history is None:
        return None, None
    try:
        stored = history.memory(suite)
    except DamagedMemoryError as exc:
        return None, exc.why
    if stored is None:
        return None, None
    if stored.key_id != key_id(key):
        why = (
            "the history's memory of earlier uploads was made with another secret: "
            f"{history.path.with_suffix('.key')} is missing or was replaced"
        )
        return None, why
    if stored.format != remembered.FORMAT:
        return None, f"the history's memory is of format {stored.format}, made by a newer syncguard"
    try:
        frame = remembered.from_bytes(stored.data)
    except ValueError as exc:
        return None, f"the history's memory of earlier uploads cannot be read ({exc})"
    dates = {r.id: r.as_of or r.started_at[:10] for r in history.runs(suite)}
    return Memory(frame, dates), None


def _before(options: Options, catalogue: Catalogue, history: History | None, key: bytes) -> _Before:
    """The baseline (``--previous``, or a run of the history chosen by ``--baseline``), and
    the history's memory of earlier uploads; either one that cannot be used fails closed."""
    before = _baseline(options, catalogue, history, key)
    memory, why = _memory(history, catalogue.suite.name, key)
    if why is not None and before.unavailable is None:  # compared with the baseline all the same
        return replace(before, unavailable=why)
    return replace(before, memory=memory)


def _baseline(
    options: Options, catalogue: Catalogue, history: History | None, key: bytes
) -> _Before:
    """The baseline: ``--previous``, or a run of the history chosen by ``--baseline``."""
    if options.previous is not None:
        options.progress(f"reading the previous export {options.previous}")
        try:
            before = read_export(options.previous, catalogue.contract())
        except UnusableExportError as exc:
            raise UnusableExportError(
                options.previous, f"(the previous export) {exc.problem}", exc.fix, exc.row
            ) from None
        baseline = Baseline(BaselineMode.FILE, before.rows_read, path=str(options.previous))
        snapshot = make_snapshot(before.frame, key, catalogue.suite.known_headers)
        return _Before(snapshot, baseline)
    if history is None:
        return _Before()
    suite = catalogue.suite.name
    wanted = options.baseline_run if options.baseline is BaselineMode.RUN else None
    try:
        found = history.baseline(
            suite, last_passed=options.baseline is BaselineMode.LAST_PASSED, run_id=wanted
        )
    except DamagedRunError as exc:
        return _Before(unavailable=exc.why)  # fail closed: the baseline is there, but damaged
    if found is None:
        if wanted is not None:
            raise HistoryError(_not_a_baseline(history, wanted, suite))
        damaged = history.damaged_runs(suite)
        if damaged:  # it may have been the baseline: fail closed
            why = f"{damaged[0][1]} is damaged and may have been the baseline"
            return _Before(unavailable=why)
        return _Before(note=_no_baseline(history, suite, options.baseline))
    run, stored = found
    baseline = Baseline(
        options.baseline,
        stored.rows,
        run.id,
        run.started_at,
        run.export_name,
        run.outcome,
        run.accepted,
    )
    if stored.key_id != key_id(key):
        why = (
            f"its snapshot was made with another secret: {history.path.with_suffix('.key')} "
            "is missing or was replaced"
        )
        return _Before(baseline=baseline, unavailable=why)
    if stored.format not in FORMATS:
        why = f"its snapshot is of format {stored.format}, made by a newer syncguard"
        return _Before(baseline=baseline, unavailable=why)
    try:
        snapshot = Snapshot.from_bytes(
            stored.data, stored.key_id, stored.polars_version, stored.format
        )
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        why = f"the snapshot of run #{run.id} cannot be read ({type(exc).__name__})"
        return _Before(baseline=baseline, unavailable=why)
    if snapshot.frame.height != stored.rows:
        why = (
            f"the snapshot of run #{run.id} cannot be read (it holds {snapshot.frame.height} "
            f"row(s), its record says {stored.rows})"
        )
        return _Before(baseline=baseline, unavailable=why)
    return _Before(snapshot, baseline)


def _not_a_baseline(history: History, run_id: int, suite: str) -> str:
    """Why ``--baseline RUN`` cannot be compared with (a sentence naming the history)."""
    run = history.run(run_id)
    if run is None:
        return f"{history.path}: there is no run #{run_id}; see 'syncguard history'"
    if run.suite != suite:
        return (
            f"{history.path}: run #{run_id} is a run of suite {run.suite}, not {suite}, so it "
            f"cannot be the baseline; choose a run of {suite} (see 'syncguard history')"
        )
    if run.partial:
        return (
            f"{history.path}: run #{run_id} ran only some rules (--only), so it is never a "
            "baseline; choose a run that checked everything (see 'syncguard history')"
        )
    why = "its export could not be read" if run.outcome is Outcome.UNUSABLE else "too old"
    return (
        f"{history.path}: run #{run_id} has no snapshot to compare with ({why}); choose a newer "
        "run (see 'syncguard history')"
    )


def _no_baseline(history: History, suite: str, mode: BaselineMode) -> str:
    """Why a history gives no baseline: empty, a renamed suite, runs without a snapshot."""
    taken = mode is BaselineMode.LAST_PASSED
    runs = history.runs(suite, whole=True)
    nearest = next((r for r in runs if r.is_baseline or not taken), None)
    previous = "pass last week's export with --previous to compare with it"
    if nearest is not None:
        unusable = nearest.outcome is Outcome.UNUSABLE
        state = "was accepted" if nearest.accepted else nearest.outcome.value
        state = "was unusable" if unusable else state
        why = (
            "its export could not be read"
            if unusable
            else "recorded by an older syncguard, or the snapshot was removed from the history"
        )
        return (
            f"no baseline: run #{nearest.id} {state} but has no snapshot ({why}), so nothing "
            f"was compared; {previous}"
        )
    if runs:
        return (
            f"no baseline: none of the {len(runs)} run(s) of suite {suite} in the history passed "
            "or was accepted, so nothing was compared; if one was uploaded anyway, 'syncguard "
            "accept RUN' makes it the baseline"
        )
    others = [name for name in history.suites() if name != suite]
    if others:
        names = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        return (
            f"no baseline: the history's runs are of suite {names}, not {suite} (renamed?), so "
            f"nothing was compared; keep the suite's name, or {previous}"
        )
    return "no earlier run of this suite in the history, so nothing to compare with yet"


def _compare(
    before: _Before, current: Snapshot, catalogue: Catalogue, frame: pl.DataFrame, key: bytes
) -> tuple[Comparison, Matching, list[Finding]]:
    assert before.snapshot is not None and before.baseline is not None
    if before.snapshot.format != current.format:  # last week's was keyed the old way: once more
        current = make_snapshot(frame, key, catalogue.suite.known_headers, before.snapshot.format)
    settings = catalogue.suite.settings
    memory = before.memory if current.format == FORMAT else None  # digests of one kind
    matching = match(before.snapshot, current, SamePerson.of(settings), memory)
    found = run_checks(matching, settings, catalogue.of(Source.COMPARE))
    the_plan = plan(matching)
    note = None
    if the_plan.updated_by_column is None:
        note = (
            "last week's snapshot was made with another polars version, so changes per field "
            "are not counted this week (students are still matched)"
        )
    comparison = Comparison(before.baseline, the_plan, note)
    return comparison, matching, [with_examples(f, frame) for f in found]


def _by_scope(
    findings: list[Finding],
    catalogue: Catalogue,
    frame: pl.DataFrame,
    matching: Matching | None,
) -> tuple[list[Finding], dict[str, int]]:
    """Keep, of each rule's failing rows, those of the students its kind's scope judges.

    A rule of :attr:`Scope.NEW_STUDENTS` keeps the rows of students not in the baseline; one
    of :attr:`Scope.STORED_VALUES` the rows of students whose baseline cell held a value.
    Without a baseline (or, for stored values, one without the rule's column) every row is
    kept.

    Returns the findings and, per column, how many existing students' blank cells leave their
    stored value unchanged (for the sync plan).
    """
    registry = kinds()
    rules = {r.id: r for r in catalogue.suite.rules}
    out: list[Finding] = []
    unchanged: dict[str, int] = {}
    existing = _existing_rows(matching) if matching is not None else None
    for f in findings:
        rule = rules.get(f.rule)
        scope = registry[rule.kind].scope(rule) if rule is not None else Scope.EVERY_ROW
        rows = pl.Series(f.rows, dtype=pl.Int64)
        if rule is None or scope is Scope.EVERY_ROW or existing is None:
            out.append(f)
            continue
        if scope is Scope.NEW_STUDENTS:
            judged = rows.filter(~rows.is_in(existing.implode())).to_list()
            kept = len(f.rows) - len(judged)
            if kept:
                column = ",".join(f.columns)
                unchanged[column] = unchanged.get(column, 0) + kept
        else:
            stored = _stored_rows(matching, f.columns) if matching is not None else None
            if stored is None:  # the baseline does not hold the column: judge every row
                out.append(f)
                continue
            judged = rows.filter(rows.is_in(stored.implode())).to_list()
        refined = failing(rule, f.engine, frame, judged, f.columns) if judged else None
        if refined is not None:
            out.append(refined)
    return out, unchanged


def _stored_rows(matching: Matching, columns: tuple[str, ...]) -> pl.Series | None:
    """This export's rows of baseline students whose cell in ``columns`` held a value.

    None when last week's snapshot does not say whether it was blank (the column was not in
    that export).
    """
    if len(columns) != 1:
        return None
    column = columns[0]
    if column == LABELS:
        blank = pl.col("labels_blank")
    elif column in IDENTITIES:
        blank = pl.col(f"{IDENTITIES[column]}_h").is_null()
    else:
        blank = pl.col(f"{FIELD}{column}:blank")
    before = matching.previous.frame
    if not set(blank.meta.root_names()) <= set(before.columns):
        return None
    held = before.filter(~blank.fill_null(True)).select(pl.col("row").alias("row_prev"))
    pairs = pl.concat(
        [f.select("row", "row_prev") for f in (matching.matched, matching.by_email)]
        + [matching.by_other.select("row", "row_prev")]
    )
    return pairs.join(held, on="row_prev", how="semi").get_column("row").cast(pl.Int64)


def run(path: Path, catalogue: Catalogue, layout: ReportLayout, options: Options) -> Completed:
    """Check one export: validate, compare, write every output, record, draw the index.

    An unusable export is a run too: it gets its outputs and its place in the history, and
    the result's outcome says so (the caller exits 2).

    Raises:
        UnusableExportError: the previous export given with ``--previous`` is unusable.
        HistoryError: the history file cannot be opened or its key read.
        OSError: an output cannot be written.
    """
    started = datetime.now(UTC)
    clock = time.perf_counter()
    warm_up(catalogue)
    with _session(layout) as (history, key):
        options.progress(f"reading {path}")
        try:
            export = read_export(path, catalogue.contract())
        except UnusableExportError as exc:
            result = _unusable(path, catalogue, started, exc, options)
            frame = pl.DataFrame({ROW: pl.Series([], dtype=pl.UInt32)})
            names = ColumnNames(catalogue.suite.known_headers, key)
            return _finish(
                result, frame, None, history, layout, options, started, names, catalogue.masking
            )
        result, current = _validate_and_compare(export, catalogue, history, key, options, started)
        repairs = _dry_run(path, export, result, catalogue, options.progress)
        result = replace(
            result,
            duration_s=round(time.perf_counter() - clock, 3),
            repairable=repairable(repairs, result.findings, export.frame, catalogue.suite),
        )
        names = ColumnNames(catalogue.suite.known_headers, key)
        return _finish(
            result,
            export.frame,
            current,
            history,
            layout,
            options,
            started,
            names,
            catalogue.masking,
            repairs,
        )


def _dry_run(
    path: Path, export: Export, result: RunResult, catalogue: Catalogue, progress: Progress
) -> Planned | None:
    """What ``syncguard fix`` would change in the export: fix's own code, run dry on the file.

    Only when a run of every check found a problem of a kind fix repairs
    (:data:`REPAIRED_KINDS`, :data:`REPAIRED_INTAKE`): a clean export costs nothing. The file
    is read again (no copy is kept while validating) and must be the one checked. None when
    fix would refuse it.
    """
    if result.gate.partial:  # --only: the rules fix reads its columns from did not all load
        return None
    kinds = {r.id: r.kind for r in catalogue.suite.rules}
    if not any(
        kinds.get(f.rule) in REPAIRED_KINDS or f.rule in REPAIRED_INTAKE for f in result.findings
    ):
        return None
    progress("finding what 'syncguard fix' would repair")
    try:
        data = read_bytes(path)
    except UnusableExportError:
        return None
    if hashlib.sha256(data).hexdigest() != export.info.sha256:
        return None  # replaced while it was checked: say nothing of another file
    enabled = [c.id for c in catalogue.checks if c.source is Source.REPAIR]
    try:
        return dry_run(data, Vocabulary.of(catalogue.suite, enabled))
    except ValueError:  # fix refuses the file: it repairs nothing
        return None


def repairable(
    repairs: Planned | None, findings: Sequence[Finding], frame: pl.DataFrame, suite: Suite
) -> Repairable | None:
    """What fix's dry run repairs, as every output says it: the cells of records it changes (the
    lines of its change log below the header), its changes to the file and its header row, and
    per finding how many of its cells it repairs: of findings of the checks a repair mends
    (:func:`~syncguard.repair.mends`), not of those whose cell fix only tidies (trimming an
    email leaves it a duplicate).

    The dry run names a cell by its column's place in the header row, as the frame's columns
    are. None when fix repairs nothing (or was not run).
    """
    if repairs is None:
        return None
    names = [c for c in frame.columns if c != ROW]
    cells = {(row, names[i]) for row, i in repairs.cells if i < len(names)}
    kinds = {r.id: r.kind for r in suite.rules}
    per_finding: dict[tuple[str, str], int] = {}
    for f in findings:
        if not mends(f.rule, kinds.get(f.rule)):
            continue
        n = sum(1 for column, rows in f.pieces for r in rows if (r, column) in cells)
        if n:
            per_finding[f.key] = n
    changed = sum(1 for c in repairs.changes if c.row > 1)  # a line of fix's change log each
    file_changes = len(repairs.changes) - changed
    if not changed and not file_changes:
        return None
    return Repairable(changed, file_changes, per_finding)


def _email_domains(
    export: Export, catalogue: Catalogue
) -> tuple[Catalogue, EmailDomains | None, list[Finding]]:
    """The institution's domains: configured, or inferred from the export when clear.

    Email rules left without domains get the inferred registrable domain; when none can be
    inferred, the ``intake.email_domain`` finding says to configure it (and only the form of
    the addresses is checked).
    """
    open_rules = [
        r
        for r in catalogue.suite.rules
        if r.kind == "email" and not r.params.get("domains") and r.column in export.frame.columns
    ]
    configured = tuple(str(d) for d in catalogue.suite.settings.get("email_domains") or ())
    if not open_rules:
        return catalogue, EmailDomains(configured, False) if configured else None, []
    column = EMAIL if EMAIL in export.frame.columns else open_rules[0].column
    inference = infer_domain(export.frame.get_column(column))
    if inference.domain is None:
        entry = catalogue.get(EMAIL_DOMAIN.id)
        found = [entry.finding(reason=inference.reason)] if entry is not None else []
        return catalogue, EmailDomains((), True, inference.reason), found
    filled = {
        r.id: replace(r, params={**r.params, "domains": [inference.domain]}) for r in open_rules
    }
    rules = tuple(filled.get(r.id, r) for r in catalogue.suite.rules)
    tuned = replace(catalogue, suite=replace(catalogue.suite, rules=rules))
    return tuned, EmailDomains((inference.domain,), True, inference.reason), []


def _validate_and_compare(
    export: Export,
    catalogue: Catalogue,
    history: History | None,
    key: bytes,
    options: Options,
    started: datetime,
) -> tuple[RunResult, Snapshot | None]:
    options.progress(f"read {export.rows_read} row(s)")
    catalogue, domains, domain_findings = _email_domains(export, catalogue)
    modules = [
        CHECK_MODULE.finding(
            failure=str(f), skipped=", ".join(catalogue.suite.skipped_rules) or "none"
        )
        for f in catalogue.suite.check_failures
    ]
    running = _start(export, catalogue)
    here = [r for r in running if not r[2].elsewhere]
    findings = [*export.findings, *modules, *domain_findings, *_results(here, options.progress)]
    checks = [c for c in catalogue.checks if c.source is not Source.COMPARE]
    comparison, notes, current = None, [], None
    matching: Matching | None = None
    if history is not None or options.previous is not None:
        # while another process validates: the snapshot and the comparison
        options.progress("comparing with the baseline")
        current = make_snapshot(export.frame, key, catalogue.suite.known_headers)
        before = _before(options, catalogue, history, key)
        checks += catalogue.of(Source.COMPARE).values()
        if before.snapshot is not None:
            comparison, matching, found = _compare(before, current, catalogue, export.frame, key)
            findings.extend(found)
        if before.unavailable is not None:
            entry = catalogue.get(UNAVAILABLE.id)
            if entry is not None:
                findings.append(entry.finding(path=export.info.path, why=before.unavailable))
        if before.note:
            notes.append(before.note)
    findings += _results([r for r in running if r[2].elsewhere], options.progress)
    findings, unchanged = _by_scope(findings, catalogue, export.frame, matching)
    if comparison is not None:
        comparison = replace(comparison, plan=replace(comparison.plan, left_unchanged=unchanged))
        if comparison.note:
            notes.append(comparison.note)
    findings = catalogue.tune(findings)
    descriptions = {r.id: r.description for r in catalogue.suite.rules}
    # one cause, one finding: cells are explained before a check's columns are merged
    explained = explain(
        findings, catalogue.explanations, lambda c, rows: summary(export.frame, c, rows)
    )
    merged = merge_columns(explained, descriptions, export.rows_read)
    # a finding merged from several columns, or with rows taken away, is counted again (its
    # summary's counts are of its own rows)
    same = {id(f) for f in findings}  # `findings` holds them: no id is reused meanwhile
    findings = [f if id(f) in same else summarized(f, export.frame) for f in merged]
    rules = {r.id: r for r in catalogue.suite.rules}
    duplicates = duplicate_groups(findings, rules, export.frame, matching)
    if comparison is not None:  # every finding is known now: what the import will do
        checks_by_id = {c.id: c for c in catalogue.checks}
        refined = refine(
            comparison.plan, findings, checks_by_id, catalogue.suite.settings, export.row_numbers
        )
        comparison = replace(comparison, plan=refined)
    ordered = by_harm(findings)
    gate = catalogue.gate(options.fail_on)
    status, resolved = _status(ordered, history, catalogue, key)
    result = RunResult(
        suite=catalogue.suite.name,
        suite_version=catalogue.suite.version,
        export=export.info,
        outcome=gate.outcome(findings),
        findings=ordered,
        accounting=account(export.row_numbers, findings),
        started_at=started.isoformat(timespec="seconds"),
        notes=tuple(notes),
        comparison=comparison,
        status=status,
        resolved=resolved,
        checks=tuple(checks),
        as_of=str(catalogue.suite.settings.get("today") or "") or None,
        email_domains=domains,
        rule_files=tuple(str(p) for p in catalogue.suite.sources),
        config=str(options.config) if options.config else None,
        settings=_plain_settings(catalogue.suite.settings),
        contract=origin(catalogue.suite),
        gate=gate,
        duplicates=duplicates,
    )
    return result, current


def _existing_rows(matching: Matching) -> pl.Series:
    """This export's rows of students the importer knows: the baseline's (by username, email or
    other id), those who came back (the memory's), and known accounts a row takes over (a blank
    there leaves the stored value too; the takeover is the finding)."""
    frames = (matching.matched, matching.by_email, matching.by_other, matching.taken_over)
    rows = [f.get_column("row").cast(pl.Int64) for f in frames]
    if matching.returning.height:
        rows.append(matching.returning.get_column("row").cast(pl.Int64))
    return pl.concat(rows).unique()


def _status(
    findings: tuple[Finding, ...], history: History | None, catalogue: Catalogue, key: bytes
) -> tuple[Mapping[tuple[str, str], Status], tuple[RuleCount, ...]]:
    """Each finding new or persisting since the last run of every check (a partial run is
    skipped: what it did not run is not gone); resolved: that run's problems gone now, never
    those of a check this run did not run (``--only``, switched off)."""
    before = None
    if history is not None:
        last = history.runs(catalogue.suite.name, limit=1, whole=True)
        before = history.counts(last[0].id) if last else None
    not_run = {c.id for c in catalogue.not_run} | {c.id for c, _ in catalogue.disabled}
    names = ColumnNames(catalogue.suite.known_headers, key)
    return statuses(findings, before, names, not_run)


def _unusable(
    path: Path, catalogue: Catalogue, started: datetime, exc: UnusableExportError, options: Options
) -> RunResult:
    """The result of an export that cannot be read at all: one finding, nothing validated."""
    size, digest = 0, ""
    try:
        data = path.read_bytes() if path.is_file() else b""
        size, digest = len(data), hashlib.sha256(data).hexdigest()
    except OSError:
        pass
    finding = Finding(
        rule=UNUSABLE.id,
        severity=Severity.ERROR,
        engine=Engine.INTAKE,
        message=str(exc),
        rows=(exc.row,) if exc.row is not None else (),
        failed_rows=0,
    )
    return RunResult(
        suite=catalogue.suite.name,
        suite_version=catalogue.suite.version,
        export=ExportInfo(printable(path), digest, 0, size, "", ""),
        outcome=Outcome.UNUSABLE,
        findings=(finding,),
        accounting=Accounting(0, 0, 0),
        started_at=started.isoformat(timespec="seconds"),
        checks=(UNUSABLE,),
        as_of=str(catalogue.suite.settings.get("today") or "") or None,
        rule_files=tuple(str(p) for p in catalogue.suite.sources),
        contract=origin(catalogue.suite),
        gate=catalogue.gate(options.fail_on),
    )


def _finish(
    result: RunResult,
    frame: pl.DataFrame,
    current: Snapshot | None,
    history: History | None,
    layout: ReportLayout,
    options: Options,
    started: datetime,
    names: ColumnNames,
    masking: Mapping[str, DataClass],
    repairs: Planned | None = None,
) -> Completed:
    """Writers, then the history, then the index: in this order, in the open session."""
    folder = layout.run_dir(Path(result.export.path), started)
    domains = result.email_domains.domains if result.email_domains is not None else ()
    masker = Masker(options.show_values, domains, masking)
    output = RunOutput(result, frame, masker, options.limits, repairs)
    options.progress(f"writing {folder}")
    files = [write(output, folder) for write in WRITERS]
    if options.json is not None:
        write_json(options.json, results_json(result, masker, options.limits), options.show_values)
        files.append(options.json)
    for requested, target in options.requested.items():  # JUnit, Markdown, GitHub: if asked
        REQUESTED[requested](output, target)
    if history is None:  # not recorded: latest.* and the index stay with the recorded runs
        return Completed(result, folder, tuple(files), masker=masker, frame=frame)
    report = next((f for f in files if f.suffix == ".html"), None)
    stored = None
    partial = result.gate.partial
    if current is not None and not partial:  # a partial run is never a baseline
        data = current.to_bytes()
        stored = StoredSnapshot(
            0, current.key_id, current.polars_version, current.frame.height, data, current.format
        )
    baseline = result.comparison.baseline.run if result.comparison is not None else None
    try:
        history.record(
            replace(
                run_record(result, report.resolve() if report else None),
                as_of=result.as_of,
                baseline=baseline,
            ),
            rule_counts(result.findings, names),
            stored,
            result.suite,
            # the importer takes a run that passed every check: it joins the memory
            remember=stored is not None and result.outcome is Outcome.PASSED,
            checks=check_counts(result.findings),
        )
    except (HistoryError, OSError, sqlite3.Error) as exc:
        problem = f"this run was not recorded in the history: {exc}"
        return Completed(result, folder, tuple(files), None, (problem,), masker, None, frame)
    # latest.* point at the newest run of every check: a partial run leaves them as they are
    latest = None if partial else _point_latest(layout, folder, result, masker)
    try:
        write_index(history.trend(), layout.index)
    except (OSError, sqlite3.Error) as exc:
        problem = f"{layout.index}: the run was recorded but the index was not redrawn ({exc})"
        return Completed(result, folder, tuple(files), None, (problem,), masker, latest, frame)
    return Completed(
        result, folder, tuple(files), layout.index, masker=masker, latest=latest, frame=frame
    )


LATEST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
{generator}
<meta http-equiv="refresh" content="0; url={url}">
<title>syncguard: the latest run</title></head>
<body><p>The latest run: <a href="{url}">{name}</a> ({outcome}).</p></body></html>
"""


def _point_latest(
    layout: ReportLayout, folder: Path, result: RunResult, masker: Masker
) -> Path | None:
    """Write ``latest.html`` (a link to the newest report) and ``latest.json`` (its results).

    Only a recorded run of every check moves them (not ``--no-history``, not ``--only``;
    ``fix``'s check of FIXED.csv is such a run, so it does). Schedulers and bookmarks open one
    fixed path; both are written whole or not at all, and a failure here never fails the run.
    """
    from html import escape
    from urllib.parse import quote

    page = layout.base / "latest.html"
    url = quote(f"{folder.name}/report.html")
    text = LATEST_PAGE.format(
        url=escape(url),
        name=escape(folder.name),
        outcome=escape(result.outcome.value),
        generator=GENERATOR,
    )
    private = masker.show_values
    try:
        write_atomic(page, text, private)
        written = folder / RESULTS_NAME  # the run's own results, copied rather than redone
        if written.is_file():
            write_atomic(layout.base / "latest.json", written.read_bytes(), private)
        else:
            write_json(layout.base / "latest.json", results_json(result, masker), private)
    except OSError:
        return None
    return page


def _plain_settings(settings: Mapping[str, object]) -> dict[str, object]:
    """The settings as JSON can hold them (lists as lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}
