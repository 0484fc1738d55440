"""The command line: ``syncguard check`` (the quality gate) and ``syncguard rules`` (list them).

Exit status: 0 passed, 1 a check of severity error failed, 2 unusable export, 3 wrong command
line, rule file or settings, 4 internal error (one sentence on stderr each). Great Expectations
is imported only by ``check`` and ``compile``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from syncguard._version import __version__
from syncguard.errors import RuleFileError, SyncguardError, UnusableExportError, UsageError
from syncguard.model import BaselineMode, Outcome, PastRun, RuleCount, Severity

if TYPE_CHECKING:
    from syncguard.catalogue import Catalogue
    from syncguard.pipeline import Completed, ReportLayout
    from syncguard.project import Project
    from syncguard.suite.model import Suite

EXIT_PASSED, EXIT_FAILED, EXIT_UNUSABLE, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3, 4


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}; see '{self.prog} --help'")


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written yyyy-mm-dd") from None


DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


def _domain(text: str) -> str:
    domain = text.strip().removeprefix("@").lower().rstrip(".")
    if "," in domain or ";" in domain:
        raise argparse.ArgumentTypeError(
            f"'{text}' lists several domains; repeat --email-domain for each one"
        )
    if not DOMAIN.match(domain) or len(domain) > 253:
        raise argparse.ArgumentTypeError(f"'{text}' is not an email domain such as uni.example.eu")
    return domain


def _history_path(text: str) -> Path:
    path = text[len("sqlite:///") :] if text.startswith("sqlite:///") else text
    if "://" in text and not text.startswith("sqlite:///"):
        raise argparse.ArgumentTypeError(f"'{text}': only a file path or sqlite:///path works")
    if path in (":memory:", "") or path.startswith("file::memory:"):
        raise argparse.ArgumentTypeError(
            f"'{text}': an in-memory history keeps nothing between runs; give a file path"
        )
    return Path(path)


def _json_target(text: str) -> Path | None:
    """``-`` (standard output) as None, else the path."""
    return None if text == "-" else Path(text)


def _baseline(text: str) -> str:
    if text in (BaselineMode.LAST_PASSED.value, BaselineMode.LAST.value) or text.isdigit():
        return text
    raise argparse.ArgumentTypeError(
        f"'{text}' is not a baseline: give last-passed, last, or a run number"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also the source of ``--help``)."""
    parser = _Parser(
        prog="syncguard",
        description="Data-quality gate for the Handshake student sync export (EU format).",
        epilog="Exit status: 0 passed, 1 gate failed (an error finding), 2 unusable export, "
        "3 wrong command line, rule file or settings, 4 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"syncguard {__version__}")
    suite_options = _Parser(add_help=False)
    suite_options.add_argument(
        "--config",
        type=Path,
        metavar="syncguard.toml",
        help="the project file (default: the nearest syncguard.toml from here upwards)",
    )
    suite_options.add_argument(
        "--rules", type=Path, metavar="DIR_OR_FILE", help="rule YAML (default: the built-in suite)"
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
    check.add_argument("export", type=Path, metavar="EXPORT.csv", help="the student sync export")
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
        type=Path,
        metavar="DIR",
        help="where each run's folder (results.json, report.html) goes (default: the project's "
        "report_dir, else ./reports)",
    )
    check.add_argument(
        "--show-values", action="store_true", help="show raw values instead of masked ones"
    )
    check.add_argument(
        "--previous",
        type=Path,
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
        "--junit", type=Path, metavar="FILE", help="also write JUnit XML (a testcase per check)"
    )
    check.add_argument(
        "--github",
        action="store_true",
        help="print GitHub Actions annotations (::error / ::warning lines) on stdout",
    )
    check.add_argument(
        "--summary-md",
        type=Path,
        metavar="FILE",
        help="append a Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY)",
    )
    check.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default="error",
        help="exit 1 on any finding of this severity or worse (default: error)",
    )
    check.add_argument(
        "--only",
        metavar="RULE[,RULE]",
        help="run only these checks of the rule files (to try a rule quickly); intake still runs",
    )
    check.add_argument(
        "--progress",
        action="store_true",
        help="print each stage with its time to stderr, also when not on a terminal (CI logs)",
    )
    check.add_argument(
        "--baseline",
        type=_baseline,
        default=BaselineMode.LAST_PASSED.value,
        metavar="last-passed|last|RUN",
        help="what to compare with: the newest run the importer took (passed or accepted; "
        "the default), the newest run, or run number RUN of 'syncguard history'",
    )
    check.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress lines (shown only on a terminal anyway)",
    )
    rules = sub.add_parser(
        "rules",
        parents=[suite_options],
        help="list every check (YAML rules, intake, comparison) and check the rule files",
    )
    rules.add_argument("--json", action="store_true", help="the catalogue as JSON on stdout")
    past = sub.add_parser("history", help="list past runs from the history")
    past.add_argument("--config", type=Path, metavar="syncguard.toml", help="the project file")
    past.add_argument(
        "--history",
        type=_history_path,
        default=None,
        metavar="PATH_OR_URL",
        help="the history file (default: the project's, else ./reports/history.sqlite)",
    )
    past.add_argument("--suite", help="only runs of this suite")
    past.add_argument("--json", action="store_true", help="the runs as JSON on stdout")
    past.add_argument(
        "show", nargs="?", metavar="RUN", type=int, help="one run in detail (its counts per check)"
    )
    fix = sub.add_parser(
        "fix",
        parents=[suite_options],
        help="write a repaired export (only repairs with one right answer) and a change log",
    )
    fix.add_argument("export", type=Path, metavar="EXPORT.csv", help="the export to repair")
    fix.add_argument(
        "--out", type=Path, required=True, metavar="FIXED.csv", help="the repaired export"
    )
    fix.add_argument(
        "--fix-headers", action="store_true", help="also rename a header with one clear typo"
    )
    fix.add_argument("--force", action="store_true", help="replace FIXED.csv if it exists")
    fix.add_argument(
        "--show-values", action="store_true", help="raw values in the change log (not masked)"
    )
    fix.add_argument("--report-dir", type=Path, metavar="DIR", help="where the check goes")
    suggest = sub.add_parser(
        "suggest",
        parents=[suite_options],
        help="draft the institution's settings (domains, campuses, courses...) from a good export",
    )
    suggest.add_argument("export", type=Path, metavar="EXPORT.csv", help="a known-good export")
    suggest.add_argument(
        "--out", type=Path, metavar="FILE.yaml", help="write the draft here (never overwritten)"
    )
    sub.add_parser("schema", help="print the JSON Schema of results.json")
    init = sub.add_parser(
        "init", help="make an institution project here: syncguard.toml and rules/local.yaml"
    )
    init.add_argument("folder", nargs="?", type=Path, default=Path("."), metavar="DIR")
    explain = sub.add_parser(
        "explain",
        parents=[suite_options],
        help="explain one check: what it checks, its basis, parameters, examples and fix",
    )
    explain.add_argument("check", metavar="CHECK_ID", help="the id of a check ('syncguard rules')")
    accept = sub.add_parser(
        "accept",
        help="mark a failed run as uploaded anyway, so later runs compare with it",
    )
    accept.add_argument("run", type=int, metavar="RUN", help="the run number ('syncguard history')")
    accept.add_argument("--config", type=Path, metavar="syncguard.toml", help="the project file")
    accept.add_argument(
        "--history",
        type=_history_path,
        default=None,
        metavar="PATH_OR_URL",
        help="the history file (default: the project's, else ./reports/history.sqlite)",
    )
    past.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")
    compile_ = sub.add_parser(
        "compile",
        parents=[suite_options],
        help="write the Great Expectations suite compiled from the rules (GE's JSON)",
    )
    compile_.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    return parser


