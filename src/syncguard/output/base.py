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
class RunOutput:
    """A finished run as writers see it: the result, the usable records, how to show values."""

    result: RunResult
    frame: pl.DataFrame
    """The export's usable records (every column text, row numbers in ``ROW``)."""
    masker: Masker = field(default_factory=Masker)

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
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        if exc.filename is None:  # a failed write names no file: name the one being written
            exc.filename = str(path)
        raise
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
