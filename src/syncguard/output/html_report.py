"""The run report: one self-contained HTML page rendered with Jinja2 (autoescape on).

It answers, in order: can this file be uploaded, what is wrong, where, since when, and what the
import will do. Capped per finding, so a huge export with a broken column stays a small page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from syncguard.history.record import finding_key
from syncguard.masking import shown
from syncguard.model import Engine, Finding, RunResult, Severity
from syncguard.output.results_json import write_atomic

ROWS_SHOWN = 20


@dataclass
class RuleRow:
    """One line of the rules table."""

    id: str
    description: str
    severity: Severity
    engine: str
    failed: int = 0
    status: str = ""
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failed == 0


def environment() -> Environment:
    """The Jinja2 environment of syncguard's templates (autoescape always on)."""
    return Environment(
        loader=PackageLoader("syncguard.output", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def rule_rows(result: RunResult) -> list[RuleRow]:
    """Every rule with its failures and status, worst first; passed and resolved ones last."""
    rows: dict[str, RuleRow] = {
        r.id: RuleRow(r.id, r.description, r.severity, r.engine.value) for r in result.rules
    }
    for f in result.findings:
        row = rows.setdefault(f.rule, RuleRow(f.rule, f.message, f.severity, f.engine.value))
        row.findings.append(f)
        row.severity = f.severity if f.engine is not Engine.INTAKE else row.severity
        status = result.status.get(finding_key(f))
        if status == "new" or (status and not row.status):
            row.status = status
    for row in rows.values():
        row.failed = len({r for f in row.findings for r in f.rows}) or (
            max((f.failed_count for f in row.findings), default=0)
        )
        if row.findings and row.failed == 0:
            row.failed = 1  # a finding about the file itself (no row) still fails its rule
    for c in result.resolved:
        if c.rule in rows and not rows[c.rule].findings:
            rows[c.rule].status = "resolved"
    rank = {Severity.ERROR: 0, Severity.WARNING: 1}
    return sorted(rows.values(), key=lambda r: (r.passed, rank[r.severity], -r.failed, r.id))


def pairs(finding: Finding, show_values: bool) -> list[tuple[int, str]]:
    """The first rows of a finding with their (masked) values."""
    values = [shown(v, show_values) for v in finding.examples]
    return [
        (row, values[i] if i < len(values) else "")
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
            pairs=lambda f: pairs(f, show_values),
            plan=result.comparison.plan if result.comparison is not None else None,
            comparison=result.comparison,
            csv_name=csv_name,
            share=lambda n: (
                f"{n / result.accounting.rows_read:.1%}" if result.accounting.rows_read else ""
            ),
        )
    )


def write_report(
    path: Path, result: RunResult, show_values: bool = False, csv_name: str | None = None
) -> None:
    """Render and write the report atomically."""
    write_atomic(path, render(result, show_values, csv_name))
