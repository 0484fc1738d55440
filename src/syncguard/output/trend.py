"""The trend index (``REPORT_DIR/index.html``): every run over time, from the history.

The chart and the per-rule strip show the latest :data:`LATEST` runs (readable at any age of
the history); the table of all runs below them lists every run. Numbers are shown with
thousands separators (:func:`thousands`), shares never round a real count away
(:func:`share`), and each cell of the strip links to its finding in that run's report
(:func:`anchor`, the id the report gives a failing rule's section).
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment
from markupsafe import Markup, escape

from syncguard.model import Outcome, PastRun, RuleCount, Trend
from syncguard.output.base import write_atomic

LATEST = 26
"""Runs shown in the chart and the strip (half a year of weekly exports)."""

WIDTH, HEIGHT = 1000, 340
"""The chart's coordinate system (its viewBox); it is drawn at the page's full width."""
TOP, BOTTOM = 20, 48
"""Margins of the plot inside the viewBox above (half a tick label) and below (date labels)."""
FONT = {"wide": 11.0, "mid": 17.0, "narrow": 30.0}
"""Font size of the chart's text (viewBox units) per page width: above 60rem, above 40rem, below.

The chart scales with the page, so its text is larger in viewBox units on narrow pages; the
date labels are thinned per width so that they never overlap (``at-wide``, ...: index CSS).
"""
DATE_EM = 5.9
"""Width of a date label ("2026-11-29") in ems of the chart's font."""

_NOT_IN_ID = re.compile(r"[^A-Za-z0-9_.-]")
_BREAK_AFTER = re.compile(r"(?<=[.:,/])")


def anchor(rule_id: str) -> str:
    """The HTML id of a failing rule's section in a run report: ``rule-`` and the rule id.

    Characters other than ``A-Z a-z 0-9 _ . -`` become ``-``, so the id is safe in a URL
    fragment as it is: ``anchor("email_address.format") == "rule-email_address.format"``.
    """
    return "rule-" + _NOT_IN_ID.sub("-", rule_id)


def thousands(n: int | float) -> str:
    """A count with thousands separators: ``12345`` -> ``"12,345"``."""
    return f"{n:,}"


def share(n: int, total: int) -> str:
    """``n`` as a share of ``total`` (one decimal); a real count never shows as 0.0% or 100.0%.

    ``share(1, 5000) == "<0.1%"``, ``share(4999, 5000) == ">99.9%"``, ``share(0, 5) == "0%"``;
    ``""`` when there is no total.
    """
    if total <= 0:
        return ""
    if n == 0:
        return "0%"
    text = f"{n / total:.1%}"
    if text == "0.0%":
        return "<0.1%"
    if text == "100.0%" and n < total:
        return ">99.9%"
    return text


def breakable(text: str) -> Markup:
    """Text escaped for HTML, with a ``<wbr>`` after each ``.``, ``:``, ``,`` and ``/``.

    Long ids (``education_level_name.allowed``) then wrap at their dots, not mid-word.
    """
    return Markup("<wbr>").join(escape(part) for part in _BREAK_AFTER.split(text))


def with_formatting(env: Environment) -> Environment:
    """Add the number and id helpers to a template environment (filters and ``anchor``).

    Filters: ``{{ n | thousands }}``, ``{{ n | share(total) }}``, ``{{ id | breakable }}``;
    global: ``{{ anchor(rule_id) }}``.
    """
    env.filters.update(thousands=thousands, share=share, breakable=breakable)
    env.globals.update(anchor=anchor)
    return env


def export_date(run: PastRun) -> str:
    """The date a run is known by: its export's date (``--as-of``), else the day it ran."""
    return run.as_of or run.started_at[:10]


def checked_at(run: PastRun) -> str:
    """When a run was checked, to the minute (``2026-11-29 08:15``)."""
    stamp = run.started_at
    return f"{stamp[:10]} {stamp[11:16]}" if len(stamp) >= 16 and stamp[10] == "T" else stamp


def verdict(run: PastRun) -> str:
    """A run's verdict in words, with its symbol (colour is never the only sign).

    A partial run (``--only``) never reads as passed, and a run failed by warnings under
    ``--fail-on warning`` says so.
    """
    note = run.verdict_note()
    extra = f" ({note})" if note else ""
    if run.outcome is Outcome.PASSED:
        return "✓ passed" + extra
    if run.outcome is Outcome.PARTIAL:
        return f"◐ no verdict ({note})"
    if run.accepted:
        return f"✗ {run.outcome.value}, accepted (uploaded anyway){extra}"
    return f"✗ {run.outcome.value}{extra}"


@dataclass(frozen=True)
class Tick:
    """A gridline of the chart with its label on both scales."""

    y: float
    findings: int
    rows: int


@dataclass(frozen=True)
class Bar:
    """One run in the chart: its slot, bars, rows point and date label."""

    run: PastRun
    label: str
    x: float
    """Left edge of the run's slot."""
    centre: float
    bar_width: float
    errors_y: float
    warnings_y: float
    rows_y: float
    label_class: str
    """CSS classes saying at which page widths the date label is drawn (labels are thinned)."""

    @property
    def unusable(self) -> bool:
        """Whether the export could not be read (no bars: a full-height hatched mark)."""
        return self.run.outcome is Outcome.UNUSABLE


