"""What every output writer gets, and writes with: a finished run, and whole-or-nothing files."""

from __future__ import annotations

import errno
import os
import stat
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
