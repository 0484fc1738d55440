"""``syncguard fix``: write a repaired export and check it as check would."""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import TYPE_CHECKING

from syncguard import invocation
from syncguard.commands._common import (
    EXIT_FAILED,
    EXIT_PASSED,
    EXIT_UNUSABLE,
    Command,
    Parents,
    _baseline,
    _choices,
    _overrides_line,
    _Parser,
    _path,
    _Streams,
    _Subparsers,
    add_history_choice,
)
from syncguard.display import printable
from syncguard.errors import UnusableExportError, UsageError
from syncguard.model import BaselineMode, Outcome, Severity

if TYPE_CHECKING:
    from syncguard.catalogue import Catalogue
    from syncguard.pipeline import Completed

FIX_LISTED = 20
"""Problems ``fix`` lists after checking FIXED.csv (the report lists them all)."""


def add_parser(sub: _Subparsers[_Parser], parents: Parents) -> None:
    """Declare the command, its options and its help."""
    fix = sub.add_parser(
        "fix",
        parents=[parents.suite],
        help="write a repaired export (only repairs with one right answer) and a change log",
    )
    fix.add_argument("export", type=_path, metavar="EXPORT.csv", help="the export to repair")
    fix.add_argument(
        "--out", type=_path, required=True, metavar="FIXED.csv", help="the repaired export"
    )
    fix.add_argument(
        "--fix-headers", action="store_true", help="also rename a header with one clear typo"
    )
    fix.add_argument("--force", action="store_true", help="replace FIXED.csv if it exists")
    fix.add_argument(
        "--show-values",
        action="store_true",
        help="raw values in the change log and the check's outputs (not masked)",
    )
    fix.add_argument(
        "--report-dir",
        type=_path,
        metavar="DIR",
        help="where the check of FIXED.csv goes, as for check (default: the project's "
        "report_dir, else ./reports)",
    )
    fix.add_argument(
        "--previous",
        type=_path,
        metavar="PREV.csv",
        help="last week's export to compare FIXED.csv with (default: the history's baseline)",
    )
    add_history_choice(fix)
    fix.add_argument(
        "--baseline",
        type=_baseline,
        default=BaselineMode.LAST_PASSED.value,
        metavar="last-passed|last|RUN",
        help="what the check of FIXED.csv compares with, as for check (default: last-passed)",
    )


def run(args: argparse.Namespace, io: _Streams) -> int:
    """Repair what has one right answer, write the file and its change log, then check the
    result as ``check`` would (project, history, baseline; recorded) and list what is left.

    The exit status is the check's: 0 when FIXED.csv passes, 1 when it fails.
    """
    from syncguard import workers

    workers.preload(workers.GREAT_EXPECTATIONS)  # as check: GE imports while fix repairs
    from syncguard.intake.reader import read_bytes
    from syncguard.masking import Masker
    from syncguard.model import Source
    from syncguard.output.guard import Output
    from syncguard.repair import Vocabulary, change_log, changes_path, fix_export, save

    # the check of FIXED.csv is made of the same choices as check's (project, rules, history,
    # baseline, --previous, --as-of, --email-domain, --report-dir): invocation.prepare
    prepared = invocation.prepare(_choices(args))
    catalogue, layout, guard = prepared.catalogue, prepared.layout, prepared.guard
    suite = catalogue.suite
    data = read_bytes(args.export)  # refuses what check refuses: missing, not a file, too big
    for target in (args.out, changes_path(args.out)):  # never an input, a history, a link
        guard.check(target, "--out", Output.NEW)
    if layout.history is not None:  # a recorded run redraws index.html and latest.*
        guard.check_report_dir(layout.base)
    show_progress = args.progress or (not args.quiet and io.err.isatty())
    clock = time.perf_counter()

    def progress(message: str) -> None:
        if show_progress:
            elapsed = time.perf_counter() - clock
            print(f"syncguard: [{elapsed:6.1f} s] {message}", file=io.err, flush=True)

    enabled = [c.id for c in catalogue.checks if c.source is Source.REPAIR]
    try:
        repaired = fix_export(data, Vocabulary.of(suite, enabled), args.fix_headers)
    except ValueError as exc:
        raise UnusableExportError(args.export, str(exc).rstrip("."), "export it again") from None
    _refuse_like_check(args.export, repaired.text, catalogue)
    masker = Masker(
        args.show_values, tuple(suite.settings.get("email_domains") or ()), catalogue.masking
    )
    try:
        log = save(
            args.export,
            args.out,
            repaired.text,
            change_log(repaired.changes, masker),
            force=args.force,
            private=args.show_values,
        )
    except FileExistsError as exc:
        raise UsageError(
            f"{exc.filename or args.out}: exists already; use --force to replace "
            "it, or choose another --out"
        ) from None
    except ValueError as exc:
        raise UsageError(f"{args.out}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{exc.filename}: cannot write ({exc.strerror})") from None
    print(
        f"wrote {printable(args.out)} and {printable(log)}: {len(repaired.changes)} change(s)",
        file=io.out,
    )
    for note in repaired.notes:
        print(f"  note: {printable(note)}", file=io.out)
    options = dataclasses.replace(prepared.options, progress=progress)
    done = invocation.run_prepared(args.out, catalogue, layout, options)
    for warning in done.warnings:
        print(f"syncguard: warning: {printable(warning)}", file=io.err)
    overrides = _overrides_line(catalogue)
    if overrides:
        print(overrides, file=io.out)
    return _fix_checked(args.out, done, io)


