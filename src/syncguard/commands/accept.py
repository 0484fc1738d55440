"""``syncguard accept``: mark a failed run as uploaded anyway."""

from __future__ import annotations

import argparse

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


def add_parser(sub: _Subparsers[_Parser], parents: Parents) -> None:
    """Declare the command, its options and its help."""
    accept = sub.add_parser(
        "accept",
        parents=[parents.where],
        help="mark a failed run as uploaded anyway, so later runs compare with it",
    )
    accept.add_argument(
        "run", type=_run_number, metavar="RUN", help="the run number ('syncguard history')"
    )


def run(args: argparse.Namespace, io: _Streams) -> int:
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


COMMAND = Command("accept", add_parser, run)
