"""The one guard every output path goes through: never over what a run reads or keeps.

A command builds one :class:`OutputGuard` (its protected files computed once) and asks it
about each path it is about to write. The guard refuses (``UsageError``, exit 3) a path that
is a symbolic link (dangling or not) or not a regular file; that is the export, ``--previous``,
the project file, a rule file, a history or its key and journal files; that lies in another
run's folder or is the report folder's ``index.html``/``latest.*``; that another output of the
same command writes; or that exists and is not a file syncguard wrote (unless ``--force``).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from syncguard.errors import UsageError
from syncguard.suite.contract import rule_files

RUN_FOLDER = re.compile(r"^\d{8}T\d{12}Z-")
"""The name of a run's folder (``ReportLayout.run_dir``: ``20261129T081500123456Z-export``)."""
REPORT_PAGES = ("index.html", "latest.html", "latest.json")
"""What a recorded run redraws in the report folder itself."""
GENERATOR = '<meta name="generator" content="syncguard">'
"""The mark every HTML page syncguard writes carries in its head."""
OLD_TITLES = (b"<title>syncguard: all runs</title>", b"<title>syncguard: the latest run</title>")
"""How pages written before :data:`GENERATOR` are recognised."""
HISTORY_FILES = ("-wal", "-shm", "-journal")
"""SQLite's files beside a history (its key is ``.key`` in its place)."""
HEAD_BYTES = 4096
"""How much of an existing file is read to recognise it."""
MAX_SUITE_BYTES = 64 << 20
"""A compiled suite larger than this is not taken for one of syncguard's."""

_RESULTS = re.compile(rb'\A\{\s*"schema_version"\s*:\s*\d+\s*,\s*"suite"\s*:')
_JUNIT = re.compile(rb'\A(?:<\?xml[^>]*\?>\s*)?<testsuites name="syncguard"')


class Output(Enum):
    """What an output writes, which says which existing file it may replace."""

    RESULTS_JSON = "a results JSON"
    JUNIT = "a JUnit file"
    COMPILED_SUITE = "a compiled suite"
    PAGE = "a report page"
    NEW = "a new file"
    """Replaced only with ``--force`` (``fix --out``, ``suggest --out``, ``init``)."""
    APPEND = "appended to"
    """Appended to, never replaced (``--summary-md``): any regular file will do."""


@dataclass(frozen=True)
class Protected:
    """A file no output may write: what it is, where, and its identity when it exists."""

    path: Path
    what: str
    resolved: Path
    identity: tuple[int, int] | None


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL in the name
        return path.absolute()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino)


def history_files(history: Path) -> list[tuple[Path, str]]:
    """A history, its key and SQLite's journal files, each with what it is."""
    return [
        (history, "the history"),
        (history.with_suffix(".key"), "the history's key"),
        *((Path(f"{history}{side}"), "the history's journal") for side in HISTORY_FILES),
    ]