def _fix_checked(out: Path, done: Completed, io: _Streams) -> int:
    """Print the check of FIXED.csv: its verdict and every problem left (the first
    :data:`FIX_LISTED`, then how many more); its exit status."""
    import polars as pl

    from syncguard.output.base import Limits, RunOutput
    from syncguard.output.worklist import cut, worklist

    result = done.result
    if result.outcome is Outcome.UNUSABLE:
        print(f"syncguard: {printable(result.findings[0].message)}", file=io.err)
        return EXIT_UNUSABLE
    whole = [f for f in result.findings if not f.rows]  # about the file: not in the worklist
    lines = cut(result.findings, Limits()).lines  # one per failing row and problem
    left = len(whole) + lines
    verdict = "PASSED" if result.outcome is Outcome.PASSED else "FAILED"
    compared = (
        f"; compared with {printable(result.comparison.source)}"
        if result.comparison is not None
        else ""
    )
    print(
        f"checked {printable(out)}: {verdict}: {result.count(Severity.ERROR)} error(s), "
        f"{result.count(Severity.WARNING)} warning(s) in {result.accounting.rows_read} row(s)"
        f"{compared}; {left} problem(s) left for a person",
        file=io.out,
    )
    frame = done.frame if done.frame is not None else pl.DataFrame()
    shown = RunOutput(result, frame, done.masker)
    listed: list[str] = []
    for f in whole[:FIX_LISTED]:
        check = shown.check(f.rule)
        title = check.title if check is not None else f.rule
        listed.append(f"  the file: {f.severity.value} {printable(title)} ({printable(f.rule)})")
    most = FIX_LISTED - len(listed)
    if most > 0 and lines:
        table = worklist(shown, most=most)
        for item in table.iter_rows(named=True):
            listed.append(
                f"  row {item['row']}: {item['severity']} {printable(item['title'])} "
                f"({printable(item['column'])}): "
                + printable(f"{item['value']}")
                + (f" -> {printable(item['did_you_mean'])}" if item["did_you_mean"] else "")
            )
    for line in listed:
        print(line, file=io.out)
    if left > len(listed):
        print(
            f"  ... and {left - len(listed)} more: the report and failing_rows.csv list them all",
            file=io.out,
        )
    for note in result.notes:
        print(f"  note: {printable(note)}", file=io.out)
    print(f"report:  {printable(done.run_dir / 'report.html')}", file=io.out)
    if done.latest is not None:
        print(f"latest:  {printable(done.latest)}", file=io.out)
    return EXIT_FAILED if result.outcome is Outcome.FAILED else EXIT_PASSED


def _refuse_like_check(export: Path, text: str, catalogue: Catalogue) -> None:
    """What check would refuse even after the repairs (a required header missing, no student
    rows) is refused before anything is written, as check refuses it (exit 2).

    The repaired text is read from memory: no copy of the export is ever written elsewhere.
    """
    from syncguard.intake import read_export

    read_export(export, catalogue.contract(), text.encode("utf-8"))


COMMAND = Command("fix", add_parser, run)
