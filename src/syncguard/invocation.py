"""What ``syncguard check`` and ``syncguard.check()`` share: a person's choices made into a run.

The command line and the Python API take the same choices (the project file, rule files, email
domains, the date counted as today, report folder, history, previous export, baseline, raw
values) and must make the same run of them: the same project found from the working folder
with the same trust checks, the same suite and catalogue, the same report layout and output
guard. Only how a mistake names the option differs (``--config`` or ``config=``): see
:class:`Names`. Heavy modules are imported when a run is prepared, not when this one is: the
command line validates its arguments with these functions before it knows the command.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from syncguard.display import printable
from syncguard.errors import OutputError, SyncguardError, UsageError
from syncguard.model import BaselineMode

if TYPE_CHECKING:
    from syncguard.catalogue import Catalogue
    from syncguard.output.guard import OutputGuard
    from syncguard.pipeline import Completed, Options, ReportLayout
    from syncguard.project import Project
    from syncguard.suite.model import Suite


@dataclass(frozen=True)
class Names:
    """How a caller spells its options when a mistake names one."""

    config: str
    rules: str
    several_domains: str
    """What to do with a comma-separated list of email domains."""
    outputs: str
    """What to change when the results cannot be written."""


CLI = Names(
    config="--config",
    rules="--rules",
    several_domains="repeat --email-domain for each one",
    outputs="--report-dir or --json",
)
API = Names(
    config="config=",
    rules="rules=",
    several_domains="give each domain as its own item of email_domains",
    outputs="report_dir=",
)

DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


def email_domain(text: str, names: Names = CLI) -> str:
    """An institution's email domain, lower case, without ``@`` or a final dot.

    Raises:
        ValueError: not one domain such as ``uni.example.eu``.
    """
    domain = text.strip().removeprefix("@").lower().rstrip(".")
    if "," in domain or ";" in domain:
        raise ValueError(f"'{text}' lists several domains; {names.several_domains}")
    if not DOMAIN.match(domain) or len(domain) > 253:
        raise ValueError(f"'{text}' is not an email domain such as uni.example.eu")
    return domain


def as_of_date(text: str) -> str:
    """The date counted as today, as ``yyyy-mm-dd``.

    Raises:
        ValueError: not a date written ``yyyy-mm-dd``.
    """
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"'{text}' is not a date written yyyy-mm-dd") from None


def history_path(text: str) -> Path:
    """A history file: a path, or ``sqlite:///path``.

    Raises:
        ValueError: another URL, or an in-memory database (it keeps nothing between runs).
    """
    path = text[len("sqlite:///") :] if text.startswith("sqlite:///") else text
    if "://" in text and not text.startswith("sqlite:///"):
        raise ValueError(f"'{text}': only a file path or sqlite:///path works")
    if path in (":memory:", "") or path.startswith("file::memory:"):
        raise ValueError(
            f"'{text}': an in-memory history keeps nothing between runs; give a file path"
        )
    return Path(path)


def run_number(text: str) -> int:
    """A run number of the history: ASCII digits, no larger than SQLite's largest integer.

    Raises:
        ValueError: not such a number.
    """
    from syncguard.history.store import LARGEST_ID

    if re.fullmatch(r"[0-9]+", text) is None:
        raise ValueError(
            f"{text!r} is not a run number: give the number 'syncguard history' shows, e.g. 12"
        )
    number = int(text)
    if number > LARGEST_ID:
        raise ValueError(
            f"{text[:30]}{'...' if len(text) > 30 else ''} is larger than any run number can "
            "be; give the number 'syncguard history' shows"
        )
    return number


def baseline(text: str) -> tuple[BaselineMode, int | None]:
    """What to compare with: ``last-passed``, ``last``, or a run number.

    Raises:
        ValueError: none of these.
    """
    if text in (BaselineMode.LAST_PASSED.value, BaselineMode.LAST.value):
        return BaselineMode(text), None
    if re.fullmatch(r"[0-9]+", text) is None:
        raise ValueError(f"{text!r} is not a baseline: give last-passed, last, or a run number")
    return BaselineMode.RUN, run_number(text)


def project_of(config: Path | None, names: Names = CLI) -> Project:
    """The project a run belongs to: ``config``, else the nearest syncguard.toml from the
    working folder upwards (trusted only when this user or root owns it: project.py).

    Raises:
        UsageError: ``config`` is no regular file, or the project cannot be read or trusted.
    """
    from syncguard.project import find, load

    if config is not None and not config.is_file():
        if config.exists():  # a FIFO or a device would block or never end: never read it
            raise UsageError(
                f"{config}: {names.config} must name a regular file (a syncguard.toml), and "
                "this is not one; give the project file's path"
            )
        raise UsageError(
            f"{config}: no such project file; check {names.config} or run 'syncguard init'"
        )
    return load(config or find(Path.cwd()))


def suite_of(
    project: Project,
    rules: Path | None = None,
    email_domains: Iterable[str] = (),
    as_of: str | None = None,
    names: Names = CLI,
) -> Suite:
    """The project's suite: its contract extended by its rules, its settings under the
    caller's email domains and date; ``rules`` is another suite altogether (the project's
    rules then do not apply).

    Raises:
        RuleFileError: the rule files are wrong (every problem at its ``path:line:col``).
        UsageError: ``rules`` does not exist, or a rule file cannot be trusted.
    """
    from syncguard.suite.loader import load_suite

    overrides: dict[str, object] = dict(project.settings)
    domains = list(email_domains)
    if domains:
        overrides["email_domains"] = domains
    if as_of:
        overrides["today"] = as_of
    if rules is not None:
        if not rules.exists():
            raise UsageError(f"{rules}: no such rule file or folder; check {names.rules}")
        return load_suite(rules, overrides)
    extend = [project.rules] if project.rules is not None else []
    return load_suite(project.contract, overrides, extend)


def guard_of(
    project: Project | None,
    suite: Suite | None,
    *,
    inputs: Iterable[tuple[Path | None, str]] = (),
    rules: Path | None = None,
    histories: Iterable[Path | None] = (),
    report_dirs: Iterable[Path | None] = (),
    force: bool = False,
) -> OutputGuard:
    """The guard every output of one command goes through (its protected files, once).

    Protected: the ``inputs`` (the export, the previous export); the project file, its rule
    folders and the rule files in use; every history named (the caller's, the project's, each
    report folder's); the run folders, index and latest pages of the report folders.
    """
    from syncguard.output.guard import OutputGuard

    return OutputGuard.of(
        inputs=inputs,
        config=project.config if project is not None else None,
        rules=[
            *(suite.sources if suite is not None else ()),
            *((project.contract, project.rules) if project is not None else ()),
            rules,
        ],
        histories=[*histories, project.history if project is not None else None],
        report_dirs=[*report_dirs, project.report_dir if project is not None else None],
        force=force,
    )


@dataclass(frozen=True)
class Choices:
    """What a person chose for one check (the command line's options, the API's arguments)."""

    export: Path
    config: Path | None = None
    rules: Path | None = None
    email_domains: tuple[str, ...] = ()
    as_of: str | None = None
    report_dir: Path | None = None
    """None: the project's (``./reports`` without a project)."""
    history: Path | None = None
    """None: the project's, else ``REPORT_DIR/history.sqlite``."""
    keep_history: bool = True
    previous: Path | None = None
    baseline: BaselineMode = BaselineMode.LAST_PASSED
    baseline_run: int | None = None
    show_values: bool = False
    force: bool = False


@dataclass(frozen=True)
class Prepared:
    """A check ready to run: what ``pipeline.run`` takes, the project and the output guard."""

    project: Project
    catalogue: Catalogue
    layout: ReportLayout
    guard: OutputGuard
    options: Options


def prepare(choices: Choices, names: Names = CLI) -> Prepared:
    """Make the run of a person's choices: project, catalogue, layout, guard and options.

    Nothing is written. The caller checks its own outputs with the guard (and the report
    folder with ``guard.check_report_dir`` when the run is recorded) before it runs.

    Raises:
        RuleFileError: the rule files are wrong.
        UsageError: the project, a rule file or folder cannot be found or trusted.
    """
    from syncguard.catalogue import build
    from syncguard.pipeline import Options, ReportLayout

    project = project_of(choices.config, names)
    suite = suite_of(project, choices.rules, choices.email_domains, choices.as_of, names)
    catalogue = build(suite)
    report_dir = choices.report_dir or project.report_dir
    layout = ReportLayout.default(
        report_dir, choices.history or project.history, keep=choices.keep_history
    )
    guard = guard_of(
        project,
        catalogue.suite,
        inputs=[(choices.export, "the export"), (choices.previous, "the --previous export")],
        rules=choices.rules,
        histories=[layout.history, choices.history],
        report_dirs=[report_dir, choices.report_dir],
        force=choices.force,
    )
    options = Options(
        previous=choices.previous,
        show_values=choices.show_values,
        baseline=choices.baseline,
        baseline_run=choices.baseline_run,
        config=project.config,
    )
    return Prepared(project, catalogue, layout, guard, options)


def run_prepared(
    export: Path,
    catalogue: Catalogue,
    layout: ReportLayout,
    options: Options,
    names: Names = CLI,
) -> Completed:
    """Run the check; a history or output that fails is an error for people.

    Raises:
        UnusableExportError: the previous export cannot be read.
        OutputError: the disk under the history or an output is full.
        UsageError: the history cannot be used, or an output cannot be written.
    """
    from syncguard.history.store import HistoryError, HistoryFullError
    from syncguard.pipeline import run

    try:
        return run(export, catalogue, layout, options)
    except HistoryFullError as exc:  # not a mistake of the command line: exit 2
        raise OutputError(str(exc)) from None
    except HistoryError as exc:
        raise UsageError(f"{exc}") from None
    except OSError as exc:
        raise write_error(exc, "results", f"choose another {names.outputs}") from None


DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
"""Write errors that say the disk (or the user's quota, or the file size limit) is full."""


def write_error(exc: OSError, what: str, fix: str) -> SyncguardError:
    """One sentence for a failed write: the file, the problem in plain words, what to do.

    A full disk is not a mistake of the command line: it is an :class:`OutputError` (exit 2).
    """
    where = printable(exc.filename) if exc.filename else f"syncguard could not write {what}"
    reason = exc.strerror or type(exc).__name__
    if exc.errno in DISK_FULL:
        return OutputError(
            f"{where}: cannot write {what}: the disk is full ({reason}); free some space, or {fix}"
        )
    return UsageError(f"{where}: cannot write {what} ({reason}); {fix}")
