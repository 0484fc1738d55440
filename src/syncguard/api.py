"""The Python API for orchestrators: ``syncguard.check()`` runs what ``syncguard check`` runs.

    import syncguard

    checked = syncguard.check("/data/export.csv", config="/srv/syncguard/syncguard.toml")
    if not checked.passed:
        raise RuntimeError(f"syncguard: {checked.outcome}; see {checked.report}")

The same project (the nearest ``syncguard.toml`` from the working folder, or ``config=``, with
the same trust checks), the same rules, history, baseline and reports as the command line
(both build the run in :mod:`syncguard.invocation`). Values are masked in the returned result
as in every output, unless ``show_values=True``. Mistakes are raised as the errors exported
by ``syncguard`` (nothing is printed), and the worker process a check starts ends before
``check()`` returns. docs/api.md has the guide and an Airflow task.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from syncguard import invocation, workers
from syncguard.errors import UsageError
from syncguard.masking import Masker
from syncguard.model import BaselineMode, Finding, Outcome, RunResult
from syncguard.output.base import example_columns

__all__ = ["Checked", "check"]

log = logging.getLogger("syncguard")


@dataclass(frozen=True)
class Checked:
    """A finished check: its result and the files written.

    Values from the export (``Finding.examples``, ``top_values``, ``fixes``) are masked by
    their column's data class, as in ``results.json``, unless the check was run with
    ``show_values=True``; so are ``repr()`` and ``str()`` of this object.
    """

    result: RunResult
    """The typed result: outcome, findings (worst first), accounting, comparison, sources."""
    run_dir: Path
    """This run's folder: ``results.json``, ``report.html``, ``failing_rows.csv``."""
    files: tuple[Path, ...]
    """Every file the run wrote."""
    index: Path | None = None
    """``REPORT_DIR/index.html``, the trend of every recorded run (None: not recorded)."""
    latest: Path | None = None
    """``REPORT_DIR/latest.html`` (and ``latest.json`` beside it); None when not recorded."""
    warnings: tuple[str, ...] = ()
    """What went wrong after the verdict (the run not recorded, the index not redrawn); each
    is also logged to the ``syncguard`` logger."""

    @property
    def outcome(self) -> Outcome:
        """``passed``, ``failed`` (an error finding) or ``unusable`` (the export unreadable)."""
        return self.result.outcome

    @property
    def passed(self) -> bool:
        """Whether the gate passed: no finding of severity error (the command line's exit 0)."""
        return self.result.outcome is Outcome.PASSED

    @property
    def report(self) -> Path:
        """The run's HTML report."""
        return self.run_dir / "report.html"


def check(
    export: str | os.PathLike[str],
    *,
    config: str | os.PathLike[str] | None = None,
    rules: str | os.PathLike[str] | None = None,
    email_domains: str | Iterable[str] = (),
    as_of: str | date | None = None,
    report_dir: str | os.PathLike[str] | None = None,
    history: str | os.PathLike[str] | None = None,
    no_history: bool = False,
    previous: str | os.PathLike[str] | None = None,
    baseline: BaselineMode | str | int = BaselineMode.LAST_PASSED,
    show_values: bool = False,
) -> Checked:
    """Check one export as ``syncguard check`` would, and return the result.

    Each argument is the command line option of the same name. A path may be a ``str`` or
    any ``os.PathLike``; a relative one is taken from the working folder.

    Args:
        export: The student sync export (CSV).
        config: The project file (``syncguard.toml``). Default: the nearest one in the working
            folder or its parents, as on the command line; none found: the packaged contract.
        rules: Rule files (a file or a folder) to use instead of the project's suite.
        email_domains: The institution's email domain(s), e.g. ``"uni.example.eu"``; they
            replace the project's ``email_domains``.
        as_of: The date counted as today (``"yyyy-mm-dd"`` or a ``date``), e.g. Airflow's
            ``ds``. Default: the project's, else today.
        report_dir: Where the run folder, ``index.html`` and ``latest.*`` go. Default: the
            project's ``report_dir``, else ``./reports``.
        history: The history file (a path or ``sqlite:///path``). Default: the project's,
            else ``REPORT_DIR/history.sqlite``.
        no_history: Neither read nor write the history (no comparison with last week unless
            ``previous`` is given; ``latest.*`` and the index are left alone).
        previous: Last week's export to compare with, instead of the history's baseline.
        baseline: What to compare with: ``"last-passed"`` (the newest run the importer took,
            the default), ``"last"``, or a run number of ``syncguard history``.
        show_values: Raw values in the result and the outputs instead of masked ones.

    Returns:
        The result and the files written. An export that cannot be read at all is a result
        too, with outcome ``unusable`` (the command line's exit 2).

    Raises:
        UsageError: an argument is wrong, the project or a rule file cannot be found or
            trusted, the history cannot be used, or the report folder holds an
            ``index.html`` or ``latest.*`` syncguard did not write.
        RuleFileError: the rule files are wrong (``.problems``: each at ``path:line:col``).
        UnusableExportError: the ``previous`` export cannot be read.
        OutputError: the disk under the history or the reports is full.
    """
    choices = _choices(
        export,
        config=config,
        rules=rules,
        email_domains=email_domains,
        as_of=as_of,
        report_dir=report_dir,
        history=history,
        no_history=no_history,
        previous=previous,
        baseline=baseline,
        show_values=show_values,
    )
    with _own_workers():
        # once the arguments are checked, as the command line does: the worker imports GE on
        # the other core while the rules load and the export is read
        workers.preload(workers.GREAT_EXPECTATIONS)
        prepared = invocation.prepare(choices, invocation.API)
        layout = prepared.layout
        if layout.history is not None:  # a recorded run redraws index.html and latest.*
            prepared.guard.check_report_dir(layout.base, "report_dir=")
        done = invocation.run_prepared(
            choices.export, prepared.catalogue, layout, prepared.options, invocation.API
        )
    for warning in done.warnings:
        log.warning("%s", warning)
    return Checked(
        result=masked(done.result, done.masker),
        run_dir=done.run_dir,
        files=done.files,
        index=done.index,
        latest=done.latest,
        warnings=done.warnings,
    )