@dataclass(frozen=True)
class Chart:
    """The chart of the latest runs: bars on the findings scale, a line on the rows scale."""

    bars: list[Bar]
    ticks: list[Tick]
    step: float
    most: int
    """Top of the findings scale (left)."""
    most_rows: int
    """Top of the rows scale (right)."""
    rows_line: list[tuple[Bar, Bar]]
    """Segments of the rows line: consecutive runs that were both read."""
    left: int
    right: int
    width: int = WIDTH
    height: int = HEIGHT
    top: int = TOP
    bottom: int = BOTTOM

    @property
    def plot_bottom(self) -> int:
        """The y of the zero line."""
        return self.height - self.bottom

    @property
    def plot_right(self) -> int:
        """The x of the right-hand (rows) scale."""
        return self.width - self.right


def text_em(text: str) -> float:
    """The width of a label of digits and separators, in ems (generous)."""
    return sum(0.36 if ch in ",.:-" else 0.64 for ch in text)


def margin(labels: Sequence[str]) -> int:
    """A side margin of the chart: the widest tick label at the largest font, or half a date."""
    widest = max(text_em(label) for label in labels)
    return math.ceil(max(widest * FONT["narrow"] + 12, DATE_EM * FONT["narrow"] / 2))


def scale_top(value: int, parts: int = 4) -> int:
    """The smallest round top >= value that splits into ``parts`` whole steps (4, 20, 400...)."""
    need = max(value, 1) / parts
    power = int(10 ** max(math.floor(math.log10(need)), 0))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        step = m * power
        if step >= need and step == int(step):
            return int(step) * parts
    return 10 * power * parts  # pragma: no cover (the loop ends at 10 * power >= need)


def chart(runs: Sequence[PastRun]) -> Chart:
    """The chart of runs (oldest first): positions of bars, rows points, gridlines, labels."""
    usable = [r for r in runs if r.outcome is not Outcome.UNUSABLE]
    most = scale_top(max([0, *(max(r.errors, r.warnings) for r in usable)]))
    most_rows = scale_top(max([0, *(r.rows for r in usable)]))
    left, right = margin([thousands(most)]), margin([thousands(most_rows)])
    plot_w, plot_h = WIDTH - left - right, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(runs), 1)
    bar_width = min(step * 0.36, 28.0)
    # thin the date labels per page width, from the latest run (always labelled) back
    every = {size: max(1, math.ceil(DATE_EM * font * 1.25 / step)) for size, font in FONT.items()}

    def y(value: float, top: int) -> float:
        return round(HEIGHT - BOTTOM - plot_h * value / top, 2)

    bars = []
    for i, r in enumerate(runs):
        newer = len(runs) - 1 - i
        shown = " ".join(f"at-{size}" for size, k in every.items() if newer % k == 0)
        bars.append(
            Bar(
                run=r,
                label=export_date(r),
                x=round(left + i * step, 2),
                centre=round(left + (i + 0.5) * step, 2),
                bar_width=round(bar_width, 2),
                errors_y=y(r.errors, most),
                warnings_y=y(r.warnings, most),
                rows_y=y(r.rows, most_rows),
                label_class=f"xl {shown}".strip(),
            )
        )
    ticks = [Tick(y(most * k / 4, most), most * k // 4, most_rows * k // 4) for k in range(5)]
    line = [(a, b) for a, b in itertools.pairwise(bars) if not (a.unusable or b.unusable)]
    return Chart(bars, ticks, round(step, 2), most, most_rows, line, left, right)


@dataclass(frozen=True)
class StripRow:
    """One rule (and column) of the strip: its count in each run shown, None when it passed."""

    rule: str
    column: str
    cells: list[RuleCount | None]


def strip(runs: Sequence[PastRun], counts: Mapping[int, Sequence[RuleCount]]) -> list[StripRow]:
    """Per rule (and column) failing in some of these runs, one cell per run (oldest first)."""
    keys = sorted({(c.rule, c.column) for r in runs for c in counts.get(r.id, ())})
    table = []
    for rule, column in keys:
        cells: list[RuleCount | None] = []
        for run in runs:
            found = [c for c in counts.get(run.id, ()) if (c.rule, c.column) == (rule, column)]
            cells.append(found[0] if found else None)
        table.append(StripRow(rule, column, cells))
    return table


def render_index(trend: Trend, index: Path) -> str:
    """The index page of every run of a trend (oldest first), linking each run's report."""
    # Imported here: the report module may import this one's helpers (anchor, share, ...).
    from syncguard.output.html_report import environment

    runs = trend.runs
    shown = runs[-LATEST:]

    def link(run: PastRun) -> str | None:
        if not run.report:
            return None
        relative = os.path.relpath(Path(run.report).resolve(), index.parent.resolve())
        return quote(Path(relative).as_posix())  # a '#' or '?' in a file name stays a name

    known = {r.id for r in runs}
    return (
        with_formatting(environment())
        .get_template("index.html.j2")
        .render(
            runs=runs,
            shown=shown,
            latest=LATEST,
            chart=chart(shown),
            font=FONT,
            strip=strip(shown, trend.counts),
            link=link,
            known=known,
            export_date=export_date,
            checked_at=checked_at,
            verdict=verdict,
        )
    )


def write_index(trend: Trend, index: Path) -> None:
    """Render the index of a trend and write it atomically."""
    write_atomic(index, render_index(trend, index))
