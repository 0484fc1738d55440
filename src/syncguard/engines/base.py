"""The engine seam: what a validation backend offers the pipeline, and the list of backends."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from syncguard.model import Engine, Finding
from syncguard.suite.model import Rule
from syncguard.suite.registry import RuleKind, kinds

if TYPE_CHECKING:
    import polars as pl


class Pending(Protocol):
    """Validation under way: its findings, waited for when asked."""

    elsewhere: bool
    """Whether the work runs in another process (it goes on while this one does other work)."""
    detail: str | None
    """After ``result()``: how the engine spent its time, when it ran elsewhere."""

    def result(self) -> list[Finding]:
        """The findings (waits until the engine is done)."""
        ...


class Later:
    """Validation done in this process, when its result is asked for (after the others start)."""

    def __init__(self, work: Callable[[], list[Finding]]) -> None:
        self.work = work
        self.elsewhere = False
        self.detail: str | None = None

    def result(self) -> list[Finding]:
        return self.work()


class Backend(Protocol):
    """A validation engine: it owns some rule kinds and turns their rules into findings.

    ``warm_up`` starts slow work that needs no data (an import, a worker process) so it
    overlaps reading the export; ``start`` begins validating the frame (every column text, row
    numbers in ``ROW``) and ``result()`` of what it returns gives one finding per failing rule,
    and an error finding for each rule it could not run. The pipeline starts every backend
    before asking any for its result, so an engine in another process runs alongside the others.
    """

    engine: Engine

    def owns(self, kind: RuleKind) -> bool:
        """Whether rules of this kind run here."""
        ...

    def warm_up(self) -> None:
        """Start what takes time and needs no data (idempotent)."""
        ...

    def start(self, frame: pl.DataFrame, rules: Sequence[Rule], suite: str) -> Pending:
        """Begin validating ``frame`` against ``rules`` (all owned by this backend)."""
        ...

    def run(self, frame: pl.DataFrame, rules: Sequence[Rule], suite: str) -> list[Finding]:
        """Validate ``frame`` against ``rules`` and wait for the findings."""
        ...


def rules_for(backend: Backend, rules: Sequence[Rule]) -> list[Rule]:
    """The rules a backend owns, in suite order."""
    registry = kinds()
    return [r for r in rules if backend.owns(registry[r.kind])]
