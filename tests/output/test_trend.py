"""The trend index: every run, a chart, a strip per rule, links to reports; written atomically."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from syncguard.history.store import History
from syncguard.model import Outcome, PastRun, RuleCount, Severity, Trend
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
    assert re.search(r'<td class="cell-fail"><a [^>]*>✗ 5</a></td>', strip)
    assert strip.count('<td class="cell-pass">✓</td>') == 1


def test_runs_are_labelled_by_export_date(tmp_path: Path) -> None:
    data = _history(tmp_path / "h.sqlite", tmp_path)
    runs = (replace(data.runs[0], as_of="2026-10-31"), *data.runs[1:])
    html = _index(Trend(runs, data.counts), tmp_path)
    chart = _section(html, "chart")
    assert ">2026-10-31</text>" in chart  # the export date (--as-of), not the day it ran
    assert ">2026-11-02</text>" in chart  # no --as-of: the date the run was checked
    assert ">2026-11-01</text>" not in chart
    assert "<span>2026-10-31</span>" in _section(html, "rules")


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
    assert chart.most == 4  # findings: at most 3 per run, on a scale of 0..4
    assert chart.most_rows == 60_000  # rows: about 42,000, on their own scale
    assert [t.rows for t in chart.ticks] == [0, 15_000, 30_000, 45_000, 60_000]
    top, zero = chart.ticks[-1].y, chart.ticks[0].y
    for bar in chart.bars:
        if not bar.unusable:
            assert bar.rows_y == pytest.approx(zero + (top - zero) * bar.run.rows / 60_000, 0.01)
    html = _section(_index(data, tmp_path), "chart")
    assert ">60,000</text>" in html and ">4</text>" in html and "Rows read (right scale)" in html
    assert 'viewBox="0 0 1000 340" width="100%"' in html


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
    assert re.search(r"<a [^>]*>✗ 1,500</a>", _section(html, "rules"))
    assert '<td class="num">44,600</td>' in _section(html, "runs")  # run 30: 41,000 + 3,600 rows
    assert "44600" not in html.replace('datetime="', "")


def test_a_share_is_never_rounded_away() -> None:
    assert templating.share(1, 5000) == "<0.1%"
    assert templating.share(4999, 5000) == ">99.9%"
    assert templating.share(0, 5000) == "0%"
    assert templating.share(5000, 5000) == "100.0%"
    assert templating.share(1, 3) == "33.3%"
    assert templating.share(1, 0) == ""


def test_rows_with_errors_show_their_share(tmp_path: Path) -> None:
    table = _section(_index(weekly_trend(3, tmp_path / "reports"), tmp_path), "runs")
    assert '<td class="num">15 (&lt;0.1%)</td>' in table  # run 2: 15 of 41,240 rows
    assert '<td class="num">1,504 (3.7%)</td>' in table  # run 1: 1,504 of 41,120 rows


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
