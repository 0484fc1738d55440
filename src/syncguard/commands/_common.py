"""What several commands share: exit statuses, argument types, the project, the guard, streams."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO, TypeVar

from syncguard import invocation
from syncguard.display import printable
from syncguard.errors import UsageError

if TYPE_CHECKING:
    from syncguard.catalogue import Catalogue
    from syncguard.output.guard import OutputGuard
    from syncguard.project import Project
    from syncguard.suite.model import Suite

_T = TypeVar("_T")
EXIT_PASSED, EXIT_FAILED, EXIT_UNUSABLE, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3, 4


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


_Subparsers = argparse._SubParsersAction  # the type of ``parser.add_subparsers()``


def add_history_choice(parser: argparse.ArgumentParser) -> None:
    """``--history PATH_OR_URL`` or ``--no-history``, for the commands that record a run."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--history",
        type=_history_path,
        metavar="PATH_OR_URL",
        help="the history file (default: REPORT_DIR/history.sqlite; sqlite:///path works too)",
    )
    group.add_argument(
        "--no-history", action="store_true", help="neither read nor write the history"
    )


@dataclass(frozen=True)
class Parents:
    """The shared parent parsers: ``common`` (-q, --progress) every command takes, ``suite``
    (--config, --rules, --email-domain, --as-of) and ``where`` (which history)."""

    common: _Parser
    suite: _Parser
    where: _Parser


@dataclass(frozen=True)
class Command:
    """A subcommand: its parser setup and its handler (the exit status)."""

    name: str
    add_parser: Callable[[_Subparsers[_Parser], Parents], None]
    run: Callable[[argparse.Namespace, _Streams], int]


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
