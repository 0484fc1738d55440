"""The catalogue: every check syncguard can report, declared once, as the institution tuned it.

Three sources feed it: the rules of the YAML suite, the intake checks
(``intake/checks.py``) and the comparison checks (``compare/checks.py``). A rule file's
``overrides:`` set the severity of any of them or switch it off; an unknown id is a rule-file
problem at its ``path:line:col`` with the nearest known id.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from syncguard.compare.checks import CHECKS as COMPARISON_CHECKS
from syncguard.compare.checks import DECLARED as COMPARISON_DECLARED
from syncguard.errors import RuleFileError, RuleProblem
from syncguard.intake.checks import CHECKS as INTAKE_CHECKS
from syncguard.intake.headers import HeaderContract, RequiredHeader
from syncguard.masking import DataClass
from syncguard.model import Basis, BasisKind, Check, Engine, Finding, Severity, Source
from syncguard.repair import REPAIRS
from syncguard.suite.model import Override, Rule, Suite
from syncguard.suite.registry import kinds


def rule_check(rule: Rule) -> Check:
    """A YAML rule as a catalogue entry."""
    return Check(
        id=rule.id,
        title=rule.title or rule.id,
        severity=rule.severity,
        description=rule.description,
        basis=rule.basis,
        fix=rule.fix,
        source=Source.RULE_FILE,
        engine=kinds()[rule.kind].engine,
        columns=rule.columns,
        location=rule.location.short(),
        kind=rule.kind,
        params=dict(rule.params),
    )


CHECK_MODULE = Check(
    id="project.check_module",
    title="Project check modules load",
    severity=Severity.ERROR,
    description="A Python module of the project's checks/ folder failed to load (it raised, or "
    "called sys.exit), so the rules of its kinds did not run.",
    basis=Basis(
        BasisKind.IMPORTER,
        "the rules of the module's kinds stand for spec sentences and importer facts; a rule "
        "that could not run has no verdict, and a gate that cannot check may not pass (an "
        "engine crash is an error, never a pass)",
    ),
    fix="Fix the module named in the message (run 'syncguard rules' to see the error), or remove "
    "the rules that use its kinds.",
    source=Source.RULE_FILE,
    engine=Engine.INTAKE,
    tunable=False,
    message="{failure}; the rules of its kinds did not run ({skipped})",
)
"""A failed project check module: an error finding, and the other rules still run."""


def builtin_checks() -> tuple[Check, ...]:
    """Every built-in check: intake's, then the comparison's, at their default severity."""
    return (
        *INTAKE_CHECKS,
        *(c.entry for c in COMPARISON_CHECKS),
        *COMPARISON_DECLARED,
        CHECK_MODULE,
        *REPAIRS,
    )


@dataclass(frozen=True)
class Catalogue:
    """The suite and the built-in checks after the rule files' overrides.

    ``suite`` holds only the enabled rules, at their tuned severity; ``checks`` every enabled
    check of any source; ``disabled`` the ones switched off, with the override that did it.
    """

    suite: Suite
    checks: tuple[Check, ...]
    disabled: tuple[tuple[Check, Override], ...] = ()

    def get(self, check_id: str) -> Check | None:
        """The enabled check with this id, or None (unknown or switched off)."""
        return self._by_id.get(check_id)

    @property
    def _by_id(self) -> Mapping[str, Check]:
        return {c.id: c for c in self.checks}

    def of(self, source: Source) -> Mapping[str, Check]:
        """The enabled checks of one source, by id."""
        return {c.id: c for c in self.checks if c.source is source}

    def tune(self, findings: Iterable[Finding]) -> list[Finding]:
        """Intake findings at their tuned severity; findings of switched-off checks dropped.

        Findings of YAML rules and comparison checks already carry the tuned severity (they
        were made from the tuned suite and entries).
        """
        by_id = self._by_id
        off = {c.id for c, _ in self.disabled}
        out = []
        for f in findings:
            if f.rule in off:
                continue
            entry = by_id.get(f.rule)
            if entry is not None and entry.source is Source.INTAKE:
                f = dataclasses.replace(f, severity=entry.severity)
            out.append(f)
        return out

    @property
    def masking(self) -> Mapping[str, DataClass]:
        """Each column's declared data class (any other column is personal)."""
        return self.suite.data_classes

    def contract(self) -> HeaderContract:
        """What intake enforces on row 1: the known headers, the required ones and how badly."""
        return HeaderContract(
            known=self.suite.known_headers,
            required=tuple(
                RequiredHeader(r.column, r.id, r.severity, r.location.short())
                for r in self.suite.rules_of("required_header")
            ),
        )


def build(suite: Suite) -> Catalogue:
    """Apply the suite's overrides to its rules and to the built-in checks.

    Raises:
        RuleFileError: an override names no known check, one that cannot be tuned, or the
            same check twice.
    """
    rules = {r.id: r for r in suite.rules}
    builtins = {c.id: c for c in builtin_checks()}
    known = sorted({*rules, *builtins})
    problems: list[RuleProblem] = []
    seen: dict[str, Override] = {}
    for o in suite.overrides:
        if o.id in seen:
            problems.append(RuleProblem(o.location, f"'{o.id}' is overridden twice"))
        elif o.id not in rules and o.id not in builtins:
            close = difflib.get_close_matches(o.id, known, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else "; 'syncguard rules' lists them"
            problems.append(RuleProblem(o.location, f"no check has the id '{o.id}'{hint}"))
        elif o.id in builtins and not builtins[o.id].tunable:
            problems.append(
                RuleProblem(o.location, f"'{o.id}' cannot be tuned: nothing can be checked then")
            )
        seen[o.id] = o
    if problems:
        raise RuleFileError(problems)
    kept: list[Rule] = []
    disabled: list[tuple[Check, Override]] = []
    for rule in suite.rules:
        tuned = seen.get(rule.id)
        if tuned is not None and tuned.severity is not None:
            rule = dataclasses.replace(rule, severity=tuned.severity)
        if tuned is not None and not tuned.enabled:
            disabled.append((rule_check(rule), tuned))
        else:
            kept.append(rule)
    checks = [rule_check(r) for r in kept]
    for entry in builtins.values():
        tuned = seen.get(entry.id)
        if tuned is not None and tuned.severity is not None:
            entry = dataclasses.replace(entry, severity=tuned.severity)
        if tuned is not None and not tuned.enabled:
            disabled.append((entry, tuned))
        else:
            checks.append(entry)
    return Catalogue(dataclasses.replace(suite, rules=tuple(kept)), tuple(checks), tuple(disabled))