@dataclass
class _Streams:
    out: TextIO
    err: TextIO


def _project(args: argparse.Namespace) -> Project:
    """The project the run belongs to: ``--config``, else the nearest syncguard.toml."""
    from syncguard.project import find, load

    config = getattr(args, "config", None)
    if config is not None and not config.is_file():
        raise UsageError(f"{config}: no such project file; check --config or run 'syncguard init'")
    return load(config or find(Path.cwd()))


def _load(args: argparse.Namespace, project: Project | None = None) -> Suite:
    from syncguard.suite.loader import load_suite

    project = project or _project(args)
    overrides: dict[str, object] = dict(project.settings)
    if args.email_domain:
        overrides["email_domains"] = list(args.email_domain)
    if args.as_of:
        overrides["today"] = args.as_of
    if args.rules is not None:  # another suite altogether: the project's rules do not apply
        if not args.rules.exists():
            raise UsageError(f"{args.rules}: no such rule file or folder; check --rules")
        return load_suite(args.rules, overrides)
    extend = [project.rules] if project.rules is not None else []
    return load_suite(project.contract, overrides, extend)


def _init(args: argparse.Namespace, io: _Streams) -> int:
    from syncguard.project import init

    for path in init(args.folder):
        print(f"wrote {path}", file=io.out)
    print(
        "edit syncguard.toml (email domains, SSO, sync and upload modes) and rules/local.yaml, "
        "then run 'syncguard rules' here to check them",
        file=io.out,
    )
    return EXIT_PASSED


