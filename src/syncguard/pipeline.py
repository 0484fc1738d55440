"""One check run: intake, then Pandera, then Great Expectations, into one RunResult."""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from syncguard.intake import Export, read_export
from syncguard.intake.headers import HeaderContract
from syncguard.model import Finding, RunResult, Severity, account, outcome_of
from syncguard.suite.model import Suite

Progress = Callable[[str], None]


def contract_of(suite: Suite) -> HeaderContract:
    """The header contract intake enforces, from the suite's headers and required_header rules."""
    required = suite.rules_of("required_header")
    return HeaderContract(
        known=suite.known_headers,
        required=tuple(r.column for r in required),
        required_rule={r.column: r.id for r in required},
    )


def _preload_gx() -> threading.Thread:
    """Import Great Expectations in the background while the file is read (it takes seconds)."""
    thread = threading.Thread(
        target=importlib.import_module, args=("great_expectations",), daemon=True, name="gx-import"
    )
    thread.start()
    return thread


def _order(findings: list[Finding]) -> tuple[Finding, ...]:
    rank = {Severity.ERROR: 0, Severity.WARNING: 1}
    return tuple(sorted(findings, key=lambda f: (rank[f.severity], -f.failed_count, f.rule)))


def check(path: Path, suite: Suite, progress: Progress = lambda _: None) -> RunResult:
    """Validate one export against the suite.

    Raises:
        UnusableExportError: the export cannot be validated at all.
    """
    from syncguard.engines.gx_engine import gx_rules

    started = datetime.now(UTC)
    clock = time.perf_counter()
    loader = _preload_gx() if gx_rules(suite) else None
    progress(f"reading {path}")
    export: Export = read_export(path, contract_of(suite))
    findings = list(export.findings)
    progress(f"read {export.rows_read} row(s); running Pandera rules")
    from syncguard.engines.pandera_engine import run_pandera

    findings.extend(run_pandera(export.frame, suite))
    if loader is not None:
        progress("running Great Expectations rules")
        loader.join()
        from syncguard.engines.gx_engine import run_gx

        findings.extend(run_gx(export.frame, suite))
    return RunResult(
        suite=suite.name,
        suite_version=suite.version,
        export=export.info,
        outcome=outcome_of(findings),
        findings=_order(findings),
        accounting=account(export.row_numbers, findings),
        started_at=started.isoformat(timespec="seconds"),
        duration_s=round(time.perf_counter() - clock, 3),
    )
