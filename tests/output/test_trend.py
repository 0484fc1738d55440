"""The trend index: every run, a chart, a strip per rule, links to reports; written atomically."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncguard.history.store import History
from syncguard.model import Outcome, PastRun, RuleCount, Severity, Trend
from syncguard.output import trend


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


def test_index_shows_every_run_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    data = _history(path, tmp_path)
    index = tmp_path / "reports" / "index.html"
    trend.write_index(data, index)
    html = index.read_text(encoding="utf-8")
    assert html.count('href="run') == 6  # each run: in the runs table and in the strip
    assert 'href="run2/report.html"' in html
    assert (
        "<svg" in html
        and "<script" not in html
        and "http" not in html.replace("http://www.w3.org", "")
    )
    assert html.count('<td class="cell-fail">✗ 5</td>') == 1
    assert html.count('<td class="cell-pass">✓</td>') == 1


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
