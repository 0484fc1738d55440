"""The trend index: every run, a chart of students, a strip per check, links to reports;
written atomically."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from syncguard.history.store import History
from syncguard.model import CheckCount, Outcome, PastRun, RuleCount, Severity, Trend
from syncguard.output import templating, trend
from tests.output.trends import weekly_trend


def _history(path: Path, tmp_path: Path) -> Trend:
    with History(path) as history:
        for i, errors in enumerate((0, 5, 1), start=1):
            report = tmp_path / "reports" / f"run{i}" / "report.html"
            run = PastRun(
                0,
                f"2026-11-{i:02d}T00:00:00",
                "s",
                "1",
                f"w{i}.csv",
                "0" * 64,
                100 + i,
                Outcome.FAILED if errors else Outcome.PASSED,
                errors,
                1,
                99,
                errors,
                str(report),
            )
            counts = (
                [RuleCount("username.unique", "username", Severity.ERROR, errors)] if errors else []
            )
            history.record(run, counts, None, "s")
        return history.trend()


def _index(data: Trend, tmp_path: Path) -> str:
    index = tmp_path / "reports" / "index.html"
    trend.write_index(data, index)
    return index.read_text(encoding="utf-8")


def _section(html: str, heading_id: str) -> str:
    """The page from the heading with this id to the next heading."""
    start = html.index(f'<h2 id="{heading_id}">')
    end = html.find("<h2 ", start + 1)
    return html[start : end if end != -1 else len(html)]


class _Table(HTMLParser):
    """The text of each row of a table as it is seen (screen-reader-only text left out): the
    row's header cell, then its cells."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td") and self.rows:
            self.rows[-1].append("")
        elif tag == "span" and (self.hidden or ("class", "sr") in attrs):
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if self.rows and self.rows[-1] and not self.hidden:
            self.rows[-1][-1] += data

    def texts(self) -> dict[str, list[str]]:
        """Per body row: its header cell's text -> its cells' texts (spaces collapsed)."""
        rows = [[" ".join(cell.split()) for cell in row] for row in self.rows[1:]]
        return {row[0]: row[1:] for row in rows}


def _strip(html: str) -> dict[str, list[str]]:
    """The strip as it is seen: per check id, the text of its cell in each run."""
    table = _Table()
    table.feed(_section(html, "rules"))
    return table.texts()


def _table(html: str) -> dict[str, list[str]]:
    """The table of all runs as it is seen: per run ("#3"), the text of its cells."""
    table = _Table()
    table.feed(_section(html, "runs"))
    return table.texts()


def _run(i: int, **changes: object) -> PastRun:
    """Run ``i`` of export date 2026-11-(i), failed, 1,000 rows (change anything)."""
    run = PastRun(
        i,
        f"2026-11-{i:02d}T08:00:00+00:00",
        "s",
        "1",
        f"w{i}.csv",
        "0" * 64,
        1_000,
        Outcome.FAILED,
        1,
        0,
        1_000,
        0,
        None,
        as_of=f"2026-11-{i:02d}",
        rows_with_warnings=0,
    )
    return replace(run, **changes)  # type: ignore[arg-type]


def test_index_shows_every_run_and_rule(tmp_path: Path) -> None:
    html = _index(_history(tmp_path / "h.sqlite", tmp_path), tmp_path)
    for i in (1, 2, 3):  # in the strip's header and the runs table (run 3: the banner too)
        assert html.count(f'href="run{i}/report.html"') == 2 + (i == 3), i
    assert (
        "<svg" in html
        and "<script" not in html
        and "http" not in html.replace("http://www.w3.org", "")
    )
    strip = _section(html, "rules")
    # each failing cell links to the finding in that run's report
    assert strip.count('href="run2/report.html#rule-username.unique"') == 1
    assert '<td class="cell-fail"><a href="run2/report.html#rule-username.unique"' in strip
    assert _strip(html) == {"username.unique": ["✓", "✗ 5 ▲", "✗ 1 ▼"]}


