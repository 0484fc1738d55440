"""``syncguard history``: list past runs from the history."""

from __future__ import annotations

import argparse
import json

from syncguard.commands._common import (
    EXIT_PASSED,
    Command,
    Parents,
    _history_file,
    _Parser,
    _run_number,
    _Streams,
    _Subparsers,
)
from syncguard.display import printable
from syncguard.errors import UsageError
from syncguard.model import PastRun, RuleCount


def add_parser(sub: _Subparsers[_Parser], parents: Parents) -> None:
    """Declare the command, its options and its help."""
    past = sub.add_parser(
        "history", parents=[parents.where], help="list past runs from the history"
    )
    past.add_argument("--suite", help="only runs of this suite")
    past.add_argument("--json", action="store_true", help="the runs as JSON on stdout")
    past.add_argument(
        "show",
        nargs="?",
        metavar="RUN",
        type=_run_number,
        help="one run in detail (its counts per check)",
    )
    past.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")


def run(args: argparse.Namespace, io: _Streams) -> int:
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


COMMAND = Command("history", add_parser, run)
