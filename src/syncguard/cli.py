"""The command line: ``syncguard check`` (the quality gate) and ``syncguard rules`` (list them).

Exit status: 0 passed, 1 a check of severity error failed, 2 unusable export, 3 wrong command
line, rule file or settings, 4 internal error (one sentence on stderr each). Great Expectations
is imported only by ``check`` and ``compile``. Each command is a module of
:mod:`syncguard.commands`; this module parses, dispatches and turns errors into exit statuses.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from io import TextIOWrapper
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from syncguard._version import __version__
from syncguard.commands import COMMANDS
from syncguard.commands._common import (
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_PASSED,
    EXIT_UNUSABLE,
    EXIT_USAGE,
    Parents,
    _date,
    _domain,
    _guard,
    _history_path,
    _Parser,
    _path,
    _project,
    _Streams,
)
from syncguard.display import printable
from syncguard.errors import (
    OutputError,
    RuleFileError,
    SyncguardError,
    UnusableExportError,
    UsageError,
)

if TYPE_CHECKING:
    from syncguard.output.guard import OutputGuard
    from syncguard.project import Project

__all__ = [
    "COMMANDS",
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_PASSED",
    "EXIT_UNUSABLE",
    "EXIT_USAGE",
    "build_parser",
    "main",
    "main_exit",
]


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
    parents = Parents(common=common, suite=suite_options, where=where)
    for command in COMMANDS.values():
        command.add_parser(sub, parents)
    return parser


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
            return command.run(args, io), ""
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
