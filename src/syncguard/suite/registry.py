"""The registry of rule kinds: each kind lives in one module and registers itself once."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from syncguard.model import Consequence, Engine
from syncguard.trust import require_trusted

if TYPE_CHECKING:
    import polars as pl

    from syncguard.suite.model import Rule


@dataclass(frozen=True)
class Example:
    """A worked example of a kind: rows that pass and rows that fail (one tuple per row).

    Each tuple holds the values of the rule's columns, in order; for a header kind, a tuple is
    a header row. The registry test runs every kind on its example.
    """

    columns: tuple[str, ...]
    passing: tuple[tuple[str | None, ...], ...]
    failing: tuple[tuple[str | None, ...], ...]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Param:
    """A parameter a rule kind accepts in YAML."""

    name: str
    types: tuple[type, ...]
    required: bool = False
    doc: str = ""


class Scope(StrEnum):
    """Which rows a rule judges when last week's accepted export (the baseline) is known.

    The pipeline refines a rule's failing rows by the baseline: of a ``NEW_STUDENTS`` rule it
    keeps the rows of students the baseline does not know, and counts the others in the sync
    plan as "left unchanged"; of a ``STORED_VALUES`` rule it keeps the rows of students whose
    baseline cell held a value. Without a baseline (or one that lacks the rule's column) every
    failing row is kept.
    """

    EVERY_ROW = "every row"
    """Every student, known or new."""
    NEW_STUDENTS = "new students"
    """Students the importer does not know yet: a blank cell leaves a known student's stored
    value as it is, so a required value is needed only to create a student."""
    STORED_VALUES = "students with a stored value"
    """Students whose baseline cell held a value: a blank cell that wipes the stored value
    (``system_label_names``) harms only a student who had one."""


class RuleKind:
    """What every kind declares: its name, the engine that runs it, the parameters it takes."""

    name: ClassVar[str]
    engine: ClassVar[Engine]
    summary: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()
    min_columns: ClassVar[int] = 1
    max_columns: ClassVar[int | None] = 1
    example: ClassVar[Example]
    consequence: ClassVar[Consequence | None] = None
    """What the import does with a row failing a rule of this kind, unless the rule says
    (None: a rule with a spec or importer basis must say it)."""

    def check_params(self, params: Mapping[str, Any]) -> list[str]:
        """Problems with parameter values beyond their types (none by default)."""
        return []

    def suggest(self, rule: Rule, value: str) -> str | None:
        """The value probably meant instead of a failing one ("did you mean"), if any."""
        return None

    def scope(self, rule: Rule) -> Scope:
        """Which students the rule judges when there is a baseline (:class:`Scope`).

        Without a baseline every row is judged, whatever the scope: the importer's students
        are then unknown.
        """
        return Scope.EVERY_ROW

    def hint(self, rule: Rule, failing: list[str]) -> str | None:
        """A sentence explaining the failing values (e.g. "3 dates are day-first"), if any."""
        return None


class HeaderKind(RuleKind):
    """A kind that intake enforces on the header row, before any record is validated."""

    engine: ClassVar[Engine] = Engine.INTAKE


class PanderaKind(RuleKind):
    """A per-row kind compiled to a Pandera check on the polars frame.

    A kind that takes several columns checks each of them alike, one finding per column.
    """

    engine: ClassVar[Engine] = Engine.PANDERA

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        """A boolean expression over the column: true where a row passes the rule."""
        raise NotImplementedError


class ConditionOp(StrEnum):
    """How a row condition selects rows: value in a list, or (a date) before a value."""

    IN = "in"
    BEFORE = "before"


@dataclass(frozen=True)
class RowCondition:
    """The rows an expectation applies to, said without Great Expectations' own types."""

    column: str
    op: ConditionOp
    value: Any


@dataclass(frozen=True)
class ExpectationSpec:
    """An expectation described as data; the GE backend builds it (and adds mostly and meta).

    ``type`` is the class name of a Great Expectations expectation, or of one of syncguard's
    own (``engines/gx_expectations.py``). ``derived`` explains a derived column it runs on.
    """

    type: str
    kwargs: Mapping[str, Any]
    row_condition: RowCondition | None = None
    derived: str | None = None


class GxKind(RuleKind):
    """A kind compiled to a Great Expectations expectation, run on a pandas copy of its columns."""

    engine: ClassVar[Engine] = Engine.GREAT_EXPECTATIONS

    def boundary_columns(self, rule: Rule) -> tuple[str, ...]:
        """Raw columns the expectation reads, carried across the pandas boundary."""
        return rule.columns

    def derived(self, rule: Rule) -> dict[str, pl.Expr]:
        """Extra columns to compute in polars before the pandas boundary (name -> expression)."""
        return {}

    def expectation(self, rule: Rule) -> ExpectationSpec:
        """The expectation of a rule, as data (kinds never import Great Expectations)."""
        raise NotImplementedError


K = TypeVar("K", bound=type[RuleKind])

_KINDS: dict[str, RuleKind] = {}


def register(cls: K) -> K:
    """Class decorator: register a kind under its ``name`` (once; a second name is a bug)."""
    if cls.name in _KINDS:
        raise RuntimeError(f"rule kind {cls.name!r} registered twice")
    _KINDS[cls.name] = cls()
    return cls


def kinds() -> Mapping[str, RuleKind]:
    """Every registered kind, built-in ones loaded on first use."""
    _load_builtin()
    return dict(_KINDS)


def load_checks(folder: Path) -> list[str]:
    """Import every ``*.py`` of a project's ``checks/`` folder, so its kinds register.

    Returns the problems, one sentence each (a module that fails to import is named with why).
    A module already loaded (same file) is not loaded again.

    Raises:
        UsageError: the folder, a module or its bytecode cache (``__pycache__``, which Python
            would run instead of the source) is one that someone else could change.
    """
    problems = []
    _load_builtin()
    require_trusted(folder, "checks folder")
    cache = folder / "__pycache__"
    for path in (cache, *(sorted(cache.iterdir()) if cache.is_dir() else ())):
        require_trusted(path, "bytecode cache of a check module")
    modules = sorted(folder.glob("*.py"))
    for path in modules:
        require_trusted(path, "check module")
    for path in modules:
        name = f"syncguard_checks_{abs(hash(str(path.resolve())))}_{path.stem}"
        if name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            problems.append(f"cannot load {path}")
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # even sys.exit() in a module is its fault
            del sys.modules[name]
            what = (
                f"it called sys.exit({exc.code!r})"
                if isinstance(exc, SystemExit)
                else f"{type(exc).__name__}: {exc}"
            )
            problems.append(f"cannot load {path}: {what}")
    return problems


@cache
def _load_builtin() -> None:
    """Import the built-in kinds' modules, once (listing the package on every ``kinds()`` call
    cost a second per thousand rules)."""
    from syncguard.suite import kinds as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