def _choices(
    export: str | os.PathLike[str],
    *,
    config: str | os.PathLike[str] | None,
    rules: str | os.PathLike[str] | None,
    email_domains: str | Iterable[str],
    as_of: str | date | None,
    report_dir: str | os.PathLike[str] | None,
    history: str | os.PathLike[str] | None,
    no_history: bool,
    previous: str | os.PathLike[str] | None,
    baseline: BaselineMode | str | int,
    show_values: bool,
) -> invocation.Choices:
    """The arguments checked as the command line checks its options."""
    if history is not None and no_history:
        raise UsageError("give history= or no_history=True, not both")
    domains = [email_domains] if isinstance(email_domains, str) else list(email_domains)
    try:
        mode, run = _baseline(baseline)
        return invocation.Choices(
            export=_path(export, "export"),
            config=_optional(config, "config"),
            rules=_optional(rules, "rules"),
            email_domains=tuple(invocation.email_domain(d, invocation.API) for d in domains),
            as_of=_date(as_of),
            report_dir=_optional(report_dir, "report_dir"),
            history=None if history is None else invocation.history_path(_text(history)),
            keep_history=not no_history,
            previous=_optional(previous, "previous"),
            baseline=mode,
            baseline_run=run,
            show_values=show_values,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _text(path: str | os.PathLike[str]) -> str:
    text = os.fspath(path)
    if not isinstance(text, str):  # bytes paths: not among the types this API takes
        raise ValueError(f"{text!r}: give the path as str or os.PathLike[str]")
    return text


def _optional(path: str | os.PathLike[str] | None, name: str) -> Path | None:
    return None if path is None else _path(path, name)


def _path(path: str | os.PathLike[str], name: str) -> Path:
    """A path argument; an empty one (an unset variable) is refused, as on the command line."""
    text = _text(path)
    if not text.strip():
        raise ValueError(f"{name}= is empty (is a variable unset?); give a path")
    return Path(text)


def _date(value: str | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, date) else invocation.as_of_date(value)


def _baseline(value: BaselineMode | str | int) -> tuple[BaselineMode, int | None]:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"baseline={value!r}: give 'last-passed', 'last' or a run number")
    return invocation.baseline(str(value))


@contextmanager
def _own_workers() -> Iterator[None]:
    """End the worker processes this thread starts inside the block, however it ends.

    One that was running before (another caller's, e.g. the command line's in this process)
    is left to its owner.
    """
    before = workers.workers()
    thread = threading.get_ident()
    try:
        yield
    finally:
        workers.close([w for w in workers.workers() if w not in before and w.thread == thread])


def masked(result: RunResult, masker: Masker) -> RunResult:
    """The result with every value from the export shown as the outputs show it."""
    if masker.show_values:
        return result
    return dataclasses.replace(result, findings=tuple(_masked(f, masker) for f in result.findings))


def _masked(finding: Finding, masker: Masker) -> Finding:
    columns = example_columns(finding)
    return dataclasses.replace(
        finding,
        examples=tuple(masker.exact(v, c) for v, c in zip(finding.examples, columns, strict=False)),
        cells=tuple(
            tuple(masker.exact(v, c) for c, v in zip(finding.columns, cells, strict=False))
            for cells in finding.cells
        ),
        top_values=_tops(finding.top_values, finding.column, masker, shapes=False),
        top_shapes=_tops(finding.top_shapes, finding.column, masker, shapes=True),
        summaries=tuple(
            dataclasses.replace(
                s,
                top_values=_tops(s.top_values, s.column, masker, shapes=False),
                top_shapes=_tops(s.top_shapes, s.column, masker, shapes=True),
            )
            for s in finding.summaries
        ),
        fixes=tuple((masker.exact(v, finding.column), meant) for v, meant in finding.fixes),
    )


def _tops(
    entries: tuple[tuple[str, int], ...], column: str | None, masker: Masker, shapes: bool
) -> tuple[tuple[str, int], ...]:
    """Top values or shapes as the outputs show them (a shape's address domain masked by
    the domain rule; of a finding over several columns, whose column is unknown: masked)."""
    if shapes:
        return tuple((masker.show_shape(s, column), n) for s, n in entries)
    return tuple((masker.exact(v, column), n) for v, n in entries)
