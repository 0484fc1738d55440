"""The trend index (``REPORT_DIR/index.html``): every run over time, from the history.

It counts students (rows), not failing checks: the chart shows per run the rows with errors and
the rows with warnings, and the strip the rows each check failed (one row per check id,
whatever columns it failed in), each with ▲/▼ against the previous run that ran that check.
Runs are known by their export date and their run number (two runs of one date differ).

The chart and the per-check strip show the latest :data:`LATEST` runs (readable at any age of
the history); the table of all runs below them lists every run. Counts are shown with
thousands separators (:func:`thousands`), shares with one decimal that never round a real count
away (:func:`share`), and each cell of the strip links to its finding in that run's report
(:func:`anchor`, the id the report gives a failing rule's section).
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import quote

from syncguard.model import CheckCount, Outcome, PastRun, Trend
from syncguard.output.base import write_atomic
from syncguard.output.templating import environment, thousands, with_formatting

LATEST = 26
"""Runs shown in the chart and the strip (half a year of weekly exports)."""

WIDTH, HEIGHT = 1000, 360
"""The chart's coordinate system (its viewBox); it is drawn at the page's full width."""
TOP, BOTTOM = 20, 84
"""Margins of the plot inside the viewBox above (half a tick label) and below (two lines of
labels, a run's date and its number, at the largest font)."""
FONT = {"wide": 11.0, "mid": 17.0, "narrow": 30.0}
"""Font size of the chart's text (viewBox units) per page width: above 60rem, above 40rem, below.

The chart scales with the page, so its text is larger in viewBox units on narrow pages; the
date labels are thinned per width so that they never overlap (``at-wide``, ...: index CSS).
"""
DATE_EM = 5.9
"""Width of a date label ("2026-11-29") in ems of the chart's font."""


def export_date(run: PastRun) -> str:
    """The date a run is known by: its export's date (``--as-of``), else the day it ran."""
    return run.as_of or run.started_at[:10]


def run_label(run: PastRun) -> str:
    """A run's number, marked ◐ when it is partial (``#12``, ``#13 ◐``): with its date, it tells
    two runs of one date apart."""
    return f"#{run.id}" + (" ◐" if run.partial else "")


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
    students: int
    """On the left scale: students (rows) with errors or warnings."""
    rows: int
    """On the right scale: rows read."""


@dataclass(frozen=True)
class Bar:
    """One run in the chart: its slot, bars (students with errors, with warnings), rows point
    and its label (date and run number)."""

    run: PastRun
    label: str
    """The export date."""
    number: str
    """The run number (:func:`run_label`)."""
    x: float
    """Left edge of the run's slot."""
    centre: float
    bar_width: float
    errors_y: float
    warnings_y: float | None
    """None: a run recorded before the history counted the rows with warnings."""
    rows_y: float
    label_class: str
    """CSS classes saying at which page widths the date label is drawn (labels are thinned)."""

    @property
    def unusable(self) -> bool:
        """Whether the export could not be read (no bars: a full-height hatched mark)."""
        return self.run.outcome is Outcome.UNUSABLE


@dataclass(frozen=True)
class Chart:
    """The chart of the latest runs: bars on the students scale, a line on the rows scale."""

    bars: list[Bar]
    ticks: list[Tick]
    step: float
    most: int
    """Top of the students scale (left): rows with errors, rows with warnings."""
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
    most = scale_top(
        max([0, *(max(r.rows_with_errors, r.rows_with_warnings or 0) for r in usable)])
    )
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
                number=run_label(r),
                x=round(left + i * step, 2),
                centre=round(left + (i + 0.5) * step, 2),
                bar_width=round(bar_width, 2),
                errors_y=y(r.rows_with_errors, most),
                warnings_y=None if r.rows_with_warnings is None else y(r.rows_with_warnings, most),
                rows_y=y(r.rows, most_rows),
                label_class=f"xl {shown}".strip(),
            )
        )
    ticks = [Tick(y(most * k / 4, most), most * k // 4, most_rows * k // 4) for k in range(5)]
    line = [(a, b) for a, b in itertools.pairwise(bars) if not (a.unusable or b.unusable)]
    return Chart(bars, ticks, round(step, 2), most, most_rows, line, left, right)


class Change(StrEnum):
    """A check's students in a run against the previous run that ran it."""

    UP = "up"
    DOWN = "down"
    SAME = "same"
    FIRST = "first"
    """No earlier run (in the history) ran the check: nothing to compare with."""

    @property
    def arrow(self) -> str:
        """The sign shown beside the count (nothing when it did not change)."""
        return {Change.UP: "▲", Change.DOWN: "▼"}.get(self, "")


@dataclass(frozen=True)
class Cell:
    """One check in one run of the strip."""

    run: PastRun
    count: CheckCount | None
    """Its students when it failed; None when it passed or did not run."""
    ran: bool
    """False: the export was unusable, or a partial run left the check out."""
    change: Change
    before: int
    """Its students in the previous run that ran it (0: passed; or none)."""
    before_run: PastRun | None

    @property
    def students(self) -> int:
        """The students (rows) it failed, 0 when it passed."""
        return self.count.failed_rows if self.count is not None else 0


@dataclass(frozen=True)
class StripRow:
    """One check of the strip (one row per check id): a cell per run shown."""

    rule: str
    cells: list[Cell]


def ran(run: PastRun, rule: str) -> bool:
    """Whether a run ran a check: not an unusable export, not a check a partial run left out."""
    return run.outcome is not Outcome.UNUSABLE and rule not in run.not_run


def strip(
    runs: Sequence[PastRun], checks: Mapping[int, Sequence[CheckCount]], shown: int = LATEST
) -> list[StripRow]:
    """Per check failing in one of the latest ``shown`` runs (of ``runs``, oldest first), a
    cell per run, compared with the previous run (shown or not) that ran that check."""
    latest = runs[-shown:] if shown > 0 else []
    rules = sorted({c.rule for r in latest for c in checks.get(r.id, ())})
    table = []
    for rule in rules:
        cells: list[Cell] = []
        before: tuple[PastRun, int] | None = None
        for run in runs:
            found = next((c for c in checks.get(run.id, ()) if c.rule == rule), None)
            now = found.failed_rows if found is not None else 0
            if not ran(run, rule):
                cells.append(Cell(run, found, False, Change.FIRST, 0, None))
                continue
            if before is None:
                change = Change.FIRST
            else:
                change = (
                    Change.UP
                    if now > before[1]
                    else Change.DOWN
                    if now < before[1]
                    else Change.SAME
                )
            cells.append(
                Cell(
                    run,
                    found,
                    True,
                    change,
                    before[1] if before else 0,
                    before[0] if before else None,
                )
            )
            before = (run, now)
        table.append(StripRow(rule, cells[len(runs) - len(latest) :]))
    return table


def render_index(trend: Trend, index: Path) -> str:
    """The index page of every run of a trend (oldest first), linking each run's report."""
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
            strip=strip(runs, trend.checks, LATEST),
            Change=Change,
            run_label=run_label,
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
