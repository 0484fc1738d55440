"""What every output writer gets, and writes with: a finished run, and whole-or-nothing files."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import polars as pl

from syncguard.masking import Masker
from syncguard.model import Check, RunResult


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

    def check(self, check_id: str) -> Check | None:
        """The catalogue entry of a check that ran."""
        for c in self.result.checks:
            if c.id == check_id:
                return c
        return None


Writer = Callable[[RunOutput, Path], Path]
"""A writer: writes its file into the run folder and returns its path."""


def write_atomic(path: Path, content: str | bytes | Callable[[BinaryIO], object]) -> None:
    """Write a file whole or not at all (temporary file in the same folder, then rename).

    ``content`` is text (written as UTF-8), bytes, or a function that writes into the open
    binary file (a large table streams to disk instead of becoming one string first).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            if isinstance(content, str):
                out.write(content.encode("utf-8"))
            elif isinstance(content, bytes):
                out.write(content)
            else:
                content(out)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # as a plain open() would have made it
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
