"""What every output writer gets, and writes with: a finished run, and whole-or-nothing files."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import BinaryIO

import polars as pl

from syncguard.masking import Masker
from syncguard.model import Check, Finding, RunResult
from syncguard.repair import Planned


@dataclass(frozen=True)
class Limits:
    """How much of a run each output holds at most; every count stays whole, and each output
    says what it left out.

    The defaults keep a legitimate export whole (a 170,000-row export with a few checks failing
    on every row: every failing row in the CSV and the JSON) and cut only the multiplication of
    rows by checks (thousands of rules failing on every row): the CSV lists at most
    ``problems_per_row`` problems of one row, the page describes the worst problems in full.
    """

    problems_in_full: int = 100
    """Report: problems described in full (a section with rows and values each)."""
    listed: int = 2_000
    """Report: lines of a compact table (the problems and checks beyond those in full)."""
    rows_per_problem: int = 20
    """Report: failing rows shown per problem."""
    worklist_rows: int = 100
    """Report: failing rows in the worklist."""
    worklist_problems: int = 20
    """Report: problems listed per worklist row."""
    checks_in_full: int = 200
    """Report: checks described in full (failed first)."""
    csv_problems_per_row: int = 50
    """failing_rows.csv: problems listed per row (the most harmful first)."""
    csv_lines: int = 1_000_000
    """failing_rows.csv: problem lines at most (a spreadsheet opens 1,048,576 rows)."""
    json_rows: int = 1_000_000
    """results.json: row numbers listed over all findings; when they hold more, each finding
    lists the same number of its first rows at most (a fair share; failed_rows stays exact)."""


@dataclass(frozen=True)
class RunOutput:
    """A finished run as writers see it: the result, the usable records, how to show values."""

    result: RunResult
    frame: pl.DataFrame
    """The export's usable records (every column text, row numbers in ``ROW``)."""
    masker: Masker = field(default_factory=Masker)
    limits: Limits = field(default_factory=Limits)
    repairs: Planned | None = None
    """What ``syncguard fix`` would change in the export (the check's dry run of it), if run."""

    def check(self, check_id: str) -> Check | None:
        """The catalogue entry of a check that ran."""
        for c in self.result.checks:
            if c.id == check_id:
                return c
        return None


CELLS = " | "
"""Between the cells of one example of a check that relates several columns."""


def example_columns(finding: Finding) -> tuple[str | None, ...]:
    """The column each example of a finding was read from (None: not known, so masked)."""
    if finding.example_columns:
        return finding.example_columns
    column = finding.columns[0] if finding.cells and finding.columns else finding.column
    return (column,) * len(finding.examples)


def shown_examples(finding: Finding, masker: Masker) -> list[tuple[int | None, str, str]]:
    """Each example as every output for people shows it: (row, column, value), the value by
    its column's data class (:meth:`Masker.show`). Of a check that relates several columns
    (an end date before the start date) each example is every cell of its row, each by its
    own column's class, joined by :data:`CELLS` (the column: all of them, as the worklist's)."""
    columns = example_columns(finding)
    out: list[tuple[int | None, str, str]] = []
    for i, value in enumerate(finding.examples):
        row = finding.rows[i] if i < len(finding.rows) else None
        if i < len(finding.cells):
            cells = zip(finding.columns, finding.cells[i], strict=False)
            label = ", ".join(finding.columns)  # as the worklist names them
            out.append((row, label, CELLS.join(masker.show(v, c) for c, v in cells)))
            continue
        column = columns[i] if i < len(columns) else finding.column
        out.append((row, column or "", masker.show(value, column)))
    return out


class Requested(Enum):
    """Outputs a run writes only when asked, each to the place the caller names."""

    JUNIT = "junit"
    """JUnit XML, replaced whole (``--junit FILE``)."""
    SUMMARY_MD = "summary_md"
    """A Markdown summary, appended (``--summary-md FILE``, e.g. ``$GITHUB_STEP_SUMMARY``)."""
    GITHUB = "github"
    """GitHub Actions annotations, printed to a stream (``--github``)."""


Writer = Callable[[RunOutput, Path], Path]
"""A writer: writes its file into the run folder and returns its path."""


def file_mode(path: Path, private: bool = False) -> int:
    """The mode a file written at ``path`` gets: an existing file's own, else a new file's.

    A new file gets what a plain ``open()`` would give it (``0o666`` less the umask); a private
    one (raw values: ``--show-values``) ``0o600``, and never any bit for the group or others,
    even when the file it replaces had them.
    """
    try:
        info = os.stat(path, follow_symlinks=False)
        existing = stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None
    except (OSError, ValueError):
        existing = None
    if existing is None:
        umask = os.umask(0)
        os.umask(umask)
        existing = 0o600 if private else 0o666 & ~umask
    return existing & ~0o077 if private else existing


def write_atomic(
    path: Path, content: str | bytes | Callable[[BinaryIO], object], private: bool = False
) -> None:
    """Write a file whole or not at all (temporary file in the same folder, then rename).

    ``content`` is text (written as UTF-8), bytes, or a function that writes into the open
    binary file (a large table streams to disk instead of becoming one string first). The file
    keeps the mode of the one it replaces; ``private`` files (raw values) are ``0o600``
    (:func:`file_mode`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = file_mode(path, private)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), mode)
            if isinstance(content, str):
                out.write(content.encode("utf-8"))
            elif isinstance(content, bytes):
                out.write(content)
            else:
                content(out)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        if exc.filename is None and exc.errno is not None:  # name the file being written
            exc.filename = str(path)
        raise
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def append(path: Path, data: bytes, private: bool = False) -> None:
    """Append to a regular file, or make it (``0o600`` when ``private``; never through a link).

    An existing file keeps its mode: it is appended to, never replaced (a CI step summary).
    """
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    fd = os.open(path, flags, 0o600 if private else 0o666)
    with os.fdopen(fd, "ab") as out:
        if not stat.S_ISREG(os.fstat(out.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        out.write(data)
