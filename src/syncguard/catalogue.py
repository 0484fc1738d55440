"""The catalogue: every check syncguard can report, declared once, as the institution tuned it.

Three sources feed it: the rules of the YAML suite, the intake checks
(``intake/checks.py``) and the comparison checks (``compare/checks.py``). A rule file's
``overrides:`` set the severity of any of them or switch it off; an unknown id is a rule-file
problem at its ``path:line:col`` with the nearest known id.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter

from syncguard.compare.checks import CHECKS as COMPARISON_CHECKS
from syncguard.compare.checks import DECLARED as COMPARISON_DECLARED
from syncguard.errors import RuleFileError, RuleProblem, UsageError
from syncguard.intake.checks import CHECKS as INTAKE_CHECKS
from syncguard.intake.headers import HeaderContract, RequiredHeader
from syncguard.masking import DataClass
from syncguard.model import (
    SEVERITY_RANK,
    Basis,
    BasisKind,
    Check,
    Consequence,
    Engine,
    Finding,
    Gate,
    Severity,
    Source,
    Tuning,
)
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
        defaulted=not rule.severity_given,
        consequence=rule.consequence,
        explains=rule.explains,
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
    consequence=Consequence.NOT_CHECKED,
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
    check of any source; ``disabled`` the ones switched off, with the override that did it;
    ``tunings`` every check switched off or re-graded, as runs show them. After :meth:`only`
    (``--only``), ``selected`` names the rules chosen and ``not_run`` the enabled rules left out.
    """

    suite: Suite
    checks: tuple[Check, ...]
    disabled: tuple[tuple[Check, Override], ...] = ()
    tunings: tuple[Tuning, ...] = ()
    selected: tuple[str, ...] | None = None
    not_run: tuple[Check, ...] = ()

    def get(self, check_id: str) -> Check | None:
        """The enabled check with this id, or None (unknown or switched off)."""
        return self._by_id.get(check_id)

    @property
    def _by_id(self) -> Mapping[str, Check]:
        return {c.id: c for c in self.checks}

    def gate(self, fail_on: Severity = Severity.ERROR) -> Gate:
        """The gate of a run of this catalogue: its policy, its scope and its overrides."""
        return Gate(
            fail_on=fail_on,
            only=self.selected,
            not_run=self.not_run,
            disabled=tuple(t for t in self.tunings if not t.enabled),
            regraded=tuple(t for t in self.tunings if t.enabled),
        )

    def only(self, wanted: Sequence[str]) -> Catalogue:
        """The catalogue with only these rules of the rule files (``--only``); intake and
        comparison checks still run. The rules left out are :attr:`not_run`.

        Raises:
            UsageError: no id given (an empty CI variable: running nothing must never pass), an
                id of a check switched off (with the override's place and reason), of a
                built-in check, or of no check (with the nearest rule id).
        """
        ids = [w.strip() for w in wanted if w.strip()]
        if not ids:
            raise UsageError(
                f"--only {','.join(wanted)!r}: names no rule (is a variable empty?); give rule "
                "ids separated by commas, or leave --only out to run every check"
            )
        rules = {r.id: r for r in self.suite.rules}
        off = {c.id: o for c, o in self.disabled}
        builtin = {c.id for c in self.checks if c.source is not Source.RULE_FILE}
        for w in ids:
            if w in off:
                why = f" ({off[w].reason})" if off[w].reason else ""
                raise UsageError(
                    f"--only {w}: this check is switched off at {off[w].location.short()}{why}, "
                    "so it cannot run; remove that override to try it, or name another rule"
                )
            if w in builtin:
                raise UsageError(
                    f"--only {w}: a built-in check, which runs in every check; --only selects "
                    "rules of the rule files (see 'syncguard rules')"
                )
            if w not in rules:
                close = difflib.get_close_matches(w, list(rules), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else "; see 'syncguard rules'"
                raise UsageError(f"--only {w}: no rule of the rule files has this id{hint}")
        chosen = set(ids)
        kept = tuple(r for r in self.suite.rules if r.id in chosen)
        left_out = tuple(c for c in self.checks if c.id in rules and c.id not in chosen)
        return dataclasses.replace(
            self,
            suite=dataclasses.replace(self.suite, rules=kept),
            checks=tuple(c for c in self.checks if c not in left_out),
            selected=tuple(dict.fromkeys(ids)),
            not_run=left_out,
        )

    @property
    def explanations(self) -> tuple[tuple[str, str], ...]:
        """Every (explaining, explained) pair among the enabled checks, in topological order
        (the pairs of a check that explains come before those where it is explained)."""
        enabled = self._by_id
        order = _topological({c.id: c.explains for c in self.checks})
        return tuple(
            (c, e) for c in order if c in enabled for e in enabled[c].explains if e in enabled
        )

    def of(self, source: Source) -> Mapping[str, Check]:
        """The enabled checks of one source, by id."""
        return {c.id: c for c in self.checks if c.source is source}

    def tune(self, findings: Iterable[Finding]) -> list[Finding]:
        """Intake findings at their tuned severity; findings of switched-off checks dropped;
        every finding with its check's consequence at import.

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
            if entry is not None:
                f = dataclasses.replace(f, consequence=entry.consequence)
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
            same check twice; a rule explains no known check, a check more severe than
            itself, or (through others) itself.
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
    problems += _explains_problems(suite.rules, builtins)
    if problems:
        raise RuleFileError(problems)
    kept: list[Rule] = []
    checks: list[Check] = []
    disabled: list[tuple[Check, Override]] = []
    tunings: list[Tuning] = []

    def tune(entry: Check, declared: Severity) -> bool:
        """Note the override of a check, if any; whether the check stays enabled."""
        tuned = seen.get(entry.id)
        if tuned is None:
            return True
        where = tuned.location.short()
        if not tuned.enabled:
            disabled.append((entry, tuned))
            tunings.append(Tuning(entry, declared, where, tuned.reason, enabled=False))
            return False
        if entry.severity is not declared:
            tunings.append(Tuning(entry, declared, where, tuned.reason))
        return True

    for rule in suite.rules:
        declared, tuned = rule.severity, seen.get(rule.id)
        if tuned is not None and tuned.severity is not None:
            rule = dataclasses.replace(rule, severity=tuned.severity)
        check = rule_check(rule)
        if tune(check, declared):
            kept.append(rule)
            checks.append(check)
    for entry in builtins.values():
        declared, tuned = entry.severity, seen.get(entry.id)
        if tuned is not None and tuned.severity is not None:
            entry = dataclasses.replace(entry, severity=tuned.severity)
        if tune(entry, declared):
            checks.append(entry)
    return Catalogue(
        dataclasses.replace(suite, rules=tuple(kept)),
        tuple(checks),
        tuple(disabled),
        tuple(tunings),
    )


def _topological(explains: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The checks, each one before the checks it explains (graphlib.CycleError on a cycle)."""
    graph: dict[str, set[str]] = {c: set() for c in explains}
    for check, explained in explains.items():
        for e in explained:
            graph.setdefault(e, set()).add(check)
    return tuple(TopologicalSorter(graph).static_order())


def _explains_problems(rules: Sequence[Rule], builtins: Mapping[str, Check]) -> list[RuleProblem]:
    """What is wrong with the rules' ``explains``: an unknown id (with the nearest known one),
    a check that explains itself, or one more severe than the rule (the rule's finding would
    stand for an error as a warning, and the gate pass what that check blocks), a cycle.

    A built-in check may explain a rule of the packaged contract that a project does not have:
    such an id explains nothing.
    """
    declared = {r.id: r.severity for r in rules} | {c.id: c.severity for c in builtins.values()}
    known = sorted(declared)
    problems: list[RuleProblem] = []
    for rule in rules:
        for e in rule.explains:
            if e == rule.id:
                problems.append(RuleProblem(rule.location, f"'{rule.id}' explains itself"))
            elif e not in declared:
                close = difflib.get_close_matches(e, known, n=1, cutoff=0.6)
                hint = (
                    f"; did you mean '{close[0]}'?" if close else "; 'syncguard rules' lists them"
                )
                problems.append(
                    RuleProblem(
                        rule.location, f"'{rule.id}' explains '{e}': no check has this id{hint}"
                    )
                )
            elif SEVERITY_RANK[declared[e]] < SEVERITY_RANK[rule.severity]:
                problems.append(
                    RuleProblem(
                        rule.location,
                        f"'{rule.id}' (a warning) cannot explain '{e}' (an error): the gate "
                        f"would pass what '{e}' blocks; make '{rule.id}' an error, or leave "
                        "the pair out",
                    )
                )
    if problems:
        return problems
    graph = {r.id: r.explains for r in rules} | {
        c.id: tuple(e for e in c.explains if e in declared) for c in builtins.values()
    }
    try:
        _topological(graph)
    except CycleError as exc:
        cycle = [str(c) for c in exc.args[1]]
        where = {r.id: r.location for r in rules}
        at = next((where[c] for c in cycle if c in where), None)
        if at is None:
            raise RuntimeError(f"built-in checks explain each other: {cycle}") from exc
        problems.append(
            RuleProblem(at, f"checks explain each other in a circle: {' explains '.join(cycle)}")
        )
    return problems
