"""The Python API for orchestrators: check an export and get the typed result back.

    from pathlib import Path
    import syncguard

    done = syncguard.check(Path("/data/export.csv"), report_dir=Path("/srv/reports"))
    if done.result.outcome is syncguard.Outcome.FAILED:
        ...

It runs exactly what ``syncguard check`` runs (same rules, history, reports); errors for people
are raised as :class:`syncguard.errors.SyncguardError` subclasses (``UnusableExportError`` is
not raised for the export itself: an unusable export is a result with outcome ``unusable``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from syncguard.catalogue import build
from syncguard.defaults import default_rules
from syncguard.errors import UsageError
from syncguard.history.store import HistoryError
from syncguard.model import BaselineMode
from syncguard.output.guard import OutputGuard
from syncguard.pipeline import Completed, Options, ReportLayout, run
from syncguard.suite.loader import load_suite


def check(
    export: Path,
    *,
    rules: Path | None = None,
    report_dir: Path = Path("reports"),
    history: Path | None = None,
    keep_history: bool = True,
    previous: Path | None = None,
    baseline: BaselineMode = BaselineMode.LAST_PASSED,
    baseline_run: int | None = None,
    email_domains: Sequence[str] = (),
    as_of: str | None = None,
    show_values: bool = False,
) -> Completed:
    """Check one export as ``syncguard check`` would; return the result and what was written.

    Raises:
        RuleFileError: the rule files are wrong (every problem at its ``path:line:col``).
        UnusableExportError: the ``previous`` export cannot be read.
        UsageError: the history cannot be used, an output cannot be written, or the report
            folder holds an ``index.html`` or ``latest.*`` syncguard did not write.
    """
    overrides: dict[str, object] = {}
    if email_domains:
        overrides["email_domains"] = list(email_domains)
    if as_of:
        overrides["today"] = as_of
    catalogue = build(load_suite(rules or default_rules(), overrides))
    layout = ReportLayout.default(report_dir, history, keep=keep_history)
    if layout.history is not None:  # a recorded run redraws index.html and latest.*
        OutputGuard.of(report_dirs=[report_dir]).check_report_dir(report_dir, "report_dir")
    options = Options(
        previous=previous,
        show_values=show_values,
        baseline=baseline,
        baseline_run=baseline_run,
    )
    try:
        return run(export, catalogue, layout, options)
    except HistoryError as exc:
        raise UsageError(str(exc)) from None
