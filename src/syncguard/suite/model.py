"""Typed rules and the suite they form: the single source of truth for every engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syncguard.errors import RuleProblem, SourceLocation
from syncguard.masking import DataClass
from syncguard.model import Basis, BasisKind, Consequence, Severity

NO_BASIS = Basis(BasisKind.PRACTICE, "no basis given")


@dataclass(frozen=True)
class Rule:
    """One rule as an analyst wrote it, with the place it was written."""

    id: str
    kind: str
    columns: tuple[str, ...]
    severity: Severity
    description: str
    location: SourceLocation
    params: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    mostly: float | None = None
    title: str = ""
    basis: Basis = NO_BASIS
    fix: str = ""
    severity_given: bool = True
    """False when the rule file names no severity: it then follows the basis."""
    consequence: Consequence = Consequence.COSMETIC
    """What the import does with a failing row (given, or its kind's, or its basis's)."""
    explains: tuple[str, ...] = ()
    """Checks whose findings on the same cells this rule's findings explain."""

    @property
    def column(self) -> str:
        """The first (for single-column kinds: the only) column of the rule."""
        return self.columns[0]


@dataclass(frozen=True)
class Override:
    """A rule file's change to a check of any source: its severity, or switching it off."""

    id: str
    location: SourceLocation
    severity: Severity | None = None
    enabled: bool = True
    reason: str = ""


@dataclass(frozen=True)
class Suite:
    """A parsed, checked suite of rules and the header contract of the export."""

    name: str
    version: str
    known_headers: tuple[str, ...]
    rules: tuple[Rule, ...]
    sources: tuple[Path, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    overrides: tuple[Override, ...] = ()
    check_failures: tuple[RuleProblem, ...] = ()
    """Project check modules that failed to load, at the ``checks:`` line that loads them."""
    skipped_rules: tuple[str, ...] = ()
    """Rules left out because their kind is not known while a check module failed to load."""
    data_classes: Mapping[str, DataClass] = field(default_factory=dict, hash=False, compare=False)
    """Columns whose data class the rule files declare (``personal:`` in ``headers``)."""
    contract: Path | None = None
    """The contract: the first rule folder or file read (None: a suite built in code)."""
    contract_sha256: str = ""
    """Of the contract's rule files and the check modules they load (:func:`contract.digest`)."""

    def rules_of(self, kind: str) -> tuple[Rule, ...]:
        """The rules of one kind, in file order."""
        return tuple(r for r in self.rules if r.kind == kind)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError for a developer mistake)."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)
