"""The trend index (``REPORT_DIR/index.html``): every run over time, from the history."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from syncguard.model import PastRun, RuleCount, Trend
from syncguard.output.base import write_atomic
from syncguard.output.html_report import environment

WIDTH, HEIGHT, PAD = 760, 220, 40


@dataclass(frozen=True)
class Bar:
    """One run in the chart: its bars, the rows point and labels."""

    x: float
    label: str
    errors_y: float
    warnings_y: float
    rows_y: float
    run: PastRun


def chart(runs: Sequence[PastRun]) -> tuple[list[Bar], float, int, int]:
    """Positions of the bars (errors, warnings) and the rows line; oldest run first."""
    most = max([1, *(max(r.errors, r.warnings) for r in runs)])
    rows = max([1, *(r.rows for r in runs)])
    step = (WIDTH - 2 * PAD) / max(len(runs), 1)
    plot = HEIGHT - 2 * PAD

    def y(value: float, top: float) -> float:
        return HEIGHT - PAD - plot * value / top

    bars = [
        Bar(
            x=PAD + i * step,
            label=r.as_of or r.started_at[:10],
            errors_y=y(r.errors, most),
            warnings_y=y(r.warnings, most),
            rows_y=y(r.rows, rows),
            run=r,
        )
        for i, r in enumerate(runs)
    ]
    return bars, step, most, rows


def strip(
    runs: Sequence[PastRun], counts: Mapping[int, Sequence[RuleCount]]
) -> list[tuple[str, list[RuleCount | None]]]:
    """Per rule (and column), one cell per run: its count in that run, or None (passed)."""
    keys = sorted({(c.rule, c.column) for cs in counts.values() for c in cs})
    table = []
    for rule, column in keys:
        cells = []
        for run in runs:
            found = [c for c in counts.get(run.id, []) if (c.rule, c.column) == (rule, column)]
            cells.append(found[0] if found else None)
        table.append((f"{rule} ({column})" if column and "," not in column else rule, cells))
    return table


def render_index(trend: Trend, index: Path) -> str:
    """The index page of every run of a trend (oldest first), linking each run's report."""
    runs, counts = trend.runs, trend.counts
    bars, step, most, rows = chart(runs)

    def link(run: PastRun) -> str | None:
        if not run.report:
            return None
        relative = os.path.relpath(Path(run.report).resolve(), index.parent.resolve())
        return quote(Path(relative).as_posix())  # a '#' or '?' in a file name stays a name

    return (
        environment()
        .get_template("index.html.j2")
        .render(
            runs=runs,
            bars=bars,
            step=step,
            most=most,
            most_rows=rows,
            width=WIDTH,
            height=HEIGHT,
            pad=PAD,
            strip=strip(runs, counts),
            link=link,
        )
    )


def write_index(trend: Trend, index: Path) -> None:
    """Render the index of a trend and write it atomically."""
    write_atomic(index, render_index(trend, index))