def _head(path: Path, size: int) -> bytes | None:
    """The first ``size`` bytes of a regular file (never through a link, never blocking)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    with open(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read(size)


def written_by_syncguard(path: Path, output: Output) -> bool:
    """Whether an existing file is one syncguard wrote as ``output`` (and may replace)."""
    if output is Output.COMPILED_SUITE:
        data = _head(path, MAX_SUITE_BYTES + 1)
        if data is None or len(data) > MAX_SUITE_BYTES:
            return False
        try:
            document = json.loads(data)
        except ValueError:
            return False
        meta = document.get("meta") if isinstance(document, dict) else None
        return (
            isinstance(meta, dict)
            and ("syncguard_version" in meta or "syncguard" in meta)
            and isinstance(document.get("expectations"), list)
        )
    head = _head(path, HEAD_BYTES)
    if head is None:
        return False
    if output is Output.RESULTS_JSON:
        return _RESULTS.match(head) is not None
    if output is Output.JUNIT:
        return _JUNIT.match(head) is not None
    if output is Output.PAGE:
        return GENERATOR.encode() in head or any(title in head for title in OLD_TITLES)
    return output is Output.APPEND


class OutputGuard:
    """The files a command must not write, and the check every output path goes through.

    Build it once per command (:meth:`of`); then :meth:`check` each path before writing it.
    It remembers the paths it allowed, so two outputs of one command never write one file.
    """

    def __init__(
        self, protected: Iterable[Protected], report_dirs: Iterable[Path], force: bool = False
    ) -> None:
        self.protected = tuple(protected)
        self.report_dirs = tuple(dict.fromkeys(_resolved(d) for d in report_dirs))
        self.force = force
        self.claimed: dict[Path, str] = {}

    @classmethod
    def of(
        cls,
        *,
        inputs: Iterable[tuple[Path | None, str]] = (),
        config: Path | None = None,
        rules: Iterable[Path | None] = (),
        histories: Iterable[Path | None] = (),
        report_dirs: Iterable[Path | None] = (),
        force: bool = False,
    ) -> OutputGuard:
        """The guard of one command.

        Args:
            inputs: Files the command reads, each with what it is ("the export").
            config: The project file in use.
            rules: Rule files and folders in use (a folder stands for its ``*.yaml`` files).
            histories: Every history the command or its project names (each with its key and
                journal files).
            report_dirs: Report folders: their run folders, index and latest pages, and
                default history are protected.
            force: Whether an existing file syncguard did not write may be replaced.
        """
        named: list[tuple[Path, str]] = [(p, what) for p, what in inputs if p is not None]
        if config is not None:
            named.append((config, "the project file"))
        for where in rules:
            if where is None:
                continue
            try:
                files = rule_files(where)
            except (OSError, ValueError):
                files = [where]
            named += [(f, "a rule file in use") for f in files]
        folders = [d for d in report_dirs if d is not None]
        for history in [*histories, *(d / "history.sqlite" for d in folders)]:
            if history is not None:
                named += history_files(history)
        protected: dict[Path, Protected] = {}
        for path, what in named:
            resolved = _resolved(path)
            protected.setdefault(resolved, Protected(path, what, resolved, _identity(path)))
        return cls(protected.values(), folders, force)

    def check(self, target: Path, option: str, output: Output) -> None:
        """Refuse (exit 3) to write ``target`` for ``option``; else claim it for this command.

        Raises:
            UsageError: one sentence naming the file, the option and what to do instead.
        """
        problem = self.problem(target, option, output)
        if problem is not None:
            raise UsageError(f"{target}: {problem}")
        self.claimed[_resolved(target)] = option

    def allows(self, target: Path, option: str, output: Output) -> bool:
        """Whether :meth:`check` would let ``target`` be written (nothing is claimed)."""
        return self.problem(target, option, output) is None

    def problem(self, target: Path, option: str, output: Output) -> str | None:
        """Why ``target`` must not be written for ``option`` (None: it may be)."""
        try:
            info: os.stat_result | None = target.lstat()
        except (FileNotFoundError, NotADirectoryError):
            info = None
        except (OSError, ValueError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return f"cannot use this {option} path ({why}); give another file name"
        if info is not None and not stat.S_ISREG(info.st_mode):
            what = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
            verb = "append to" if output is Output.APPEND else "write into"
            stdout = ", or '-' for standard output" if option == "--json" else ""
            return f"{option} would {verb} {what}; give a new file name{stdout}"
        kept = self._protected(target, info)
        if kept is not None:
            return f"{option} would overwrite {kept}; give another file name"
        other = self.claimed.get(_resolved(target))
        if other is not None and other != option:
            return f"{option} would overwrite what {other} writes; give another file name"
        if info is None or output is Output.APPEND:
            return None
        if output is Output.NEW:
            if self.force:
                return None
            return (
                f"exists already; {option} never overwrites a file without --force: "
                "choose another name, or add --force to replace it"
            )
        if self.force or written_by_syncguard(target, output):
            return None
        return (
            f"exists and is not {output.value} syncguard wrote, so {option} would destroy it; "
            "choose another name, or add --force to replace it"
        )

    def _protected(self, target: Path, info: os.stat_result | None) -> str | None:
        """What protected file ``target`` is, named for people (None: none)."""
        resolved = _resolved(target)
        identity = (info.st_dev, info.st_ino) if info is not None else None
        for kept in self.protected:
            if resolved == kept.resolved or (identity is not None and identity == kept.identity):
                named = "" if kept.path == target else f" ({kept.path})"
                return f"{kept.what}{named}"
        for base in self.report_dirs:
            try:
                parts = resolved.relative_to(base).parts
            except ValueError:
                continue
            if len(parts) >= 2 and RUN_FOLDER.match(parts[0]):
                return f"a file of another run ({base / parts[0]})"
            if len(parts) == 1 and parts[0] in REPORT_PAGES:
                return f"the report folder's {parts[0]}"
        return None

    def check_report_dir(self, base: Path, option: str = "--report-dir") -> None:
        """Refuse a report folder whose ``index.html`` or ``latest.*`` syncguard did not write.

        Raises:
            UsageError: a page there is foreign (and ``force`` is off), a link or no file.
        """
        for name in REPORT_PAGES:
            page = base / name
            try:
                info = page.lstat()
            except (FileNotFoundError, NotADirectoryError):
                continue
            except (OSError, ValueError):
                continue  # the run's own writing will say what is wrong with the folder
            output = Output.RESULTS_JSON if name.endswith(".json") else Output.PAGE
            regular, link = stat.S_ISREG(info.st_mode), stat.S_ISLNK(info.st_mode)
            if (regular or link) and self.force:
                continue  # a link is replaced by a file of its own; where it points is left alone
            if regular and written_by_syncguard(page, output):
                continue
            what = "a symbolic link" if link else "not a page syncguard wrote"
            if not regular and not link:
                what = "not a regular file"
            force = " or add --force" if (regular or link) and option.startswith("--") else ""
            raise UsageError(
                f"{page}: is {what}, and {option} {base} would replace it; choose another "
                f"{option}, move the file away{force}"
            )
