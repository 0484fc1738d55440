"""Errors meant for people: each says what is wrong, where, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from syncguard.display import printable


class SyncguardError(Exception):
    """Base of every error that is shown to a person as one sentence (exit status 2)."""


class UsageError(SyncguardError):
    """The command line is wrong (unknown option, missing file argument, bad value)."""


class UnusableExportError(SyncguardError):
    """The export cannot be validated at all: unreadable, not a CSV, wrong encoding, ..."""

    def __init__(self, path: Path, problem: str, fix: str, row: int | None = None) -> None:
        self.path = path
        self.problem = problem
        self.fix = fix
        self.row = row
        where = printable(path) if row is None else f"{printable(path)}: row {row}"
        super().__init__(f"{where}: {problem}; {fix}.")


@dataclass(frozen=True)
class SourceLocation:
    """A 1-based position in a rule file."""

    path: Path
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def short(self) -> str:
        """The place named by the rule file's name, as reports show it (no install paths)."""
        return f"{self.path.name}:{self.line}:{self.column}"


@dataclass(frozen=True)
class RuleProblem:
    """One problem found in a rule file, at its position."""

    location: SourceLocation
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


SAME_PLACES = 5
"""How many further places a problem repeated in one file names (the rest are counted)."""


def _collapse(problems: list[RuleProblem]) -> list[RuleProblem]:
    """One problem per message and file: a repeat is named on the first, with its places.

    ``found '*a'`` twenty times becomes ``3:4: ... found '*a'; write the value out (the same
    at 19 more places: 4:4, 5:4, 6:4, 7:4, 8:4 and 14 more)``.
    """
    first: dict[tuple[Path, str], list[RuleProblem]] = {}
    for problem in problems:
        first.setdefault((problem.location.path, problem.message), []).append(problem)
    collapsed = []
    for same in first.values():
        head, rest = same[0], same[1:]
        if not rest:
            collapsed.append(head)
            continue
        places = ", ".join(f"{p.location.line}:{p.location.column}" for p in rest[:SAME_PLACES])
        if len(rest) > SAME_PLACES:
            places += f" and {len(rest) - SAME_PLACES} more"
        plural = "place" if len(rest) == 1 else "places"
        message = f"{head.message} (the same at {len(rest)} more {plural}: {places})"
        collapsed.append(RuleProblem(head.location, message))
    return collapsed


class RuleFileError(SyncguardError):
    """One or more rule files are wrong; carries every problem found, in file order.

    A problem repeated word for word in one file is listed once, with its other places.
    """

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = _collapse(
            sorted(
                problems, key=lambda p: (str(p.location.path), p.location.line, p.location.column)
            )
        )
        super().__init__("\n".join(str(p) for p in self.problems))


class OutputError(SyncguardError):
    """An output cannot be written for a reason outside the command line (the disk is full)."""
