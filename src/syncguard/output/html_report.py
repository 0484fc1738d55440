"""The run report: one self-contained HTML page rendered with Jinja2 (autoescape on)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from syncguard.masking import shown
from syncguard.model import RunResult, Severity
from syncguard.output.results_json import write_atomic

ROWS_SHOWN = 20


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("syncguard.output", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render(result: RunResult, show_values: bool = False) -> str:
    """The report page of a run, as HTML text."""
    template = _environment().get_template("report.html.j2")
    findings = [
        {
            "f": f,
            "rows": f.rows[:ROWS_SHOWN],
            "examples": [shown(v, show_values) for v in f.examples],
        }
        for f in result.findings
    ]
    return template.render(
        result=result,
        findings=findings,
        errors=result.count(Severity.ERROR),
        warnings=result.count(Severity.WARNING),
        rows_shown=ROWS_SHOWN,
        show_values=show_values,
    )


def write_report(path: Path, result: RunResult, show_values: bool = False) -> None:
    """Render and write the report atomically."""
    write_atomic(path, render(result, show_values))
