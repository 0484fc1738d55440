"""One run, one way: one history session, outputs from the writers list, no idle snapshot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncguard import pipeline
from syncguard.catalogue import build
from syncguard.compare.checks import CHECKS as COMPARISON_CHECKS
from syncguard.compare.snapshot import FIELD, make_snapshot
from syncguard.engines import backends
from syncguard.history.store import History
from syncguard.intake import read_export
from syncguard.output import WRITERS, RunOutput
from syncguard.pipeline import Options, ReportLayout, run
from syncguard.suite.model import Suite
from syncguard.suite.registry import HeaderKind, kinds
from tests.conftest import FIXTURES, SAMPLE_DATA

VALID = FIXTURES / "intake" / "valid.csv"


def test_layout_names_every_place() -> None:
    layout = ReportLayout.default(Path("r"))
    assert layout.history == Path("r/history.sqlite")
    assert layout.key == Path("r/history.key")
    assert layout.index == Path("r/index.html")
    started = datetime(2026, 11, 29, 7, 30, tzinfo=UTC)
    assert layout.run_dir(Path("x/week.csv"), started).parent == Path("r")
    assert layout.run_dir(Path("x/week.csv"), started).name.endswith("-week")
    none = ReportLayout.default(Path("r"), keep=False)
    assert none.history is None and none.key is None


def test_one_check_opens_the_history_once(
    tmp_path: Path, suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Path] = []
    real = History.__init__

    def counting(self: History, path: Path) -> None:
        opened.append(path)
        real(self, path)

    monkeypatch.setattr(History, "__init__", counting)
    layout = ReportLayout.default(tmp_path / "reports")
    done = run(VALID, build(suite), layout, Options())
    assert opened == [layout.history]
    assert done.index == layout.index and layout.index.is_file()
    assert {p.name for p in done.files} == {"results.json", "failing_rows.csv", "report.html"}


def test_no_snapshot_when_nothing_reads_it(
    tmp_path: Path, suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object) -> object:
        raise AssertionError("a snapshot was made with no history and no --previous")

    monkeypatch.setattr(pipeline, "make_snapshot", refuse)
    layout = ReportLayout.default(tmp_path / "reports", keep=False)
    done = run(VALID, build(suite), layout, Options())
    assert done.result.comparison is None and done.index is None
    assert not (tmp_path / "reports" / "history.sqlite").exists()


@pytest.mark.parametrize("write", WRITERS, ids=lambda w: w.__module__.rsplit(".", 1)[-1])
def test_each_writer_writes_one_file_into_the_run_folder(
    write: Callable[[RunOutput, Path], Path], tmp_path: Path, suite: Suite
) -> None:
    done = run(VALID, build(suite), ReportLayout.default(tmp_path / "r", keep=False), Options())
    export = read_export(VALID, build(suite).contract())
    path = write(RunOutput(done.result, export.frame), tmp_path / "again")
    assert path.parent == tmp_path / "again" and path.stat().st_size > 0


def test_every_kind_has_exactly_one_backend(suite: Suite) -> None:
    for name, kind in kinds().items():
        owners = [b.engine for b in backends() if b.owns(kind)]
        expected = 0 if isinstance(kind, HeaderKind) else 1
        assert len(owners) == expected, (name, owners)
        if owners:
            assert owners[0] is kind.engine


def test_comparison_checks_read_only_what_a_snapshot_holds(suite: Suite) -> None:
    export = read_export(SAMPLE_DATA / "clean.csv", build(suite).contract())
    columns = set(make_snapshot(export.frame, b"k" * 32).frame.columns)
    columns |= {FIELD}  # stands for the per-field hashes
    ids = [c.entry.id for c in COMPARISON_CHECKS]
    assert len(ids) == len(set(ids))
    for check in COMPARISON_CHECKS:
        assert check.needs <= columns, (check.entry.id, check.needs - columns)


def test_index_is_drawn_from_the_run_just_recorded(tmp_path: Path, suite: Suite) -> None:
    layout = ReportLayout.default(tmp_path / "reports")
    for _ in range(2):
        run(VALID, build(suite), layout, Options())
    with History(layout.history or Path()) as history:
        trend = history.trend()
    assert len(trend.runs) == 2
    html = layout.index.read_text(encoding="utf-8")
    assert html.count("#2") >= 1 and html.count("valid.csv") >= 2


def test_what_fix_repairs_is_counted_per_finding_it_mends(suite: Suite) -> None:
    """The run's count is fix's change log (cells below the header, changes to the file); a
    finding's count is its cells fix changes, only where a repair mends what it found."""
    import polars as pl

    from syncguard.model import Engine, Finding, Severity
    from syncguard.repair import Change, Planned

    frame = pl.DataFrame(
        {
            "email_address": ["a@x.eu ", "a@x.eu", "b@x.eu "],
            "school_year_name": ["alumni", "Alumni", "Alumni"],
            "__row__": pl.Series([2, 3, 4], dtype=pl.UInt32),
        }
    )
    planned = Planned(
        (
            Change(1, "", "repair.bom", "UTF-8 with byte order mark", "UTF-8"),
            Change(2, "email_address", "repair.whitespace", "a@x.eu ", "a@x.eu"),
            Change(4, "email_address", "repair.whitespace", "b@x.eu ", "b@x.eu"),
            Change(2, "school_year_name", "repair.listed_value", "alumni", "Alumni"),
        ),
        (),
        frozenset({(2, 0), (4, 0), (2, 1)}),
    )

    def finding(rule: str, column: str, rows: tuple[int, ...]) -> Finding:
        return Finding(rule, Severity.ERROR, Engine.PANDERA, "m", (column,), rows)

    whitespace = finding("cells.no_stray_whitespace", "email_address", (2, 4))
    duplicate = finding("email_address.unique", "email_address", (2, 3))
    year = finding("school_year_name.allowed", "school_year_name", (2,))
    counted = pipeline.repairable(planned, [whitespace, duplicate, year], frame, suite)
    assert counted is not None
    assert (counted.cells, counted.file_changes) == (3, 1)
    assert counted.of(whitespace) == 2 and counted.of(year) == 1
    assert counted.of(duplicate) == 0  # trimmed, it is still a duplicate
    assert pipeline.repairable(None, [whitespace], frame, suite) is None
