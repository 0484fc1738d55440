"""``syncguard check``: the quality gate on an export."""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from syncguard import invocation
from syncguard._version import __version__
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
    _write_utf8,
    add_history_choice,
)
from syncguard.display import printable
from syncguard.model import BaselineMode, Outcome, Severity

if TYPE_CHECKING:
    from syncguard.catalogue import Catalogue

CONSOLE_FINDINGS = 100
"""Findings printed one per line after the verdict (worst first); the rest are counted."""


def _json_target(text: str) -> Path | None:
    """``-`` (standard output) as None, else the path."""
    return None if text == "-" else _path(text)


def add_parser(sub: _Subparsers[_Parser], parents: Parents) -> None:
    """Declare the command, its options and its help."""
    check = sub.add_parser("check", parents=[parents.suite], help="check an export")
    check.add_argument("export", type=_path, metavar="EXPORT.csv", help="the student sync export")
    check.add_argument(
        "--json",
        type=_json_target,
        default=False,
        metavar="OUT.json",
        help="also write the results JSON here ('-': standard output, the summary then goes to "
        "standard error)",
    )
    check.add_argument(
        "--report-dir",
        type=_path,
        metavar="DIR",
        help="where each run's folder (results.json, report.html) goes (default: the project's "
        "report_dir, else ./reports)",
    )
    check.add_argument(
        "--show-values", action="store_true", help="show raw values instead of masked ones"
    )
    check.add_argument(
        "--previous",
        type=_path,
        metavar="PREV.csv",
        help="last week's export to compare with (default: the history's last run)",
    )
    add_history_choice(check)
    check.add_argument(
        "--junit", type=_path, metavar="FILE", help="also write JUnit XML (a testcase per check)"
    )
    check.add_argument(
        "--force",
        action="store_true",
        help="replace an existing --json/--junit file, or a report folder's index.html or "
        "latest.*, that syncguard did not write (never an input, a rule file or a history)",
    )
    check.add_argument(
        "--github",
        action="store_true",
        help="print GitHub Actions annotations (::error / ::warning lines) on stdout",
    )
    check.add_argument(
        "--summary-md",
        type=_path,
        metavar="FILE",
        help="append a Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY)",
    )
    check.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default="error",
        help="fail the gate (exit 1, and the verdict of every output and of the history) on "
        "any finding of this severity or worse (default: error)",
    )
    check.add_argument(
        "--only",
        metavar="RULE[,RULE]",
        help="run only these rules of the rule files (to try a rule quickly; intake and "
        "comparison checks still run): a partial run, never passed, never a baseline",
    )
    check.add_argument(
        "--baseline",
        type=_baseline,
        default=BaselineMode.LAST_PASSED.value,
        metavar="last-passed|last|RUN",
        help="what to compare with: the newest run the importer took (passed or accepted; "
        "the default), the newest run, or run number RUN of 'syncguard history'",
    )


