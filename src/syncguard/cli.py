"""The command line: ``syncguard check`` (the quality gate) and ``syncguard rules`` (list them).

Exit status: 0 passed, 1 a check of severity error failed, 2 unusable export, 3 wrong command
line, rule file or settings, 4 internal error (one sentence on stderr each). Great Expectations
is imported only by ``check`` and ``compile``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from io import TextIOWrapper
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO, TypeVar

from syncguard import invocation
from syncguard._version import __version__
from syncguard.display import printable
from syncguard.errors import (
    OutputError,
    RuleFileError,
    SyncguardError,
    UnusableExportError,
    UsageError,
)
from syncguard.model import BaselineMode, Outcome, PastRun, RuleCount, Severity

if TYPE_CHECKING:
    from syncguard.catalogue import Catalogue
    from syncguard.output.guard import OutputGuard
    from syncguard.pipeline import Completed
    from syncguard.project import Project
    from syncguard.suite.model import Suite

_T = TypeVar("_T")
EXIT_PASSED, EXIT_FAILED, EXIT_UNUSABLE, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3, 4
CONSOLE_FINDINGS = 100
"""Findings printed one per line after the verdict (worst first); the rest are counted."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}; see '{self.prog} --help'")


def _argument(parse: Callable[[str], _T]) -> Callable[[str], _T]:
    """A shared validator (``invocation``) as an argparse type: its ValueError is the message."""

    def argument(text: str) -> _T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return argument


_date = _argument(invocation.as_of_date)
_domain = _argument(invocation.email_domain)
_history_path = _argument(invocation.history_path)
_run_number = _argument(invocation.run_number)


def _baseline(text: str) -> str:
    """``last-passed``, ``last`` or a run number (without leading zeros)."""
    mode, run = _argument(invocation.baseline)(text)
    return mode.value if run is None else str(run)