def test_runs_are_labelled_by_export_date(tmp_path: Path) -> None:
    data = _history(tmp_path / "h.sqlite", tmp_path)
    runs = (replace(data.runs[0], as_of="2026-10-31"), *data.runs[1:])
    html = _index(Trend(runs, data.checks), tmp_path)
    chart = _section(html, "chart")
    assert ">2026-10-31<tspan" in chart  # the export date (--as-of), not the day it ran
    assert ">2026-11-02<tspan" in chart  # no --as-of: the date the run was checked
    assert ">2026-11-01<" not in chart
    assert "<span>2026-10-31 #1</span>" in _section(html, "rules")


def test_the_strip_and_chart_show_the_latest_26_runs_and_link_to_all(tmp_path: Path) -> None:
    html = _index(weekly_trend(60, tmp_path / "reports"), tmp_path)
    chart, strip, table = (_section(html, h) for h in ("chart", "rules", "runs"))
    assert trend.LATEST == 26
    assert chart.count("<title>Run #") == 26
    assert "<title>Run #35," in chart and "<title>Run #34," not in chart
    assert strip.count('<th scope="col" class="run') == 26
    assert 'href="run35/report.html"' in strip and 'href="run34/report.html"' not in strip
    # a plain link to the full table further down, which lists every run
    assert 'href="#runs"' in html.split('<h2 id="chart">')[0]
    assert "latest 26 of 60 runs" in html
    assert table.count('<tr id="run-') == 60
    assert table.index('id="run-60"') < table.index('id="run-1"')  # newest first


def test_unusable_and_accepted_runs_and_their_baselines_are_shown(tmp_path: Path) -> None:
    html = _index(weekly_trend(20, tmp_path / "reports"), tmp_path)
    chart, strip, table = (_section(html, h) for h in ("chart", "rules", "runs"))
    # run 17 could not be read: a full-height hatched mark with ✗, no bars, no rows point
    assert chart.count('class="unusable"') == 1 and 'fill="url(#hatch-unusable)"' in chart
    assert re.search(r'<text class="mark"[^>]*>✗</text>', chart)
    assert "Run #17, export of 2025-09-28: ✗ unusable</title>" in chart
    row = table[table.index('<tr id="run-17">') :].split("</tr>")[0]
    assert "✗ unusable" in row
    assert "not checked (unusable export)" in strip  # its strip cells: "–", not "✓"
    row = table[table.index('<tr id="run-11">') :].split("</tr>")[0]
    assert "✗ failed" in row and "accepted" in row
    assert '<a href="#run-10">#10</a>' in row  # the run it was compared with
    row = table[table.index('<tr id="run-1">') :].split("</tr>")[0]
    assert "<td>–</td>" in row  # the first run was compared with nothing


def test_rows_have_their_own_axis(tmp_path: Path) -> None:
    data = weekly_trend(8, tmp_path / "reports")
    chart = trend.chart(data.runs)
    assert chart.most == 1_600  # students: at most 1,515 with errors, 1,500 with warnings
    assert chart.most_rows == 60_000  # rows: about 42,000, on their own scale
    assert [t.rows for t in chart.ticks] == [0, 15_000, 30_000, 45_000, 60_000]
    top, zero = chart.ticks[-1].y, chart.ticks[0].y
    for bar in chart.bars:
        if not bar.unusable:
            assert bar.rows_y == pytest.approx(zero + (top - zero) * bar.run.rows / 60_000, 0.01)
    html = _section(_index(data, tmp_path), "chart")
    assert ">60,000</text>" in html and ">1,600</text>" in html
    assert "Rows read (right scale)" in html
    assert 'viewBox="0 0 1000 360" width="100%"' in html


def test_scales_are_round_and_hold_the_largest_value() -> None:
    assert [trend.scale_top(v) for v in (0, 1, 4, 5, 17, 321, 41_000, 60_001)] == [
        4,
        4,
        4,
        8,
        20,
        400,
        60_000,
        80_000,
    ]