def run(args: argparse.Namespace, io: _Streams) -> int:
    from syncguard import workers

    # first of all (that module imports no data library): the GE worker imports GE while the
    # rules load and the export is read; when it cannot start, validating says so rule by rule
    workers.preload(workers.GREAT_EXPECTATIONS)
    prepared = invocation.prepare(_choices(args))
    project, catalogue, layout = prepared.project, prepared.catalogue, prepared.layout
    report_dir = layout.base
    guard = args.guard = prepared.guard
    used = ", ".join(printable(p) for p in catalogue.suite.sources)
    config = f"; config {printable(project.config)}" if project.config else "; no syncguard.toml"
    used_line = (
        f"syncguard {__version__}: suite {catalogue.suite.name} {catalogue.suite.version} "
        f"from {used}{config}"
    )
    if args.only is not None:
        catalogue = _only(catalogue, args.only)
    overrides = _overrides_line(catalogue)
    show_progress = args.progress or (not args.quiet and io.err.isatty())
    clock = time.perf_counter()

    def progress(message: str) -> None:
        if show_progress:
            elapsed = time.perf_counter() - clock
            print(f"syncguard: [{elapsed:6.1f} s] {message}", file=io.err, flush=True)

    from syncguard.output.guard import Output

    to_stdout = args.json is None
    json_path = args.json if isinstance(args.json, Path) else None
    for target, option, output in (
        (json_path, "--json", Output.RESULTS_JSON),
        (args.junit, "--junit", Output.JUNIT),
        (args.summary_md, "--summary-md", Output.APPEND),
    ):
        if target is not None:
            guard.check(target, option, output)
    if layout.history is not None:  # a recorded run redraws index.html and latest.*
        guard.check_report_dir(report_dir)
    from syncguard.output.base import Requested

    asked: dict[Requested, Path | TextIO] = {}
    if args.junit is not None:
        asked[Requested.JUNIT] = args.junit
    if args.summary_md is not None:
        asked[Requested.SUMMARY_MD] = args.summary_md
    if args.github:  # standard error when standard output carries the results JSON
        asked[Requested.GITHUB] = io.err if to_stdout else io.out
    options = dataclasses.replace(
        prepared.options,
        json=json_path,
        progress=progress,
        fail_on=Severity(args.fail_on),
        requested=asked,
    )
    done = invocation.run_prepared(args.export, catalogue, layout, options)
    for warning in done.warnings:
        print(f"syncguard: warning: {printable(warning)}", file=io.err)
    result = done.result
    if to_stdout:
        from syncguard.output.results_json import dumps, results_json

        _write_utf8(io.out, dumps(results_json(result, done.masker)))
        io = _Streams(io.err, io.err)
    print(used_line, file=io.out)
    if overrides:
        print(overrides, file=io.out)
    if result.outcome is Outcome.UNUSABLE:
        print(f"syncguard: {printable(result.findings[0].message)}", file=io.err)
        return EXIT_UNUSABLE
    errors, warnings = result.count(Severity.ERROR), result.count(Severity.WARNING)
    contract = result.contract.note if result.contract is not None else None
    print(
        f"{result.outcome.value.upper()}: {printable(args.export)}: {errors} error(s), "
        f"{warnings} warning(s) in {result.accounting.rows_read} row(s) "
        f"({result.accounting.rows_with_errors} with errors)"
        + "".join(f"; {printable(extra)}" for extra in (result.reason, contract) if extra),
        file=io.out,
    )
    from syncguard.output.ci import could_not_run

    for finding in result.findings[:CONSOLE_FINDINGS]:
        rows = ", ".join(str(r) for r in finding.rows[:8]) + (
            " ..." if len(finding.rows) > 8 else ""
        )
        where = f" rows {rows}" if rows else ""
        if could_not_run(finding):  # no verdict on the rows: say why, in its own words
            where += f" {printable(finding.message)}"
        effect = f" ({finding.consequence.label})" if finding.consequence else ""
        print(
            f"  {finding.severity.value:7} {printable(finding.rule)}{effect}:{where}", file=io.out
        )
    if len(result.findings) > CONSOLE_FINDINGS:
        print(
            f"  ... and {len(result.findings) - CONSOLE_FINDINGS} more finding(s): the report "
            "and the results JSON list them all",
            file=io.out,
        )
    for note in result.notes:
        print(f"  note: {printable(note)}", file=io.out)
    labels = {"results.json": "results:", "report.html": "report:", "failing_rows.csv": "rows:"}
    for path in done.files:
        label = "json:" if path == args.json else labels.get(path.name, "file:")
        print(f"{label:8} {printable(path)}", file=io.out)
    if done.index is not None:
        print(f"index:   {printable(done.index)}", file=io.out)
    if done.latest is not None:
        print(f"latest:  {printable(done.latest)}", file=io.out)
    return EXIT_FAILED if result.outcome is Outcome.FAILED else EXIT_PASSED


def _only(catalogue: Catalogue, only: str) -> Catalogue:
    """The catalogue with only the named rule-file checks: the run is partial (exit 3 for an
    empty list, an unknown id with the nearest one, or a check switched off with its reason)."""
    return catalogue.only(only.split(","))


COMMAND = Command("check", add_parser, run)