def _refuse_overwrite(
    target: Path, export: Path, layout: ReportLayout, option: str = "--json"
) -> None:
    """Refuse (exit 3) an output path that would destroy something the user did not name.

    Outputs go to new paths or regular files only: never over the export, the history, its
    key or its journal files, and never through a symlink or into a device.
    """
    try:
        info = target.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UsageError(f"{target}: cannot use this {option} path ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        what = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
        stdout = ", or '-' for standard output" if option == "--json" else ""
        raise UsageError(
            f"{target}: {option} would write into {what}; give a new file name{stdout}"
        )
    protected = [export]
    if layout.history is not None and layout.key is not None:
        history = layout.history
        protected += [history, layout.key, Path(f"{history}-wal"), Path(f"{history}-shm")]
    for other in protected:
        try:
            same = other.exists() and os.path.samefile(target, other)
        except OSError:
            same = False
        if same:
            raise UsageError(f"{target}: {option} would overwrite {other}; give another file name")


def _catalogue(args: argparse.Namespace, project: Project | None = None) -> Catalogue:
    from syncguard.catalogue import build

    return build(_load(args, project))


def _check(args: argparse.Namespace, io: _Streams) -> int:
    from syncguard import workers

    # first of all (that module imports no data library): the GE worker imports GE while the
    # rules load and the export is read; when it cannot start, validating says so rule by rule
    workers.preload(workers.GREAT_EXPECTATIONS)
    from syncguard.history.store import HistoryError
    from syncguard.pipeline import Options, ReportLayout, run

    project = _project(args)
    catalogue = _catalogue(args, project)
    report_dir = args.report_dir or project.report_dir
    layout = ReportLayout.default(
        report_dir, args.history or project.history, keep=not args.no_history
    )
    used = ", ".join(str(p) for p in catalogue.suite.sources)
    config = f"; config {project.config}" if project.config else "; no syncguard.toml"
    used_line = (
        f"syncguard {__version__}: suite {catalogue.suite.name} {catalogue.suite.version} "
        f"from {used}{config}"
    )
    if args.only:
        catalogue = _only(catalogue, args.only)
    show_progress = args.progress or (not args.quiet and io.err.isatty())
    clock = time.perf_counter()

    def progress(message: str) -> None:
        if show_progress:
            elapsed = time.perf_counter() - clock
            print(f"syncguard: [{elapsed:6.1f} s] {message}", file=io.err, flush=True)

    to_stdout = args.json is None
    json_path = args.json if isinstance(args.json, Path) else None
    for target in (json_path, args.junit):
        if target is not None:
            _refuse_overwrite(target, args.export, layout)
    if args.summary_md is not None:
        _refuse_append(args.summary_md, args.export, layout)
    numbered = args.baseline.isdigit()
    options = Options(
        previous=args.previous,
        show_values=args.show_values,
        json=json_path,
        baseline=BaselineMode.RUN if numbered else BaselineMode(args.baseline),
        baseline_run=int(args.baseline) if numbered else None,
        config=project.config,
        progress=progress,
    )
    try:
        done = run(args.export, catalogue, layout, options)
    except HistoryError as exc:
        raise UsageError(f"{exc}") from None
    except OSError as exc:
        raise UsageError(
            f"{exc.filename}: cannot write results ({exc.strerror}); "
            "choose another --report-dir or --json"
        ) from None
    for warning in done.warnings:
        print(f"syncguard: warning: {warning}", file=io.err)
    result = done.result
    if to_stdout:
        from syncguard.output.results_json import dumps, results_json

        print(dumps(results_json(result, done.masker)), file=io.out, end="")
        io = _Streams(io.err, io.err)
    _ci_outputs(args, done, io)
    print(used_line, file=io.out)
    if result.outcome is Outcome.UNUSABLE:
        print(f"syncguard: {result.findings[0].message}", file=io.err)
        return EXIT_UNUSABLE
    errors, warnings = result.count(Severity.ERROR), result.count(Severity.WARNING)
    verdict = "PASSED" if result.outcome is Outcome.PASSED else "FAILED"
    contract = result.contract.note if result.contract is not None else None
    print(
        f"{verdict}: {args.export}: {errors} error(s), {warnings} warning(s) in "
        f"{result.accounting.rows_read} row(s) ({result.accounting.rows_with_errors} with errors)"
        + (f"; {contract}" if contract else ""),
        file=io.out,
    )
    for finding in result.findings:
        rows = ", ".join(str(r) for r in finding.rows[:8]) + (
            " ..." if len(finding.rows) > 8 else ""
        )
        where = f" rows {rows}" if rows else ""
        print(f"  {finding.severity.value:7} {finding.rule}:{where}", file=io.out)
    for note in result.notes:
        print(f"  note: {note}", file=io.out)
    labels = {"results.json": "results:", "report.html": "report:", "failing_rows.csv": "rows:"}
    for path in done.files:
        label = "json:" if path == args.json else labels.get(path.name, "file:")
        print(f"{label:8} {path}", file=io.out)
    if done.index is not None:
        print(f"index:   {done.index}", file=io.out)
    if done.latest is not None:
        print(f"latest:  {done.latest}", file=io.out)
    worst = {"error": (Severity.ERROR,), "warning": (Severity.ERROR, Severity.WARNING)}
    failing = any(f.severity in worst[args.fail_on] for f in result.findings)
    return EXIT_FAILED if failing else EXIT_PASSED


def _ci_outputs(args: argparse.Namespace, done: Completed, io: _Streams) -> None:
    """JUnit XML, GitHub annotations and a Markdown summary, when asked for."""
    from syncguard.output import ci
    from syncguard.output.base import write_atomic

    try:
        if args.junit is not None:
            write_atomic(args.junit, ci.junit(done.result, done.masker))
        if args.summary_md is not None:
            with args.summary_md.open("a", encoding="utf-8") as summary:
                summary.write(ci.summary_md(done.result, done.masker) + "\n")
    except OSError as exc:
        raise UsageError(
            f"{exc.filename}: cannot write ({exc.strerror}); choose another path"
        ) from None
    if args.github:
        lines = ci.github(done.result)
        if lines:
            print(lines, file=io.out)


def _refuse_append(target: Path, export: Path, layout: ReportLayout) -> None:
    """A file to append to must be a regular file (or new), and not one syncguard keeps."""
    if target.exists() and not target.is_file():
        raise UsageError(f"{target}: --summary-md appends to a regular file; give another path")
    if target.is_symlink():
        _refuse_overwrite(target, export, layout, "--summary-md")
    for other in (export, layout.history, layout.key):
        exists = other is not None and other.exists() and target.exists()
        if exists and other is not None and os.path.samefile(target, other):
            raise UsageError(f"{target}: --summary-md would write into {other}")


def _only(catalogue: Catalogue, only: str) -> Catalogue:
    """The catalogue with only the named rule-file checks (unknown ids: exit 3, nearest named)."""
    import dataclasses
    import difflib

    wanted = [w.strip() for w in only.split(",") if w.strip()]
    ids = [r.id for r in catalogue.suite.rules]
    for w in wanted:
        if w not in ids:
            close = difflib.get_close_matches(w, ids, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else "; see 'syncguard rules'"
            raise UsageError(f"--only {w}: no rule of the rule files has this id{hint}")
    rules = tuple(r for r in catalogue.suite.rules if r.id in wanted)
    return dataclasses.replace(catalogue, suite=dataclasses.replace(catalogue.suite, rules=rules))


def _explain(args: argparse.Namespace, io: _Streams) -> int:
    import difflib

    from syncguard.suite.registry import kinds

    catalogue = _catalogue(args)
    checks = {c.id: c for c in (*catalogue.checks, *(c for c, _ in catalogue.disabled))}
    check = checks.get(args.check)
    if check is None:
        close = difflib.get_close_matches(args.check, list(checks), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else "; see 'syncguard rules'"
        raise UsageError(f"{args.check}: no check has this id{hint}")
    lines = [
        f"{check.id}: {check.title}",
        f"  {check.description}",
        f"  severity: {check.severity.value}    source: {check.source.value}    "
        f"engine: {check.engine.value}",
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
    for source in Source:
        entries = [c for c in catalogue.checks if c.source is source]
        print(f"{source.value} ({len(entries)}):", file=io.out)
        for c in entries:
            print(
                f"  {c.id:40} {c.engine.value:18} {c.severity.value:7} {c.basis.kind.value:9} "
                + ", ".join(c.columns),
                file=io.out,
            )
    for c, o in catalogue.disabled:
        print(f"  off: {c.id} ({o.reason}; {o.location})", file=io.out)
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
    except HistoryError as exc:
        raise UsageError(str(exc)) from None
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
                f"  {c.severity.value:7} {c.rule} {c.column}: {c.failed_rows} row(s)", file=io.out
            )
        return EXIT_PASSED
    print(f"{len(runs)} run(s) in {args.history}, newest first:", file=io.out)
    for run in runs:
        print(
            f"  #{run.id:<4} {run.started_at}  "
            f"{run.outcome.value + ('*' if run.accepted else ''):9} {run.errors:3} error(s) "
            f"{run.warnings:3} warning(s)  {run.rows:>8} rows  {run.export_name}  "
            f"{run.suite} {run.suite_version}"
            + (f"  as of {run.as_of}" if run.as_of else "")
            + (f"  compared with #{run.baseline}" if run.baseline else ""),
            file=io.out,
        )
    if any(r.accepted for r in runs):
        print("  (* accepted: uploaded although the gate failed)", file=io.out)
    return EXIT_PASSED


def _history_file(args: argparse.Namespace, io: _Streams) -> Path:
    """``--history``, else the project's history; without a project, ./reports (said so)."""
    path: Path | None = args.history
    if path is None:
        project = _project(args)
        path = project.history or project.report_dir / "history.sqlite"
        if project.config is None:
            print(f"(no syncguard.toml found: reading {path})", file=io.err)
    if not path.exists():
        raise UsageError(f"{path}: no history yet; run 'syncguard check' first")
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
        f"run #{run.id} ({run.export_name}, {run.outcome.value}) is marked as uploaded: the next "
        "check compares with it",
        file=io.out,
    )
    return EXIT_PASSED


def _suggest(args: argparse.Namespace, io: _Streams) -> int:
    """Draft the settings an institution must review, from an export it trusts."""
    from syncguard.intake import read_export
    from syncguard.output.base import write_atomic
    from syncguard.suggest import draft

    catalogue = _catalogue(args)
    export = read_export(args.export, catalogue.contract())
    text = draft(export, args.export.name)
    if args.out is None:
        print(text, end="", file=io.out)
        return EXIT_PASSED
    if args.out.exists() or args.out.is_symlink():
        raise UsageError(f"{args.out}: exists already; syncguard suggest never overwrites a file")
    try:
        write_atomic(args.out, text)
    except OSError as exc:
        raise UsageError(f"{args.out}: cannot write ({exc.strerror})") from None
    print(f"wrote {args.out}: review it before copying anything into the project", file=io.out)
    return EXIT_PASSED


def _fix(args: argparse.Namespace, io: _Streams) -> int:
    """Repair what has one right answer, write the file and its change log, check the result."""
    from syncguard.importer import IDENTITY_COLUMNS
    from syncguard.intake.reader import read_bytes
    from syncguard.masking import Masker
    from syncguard.model import Source
    from syncguard.pipeline import Options, ReportLayout, run
    from syncguard.repair import change_log, repair, save

    project = _project(args)
    catalogue = _catalogue(args, project)
    suite = catalogue.suite
    data = read_bytes(args.export)  # refuses what check refuses: missing, not a file, too big
    from syncguard.repair import changes_path

    layout = ReportLayout.default(args.report_dir or project.report_dir)
    for target in (args.out, changes_path(args.out)):  # never a device, a link, the history
        _refuse_overwrite(target, args.export, layout, "--out")

    def columns(kind: str) -> list[str]:
        return [c for r in suite.rules_of(kind) for c in r.columns]

    listed = {
        r.column: [str(v) for v in r.params["values"]]
        for r in suite.rules_of("allowed_values")
        if "separator" not in r.params
    }
    enabled = {c.id for c in catalogue.checks if c.source is Source.REPAIR}
    try:
        repaired = repair(
            data,
            suite.known_headers,
            columns("date"),
            listed,
            columns("boolean"),
            [*IDENTITY_COLUMNS, *columns("excel_mangled_id")],
            enabled,
            fix_headers=args.fix_headers,
        )
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
    print(f"wrote {args.out} and {log}: {len(repaired.changes)} change(s)", file=io.out)
    for note in repaired.notes:
        print(f"  note: {note}", file=io.out)
    report_dir = args.report_dir or project.report_dir
    done = run(args.out, catalogue, ReportLayout.default(report_dir, keep=False), Options())
    result = done.result
    left = [f for f in result.findings]
    print(
        f"checked {args.out}: {result.outcome.value}, {len(left)} problem(s) left for a person "
        f"(report: {done.run_dir / 'report.html'})",
        file=io.out,
    )
    import polars as pl

    from syncguard.output.base import RunOutput
    from syncguard.output.worklist import worklist

    frame = done.frame if done.frame is not None else pl.DataFrame()
    table = worklist(RunOutput(result, frame, done.masker), limit=20)
    for item in table.iter_rows(named=True):
        print(
            f"  row {item['row']}: {item['severity']} {item['title']} ({item['column']}): "
            f"{item['value']}" + (f" -> {item['did_you_mean']}" if item["did_you_mean"] else ""),
            file=io.out,
        )
    return EXIT_FAILED if result.outcome is Outcome.FAILED else EXIT_PASSED


def _refuse_like_check(export: Path, text: str, catalogue: Catalogue) -> None:
    """What check would refuse even after the repairs (a required header missing, no student
    rows) is refused before anything is written, as check refuses it (exit 2)."""
    import tempfile

    from syncguard.intake import read_export

    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / export.name
        probe.write_text(text, encoding="utf-8")
        try:
            read_export(probe, catalogue.contract())
        except UnusableExportError as exc:
            raise UnusableExportError(export, exc.problem, exc.fix, exc.row) from None


def _compile(args: argparse.Namespace, io: _Streams) -> int:
    from syncguard.engines.gx_engine import compile_suite
    from syncguard.engines.gx_portable import portable_suite
    from syncguard.output.base import write_atomic

    suite = _catalogue(args).suite
    document = compile_suite(suite).to_json_dict()
    portable, left_out = portable_suite(suite)
    target = args.out / f"{suite.name}.json"
    portable_target = args.out / f"{suite.name}.portable.json"
    try:
        write_atomic(target, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        write_atomic(portable_target, json.dumps(portable, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise UsageError(
            f"{args.out}: cannot write there ({exc.strerror}); choose another --out"
        ) from None
    count = len(portable["expectations"])
    print(
        f"wrote {count} expectation(s) to {portable_target}: Great Expectations' own, on the "
        "export's own columns, for a team that runs GE as it is (how to read the export is in "
        "its meta.reading)",
        file=io.out,
    )
    for rule_id, why in left_out:
        print(f"  not in the portable suite: {rule_id}: {why}", file=io.out)
    print(
        f"wrote {len(document['expectations'])} expectation(s) to {target}: the suite syncguard "
        "itself runs (derived columns and syncguard's own expectations: load it after "
        "'import syncguard.engines.gx_expectations')",
        file=io.out,
    )
    return EXIT_PASSED


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; returns the exit status (never raises for a person's mistake)."""
    return _main(argv, _Streams(out or sys.stdout, err or sys.stderr))


def _main(argv: Sequence[str] | None, io: _Streams) -> int:
    parser = build_parser()
    status, message = _dispatch(parser, argv, io)
    if status in (EXIT_USAGE, EXIT_INTERNAL) and message:
        _not_run_json(_args_of(parser, argv), status, message, io)
    return status


def _args_of(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None
) -> argparse.Namespace | None:
    try:
        return parser.parse_args(argv)
    except (SystemExit, UsageError):
        return None


def _not_run_json(args: argparse.Namespace | None, status: int, message: str, io: _Streams) -> None:
    """With --json FILE, a run that checked nothing still leaves its results document."""
    if args is None or getattr(args, "command", None) != "check":
        return
    target = args.json if isinstance(args.json, Path) else None
    if target is None or target.is_symlink() or not _json_or_new(target):
        return  # never over anything but an earlier results JSON (the error may be about it)
    from datetime import UTC, datetime

    from syncguard.model import Outcome
    from syncguard.output.results_json import not_run_json, write_json

    outcome = Outcome.INVALID if status == EXIT_USAGE else Outcome.ERROR
    started = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        if target.resolve() != Path(args.export).resolve():
            write_json(target, not_run_json(outcome, message, str(args.export), started))
    except OSError as exc:
        print(f"syncguard: warning: cannot write {target} ({exc.strerror})", file=io.err)


def _json_or_new(target: Path) -> bool:
    """Whether a path is new, or a regular file holding JSON (an earlier results document)."""
    if not target.exists():
        return True
    if not target.is_file():
        return False
    try:
        with target.open("rb") as handle:
            return handle.read(1) == b"{"
    except OSError:
        return False


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
) -> tuple[int, str]:
    """Run the command; (status, the one sentence printed for exit 3 and 4)."""
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help and --version
            return int(exc.code or 0), ""
        command = COMMANDS.get(args.command)
        if command is not None:
            return command(args, io), ""
        parser.print_help(io.out)
        return EXIT_USAGE, ""
    except RuleFileError as exc:
        count = len(exc.problems)
        print(
            f"{exc}\nsyncguard: {count} problem(s) in the rule files; fix them and run again",
            file=io.err,
        )
        return EXIT_USAGE, str(exc)
    except UnusableExportError as exc:
        print(f"syncguard: {exc}", file=io.err)
        return EXIT_UNUSABLE, ""
    except SyncguardError as exc:
        print(f"syncguard: {exc}", file=io.err)
        return EXIT_USAGE, str(exc)
    except BrokenPipeError:  # output piped into `head` and closed early: exit as SIGPIPE would
        return 141, ""
    except KeyboardInterrupt:
        print("syncguard: interrupted", file=io.err)
        return 130, ""
    except SystemExit as exc:  # a plug-in (a project check module) tried to end the run
        print(
            f"syncguard: internal error (something called sys.exit({exc.code!r}) during the "
            "run, most likely a module in the project's checks/ folder); the run was stopped, "
            "fix that module",
            file=io.err,
        )
        return EXIT_INTERNAL, f"sys.exit({exc.code!r}) called during the run"
    except Exception as exc:  # a bug of ours: one sentence, traceback only on request
        if os.environ.get("SYNCGUARD_DEBUG"):
            raise
        print(
            f"syncguard: internal error ({type(exc).__name__}: {exc}); this is a bug in syncguard, "
            "please report it with SYNCGUARD_DEBUG=1 output",
            file=io.err,
        )
        return EXIT_INTERNAL, f"internal error ({type(exc).__name__})"


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