def test_numbers_have_thousands_separators(tmp_path: Path) -> None:
    assert templating.thousands(1234567) == "1,234,567" and templating.thousands(999) == "999"
    html = _index(weekly_trend(30, tmp_path / "reports"), tmp_path)
    assert "✗ 1,500 ▲" in _strip(html)["username.unique"]
    assert '<td class="num">44,600</td>' in _section(html, "runs")  # run 30: 41,000 + 3,600 rows
    assert "44600" not in html.replace('datetime="', "")


def test_a_share_is_never_rounded_away() -> None:
    assert templating.share(1, 5000) == "<0.1%"
    assert templating.share(4999, 5000) == ">99.9%"
    assert templating.share(0, 5000) == "0%"  # never shown by the index: a count of 0 is "0"
    assert templating.share(5000, 5000) == "100.0%"
    assert templating.share(1, 3) == "33.3%"
    assert templating.share(1, 0) == ""


def test_students_with_errors_and_warnings_show_their_share(tmp_path: Path) -> None:
    table = _table(_index(weekly_trend(3, tmp_path / "reports"), tmp_path))
    # run 2: 15 students with errors and 1,500 with warnings of 41,240 rows
    assert table["#2"][2:5] == ["15 (<0.1%)", "1,500 (3.6%)", "41,240"]
    assert table["#1"][2:5] == ["1,504 (3.7%)", "12 (<0.1%)", "41,120"]


def test_the_anchor_of_a_rule_is_a_safe_slug() -> None:
    assert templating.anchor("email_address.format") == "rule-email_address.format"
    assert templating.anchor("a b/ü:c") == "rule-a-b---c"
    assert templating.anchor("x-1_y.Z") == "rule-x-1_y.Z"
    assert templating.anchor('"><script>') == "rule----script-"


def test_long_ids_break_after_dots_and_stay_escaped() -> None:
    assert str(templating.breakable("education_level_name.allowed")) == (
        "education_level_name.<wbr>allowed"
    )
    assert str(templating.breakable("<b>.x")) == "&lt;b&gt;.<wbr>x"


def test_an_empty_history_renders(tmp_path: Path) -> None:
    assert "No runs yet." in _index(Trend((), {}), tmp_path)


def test_a_failed_render_leaves_the_old_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.sqlite"
    data = _history(path, tmp_path)
    index = tmp_path / "reports" / "index.html"
    trend.write_index(data, index)
    before = index.read_bytes()

    def boom(*_: object, **__: object) -> str:
        raise RuntimeError("crash while rendering")

    monkeypatch.setattr(trend, "render_index", boom)
    with pytest.raises(RuntimeError):
        trend.write_index(data, index)
    assert index.read_bytes() == before
    assert [p.name for p in index.parent.iterdir() if p.is_file()] == ["index.html"]


def _trend(*runs: PastRun, checks: dict[int, tuple[CheckCount, ...]] | None = None) -> Trend:
    return Trend(runs, checks or {})


@pytest.mark.parametrize(
    ("findings", "students", "y"),
    [("errors", "rows_with_errors", "errors_y"), ("warnings", "rows_with_warnings", "warnings_y")],
)
def test_the_bars_count_students_not_failing_checks(
    tmp_path: Path, findings: str, students: str, y: str
) -> None:
    """After ``syncguard fix`` (the issue's figures): one failing check more, far fewer
    students. The bar falls, and the scale is of students."""
    before = _run(1, rows=100_000, **{findings: 16, students: 23_571})
    after = _run(2, rows=100_000, **{findings: 17, students: 19_005})
    chart = trend.chart([before, after])
    assert chart.most == 24_000
    one, two = (getattr(bar, y) for bar in chart.bars)
    zero, top = chart.plot_bottom, chart.ticks[-1].y
    assert two > one  # lower on the page: a shorter bar
    assert two == pytest.approx(zero + (top - zero) * 19_005 / 24_000, abs=0.01)
    html = _index(_trend(before, after), tmp_path)
    assert ">24,000</text>" in _section(html, "chart")
    assert f"19,005 {'student(s) with errors' if findings == 'errors' else 'with warnings'}" in (
        html
    )


