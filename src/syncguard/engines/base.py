"""The engine seam: what a validation backend offers the pipeline, and the list of backends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import polars as pl

from syncguard.model import Engine, Finding
from syncguard.suite.model import Rule
from syncguard.suite.registry import RuleKind, kinds


class Backend(Protocol):
    """A validation engine: it owns some rule kinds and turns their rules into findings.

    ``warm_up`` starts slow work that needs no data (an import) so it overlaps reading the
    export; ``run`` validates the frame (every column text, row numbers in ``ROW``) and returns
    one finding per failing rule, and an error finding for each rule it could not run.
    """

    engine: Engine

    def owns(self, kind: RuleKind) -> bool:
        """Whether rules of this kind run here."""
        ...

    def warm_up(self) -> None:
        """Start what takes time and needs no data (idempotent)."""
        ...

    def run(self, frame: pl.DataFrame, rules: Sequence[Rule], suite: str) -> list[Finding]:
        """Validate ``frame`` against ``rules`` (all owned by this backend)."""
        ...


def rules_for(backend: Backend, rules: Sequence[Rule]) -> list[Rule]:
    """The rules a backend owns, in suite order."""
    registry = kinds()
    return [r for r in rules if backend.owns(registry[r.kind])]
