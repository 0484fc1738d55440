"""The history store: schema and migrations, no personal data, kill-safe, concurrent-safe."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from syncguard.history.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    History,
    HistoryError,
    StoredSnapshot,
)
from syncguard.model import CheckCount, Outcome, PastRun, RuleCount, Severity
from tests.conftest import SAMPLE_DATA, CliRun, findings_by_rule

WRITER = """
import os, sys
from pathlib import Path
from syncguard.history.store import History, StoredSnapshot
from syncguard.model import Outcome, PastRun, RuleCount, Severity
path, runs, tag = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
blob = os.urandom(2_000_000)  # a snapshot big enough that a kill can land inside the write
with History(path) as history:
    for i in range(runs):
        run = PastRun(0, f"2026-11-29T00:00:{i:02d}", "s", "1", f"{tag}{i}.csv", "0" * 64, 10,
                        Outcome.FAILED, 2, 0, 8, 2, None)
        counts = [RuleCount(f"rule.{k}", "c", Severity.ERROR, k) for k in range(50)]
        history.record(run, counts, StoredSnapshot(0, "k", "v", 10, blob), "s")
        print(i, flush=True)
"""


def _writer(path: Path, runs: int, tag: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(runs), tag],
        stdout=subprocess.PIPE,
        text=True,
    )


def _run(i: int) -> PastRun:
    return PastRun(
        0,
        f"2026-11-{i:02d}T00:00:00",
        "s",
        "1",
        "x.csv",
        "0" * 64,
        5,
        Outcome.PASSED,
        0,
        1,
        5,
        0,
        None,
    )


def test_new_history_has_the_current_schema(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as history:
        assert history.schema_version == SCHEMA_VERSION
        run_id = history.record(_run(1), [RuleCount("a", "c", Severity.WARNING, 3)], None, "s")
        assert history.counts(run_id) == [RuleCount("a", "c", Severity.WARNING, 3)]
        assert [r.id for r in history.runs("s")] == [run_id]
        assert history.check() == []


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    History(path).__exit__()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match="written by a newer syncguard"):
        History(path)


def _history_at_schema(path: Path, version: int) -> None:
    """A history as an older syncguard left it: the first ``version`` migrations, one run."""
    with sqlite3.connect(path) as conn:
        for migration in MIGRATIONS[:version]:
            conn.executescript(migration)
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute(
            "INSERT INTO runs (started_at, suite, suite_version, export_name, export_sha256, rows,"
            " outcome, errors, warnings, rows_clean, rows_with_errors, rule_count_rows)"
            " VALUES ('2026-11-22T00:00:00', 's', '1', 'week.csv', ?, 5, 'passed', 0, 0, 5, 0, 0)",
            ("0" * 64,),
        )
        conn.execute(
            "INSERT INTO snapshots (run_id, suite, key_id, polars_version, rows, data)"
            " VALUES (1, 's', 'k', 'v', 5, x'00')"
        )


def test_an_upgraded_syncguard_lists_a_history_before_its_first_check(tmp_path: Path) -> None:
    """Listing is read-only and never migrates: a schema-2 history is listed as it is, and the
    next check upgrades it (its old snapshots are of format 1)."""
    path = tmp_path / "h.sqlite"
    _history_at_schema(path, 2)
    before = path.read_bytes()
    with History(path, read_only=True) as history:
        assert [r.export_name for r in history.runs()] == ["week.csv"]
        assert history.schema_version == 2
    assert path.read_bytes() == before  # not migrated
    with History(path) as history:
        assert history.schema_version == SCHEMA_VERSION
        found = history.baseline("s")
        assert found is not None and found[1].format == 1


def test_not_a_database_is_refused(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    bogus = tmp_path / "h.sqlite"
    bogus.write_text("this is not sqlite " * 100, encoding="utf-8")
    run = run_cli("check", SAMPLE_DATA / "clean.csv", "--history", bogus, want_json=False)
    assert run.code == 3
    assert "not a syncguard history" in run.err and "Traceback" not in run.err


def test_the_history_holds_no_personal_data(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    history = tmp_path / "h.sqlite"
    for name in ("clean.csv", "defective.csv"):
        run_cli("check", SAMPLE_DATA / name, "--history", history)
    data = (
        history.read_bytes() + (tmp_path / "h.sqlite-wal").read_bytes()
        if (tmp_path / "h.sqlite-wal").exists()
        else history.read_bytes()
    )
    lines = (SAMPLE_DATA / "clean.csv").read_text(encoding="utf-8").splitlines()[1:]
    emails = [line.split(",")[0] for line in lines]
    usernames = [line.split(",")[1] for line in lines]
    assert len(emails) == 300
    for value in emails + usernames:
        assert value.encode() not in data
    assert b"@student.uni-example.eu" not in data
    with History(history) as h:
        snapshot = h.latest_snapshot("handshake_student_sync_eu")
    assert snapshot is not None and snapshot.rows == 300
    import io

    import polars as pl

    frame = pl.read_parquet(io.BytesIO(snapshot.data))
    text_columns = {c for c, t in frame.schema.items() if t == pl.String}
    assert text_columns <= {"school_year", "disabled"}  # the importer's own values only
    key = tmp_path / "h.key"
    assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"


def test_statuses_new_persisting_resolved(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    history = tmp_path / "h.sqlite"
    first = run_cli(
        "check", SAMPLE_DATA / "defective.csv", "--history", history, "--as-of", "2026-11-29"
    )
    assert first.json is not None
    assert all("status" not in f for f in first.json["findings"])  # nothing to compare with
    second = run_cli(
        "check", SAMPLE_DATA / "clean.csv", "--history", history, "--as-of", "2026-11-29"
    )
    assert second.json is not None
    resolved = {r["rule"] for r in second.json["resolved"]}
    assert {"username.unique", "email_address.unique", "first_name.not_blank"} <= resolved
    third = run_cli(
        "check", SAMPLE_DATA / "defective.csv", "--history", history, "--as-of", "2026-11-29"
    )
    assert third.json is not None
    found = findings_by_rule(third.json)
    assert found["username.unique"]["status"] == "new"
    fourth = run_cli(
        "check", SAMPLE_DATA / "defective.csv", "--history", history, "--as-of", "2026-11-29"
    )
    assert fourth.json is not None
    assert findings_by_rule(fourth.json)["username.unique"]["status"] == "persisting"
    # the baseline is the last run the importer took: the clean export of the second run
    assert fourth.json["comparison"]["baseline"]["run"] == 2
    assert fourth.json["comparison"]["plan"]["updated"] > 0
    fifth = run_cli(
        "check",
        SAMPLE_DATA / "defective.csv",
        "--history",
        history,
        "--as-of",
        "2026-11-29",
        "--baseline",
        "last",
    )
    assert fifth.json is not None and fifth.json["comparison"]["baseline"]["run"] == 4
    plan = fifth.json["comparison"]["plan"]
    assert (plan["updated"], plan["created"], plan["skipped"]) == (0, 0, 5)
    listing = run_cli("history", "--history", history, want_json=False)
    assert listing.code == 0
    assert listing.out.splitlines()[0] == f"5 run(s) in {history}, newest first:"


def test_no_history_writes_nothing(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    run = run_cli("check", SAMPLE_DATA / "clean.csv", "--no-history")
    assert run.code == 0
    assert not list(tmp_path.glob("**/history.*"))


def test_a_run_killed_mid_write_leaves_the_history_consistent(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    writer = _writer(path, 1000, "k")
    assert writer.stdout is not None
    for _ in range(3):  # let it commit a few runs, then kill it while it writes the next
        writer.stdout.readline()
    time.sleep(0.02)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    writer.stdout.close()
    with History(path) as history:
        assert history.check() == []
        runs = history.runs()
        assert len(runs) >= 3
        for run in runs:
            assert len(history.counts(run.id)) == 50
        kept = history.conn.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0]
        assert kept == min(len(runs), 3)
        history.record(_run(1), [], None, "s")  # and it is still writable


def test_concurrent_runs_on_one_history(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    History(path).__exit__()
    writers = [_writer(path, 15, tag) for tag in ("a", "b")]
    for w in writers:
        out, _ = w.communicate(timeout=240)
        assert w.returncode == 0
        assert out.split() == [str(i) for i in range(15)]
    with History(path) as history:
        assert history.check() == []
        names = sorted(r.export_name for r in history.runs())
        assert names == sorted([f"{t}{i}.csv" for t in "ab" for i in range(15)])


@pytest.mark.parametrize("case", ["report_dir_is_a_file", "other_sqlite", "damaged_key"])
def test_unusable_history_places_exit_3_with_one_sentence(
    tmp_path: Path, run_cli: Callable[..., CliRun], case: str
) -> None:
    history = tmp_path / "h.sqlite"
    args: list[object] = ["--history", history]
    if case == "report_dir_is_a_file":
        blocker = tmp_path / "file"
        blocker.write_text("x")
        args = ["--history", blocker / "h.sqlite"]
    elif case == "other_sqlite":
        with sqlite3.connect(history) as conn:
            conn.execute("CREATE TABLE runs (x)")
    else:
        (tmp_path / "h.key").write_text("z" * 64)
    run = run_cli("check", SAMPLE_DATA / "clean.csv", *args, want_json=False)
    assert run.code == 3
    assert (
        run.err.count("\n") == 1 and "Traceback" not in run.err and "internal error" not in run.err
    )


SUITE = "handshake_student_sync_eu"


def _past(suite: str, outcome: Outcome, accepted: bool = False) -> PastRun:
    return PastRun(
        0,
        "2026-11-22T00:00:00",
        suite,
        "1",
        "w.csv",
        "0" * 64,
        5,
        outcome,
        0,
        0,
        5,
        0,
        None,
        accepted,
    )


@pytest.mark.parametrize(
    ("held", "note"),
    [
        ([], "no earlier run of this suite in the history, so nothing to compare with yet"),
        (
            [("handshake_eu_old", Outcome.PASSED), ("other", Outcome.FAILED)],
            f"no baseline: the history's runs are of suite handshake_eu_old, other, not {SUITE} "
            "(renamed?), so nothing was compared",
        ),
        (
            [(SUITE, Outcome.PASSED), (SUITE, Outcome.FAILED)],
            "no baseline: run #1 passed but has no snapshot (recorded by an older syncguard",
        ),
        (
            [(SUITE, Outcome.FAILED, True)],
            "no baseline: run #1 was accepted but has no snapshot",
        ),
        (
            [(SUITE, Outcome.FAILED), (SUITE, Outcome.UNUSABLE)],
            f"no baseline: none of the 2 run(s) of suite {SUITE} in the history passed or was "
            "accepted, so nothing was compared; if one was uploaded anyway, 'syncguard accept",
        ),
    ],
)
def test_a_check_says_why_nothing_was_compared(
    tmp_path: Path, run_cli: Callable[..., CliRun], held: list[tuple[Any, ...]], note: str
) -> None:
    history = tmp_path / "h.sqlite"
    with History(history) as h:
        for suite, outcome, *accepted in held:
            h.record(_past(suite, outcome, *accepted), [], None, suite)
    run = run_cli("check", SAMPLE_DATA / "clean.csv", "--history", history)
    assert run.code == 0 and run.json is not None
    assert run.json["comparison"] is None
    (said,) = run.json["notes"]
    assert said.startswith(note)


@pytest.mark.parametrize(
    ("baseline", "says"),
    [
        ("1", f"run #1 is a run of suite handshake_eu_old, not {SUITE}, so it cannot be the"),
        ("2", "run #2 has no snapshot to compare with (too old)"),
        ("3", "there is no run #3"),
    ],
)
def test_a_baseline_run_that_cannot_be_says_why(
    tmp_path: Path, run_cli: Callable[..., CliRun], baseline: str, says: str
) -> None:
    history = tmp_path / "h.sqlite"
    with History(history) as h:
        h.record(_past("handshake_eu_old", Outcome.PASSED), [], None, "handshake_eu_old")
        h.record(_past(SUITE, Outcome.PASSED), [], None, SUITE)
    run = run_cli("check", SAMPLE_DATA / "clean.csv", "--history", history, "--baseline", baseline)
    assert run.code == 3 and says in run.err and run.err.count("\n") == 1


def _snapshot_of(rows: int) -> StoredSnapshot:
    """A real snapshot of ``rows`` students (keyed digests), as a check stores it."""
    import polars as pl

    from syncguard.compare.snapshot import make_snapshot
    from syncguard.intake.reader import ROW

    frame = pl.DataFrame(
        {
            ROW: list(range(2, rows + 2)),
            "username": [f"S{i}" for i in range(rows)],
            "auth_identifier": [f"u{i}" for i in range(rows)],
        }
    )
    snap = make_snapshot(frame, b"k" * 32)
    data = snap.to_bytes()
    return StoredSnapshot(0, snap.key_id, snap.polars_version, rows, data, snap.format)


def test_a_schema_5_history_is_listed_as_it_is_and_upgraded_with_a_memory(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    _history_at_schema(path, 5)
    with History(path, read_only=True) as history:
        assert history.schema_version == 5 and history.memory("s") is None
    with History(path) as history:
        assert history.schema_version == SCHEMA_VERSION
        assert history.memory("s") is None
        run_id = history.record(_run(2), [], _snapshot_of(3), "s", remember=True)
        memory = history.memory("s")
        assert memory is not None and (memory.rows, memory.run_id) == (6, run_id)


@pytest.mark.parametrize("remember", [True, False])
def test_the_memory_is_written_in_the_runs_transaction(tmp_path: Path, remember: bool) -> None:
    """A run the importer took and its memory are recorded together or not at all."""
    path = tmp_path / "h.sqlite"
    with History(path) as history:
        history.conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON memory BEGIN SELECT RAISE(ABORT, 'no'); END"
        )
        if remember:
            with pytest.raises(HistoryError, match="recording the run failed"):
                history.record(_run(1), [], _snapshot_of(2), "s", remember=True)
            assert history.runs() == [] and history.memory("s") is None
        else:  # a run the importer did not take leaves the memory alone
            history.record(_run(1), [], _snapshot_of(2), "s")
            assert len(history.runs()) == 1 and history.memory("s") is None


def _counted(i: int, warned: int | None) -> PastRun:
    """Run ``i``: 2 students with errors, ``warned`` with warnings (None: not counted)."""
    return replace(_run(i), outcome=Outcome.FAILED, rows_with_errors=2, rows_with_warnings=warned)


def test_students_with_warnings_and_per_check_counts_are_kept(tmp_path: Path) -> None:
    counts = [
        RuleCount("cells.no_stray_whitespace", "email_address", Severity.WARNING, 2),
        RuleCount("cells.no_stray_whitespace", "last_name", Severity.WARNING, 3),
    ]
    checks = [CheckCount("cells.no_stray_whitespace", Severity.WARNING, 4)]  # one row in both
    with History(tmp_path / "h.sqlite") as history:
        run_id = history.record(_counted(1, 4), counts, None, "s", checks=checks)
        assert history.run(run_id) == replace(_counted(1, 4), id=run_id)
        assert history.check_counts(run_id) == checks
        assert history.trend().checks == {run_id: tuple(checks)}
        assert history.counts(run_id) == counts  # the per-column counts stay, for statuses


def test_a_run_recorded_without_per_check_counts_adds_up_its_columns(tmp_path: Path) -> None:
    counts = [
        RuleCount("a", "x", Severity.WARNING, 2),
        RuleCount("a", "y", Severity.ERROR, 3),
        RuleCount("b", "x", Severity.WARNING, 1),
    ]
    with History(tmp_path / "h.sqlite") as history:
        run_id = history.record(_counted(1, None), counts, None, "s")
        assert history.check_counts(run_id) == [
            CheckCount("a", Severity.ERROR, 5),
            CheckCount("b", Severity.WARNING, 1),
        ]
        assert history.run(run_id) == replace(_counted(1, None), id=run_id)


@pytest.mark.parametrize("read_only", [True, False])
def test_a_history_before_students_were_counted_is_read(tmp_path: Path, read_only: bool) -> None:
    """Schema 5 (before rows with warnings and per-check counts): listed as it is (read-only, not
    migrated), or upgraded by a check; its run has no count of warnings, and its per-column
    counts are added up per check."""
    path = tmp_path / "h.sqlite"
    before_students = MIGRATIONS.index(next(m for m in MIGRATIONS if "rows_with_warnings" in m))
    _history_at_schema(path, before_students)
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO rule_counts VALUES (1, 'a', ?, 'warning', ?)", [("x", 2), ("y", 1)]
        )
        conn.execute("UPDATE runs SET rule_count_rows = 2")
    unchanged = path.read_bytes()
    with History(path, read_only=read_only) as history:
        (run,) = history.runs()
        assert run.rows_with_warnings is None
        assert history.trend().checks == {1: (CheckCount("a", Severity.WARNING, 3),)}
        assert history.damaged() == [] and history.check() == []
        if not read_only:
            assert history.schema_version == SCHEMA_VERSION
            new = history.record(_counted(2, 7), [], None, "s", checks=[])
            assert history.run(new) == replace(_counted(2, 7), id=new)
    assert (path.read_bytes() == unchanged) is read_only


def test_a_damaged_per_check_count_is_left_out_and_named(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    with History(path) as history:
        checks = [CheckCount("a", Severity.ERROR, 2), CheckCount("b", Severity.ERROR, 1)]
        history.record(_counted(1, 0), [], None, "s", checks=checks)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE check_counts SET failed_rows = 'many' WHERE rule = 'b'")
    with History(path, read_only=True) as history:
        assert history.check_counts(1) == [CheckCount("a", Severity.ERROR, 2)]
        assert history.damaged() == [
            (1, "a check count of run #1 (its failed rows is 'many', not a whole number)")
        ]


def test_a_check_records_the_students_of_its_warnings_and_of_each_check(
    tmp_path: Path, run_cli: Callable[..., CliRun]
) -> None:
    history = tmp_path / "h.sqlite"
    run = run_cli("check", SAMPLE_DATA / "weekly" / "2026-11-22.csv", "--history", history)
    assert run.json is not None
    found = run.json["findings"]
    warned = {r for f in found if f["severity"] == "warning" for r in f["rows"]}
    with History(history) as h:
        (past,) = h.runs()
        checks = {c.rule: c.failed_rows for c in h.check_counts(past.id)}
    assert past.rows_with_warnings == len(warned) > 0
    assert past.rows_with_errors == run.json["accounting"]["rows_with_errors"]
    assert checks == {f["rule"]: f["failed_rows"] for f in found}
    with sqlite3.connect(history) as conn:  # kept per check, not added up from its columns
        kept = conn.execute("SELECT rule, failed_rows FROM check_counts").fetchall()
    assert dict(kept) == checks