def test_a_run_from_before_warnings_were_counted_has_no_warnings_bar(tmp_path: Path) -> None:
    html = _index(_trend(_run(1, rows_with_warnings=None), _run(2, rows_with_warnings=5)), tmp_path)
    chart = _section(html, "chart")
    assert chart.count('<rect class="warn"') == 1
    assert "students with warnings not recorded" in chart and "(an older syncguard)" in chart
    assert _table(html)["#1"][3] == "–" and _table(html)["#2"][3] == "5 (0.5%)"


@pytest.mark.parametrize("per_check", [True, False])
def test_one_row_per_check_whatever_columns_it_failed_in(tmp_path: Path, per_check: bool) -> None:
    """The whitespace check fails in two columns one week and in one the next: one row. A
    history kept its students per check (a row failing both columns counts once); an older one
    kept them per column only, added up."""
    weeks = [
        {"email_address": 2, "last_name": 3},  # row 7 in both: 4 students
        {"last_name": 1},
    ]
    with History(tmp_path / "h.sqlite") as history:
        for i, columns in enumerate(weeks, start=1):
            counts = [
                RuleCount("cells.no_stray_whitespace", c, Severity.WARNING, n)
                for c, n in columns.items()
            ]
            students = 4 if i == 1 else 1
            checks = [CheckCount("cells.no_stray_whitespace", Severity.WARNING, students)]
            history.record(_run(i), counts, None, "s", checks=checks if per_check else ())
        data = history.trend()
    strip = _strip(_index(data, tmp_path))
    assert strip == {"cells.no_stray_whitespace": ["! 4" if per_check else "! 5", "! 1 ▼"]}


@pytest.mark.parametrize(
    ("students", "seen", "heard"),
    [
        ([3, 5], ["✗ 3", "✗ 5 ▲"], "up from 3 in #1"),
        ([5, 1], ["✗ 5", "✗ 1 ▼"], "down from 5 in #1"),
        ([5, 5], ["✗ 5", "✗ 5"], "as from 5 in #1"),
        ([0, 2], ["✓", "✗ 2 ▲"], "up from 0 in #1"),
        ([5, 0], ["✗ 5", "✓"], "down from 5"),
        # a partial run that left the check out, an unusable export: compared with the run before
        ([5, "not run", 3], ["✗ 5", "–", "✗ 3 ▼"], "down from 5 in #1"),
        ([5, "unusable", 7], ["✗ 5", "–", "✗ 7 ▲"], "up from 5 in #1"),
    ],
)
def test_each_count_is_compared_with_the_previous_run_of_its_check(
    tmp_path: Path, students: list[int | str], seen: list[str], heard: str
) -> None:
    runs, checks = [], {}
    for i, n in enumerate(students, start=1):
        run = _run(i, rows_with_errors=n if isinstance(n, int) else 0)
        if n == "not run":
            run = replace(run, only=("b",), not_run=("a",))
        elif n == "unusable":
            run = replace(run, outcome=Outcome.UNUSABLE, rows=0)
        elif n:
            checks[i] = (CheckCount("a", Severity.ERROR, int(n)),)
        runs.append(run)
    html = _index(_trend(*runs, checks=checks), tmp_path)
    assert _strip(html) == {"a": seen}
    row = _section(html, "rules").split('<th scope="row"', 1)[1]
    assert f"{heard})</span>" in row.split("</tr>")[0]  # said in words to a screen reader


def test_a_count_is_compared_with_a_run_older_than_the_strip() -> None:
    runs = [_run(1), _run(2)]
    checks = {1: (CheckCount("a", Severity.ERROR, 9),), 2: (CheckCount("a", Severity.ERROR, 4),)}
    (row,) = trend.strip(runs, checks, shown=1)
    (cell,) = row.cells
    assert (cell.run.id, cell.change, cell.before) == (2, trend.Change.DOWN, 9)


