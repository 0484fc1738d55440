"""The run report: one self-contained HTML page rendered with Jinja2 (autoescape on).

It answers, in order: can this file be uploaded, what is wrong, where, since when, and what the
import will do. Capped per finding, so a huge export with a broken column stays a small page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from syncguard.masking import shown
from syncguard.model import (
    SEVERITY_RANK,
    BaselineMode,
    Check,
    Engine,
    Finding,
    Outcome,
    RunResult,
    Severity,
    Source,
    Status,
)
from syncguard.output.base import RunOutput, write_atomic
from syncguard.output.failing_csv import FILENAME as CSV_NAME
from syncguard.output.results_json import institution_domains

FILENAME = "report.html"
ROWS_SHOWN = 20


@dataclass
class RuleRow:
    """One line of the rules table: a check of the catalogue, with what it found this run."""

    id: str
    description: str
    severity: Severity
    engine: Engine
    source: Source | None = None
    failed: int = 0
    status: Status | None = None
    findings: list[Finding] = field(default_factory=list)
    check: Check | None = None

    @property
    def passed(self) -> bool:
        return self.failed == 0


def environment() -> Environment:
    """The Jinja2 environment of syncguard's templates (autoescape always on, enums known)."""
    env = Environment(
        loader=PackageLoader("syncguard.output", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        Outcome=Outcome, Severity=Severity, Status=Status, Source=Source, BaselineMode=BaselineMode
    )
    return env


def rule_rows(result: RunResult) -> list[RuleRow]:
    """Every rule with its failures and status, worst first; passed and resolved ones last."""
    rows: dict[str, RuleRow] = {
        c.id: RuleRow(c.id, c.description, c.severity, c.engine, c.source, check=c)
        for c in result.checks
    }
    for f in result.findings:
        row = rows.setdefault(f.rule, RuleRow(f.rule, f.message, f.severity, f.engine))
        row.findings.append(f)
        if SEVERITY_RANK[f.severity] < SEVERITY_RANK[row.severity]:
            row.severity = f.severity
        status = result.status.get(f.key)
        if status is Status.NEW or (status and not row.status):
            row.status = status
    for row in rows.values():
        row.failed = len({r for f in row.findings for r in f.rows}) or (
            max((f.failed_count for f in row.findings), default=0)
        )
        if row.findings and row.failed == 0:
            row.failed = 1  # a finding about the file itself (no row) still fails its rule
    for c in result.resolved:
        if c.rule in rows and not rows[c.rule].findings:
            rows[c.rule].status = Status.RESOLVED
    return sorted(
        rows.values(), key=lambda r: (r.passed, SEVERITY_RANK[r.severity], -r.failed, r.id)
    )


def pairs(
    finding: Finding, show_values: bool, domains: Sequence[str] = ()
) -> list[tuple[int, str, str]]:
    """The first rows of a finding with their (masked) values and what was meant, if known."""
    values = [shown(v, show_values, domains) for v in finding.examples]
    meant = finding.suggestions
    return [
        (row, values[i] if i < len(values) else "", meant[i] if i < len(meant) else "")
        for i, row in enumerate(finding.rows[:ROWS_SHOWN])
    ]


def render(result: RunResult, show_values: bool = False, csv_name: str | None = None) -> str:
    """The report page of a run, as HTML text."""
    rules = rule_rows(result)
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            result=result,
            rules=[r for r in rules if not r.passed],
            passed=[r for r in rules if r.passed],
            intake=[f for f in result.findings if f.engine is Engine.INTAKE],
            errors=result.count(Severity.ERROR),
            warnings=result.count(Severity.WARNING),
            rows_shown=ROWS_SHOWN,
            show_values=show_values,
            pairs=lambda f: pairs(f, show_values, institution_domains(result)),
            plan=result.comparison.plan if result.comparison is not None else None,
            comparison=result.comparison,
            csv_name=csv_name,
            share=lambda n: (
                f"{n / result.accounting.rows_read:.1%}" if result.accounting.rows_read else ""
            ),
        )
    )


def write(run: RunOutput, folder: Path) -> Path:
    """The writer of ``report.html`` in the run folder (linking the failing-rows CSV beside it)."""
    path = folder / FILENAME
    write_atomic(path, render(run.result, run.show_values, CSV_NAME))
    return path
