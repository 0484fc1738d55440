"""Errors meant for people: each says what is wrong, where, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
        where = f"{path}" if row is None else f"{path}: row {row}"
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


class RuleFileError(SyncguardError):
    """One or more rule files are wrong; carries every problem found, in file order."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = sorted(
            problems, key=lambda p: (str(p.location.path), p.location.line, p.location.column)
        )
        super().__init__("\n".join(str(p) for p in self.problems))
