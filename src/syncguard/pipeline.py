"""One check run, one way: intake -> engines -> comparison -> writers -> history -> index.

Everything that touches the history happens inside one session (one connection, a ``with``):
reading last week's snapshot and counts, recording this run, and reading the trend the index is
drawn from. The report folder's layout lives in :class:`ReportLayout`.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from syncguard.catalogue import Catalogue, build
from syncguard.compare.checks import run_checks
from syncguard.compare.matching import match, plan
from syncguard.compare.snapshot import Snapshot, key_id, make_snapshot
from syncguard.engines import backends
from syncguard.engines.base import rules_for
from syncguard.engines.common import with_examples
from syncguard.errors import UnusableExportError
from syncguard.history.record import rule_counts, run_record, statuses
from syncguard.history.secret import load_or_create
from syncguard.history.store import History, HistoryError, StoredSnapshot
from syncguard.intake import Export, read_export
from syncguard.intake.headers import HeaderContract
from syncguard.model import Comparison, Finding, RunResult, Source, account, order, outcome_of
from syncguard.output import WRITERS, RunOutput
from syncguard.output.results_json import results_json, write_json
from syncguard.output.trend import write_index
from syncguard.suite.model import Suite

Progress = Callable[[str], None]


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
        """The folder of one run: ``<UTC time>-<export name>``."""
        return self.base / f"{started.strftime('%Y%m%dT%H%M%S%fZ')}-{export.stem}"


@dataclass(frozen=True)
class Options:
    """How a check runs beyond the export, the catalogue and the layout."""

    previous: Path | None = None
    show_values: bool = False
    json: Path | None = None
    """Also write the results JSON here."""
    progress: Progress = _quiet


@dataclass(frozen=True)
class Completed:
    """A finished check: its result and what was written where."""

    result: RunResult
    run_dir: Path
    files: tuple[Path, ...]
    index: Path | None = None
    warnings: tuple[str, ...] = field(default=())


def contract_of(suite: Suite) -> HeaderContract:
    """The header contract intake enforces for a suite (after its overrides)."""
    return build(suite).contract()


def warm_up(catalogue: Catalogue) -> None:
    """Start the slow, data-free work of every backend that has rules (GE's import)."""
    for backend in backends():
        if rules_for(backend, catalogue.suite.rules):
            backend.warm_up()


def _validate(export: Export, catalogue: Catalogue, progress: Progress) -> list[Finding]:
    findings: list[Finding] = []
    for backend in backends():
        rules = rules_for(backend, catalogue.suite.rules)
        if rules:
            progress(f"running {len(rules)} {backend.engine.value} rule(s)")
            findings.extend(backend.run(export.frame, rules, catalogue.suite.name))
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


def _previous(
    options: Options, catalogue: Catalogue, history: History | None, key: bytes
) -> tuple[Snapshot | None, str | None, str]:
    """Last week's snapshot from ``--previous`` or the history; else why there is none."""
    if options.previous is not None:
        options.progress(f"reading the previous export {options.previous}")
        try:
            before = read_export(options.previous, catalogue.contract())
        except UnusableExportError as exc:
            raise UnusableExportError(
                options.previous, f"(the previous export) {exc.problem}", exc.fix, exc.row
            ) from None
        return make_snapshot(before.frame, key), None, str(options.previous)
    if history is None:
        return None, None, ""
    stored = history.latest_snapshot(catalogue.suite.name)
    if stored is None:
        return None, "no earlier run of this suite in the history, so nothing to compare", ""
    if stored.key_id != key_id(key):
        why = (
            "the history's last snapshot was made with another secret (the .key file beside the "
            "history changed), so it cannot be compared"
        )
        return None, why, ""
    source = "the history's last run"
    return Snapshot.from_bytes(stored.data, stored.key_id, stored.polars_version), None, source


def _compare(
    previous: Snapshot, current: Snapshot, source: str, catalogue: Catalogue, frame: pl.DataFrame
) -> tuple[Comparison, list[Finding]]:
    matching = match(previous, current)
    found = run_checks(matching, catalogue.suite.settings, catalogue.of(Source.COMPARE))
    the_plan = plan(matching)
    note = None
    if the_plan.changed_by_field is None:
        note = (
            "last week's snapshot was made with another polars version, so changes per field "
            "are not counted this week (students are still matched)"
        )
    comparison = Comparison(source, previous.frame.height, the_plan, note)
    return comparison, [with_examples(f, frame) for f in found]


def run(path: Path, catalogue: Catalogue, layout: ReportLayout, options: Options) -> Completed:
    """Check one export: validate, compare, write every output, record, draw the index.

    Raises:
        UnusableExportError: the export (or the previous one) cannot be validated at all.
        HistoryError: the history file cannot be opened or its key read.
        OSError: an output cannot be written.
    """
    started = datetime.now(UTC)
    clock = time.perf_counter()
    warm_up(catalogue)
    with _session(layout) as (history, key):
        options.progress(f"reading {path}")
        export = read_export(path, catalogue.contract())
        options.progress(f"read {export.rows_read} row(s)")
        findings = [*export.findings, *_validate(export, catalogue, options.progress)]
        checks = [c for c in catalogue.checks if c.source is not Source.COMPARE]
        comparison, notes = None, []
        if history is not None or options.previous is not None:
            current = make_snapshot(export.frame, key)
            previous, why, source = _previous(options, catalogue, history, key)
            if previous is not None:
                comparison, found = _compare(previous, current, source, catalogue, export.frame)
                findings.extend(found)
                checks += catalogue.of(Source.COMPARE).values()
            if why:
                notes.append(why)
        else:
            current = None
        findings = catalogue.tune(findings)
        ordered = order(findings)
        before = None
        if history is not None:
            last = history.runs(catalogue.suite.name, limit=1)
            before = history.counts(last[0].id) if last else None
        status, resolved = statuses(ordered, before)
        if comparison is not None and comparison.note:
            notes.append(comparison.note)
        result = RunResult(
            suite=catalogue.suite.name,
            suite_version=catalogue.suite.version,
            export=export.info,
            outcome=outcome_of(findings),
            findings=ordered,
            accounting=account(export.row_numbers, findings),
            started_at=started.isoformat(timespec="seconds"),
            duration_s=round(time.perf_counter() - clock, 3),
            notes=tuple(notes),
            comparison=comparison,
            status=status,
            resolved=resolved,
            checks=tuple(checks),
        )
        folder = layout.run_dir(path, started)
        output = RunOutput(result, export.frame, options.show_values)
        options.progress(f"writing {folder}")
        files = [write(output, folder) for write in WRITERS]
        if options.json is not None:
            write_json(options.json, results_json(result, options.show_values))
            files.append(options.json)
        if history is None:
            return Completed(result, folder, tuple(files))
        report = next((f for f in files if f.suffix == ".html"), None)
        stored = None
        if current is not None:
            data = current.to_bytes()
            stored = StoredSnapshot(
                0, current.key_id, current.polars_version, current.frame.height, data
            )
        try:
            history.record(
                run_record(result, report.resolve() if report else None),
                rule_counts(result.findings),
                stored,
                result.suite,
            )
        except (HistoryError, OSError, sqlite3.Error) as exc:
            problem = f"{layout.history}: this run was not recorded ({exc})"
            return Completed(result, folder, tuple(files), None, (problem,))
        try:
            write_index(history.trend(), layout.index)
        except (OSError, sqlite3.Error) as exc:
            problem = f"{layout.index}: the run was recorded but the index was not redrawn ({exc})"
            return Completed(result, folder, tuple(files), None, (problem,))
        return Completed(result, folder, tuple(files), layout.index)
