"""syncguard: data-quality gate for the Handshake student sync export (EU format)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from syncguard._version import __version__
from syncguard.errors import (
    OutputError,
    RuleFileError,
    RuleProblem,
    SyncguardError,
    UnusableExportError,
    UsageError,
)
from syncguard.model import BaselineMode, Engine, Finding, Outcome, RunResult, Severity

if TYPE_CHECKING:
    from syncguard.api import Checked, check

__all__ = [
    "BaselineMode",
    "Checked",
    "Engine",
    "Finding",
    "Outcome",
    "OutputError",
    "RuleFileError",
    "RuleProblem",
    "RunResult",
    "Severity",
    "SyncguardError",
    "UnusableExportError",
    "UsageError",
    "__version__",
    "check",
]

_LAZY = frozenset({"Checked", "check"})
"""Names of :mod:`syncguard.api`, imported on first use (it imports the data libraries; the
command line imports this package for every command, ``--help`` included)."""


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from syncguard import api

        return getattr(api, name)
    raise AttributeError(f"module 'syncguard' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