def _path(text: str) -> Path:
    """A path given on the command line; an empty one (an unset variable) is refused."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the path is empty (is a variable unset?); give a path")
    return Path(text)


def _json_target(text: str) -> Path | None:
    """``-`` (standard output) as None, else the path."""
    return None if text == "-" else _path(text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also the source of ``--help``)."""
    parser = _Parser(
        prog="syncguard",
        description="Data-quality gate for the Handshake student sync export (EU format).",
        epilog="Exit status: 0 passed, 1 gate failed (an error finding), 2 unusable export, "
        "3 wrong command line, rule file or settings, 4 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"syncguard {__version__}")
    # every command takes these, so one CI template fits all; a command without stages (all
    # but check) accepts them and prints nothing more
    common = _Parser(add_help=False)
    common.add_argument(
        "--progress",
        action="store_true",
        help="print each stage with its time to stderr, also when not on a terminal (CI logs); "
        "commands without stages accept it and print nothing more",
    )
    common.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress lines (shown only on a terminal anyway); accepted by every command",
    )
    suite_options = _Parser(add_help=False, parents=[common])
    suite_options.add_argument(
        "--config",
        type=_path,
        metavar="syncguard.toml",
        help="the project file (default: the nearest syncguard.toml from here upwards)",
    )
    suite_options.add_argument(
        "--rules", type=_path, metavar="DIR_OR_FILE", help="rule YAML (default: the built-in suite)"
    )
    suite_options.add_argument(
        "--email-domain",
        type=_domain,
        action="append",
        metavar="D",
        help="institution email domain (repeat for several); overrides the settings",
    )
    suite_options.add_argument(
        "--as-of", type=_date, metavar="YYYY-MM-DD", help="the date to count as today"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    check = sub.add_parser("check", parents=[suite_options], help="check an export")
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
    history = check.add_mutually_exclusive_group()
    history.add_argument(
        "--history",
        type=_history_path,
        metavar="PATH_OR_URL",
        help="the history file (default: REPORT_DIR/history.sqlite; sqlite:///path works too)",
    )
    history.add_argument(
        "--no-history", action="store_true", help="neither read nor write the history"
    )
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
    rules = sub.add_parser(
        "rules",
        parents=[suite_options],
        help="list every check (YAML rules, intake, comparison) and check the rule files",
    )
    rules.add_argument("--json", action="store_true", help="the catalogue as JSON on stdout")
    where = _Parser(add_help=False, parents=[common])  # which history: as check finds it
    where.add_argument("--config", type=_path, metavar="syncguard.toml", help="the project file")
    where.add_argument(
        "--history",
        type=_history_path,
        default=None,
        metavar="PATH_OR_URL",
        help="the history file (default: the project's history, else "
        "REPORT_DIR/history.sqlite, as check records it)",
    )
    where.add_argument(
        "--report-dir",
        type=_path,
        metavar="DIR",
        help="the report folder check wrote to (default: the project's report_dir, else ./reports)",
    )
    past = sub.add_parser("history", parents=[where], help="list past runs from the history")
    past.add_argument("--suite", help="only runs of this suite")
    past.add_argument("--json", action="store_true", help="the runs as JSON on stdout")
    past.add_argument(
        "show",
        nargs="?",
        metavar="RUN",
        type=_run_number,
        help="one run in detail (its counts per check)",
    )
    fix = sub.add_parser(
        "fix",
        parents=[suite_options],
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
    fix_history = fix.add_mutually_exclusive_group()
    fix_history.add_argument(
        "--history",
        type=_history_path,
        metavar="PATH_OR_URL",
        help="the history file (default: REPORT_DIR/history.sqlite; sqlite:///path works too)",
    )
    fix_history.add_argument(
        "--no-history", action="store_true", help="neither read nor write the history"
    )
    fix.add_argument(
        "--baseline",
        type=_baseline,
        default=BaselineMode.LAST_PASSED.value,
        metavar="last-passed|last|RUN",
        help="what the check of FIXED.csv compares with, as for check (default: last-passed)",
    )
    suggest = sub.add_parser(
        "suggest",
        parents=[suite_options],
        help="draft the institution's settings (domains, campuses, courses...) from a good export",
    )
    suggest.add_argument("export", type=_path, metavar="EXPORT.csv", help="a known-good export")
    suggest.add_argument(
        "--out",
        type=_path,
        metavar="FILE.toml",
        help="write the draft (TOML: a [settings] table for syncguard.toml) here",
    )
    suggest.add_argument("--force", action="store_true", help="replace FILE.toml if it exists")
    sub.add_parser("schema", parents=[common], help="print the JSON Schema of results.json")
    init = sub.add_parser(
        "init",
        parents=[common],
        help="make an institution project here: syncguard.toml and rules/local.yaml",
    )
    init.add_argument("folder", nargs="?", type=_path, default=Path("."), metavar="DIR")
    explain = sub.add_parser(
        "explain",
        parents=[suite_options],
        help="explain one check: what it checks, its basis, parameters, examples and fix",
    )
    explain.add_argument("check", metavar="CHECK_ID", help="the id of a check ('syncguard rules')")
    accept = sub.add_parser(
        "accept",
        parents=[where],
        help="mark a failed run as uploaded anyway, so later runs compare with it",
    )
    accept.add_argument(
        "run", type=_run_number, metavar="RUN", help="the run number ('syncguard history')"
    )
    past.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")
    compile_ = sub.add_parser(
        "compile",
        parents=[suite_options],
        help="write the Great Expectations suite compiled from the rules (GE's JSON)",
    )
    compile_.add_argument("--out", type=_path, required=True, metavar="DIR", help="output folder")
    compile_.add_argument(
        "--force",
        action="store_true",
        help="replace a file in DIR that syncguard did not write (never a rule file or history)",
    )
    return parser


@dataclass
class _Streams:
    out: TextIO
    err: TextIO


def _project(args: argparse.Namespace) -> Project:
    """The project the run belongs to: ``--config``, else the nearest syncguard.toml."""
    return invocation.project_of(getattr(args, "config", None))


def _load(args: argparse.Namespace, project: Project | None = None) -> Suite:
    return invocation.suite_of(
        project or _project(args), args.rules, args.email_domain or (), args.as_of
    )


def _init(args: argparse.Namespace, io: _Streams) -> int:
    from syncguard.project import init

    for path in init(args.folder):
        print(f"wrote {printable(path)}", file=io.out)
    print(
        "edit syncguard.toml (email domains, SSO, sync and upload modes) and rules/local.yaml, "
        "then run 'syncguard rules' here to check them",
        file=io.out,
    )
    return EXIT_PASSED


def _guard(
    args: argparse.Namespace,
    project: Project | None,
    suite: Suite | None,
    report_dir: Path | None = None,
    history: Path | None = None,
) -> OutputGuard:
    """The guard every output of this command goes through (its protected files, once).

    Protected: the export and ``--previous``; the project file, its rule folders and the rule
    files in use; every history named (``--history``, the project's, each report folder's);
    the run folders, index and latest pages of the report folders.
    """
    return invocation.guard_of(
        project,
        suite,
        inputs=[
            (getattr(args, "export", None), "the export"),
            (getattr(args, "previous", None), "the --previous export"),
        ],
        rules=getattr(args, "rules", None),
        histories=[history, getattr(args, "history", None)],
        report_dirs=[report_dir, getattr(args, "report_dir", None)],
        force=getattr(args, "force", False),
    )


_write_error = invocation.write_error


def _write_utf8(stream: TextIO, text: str) -> None:
    """Write a document as UTF-8 (JSON is UTF-8 whatever the terminal's encoding)."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
        return
    stream.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def _catalogue(args: argparse.Namespace, project: Project | None = None) -> Catalogue:
    from syncguard.catalogue import build

    return build(_load(args, project))


def _check(args: argparse.Namespace, io: _Streams) -> int:
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
    options = dataclasses.replace(
        prepared.options, json=json_path, progress=progress, fail_on=Severity(args.fail_on)
    )
    done = invocation.run_prepared(args.export, catalogue, layout, options)
    for warning in done.warnings:
        print(f"syncguard: warning: {printable(warning)}", file=io.err)
    result = done.result
    if to_stdout:
        from syncguard.output.results_json import dumps, results_json

        _write_utf8(io.out, dumps(results_json(result, done.masker)))
        io = _Streams(io.err, io.err)
    _ci_outputs(args, done, io)
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
        print(f"  {finding.severity.value:7} {printable(finding.rule)}:{where}", file=io.out)
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


def _overrides_line(catalogue: Catalogue) -> str:
    """One console line naming every check switched off or re-graded, with file:line and
    reason (empty when the rule files override nothing)."""
    gate = catalogue.gate()
    parts = []
    if gate.disabled:
        parts.append("switched off: " + "; ".join(t.describe() for t in gate.disabled))
    if gate.regraded:
        parts.append("re-graded: " + "; ".join(t.describe() for t in gate.regraded))
    return printable("overrides: " + " | ".join(parts)) if parts else ""


def _choices(args: argparse.Namespace) -> invocation.Choices:
    """What ``check``'s command line chose (the API takes the same choices)."""
    baseline, baseline_run = invocation.baseline(args.baseline)
    return invocation.Choices(
        export=args.export,
        config=args.config,
        rules=args.rules,
        email_domains=tuple(args.email_domain or ()),
        as_of=args.as_of,
        report_dir=args.report_dir,
        history=args.history,
        keep_history=not args.no_history,
        previous=args.previous,
        baseline=baseline,
        baseline_run=baseline_run,
        show_values=args.show_values,
        force=args.force,
    )


def _ci_outputs(args: argparse.Namespace, done: Completed, io: _Streams) -> None:
    """JUnit XML, GitHub annotations and a Markdown summary, when asked for."""
    from syncguard.output import ci
    from syncguard.output.base import append, write_atomic

    private = args.show_values
    try:
        if args.junit is not None:
            write_atomic(args.junit, ci.junit(done.result, done.masker), private)
        if args.summary_md is not None:
            text = ci.summary_md(done.result, done.masker) + "\n"
            append(args.summary_md, text.encode("utf-8"), private)
    except OSError as exc:
        raise _write_error(exc, "this output", "choose another path") from None
    if args.github:
        lines = ci.github(done.result)
        if lines:
            print(lines, file=io.out)


def _only(catalogue: Catalogue, only: str) -> Catalogue:
    """The catalogue with only the named rule-file checks: the run is partial (exit 3 for an
    empty list, an unknown id with the nearest one, or a check switched off with its reason)."""
    return catalogue.only(only.split(","))


def _explain(args: argparse.Namespace, io: _Streams) -> int:
    import difflib

    from syncguard.suite.registry import kinds

    if not args.check.strip():
        raise UsageError("explain needs a check id (it is empty); see 'syncguard rules' for them")
    catalogue = _catalogue(args)
    checks = {c.id: c for c in (*catalogue.checks, *(c for c, _ in catalogue.disabled))}
    check = checks.get(args.check)
    if check is None:
        close = difflib.get_close_matches(args.check, list(checks), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else "; see 'syncguard rules'"
        raise UsageError(f"{args.check}: no check has this id{hint}")
    tuned = {t.check.id: t for t in catalogue.tunings}.get(check.id)
    lines = [f"{check.id}: {check.title}"]
    if tuned is not None and not tuned.enabled:
        why = f": {tuned.reason}" if tuned.reason else ""
        where = printable(f"{tuned.location}{why}")
        lines.append(f"  SWITCHED OFF at {where}; it does not run in checks")
    severity = check.severity_label
    if tuned is not None and tuned.enabled:
        severity += f" (re-graded from {tuned.declared.value} at {tuned.location})"
    lines += [
        f"  {check.description}",
        f"  severity: {severity}    source: {check.source.value}    engine: {check.engine.value}",
        f"  basis ({check.basis.kind.value}): {check.basis.text}",
    ]
    if check.columns:
        lines.append(f"  columns: {', '.join(check.columns)}")
    for name, value in sorted(check.params.items()):
        lines.append(f"  parameter {name}: {value}")
    if check.kind is not None:
        kind = kinds()[check.kind]
        lines.append(f"  kind {kind.name}: {kind.summary}")
        example = kind.example
        if example.failing:
            lines.append(f"  fails, e.g.:  {', '.join(repr(v) for v in example.failing[0])}")
        if example.passing:
            lines.append(f"  passes, e.g.: {', '.join(repr(v) for v in example.passing[0])}")
    lines.append(f"  fix: {check.fix or '(not given)'}")
    if check.location:
        lines.append(f"  declared at {check.location}")
    print("\n".join(lines), file=io.out)
    return EXIT_PASSED


def _rules(args: argparse.Namespace, io: _Streams) -> int:
    from syncguard.model import Source

    catalogue = _catalogue(args)
    suite = catalogue.suite
    if suite.check_failures:  # linting: a module that cannot load is a problem to fix now
        raise RuleFileError(list(suite.check_failures))
    tuned = {t.check.id for t in catalogue.tunings if t.enabled}
    if args.json:
        document = {
            "suite": suite.name,
            "suite_version": suite.version,
            "checks": [
                {
                    "id": c.id,
                    "title": c.title,
                    "source": c.source.value,
                    "engine": c.engine.value,
                    "kind": c.kind,
                    "severity": c.severity.value,
                    "severity_from": (
                        "override" if c.id in tuned else "basis" if c.defaulted else "rule"
                    ),
                    "enabled": enabled,
                    "columns": list(c.columns),
                    "description": c.description,
                    "basis": {"kind": c.basis.kind.value, "text": c.basis.text},
                    "fix": c.fix,
                    "location": c.location,
                    **({"disabled_because": o.reason} if o is not None else {}),
                }
                for c, enabled, o in [
                    *((c, True, None) for c in catalogue.checks),
                    *((c, False, o) for c, o in catalogue.disabled),
                ]
            ],
        }
        print(json.dumps(document, indent=2, ensure_ascii=False), file=io.out)
        return EXIT_PASSED
    from syncguard.suite.contract import origin

    contract = origin(suite)
    print(
        f"{suite.name} {suite.version}: {len(catalogue.checks)} check(s) "
        f"({len(suite.rules)} from rule files), {len(catalogue.disabled)} switched off"
        + (f"; {contract.note}" if contract is not None and contract.note else ""),
        file=io.out,
    )
    regraded = {t.check.id: t for t in catalogue.tunings if t.enabled}
    severities = {
        c.id: c.severity_label
        + (
            f" (was {regraded[c.id].declared.value}: {printable(regraded[c.id].location)})"
            if c.id in regraded
            else ""
        )
        for c in catalogue.checks
    }
    width = max((len(label) for label in severities.values()), default=7)
    for source in Source:
        entries = [c for c in catalogue.checks if c.source is source]
        print(f"{source.value} ({len(entries)}):", file=io.out)
        for c in entries:
            print(
                f"  {c.id:40} {c.engine.value:18} {severities[c.id]:{width}} "
                f"{c.basis.kind.value:9} " + ", ".join(c.columns),
                file=io.out,
            )
    for c, o in catalogue.disabled:
        print(f"  off: {c.id} ({printable(o.reason)}; {printable(str(o.location))})", file=io.out)
    return EXIT_PASSED


def _history(args: argparse.Namespace, io: _Streams) -> int:
    from syncguard.history.store import History, HistoryError

    args.history = _history_file(args, io)
    try:
        with History(args.history, read_only=True) as history:
            if args.show is not None:
                one = history.run(args.show)
                if one is None:
                    raise UsageError(f"{args.history}: there is no run #{args.show}")
                runs, counts = [one], history.counts(one.id)
            else:
                runs, counts = history.runs(args.suite, args.limit), []
            damaged = [
                what
                for run_id, what in history.damaged(args.suite)
                if args.show is None or run_id == args.show
            ]
    except HistoryError as exc:
        raise UsageError(str(exc)) from None
    if damaged:
        more = f" and {len(damaged) - 5} more" if len(damaged) > 5 else ""
        print(
            f"syncguard: warning: {args.history}: {len(damaged)} damaged row(s) left out: "
            f"{', '.join(damaged[:5])}{more}; restore the history from a backup to see them",
            file=io.err,
        )
    if args.json:
        document = [
            {**_run_json(r), **({"counts": [_count_json(c) for c in counts]} if counts else {})}
            for r in runs
        ]
        print(json.dumps(document, indent=2, ensure_ascii=False), file=io.out)
        return EXIT_PASSED
    if args.show is not None:
        for key, value in _run_json(runs[0]).items():
            print(f"{key:17} {value}", file=io.out)
        for c in counts:
            print(
                f"  {c.severity.value:7} {printable(c.rule)} {printable(c.column)}: "
                f"{c.failed_rows} row(s)",
                file=io.out,
            )
        return EXIT_PASSED
    if not runs:
        of_suite = f" of suite {printable(args.suite)}" if args.suite else ""
        print(
            f"no runs{of_suite} yet in {printable(args.history)}; 'syncguard check "
            "EXPORT.csv' records one",
            file=io.out,
        )
        return EXIT_PASSED
    print(f"{len(runs)} run(s) in {printable(args.history)}, newest first:", file=io.out)
    for run in runs:
        print(
            f"  #{run.id:<4} {run.started_at}  "
            f"{run.outcome.value + ('*' if run.accepted else ''):9} {run.errors:3} error(s) "
            f"{run.warnings:3} warning(s)  {run.rows:>8} rows  {printable(run.export_name)}  "
            f"{printable(run.suite)} {printable(run.suite_version)}"
            + (f"  as of {run.as_of}" if run.as_of else "")
            + (f"  compared with #{run.baseline}" if run.baseline else "")
            + (f"  ({note})" if (note := run.verdict_note()) else ""),
            file=io.out,
        )
    if any(r.accepted for r in runs):
        print("  (* accepted: uploaded although the gate failed)", file=io.out)
    return EXIT_PASSED


def _history_file(args: argparse.Namespace, io: _Streams) -> Path:
    """The history ``check`` records into with the same options: ``--history``, else the
    project's ``history``, else ``REPORT_DIR/history.sqlite`` (``--report-dir``, else the
    project's report folder; without a project, ./reports, said so)."""
    path: Path | None = args.history
    if path is None:
        project = _project(args)
        path = project.history or (args.report_dir or project.report_dir) / "history.sqlite"
        if project.config is None and args.report_dir is None:
            print(f"(no syncguard.toml found: reading {printable(path)})", file=io.err)
    if not path.exists():
        raise UsageError(
            f"{path}: no history yet; run 'syncguard check' first, or name the "
            "history with --history or --report-dir"
        )
    return path


def _run_json(run: PastRun) -> dict[str, object]:
    """A run of the history as JSON (its report path, not its personal data: it has none)."""
    return {
        "id": run.id,
        "started_at": run.started_at,
        "as_of": run.as_of,
        "suite": run.suite,
        "suite_version": run.suite_version,
        "export": run.export_name,
        "export_sha256": run.export_sha256,
        "rows": run.rows,
        "outcome": run.outcome.value,
        "accepted": run.accepted,
        "errors": run.errors,
        "warnings": run.warnings,
        "rows_clean": run.rows_clean,
        "rows_with_errors": run.rows_with_errors,
        "baseline": run.baseline,
        "verdict_note": run.verdict_note(),
        "report": run.report,
    }


def _count_json(count: RuleCount) -> dict[str, object]:
    return {
        "rule": count.rule,
        "column": count.column or None,
        "severity": count.severity.value,
        "failed_rows": count.failed_rows,
    }


def _accept(args: argparse.Namespace, io: _Streams) -> int:
    from syncguard.history.store import History, HistoryError

    args.history = _history_file(args, io)
    try:
        with History(args.history) as history:
            run = history.accept(args.run)
    except HistoryError as exc:
        raise UsageError(str(exc)) from None
    print(
        f"run #{run.id} ({printable(run.export_name)}, {run.outcome.value}) is marked as "
        "uploaded: the next check compares with it",
        file=io.out,
    )
    return EXIT_PASSED


def _suggest(args: argparse.Namespace, io: _Streams) -> int:
    """Draft the settings an institution must review, from an export it trusts (TOML)."""
    from syncguard.intake import read_export
    from syncguard.output.base import write_atomic
    from syncguard.output.guard import Output
    from syncguard.suggest import draft

    if args.out is not None and args.out.suffix.lower() in (".yaml", ".yml"):
        raise UsageError(
            f"{args.out}: suggest writes TOML, a [settings] table for the project's "
            "syncguard.toml (a rule file holds no settings), so give --out a .toml name, "
            "such as settings-draft.toml"
        )
    project = _project(args)
    catalogue = _catalogue(args, project)
    if args.out is not None:
        _guard(args, project, catalogue.suite).check(args.out, "--out", Output.NEW)
    export = read_export(args.export, catalogue.contract())
    text = draft(export, args.export.name, catalogue.masking)
    if args.out is None:
        print(text, end="", file=io.out)
        return EXIT_PASSED
    try:
        write_atomic(args.out, text)
    except OSError as exc:
        raise UsageError(f"{args.out}: cannot write ({exc.strerror})") from None
    print(
        f"wrote {printable(args.out)}: review it, then paste its [settings] table into the "
        "project's syncguard.toml",
        file=io.out,
    )
    return EXIT_PASSED


FIX_LISTED = 20
"""Problems ``fix`` lists after checking FIXED.csv (the report lists them all)."""


def _fix(args: argparse.Namespace, io: _Streams) -> int:
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


def _compile(args: argparse.Namespace, io: _Streams) -> int:
    from syncguard.engines.gx_engine import compile_suite
    from syncguard.engines.gx_portable import portable_suite
    from syncguard.output.base import write_atomic
    from syncguard.output.guard import Output

    if args.out.exists() and not args.out.is_dir():
        raise UsageError(
            f"{printable(args.out)}: compile --out needs a folder (it writes two files into "
            "it), and this is a file; give a folder, new or existing"
        )
    project = _project(args)
    suite = _catalogue(args, project).suite
    target = args.out / f"{suite.name}.json"
    portable_target = args.out / f"{suite.name}.portable.json"
    guard = _guard(args, project, suite)
    for path in (target, portable_target):
        guard.check(path, "--out", Output.COMPILED_SUITE)
    document = compile_suite(suite).to_json_dict()
    portable, left_out = portable_suite(suite)
    try:
        write_atomic(target, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        write_atomic(portable_target, json.dumps(portable, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise _write_error(exc, "the compiled suite", "choose another --out") from None
    count = len(portable["expectations"])
    print(
        f"wrote {count} expectation(s) to {printable(portable_target)}: Great Expectations' "
        "own, on the export's own columns, for a team that runs GE as it is (how to read the "
        "export is in its meta.reading)",
        file=io.out,
    )
    for rule_id, why in left_out:
        print(f"  not in the portable suite: {rule_id}: {why}", file=io.out)
    print(
        f"wrote {len(document['expectations'])} expectation(s) to {printable(target)}: the "
        "suite syncguard itself runs (derived columns and syncguard's own expectations: load it "
        "after 'import syncguard.engines.gx_expectations')",
        file=io.out,
    )
    return EXIT_PASSED


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; returns the exit status (never raises for a person's mistake)."""
    streams = _Streams(out or _tolerant(sys.stdout), err or _tolerant(sys.stderr))
    with _exits_raise():
        return _main(argv, streams)


def _tolerant(stream: TextIO) -> TextIO:
    """The stream, set to spell what its encoding cannot show (``PYTHONIOENCODING=ascii``)."""
    if isinstance(stream, TextIOWrapper):
        with contextlib.suppress(ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")
    return stream


class _ProcessExit(SystemExit):
    """``os._exit`` was called during the run (by a project check module): raised instead."""


@contextlib.contextmanager
def _exits_raise() -> Iterator[None]:
    """While the command runs, ``os._exit`` raises instead of ending the process.

    Only a written verdict may end a run with status 0: a project check module that calls
    ``os._exit(0)`` would otherwise end ``check`` as if it had passed. It becomes the same
    internal error (exit 4) as ``sys.exit`` in a plug-in.
    """
    import posix

    real = os._exit

    def refuse(status: int) -> NoReturn:
        raise _ProcessExit(status)

    setattr(os, "_exit", refuse)  # noqa: B010  (a module attribute, replaced on purpose)
    setattr(posix, "_exit", refuse)  # noqa: B010
    try:
        yield
    finally:
        setattr(os, "_exit", real)  # noqa: B010
        setattr(posix, "_exit", real)  # noqa: B010


def _main(argv: Sequence[str] | None, io: _Streams) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # no command: the usage, where errors go (a CI log shows it), and exit 3
        parser.print_help(io.err)
        print(
            "syncguard: no command given; name one of the commands above, e.g. "
            "'syncguard check EXPORT.csv'",
            file=io.err,
        )
        return EXIT_USAGE
    status, message, args = _dispatch(parser, argv, io)
    if status in (EXIT_USAGE, EXIT_INTERNAL) and message:
        _not_run_json(args, status, message, io)
    return status


def _not_run_json(args: argparse.Namespace | None, status: int, message: str, io: _Streams) -> None:
    """With --json FILE, a run that checked nothing still leaves its results document.

    Only where the guard lets ``--json`` write, and only over an earlier results JSON (never
    over a file syncguard did not write, ``--force`` or not: the error may be about it).
    """
    if args is None or getattr(args, "command", None) != "check":
        return
    target = args.json if isinstance(args.json, Path) else None
    if target is None:
        return
    from datetime import UTC, datetime

    from syncguard.model import Outcome
    from syncguard.output.guard import Output, written_by_syncguard
    from syncguard.output.results_json import not_run_json, write_json

    guard: OutputGuard | None = getattr(args, "guard", None)
    if guard is None:  # the run stopped before its guard was made: the project, if it loads
        try:
            project: Project | None = _project(args)
        except SyncguardError:
            project = None
        guard = _guard(args, project, None)
    if not guard.allows(target, "--json", Output.RESULTS_JSON):
        return
    if target.exists() and not written_by_syncguard(target, Output.RESULTS_JSON):
        return
    outcome = Outcome.INVALID if status == EXIT_USAGE else Outcome.ERROR
    started = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        write_json(target, not_run_json(outcome, message, str(args.export), started))
    except OSError as exc:
        print(f"syncguard: warning: cannot write {printable(target)} ({exc.strerror})", file=io.err)


def _schema(args: argparse.Namespace, io: _Streams) -> int:
    from syncguard.output.schema import schema

    print(json.dumps(schema(), indent=2), file=io.out)
    return EXIT_PASSED


Command = Callable[[argparse.Namespace, _Streams], int]
COMMANDS: dict[str, Command] = {
    "check": _check,
    "rules": _rules,
    "compile": _compile,
    "history": _history,
    "accept": _accept,
    "explain": _explain,
    "init": _init,
    "suggest": _suggest,
    "fix": _fix,
    "schema": _schema,
}
"""Each subcommand's handler (the parser in :func:`build_parser` declares them)."""


def _dispatch(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None, io: _Streams
) -> tuple[int, str, argparse.Namespace | None]:
    """Run the command; (status, the one sentence printed for exit 3 and 4, the arguments)."""
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0), "", None
    except UsageError as exc:
        print(f"syncguard: {exc}", file=io.err)
        return EXIT_USAGE, str(exc), None
    return (*_run_command(parser, args, io), args)


def _run_command(
    parser: argparse.ArgumentParser, args: argparse.Namespace, io: _Streams
) -> tuple[int, str]:
    """Run a parsed command; (status, the one sentence printed for exit 3 and 4)."""
    try:
        command = COMMANDS.get(args.command)
        if command is not None:
            return command(args, io), ""
        parser.print_help(io.out)
        return EXIT_USAGE, ""
    except RuleFileError as exc:
        count = len(exc.problems)
        listed = "\n".join(printable(str(p)) for p in exc.problems)
        print(
            f"{listed}\nsyncguard: {count} problem(s) in the rule files; fix them and run again",
            file=io.err,
        )
        return EXIT_USAGE, str(exc)
    except (UnusableExportError, OutputError) as exc:
        print(f"syncguard: {_sentence(exc)}", file=io.err)
        return EXIT_UNUSABLE, ""
    except SyncguardError as exc:
        print(f"syncguard: {_sentence(exc)}", file=io.err)
        return EXIT_USAGE, str(exc)
    except BrokenPipeError:  # output piped into `head` and closed early: exit as SIGPIPE would
        return 141, ""
    except KeyboardInterrupt:
        print("syncguard: interrupted", file=io.err)
        return 130, ""
    except SystemExit as exc:  # a plug-in (a project check module) tried to end the run
        call = "os._exit" if isinstance(exc, _ProcessExit) else "sys.exit"
        print(
            f"syncguard: internal error (something called {call}({exc.code!r}) during the "
            "run, most likely a module in the project's checks/ folder); the run was stopped, "
            "fix that module",
            file=io.err,
        )
        return EXIT_INTERNAL, f"{call}({exc.code!r}) called during the run"
    except Exception as exc:  # a bug of ours: one sentence, traceback only on request
        if os.environ.get("SYNCGUARD_DEBUG"):
            raise
        detail = printable(str(exc)) or "no message"
        print(
            f"syncguard: internal error ({type(exc).__name__}: {detail}); this is a bug in "
            "syncguard, please report it with SYNCGUARD_DEBUG=1 output",
            file=io.err,
        )
        return EXIT_INTERNAL, f"internal error ({type(exc).__name__})"


def _sentence(exc: SyncguardError) -> str:
    """An error's one sentence, printable, never empty after its colon."""
    text = printable(str(exc)).strip()
    if not text or text.endswith(":"):
        return (
            f"{text} (no detail was given: {type(exc).__name__}); run again with "
            "SYNCGUARD_DEBUG=1 and report it"
        ).lstrip()
    return text


def main_exit() -> None:
    """Console-script entry point: exit with :func:`main`'s status."""
    status = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.stderr.flush()
    # Every output is written and closed, the history too: end now. Tearing down the frames
    # and libraries one by one would add about a third of a second to every check.
    from syncguard import workers

    workers.close_all()
    os._exit(status)
