"""One check run: intake, Pandera, Great Expectations, the weekly comparison, the history."""

from __future__ import annotations

import importlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from syncguard.compare.changes import Comparison, compare
from syncguard.compare.snapshot import Snapshot, make_snapshot
from syncguard.engines.common import with_examples
from syncguard.errors import UnusableExportError
from syncguard.history.record import rule_counts, run_record, statuses
from syncguard.history.secret import key_id, key_path, load_or_create
from syncguard.history.store import History, HistoryError, StoredSnapshot
from syncguard.intake import Export, read_export
from syncguard.intake.headers import HeaderContract
from syncguard.model import Finding, RuleInfo, RunResult, Severity, account, outcome_of
from syncguard.suite.model import Suite

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    """How a check runs beyond the export and the suite."""

    previous: Path | None = None
    history: Path | None = None
    progress: Progress = lambda _: None


def contract_of(suite: Suite) -> HeaderContract:
    """The header contract intake enforces, from the suite's headers and required_header rules."""
    required = suite.rules_of("required_header")
    return HeaderContract(
        known=suite.known_headers,
        required=tuple(r.column for r in required),
    )


_gx_import: threading.Thread | None = None


def preload_gx() -> threading.Thread:
    """Start importing Great Expectations in the background (it takes seconds), once.

    ``check`` starts it before reading the export; the command line starts it even earlier,
    before the rules are loaded, so the import overlaps all the work that does not need it.
    """
    global _gx_import
    if _gx_import is None:
        _gx_import = threading.Thread(
            target=importlib.import_module,
            args=("great_expectations",),
            daemon=True,
            name="gx-import",
        )
        _gx_import.start()
    return _gx_import


def _order(findings: list[Finding]) -> tuple[Finding, ...]:
    rank = {Severity.ERROR: 0, Severity.WARNING: 1}
    return tuple(sorted(findings, key=lambda f: (rank[f.severity], -f.failed_count, f.rule)))


def _validate(export: Export, suite: Suite, progress: Progress) -> list[Finding]:
    from syncguard.engines.gx_engine import gx_rules

    loader = preload_gx() if gx_rules(suite) else None
    progress(f"read {export.rows_read} row(s); running Pandera rules")
    from syncguard.engines.pandera_engine import run_pandera

    findings = run_pandera(export.frame, suite)
    if loader is not None:
        progress("running Great Expectations rules")
        loader.join()
        from syncguard.engines.gx_engine import run_gx

        findings.extend(run_gx(export.frame, suite))
    return findings


def _previous(
    options: Options, suite: Suite, history: History | None, key: bytes
) -> Snapshot | str | None:
    """Last week's snapshot: from ``--previous``, else the history; or why there is none."""
    if options.previous is not None:
        options.progress(f"reading the previous export {options.previous}")
        try:
            before = read_export(options.previous, contract_of(suite))
        except UnusableExportError as exc:
            raise UnusableExportError(
                options.previous, f"(the previous export) {exc.problem}", exc.fix, exc.row
            ) from None
        return make_snapshot(before.frame, key)
    if history is None:
        return None
    stored = history.latest_snapshot(suite.name)
    if stored is None:
        return "no earlier run of this suite in the history, so nothing to compare with yet"
    if stored.key_id != key_id(key):
        return (
            "the history's last snapshot was made with another secret (the .key file beside the "
            "history changed), so it cannot be compared"
        )
    return Snapshot.from_bytes(stored.data, stored.key_id, stored.polars_version)


def _rule_infos(suite: Suite) -> tuple[RuleInfo, ...]:
    from syncguard.suite.registry import kinds

    registry = kinds()
    return tuple(
        RuleInfo(r.id, r.description, r.severity, registry[r.kind].engine, r.columns)
        for r in suite.rules
    )


def check(path: Path, suite: Suite, options: Options | None = None) -> RunResult:
    """Validate one export against the suite, compare it with last week, record it.

    Raises:
        UnusableExportError: the export (or the previous one) cannot be validated at all.
        HistoryError: the history file cannot be used.
    """
    options = options or Options()
    started = datetime.now(UTC)
    clock = time.perf_counter()
    from syncguard.engines.gx_engine import gx_rules

    if gx_rules(suite):
        preload_gx()
    options.progress(f"reading {path}")
    export = read_export(path, contract_of(suite))
    findings = list(export.findings)
    findings.extend(_validate(export, suite, options.progress))
    history = History(options.history) if options.history is not None else None
    try:
        try:
            key = load_or_create(key_path(options.history)) if options.history else None
        except OSError as exc:
            raise HistoryError(str(exc)) from None
        key = key or secrets.token_bytes(32)
        current = make_snapshot(export.frame, key)
        previous = _previous(options, suite, history, key)
        comparison: Comparison | None = None
        note = previous if isinstance(previous, str) else None
        if isinstance(previous, Snapshot):
            source = str(options.previous) if options.previous else "the history's last run"
            comparison = compare(
                previous,
                current,
                source,
                email_change_share=float(suite.settings.get("email_change_share", 0.10)),
                max_row_drop=float(suite.settings.get("max_row_drop", 0.10)),
            )
            findings.extend(with_examples(f, export.frame) for f in comparison.findings)
            note = comparison.note
        ordered = _order(findings)
        before = None
        if history is not None:
            last = history.runs(suite.name, limit=1)
            before = history.counts(last[0].id) if last else None
        status, resolved = statuses(ordered, before)
        result = RunResult(
            suite=suite.name,
            suite_version=suite.version,
            export=export.info,
            outcome=outcome_of(findings),
            findings=ordered,
            accounting=account(export.row_numbers, findings),
            started_at=started.isoformat(timespec="seconds"),
            duration_s=round(time.perf_counter() - clock, 3),
            notes=(note,) if note else (),
            comparison=comparison,
            status=status,
            resolved=resolved,
            rules=_rule_infos(suite),
            frame=export.frame,
        )
        return replace(result, snapshot=current) if history is not None else result
    finally:
        if history is not None:
            history.__exit__()


def record(result: RunResult, history_path: Path, report: Path | None) -> int:
    """Write a finished run (and its snapshot) to the history in one transaction."""
    snapshot = result.snapshot
    stored = None
    if isinstance(snapshot, Snapshot):
        stored = StoredSnapshot(
            0, snapshot.key_id, snapshot.polars_version, snapshot.frame.height, snapshot.to_bytes()
        )
    with History(history_path) as history:
        return history.record(
            run_record(result, report), rule_counts(result.findings), stored, result.suite
        )