def test_two_runs_of_one_date_are_told_apart(tmp_path: Path) -> None:
    """A check, then a check of the fixed export with the same --as-of."""
    checked, fixed = _run(3, as_of="2026-11-22"), _run(4, as_of="2026-11-22", rows_with_errors=0)
    checks = {3: (CheckCount("a", Severity.ERROR, 1),)}
    html = _index(_trend(_run(2), checked, fixed, checks=checks), tmp_path)
    chart = _section(html, "chart")
    for n in (3, 4):
        label = rf'>2026-11-22<tspan class="nr" x="[\d.]+" dy="1.15em">#{n}</tspan>'
        assert re.search(label, chart)
    headers = re.findall(r'<th scope="col" class="run[^"]*"[^>]*><span>([^<]*)</span>', html)
    assert headers == ["2026-11-02 #2", "2026-11-22 #3", "2026-11-22 #4"]
    assert "2026-11-02 (#2) to 2026-11-22 (#4)" in chart  # the chart's text alternative


def test_a_partial_run_is_marked_and_never_a_verdict(tmp_path: Path) -> None:
    partial = _run(2, only=("b",), not_run=("a",))
    checks = {1: (CheckCount("a", Severity.ERROR, 2),), 2: (CheckCount("b", Severity.ERROR, 1),)}
    html = _index(_trend(_run(1), partial, checks=checks), tmp_path)
    verdict = "✗ failed (partial run: 1 of 2 rules)"
    assert f"Latest run #2, export of 2026-11-02: {verdict}" in html  # the banner
    assert f"Run #2, export of 2026-11-02: {verdict}" in _section(html, "chart")
    assert '<tspan class="nr" x="' in html and ">#2 ◐</tspan>" in html
    assert "<span>2026-11-02 #2 ◐</span>" in _section(html, "rules")
    assert _strip(html) == {"a": ["✗ 2", "–"], "b": ["✓", "✗ 1 ▲"]}
    assert "not run (partial run, --only)" in _section(html, "rules")
    assert "partial run: 1 of 2 rules" in _table(html)["#2"][1]


_NOT_COUNTS = re.compile(
    r"\d{4}-\d\d-\d\d( \d\d:\d\d)?"  # dates, times
    r"|#\d+"  # run numbers
    r"|\b\d{4}\.\d+\.\d+\b"  # the suite version
    r"|student_sync_\S+\.csv"  # file names
)


class _Text(HTMLParser):
    """The page's text as it is seen or heard: its text nodes, and its titles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts += [v or "" for k, v in attrs if k in ("title", "aria-label")]

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@pytest.mark.parametrize("runs", [3, 60])
def test_one_number_format_thousands_separators_and_shares_with_one_decimal(
    tmp_path: Path, runs: int
) -> None:
    page = _Text()
    page.feed(_index(weekly_trend(runs, tmp_path / "reports"), tmp_path).split("</style>")[-1])
    text = _NOT_COUNTS.sub(" ", " ".join(page.parts))
    assert not re.findall(r"\d{4}", text)  # every count of 1,000 or more has its separators
    shares = re.findall(r"[<>]?[\d.,]+%", text)
    assert shares and all(re.fullmatch(r"[<>]?\d+\.\d%", s) for s in shares), shares


@pytest.mark.parametrize("runs", [0, 3, 60])
def test_heading_levels_never_skip(tmp_path: Path, runs: int) -> None:
    data = weekly_trend(runs, tmp_path / "reports") if runs else Trend((), {})
    levels = [int(n) for n in re.findall(r"<h([1-6])\b", _index(data, tmp_path))]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels


@pytest.mark.parametrize("runs", [0, 3])
def test_the_page_is_in_landmarks(tmp_path: Path, runs: int) -> None:
    """A banner with the title and verdict, the sections' links, and the main content."""
    data = weekly_trend(runs, tmp_path / "reports") if runs else Trend((), {})
    html = _index(data, tmp_path)
    body = html.split("<body>", 1)[1]
    assert body.lstrip().startswith("<header>") and body.count("<main>") == 1
    header, rest = body.split("</header>", 1)
    assert "<h1>" in header and ('class="verdict' in header) == bool(runs)
    assert rest.rstrip().endswith("</main>\n</body>\n</html>")  # nothing outside a landmark
    main = rest.split("<main>", 1)[1].split("</main>", 1)[0]
    assert ('<h2 id="runs">' in main) == bool(runs) and "<nav" not in main
