"""Faults around the history: the secret's creation and trust, full disks, read-only, locks."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from syncguard.cli import main
from syncguard.history import store
from syncguard.history.secret import KEY_BYTES, load_or_create
from syncguard.history.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    History,
    HistoryError,
    StoredSnapshot,
)
from syncguard.model import Outcome, PastRun, RuleCount, Severity
from tests.conftest import SAMPLE_DATA, CliRun

AS_ROOT = os.geteuid() == 0
ROOT_IGNORES_MODES = "runs as root, and file modes do not stop root (the injected variant runs)"


def _run(i: int) -> PastRun:
    started = f"2026-11-{i:02d}T00:00:00"
    return PastRun(0, started, "s", "1", f"w{i}.csv", "0" * 64, 5, Outcome.PASSED, 0, 1, 5, 0, None)


def _record(history: History, i: int, blob: bytes | None = None) -> int:
    snapshot = StoredSnapshot(0, "k", "v", 5, blob) if blob is not None else None
    counts = [RuleCount("a", "c", Severity.WARNING, i)]
    return history.record(_run(i), counts, snapshot, "s")


@pytest.fixture
def two_runs(tmp_path: Path) -> Path:
    """A history (in its own folder) that holds two runs."""
    path = tmp_path / "reports" / "h.sqlite"
    with History(path) as history:
        _record(history, 1, b"one")
        _record(history, 2, b"two")
    return path


def _assert_intact(path: Path, runs: int = 2) -> None:
    """The history still passes its check and keeps its earlier runs."""
    with History(path, read_only=True) as history:
        assert history.check() == []
        assert [r.export_name for r in history.runs()] == [f"w{i}.csv" for i in range(runs, 0, -1)]
        assert [len(history.counts(r.id)) for r in history.runs()] == [1] * runs


def _one_sentence_for_people(message: str, path: Path) -> None:
    assert str(path) in message
    assert "\n" not in message and "[Errno" not in message


@contextmanager
def _chmod(path: Path, mode: int) -> Iterator[None]:
    before = stat.S_IMODE(path.stat().st_mode)
    path.chmod(mode)
    try:
        yield
    finally:
        path.chmod(before)


# --- the secret -----------------------------------------------------------------------------


def _key_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".key" in p.name)


def test_the_key_is_written_privately_to_an_unpredictable_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[tuple[str, int, int]] = []
    real_open = os.open

    def spy(path: Any, flags: int, mode: int = 0o777, **kw: Any) -> int:
        if str(path).startswith(str(tmp_path)):
            opened.append((str(path), flags, mode))
        return real_open(path, flags, mode, **kw)

    monkeypatch.setattr(os, "open", spy)
    key = load_or_create(tmp_path / "h.key")
    monkeypatch.undo()
    created = [(p, f, m) for p, f, m in opened if f & os.O_CREAT]
    assert len(created) == 1
    temp, flags, mode = created[0]
    want = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    assert flags & want == want and mode == 0o600
    assert Path(temp).parent == tmp_path and Path(temp).name != f".h.key.{os.getpid()}.tmp"
    assert len(key) == KEY_BYTES
    assert _key_files(tmp_path) == ["h.key"]  # no temp file left
    assert stat.S_IMODE((tmp_path / "h.key").stat().st_mode) == 0o600
    assert load_or_create(tmp_path / "h.key") == key  # read, not replaced


def test_a_planted_symlink_is_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "passwd"
    victim.write_text("root:x:0:0\n")
    folder = tmp_path / "reports"
    folder.mkdir()
    for pid in range(os.getpid() - 5, os.getpid() + 5):  # the old, predictable temp names
        (folder / f".h.key.{pid}.tmp").symlink_to(victim)
    key = load_or_create(folder / "h.key")
    assert len(key) == KEY_BYTES and victim.read_text() == "root:x:0:0\n"
    assert not (folder / "h.key").is_symlink()

    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "h.key").symlink_to(victim)
    (planted / "dangling.key").symlink_to(outside / "created-by-a-run")
    for name in ("h.key", "dangling.key"):
        with pytest.raises(OSError, match="symbolic link") as caught:
            load_or_create(planted / name)
        assert f"chmod 600 {planted / name}" in str(caught.value)
    assert victim.read_text() == "root:x:0:0\n"
    assert not (outside / "created-by-a-run").exists()
    assert _key_files(planted) == ["dangling.key", "h.key"]  # nothing else written there


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o620, 0o602, 0o400 | 0o040])
def test_a_key_others_may_read_or_write_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "h.key"
    path.write_text("ab" * KEY_BYTES)
    path.chmod(mode)
    with pytest.raises(OSError) as caught:
        load_or_create(path)
    message = str(caught.value)
    assert f"chmod 600 {path}" in message and "other users" in message
    _one_sentence_for_people(message, path)
    path.chmod(0o600)
    assert load_or_create(path) == bytes.fromhex("ab" * KEY_BYTES)


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_key_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "h.key"
    if kind == "folder":
        path.mkdir(mode=0o700)
    else:
        os.mkfifo(path, 0o600)
    with pytest.raises(OSError, match="not a regular file") as caught:
        load_or_create(path)
    assert f"chmod 600 {path}" in str(caught.value)


def test_a_full_disk_while_the_key_is_written_leaves_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = os.write
    seen: list[int] = []

    def full(handle: int, data: Any) -> int:
        temps = list(tmp_path.glob(".h.key.*.tmp"))
        info = os.fstat(handle)
        if any(os.path.samestat(info, t.stat()) for t in temps):
            seen.append(stat.S_IMODE(info.st_mode))
            real_write(handle, bytes(data)[:7])  # part of it lands, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(handle, data)

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError) as caught:
        load_or_create(tmp_path / "h.key")
    monkeypatch.undo()
    assert seen == [0o600]  # private from its first byte
    assert os.strerror(errno.ENOSPC) in str(caught.value)
    _one_sentence_for_people(str(caught.value), tmp_path / "h.key")
    assert _key_files(tmp_path) == []  # neither a key nor a temp file
    key = load_or_create(tmp_path / "h.key")  # the next run simply creates it
    assert len(key) == KEY_BYTES and load_or_create(tmp_path / "h.key") == key


@pytest.mark.parametrize("text", ["z" * 64, "ab" * 10, "ab" * 40, ""])
def test_a_damaged_key_keeps_its_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "h.key"
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(OSError, match="the history secret is damaged; restore it, or delete it"):
        load_or_create(path)
    assert path.read_text() == text  # left for a person to decide


def test_the_loser_of_a_race_reads_the_winners_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.key"
    real_link = os.link
    winner: list[bytes] = []

    def late(src: Any, dst: Any, **kw: Any) -> None:
        monkeypatch.setattr(os, "link", real_link)
        winner.append(load_or_create(path))  # another run links its key first
        real_link(src, dst, **kw)

    monkeypatch.setattr(os, "link", late)
    loser = load_or_create(path)
    assert winner == [loser] and len(loser) == KEY_BYTES
    assert _key_files(tmp_path) == ["h.key"]


def test_runs_starting_at_once_end_with_the_same_key(tmp_path: Path) -> None:
    for round_ in range(10):
        path = tmp_path / f"r{round_}" / "h.key"
        start = threading.Barrier(6)
        keys: list[bytes | BaseException] = []

        def one(
            path: Path = path,
            start: threading.Barrier = start,
            keys: list[bytes | BaseException] = keys,
        ) -> None:
            start.wait()
            try:
                keys.append(load_or_create(path))
            except BaseException as exc:  # reported below
                keys.append(exc)

        threads = [threading.Thread(target=one) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert len(keys) == 6 and len(set(keys)) == 1, keys
        assert _key_files(path.parent) == ["h.key"]


def test_an_unsafe_key_stops_a_check_with_one_sentence(
    tmp_path: Path, run_cli: Callable[..., CliRun]
) -> None:
    history = tmp_path / "h.sqlite"
    (tmp_path / "h.key").write_text("ab" * KEY_BYTES)
    (tmp_path / "h.key").chmod(0o644)
    run = run_cli("check", SAMPLE_DATA / "clean.csv", "--history", history, want_json=False)
    assert run.code not in (0, 1)
    assert run.err.count("\n") == 1 and f"chmod 600 {tmp_path / 'h.key'}" in run.err
    assert "Traceback" not in run.err


# --- the store ------------------------------------------------------------------------------


class _Faulty:
    """A connection that fails the statements starting with ``when`` with ``error``."""

    def __init__(self, conn: sqlite3.Connection, when: str, error: sqlite3.Error) -> None:
        self._conn, self._when, self._error = conn, when, error

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.lstrip().startswith(self._when):
            raise self._error
        return self._conn.execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.lstrip().startswith(self._when):
            raise self._error
        return self._conn.executemany(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def test_a_full_disk_on_record_keeps_the_history(two_runs: Path) -> None:
    with History(two_runs) as history:
        pages = history.conn.execute("PRAGMA page_count").fetchone()[0]
        history.conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full
        with pytest.raises(HistoryError) as caught:
            _record(history, 3, os.urandom(200_000))
        message = str(caught.value)
        assert "recording the run failed: the disk is full" in message
        assert os.strerror(errno.ENOSPC) in message and "not a syncguard history" not in message
        _one_sentence_for_people(message, two_runs)
        assert not history.conn.in_transaction
        history.conn.execute("PRAGMA max_page_count = 1073741823")  # space is freed
        _record(history, 3, os.urandom(200_000))
    _assert_intact(two_runs, runs=3)


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (sqlite3.OperationalError("database or disk is full"), "the disk is full"),
        (sqlite3.OperationalError("disk I/O error"), "the disk failed to read or write"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "is read-only"),
        (sqlite3.OperationalError("database is locked"), "another syncguard run has held it"),
        (sqlite3.OperationalError("unable to open database file"), "is missing or this user"),
    ],
)
def test_record_tells_what_happened_and_what_to_do(
    two_runs: Path, error: sqlite3.Error, says: str
) -> None:
    with History(two_runs) as history:
        real = history.conn
        history.conn = _Faulty(real, "INSERT INTO rule_counts", error)  # type: ignore[assignment]
        with pytest.raises(HistoryError) as caught:
            _record(history, 3, b"three")
        history.conn = real
        assert not real.in_transaction  # the half-written run was rolled back
        message = str(caught.value)
        assert says in message and "not a syncguard history" not in message
        _one_sentence_for_people(message, two_runs)
    _assert_intact(two_runs)


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (sqlite3.OperationalError("attempt to write a readonly database"), "is read-only"),
        (sqlite3.OperationalError("database or disk is full"), "the disk is full"),
        (sqlite3.OperationalError("unable to open database file"), "is missing or this user"),
    ],
)
def test_opening_tells_what_happened_and_what_to_do(
    two_runs: Path, monkeypatch: pytest.MonkeyPatch, error: sqlite3.Error, says: str
) -> None:
    real_connect = sqlite3.connect

    def connect(*args: Any, **kw: Any) -> Any:
        return _Faulty(real_connect(*args, **kw), "PRAGMA journal_mode", error)

    monkeypatch.setattr(store.sqlite3, "connect", connect)
    with pytest.raises(HistoryError) as caught:
        History(two_runs)
    monkeypatch.undo()
    assert says in str(caught.value) and "not a syncguard history" not in str(caught.value)
    _one_sentence_for_people(str(caught.value), two_runs)
    _assert_intact(two_runs)


def test_not_a_database_is_still_called_so_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"this is not sqlite " * 100)
    for read_only in (False, True):
        with pytest.raises(HistoryError, match="not a syncguard history") as caught:
            History(path, read_only=read_only)
        _one_sentence_for_people(str(caught.value), path)
    assert path.read_bytes() == b"this is not sqlite " * 100


@pytest.mark.skipif(AS_ROOT, reason=ROOT_IGNORES_MODES)
@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_read_only_history_is_reported_and_can_still_be_listed(two_runs: Path, what: str) -> None:
    target = two_runs.parent if what == "folder" else two_runs
    with _chmod(target, 0o500 if what == "folder" else 0o400):
        with pytest.raises(HistoryError, match="read-only") as caught, History(two_runs) as h:
            _record(h, 3)
        assert "not a syncguard history" not in str(caught.value)
        _one_sentence_for_people(str(caught.value), two_runs)
        with History(two_runs, read_only=True) as history:
            assert [r.export_name for r in history.runs()] == ["w2.csv", "w1.csv"]
            assert history.check() == []
    _assert_intact(two_runs)


def test_a_read_only_folder_can_still_be_listed_injected(
    two_runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What SQLite says for a WAL history in a read-only folder, for runs as root too."""
    real_connect = sqlite3.connect
    refused = sqlite3.OperationalError("attempt to write a readonly database")
    refused.sqlite_errorcode = 8 | (6 << 8)  # type: ignore[attr-defined]  # READONLY_DIRECTORY
    uris: list[str] = []

    def connect(database: Any, *args: Any, **kw: Any) -> Any:
        uris.append(str(database))
        conn = real_connect(database, *args, **kw)
        return conn if "immutable=1" in str(database) else _Faulty(conn, "PRAGMA user", refused)

    monkeypatch.setattr(store.sqlite3, "connect", connect)
    with History(two_runs, read_only=True) as history:
        assert [r.export_name for r in history.runs()] == ["w2.csv", "w1.csv"]
    assert [u.endswith("?mode=ro") for u in uris] == [True, False]
    monkeypatch.undo()
    _assert_intact(two_runs)


def test_a_read_only_history_reads_without_writing(tmp_path: Path, two_runs: Path) -> None:
    odd = tmp_path / "odd folder #1?" / "h.sqlite"  # quoted for the URI
    odd.parent.mkdir()
    odd.write_bytes(two_runs.read_bytes())
    with History(odd, read_only=True) as history:
        assert history.read_only and history.schema_version == SCHEMA_VERSION
        assert len(history.runs()) == 2
        with pytest.raises(HistoryError, match="opened read-only"):
            _record(history, 3)
        with pytest.raises(HistoryError, match="opened read-only"):
            history.accept(1)
        with pytest.raises(sqlite3.OperationalError):
            history.conn.execute("DELETE FROM runs")
    _assert_intact(odd)
    with pytest.raises(HistoryError, match="no history yet"):
        History(tmp_path / "none.sqlite", read_only=True)
    assert not (tmp_path / "none.sqlite").exists()


def test_a_read_only_history_refuses_other_schemas(tmp_path: Path) -> None:
    older = tmp_path / "older.sqlite"
    with closing(sqlite3.connect(older)) as conn:
        conn.executescript(MIGRATIONS[0])
        conn.execute("PRAGMA user_version = 1")
    before = older.read_bytes()
    with pytest.raises(HistoryError) as caught:
        History(older, read_only=True)
    assert str(caught.value) == (
        f"{older}: an older syncguard history; run 'syncguard check' once to upgrade it"
    )
    assert older.read_bytes() == before  # not migrated
    with History(older) as history:  # a check upgrades it
        assert history.schema_version == SCHEMA_VERSION
    with History(older, read_only=True) as history:
        assert history.runs() == []

    newer = tmp_path / "newer.sqlite"
    History(newer).__exit__()
    with closing(sqlite3.connect(newer)) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match="written by a newer syncguard"):
        History(newer, read_only=True)
    other = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE runs (x)")
    with pytest.raises(HistoryError, match="not a syncguard history"):
        History(other, read_only=True)


def test_a_folder_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("a file, not a folder")
    for path in (blocker / "h.sqlite", blocker / "deeper" / "h.sqlite"):
        with pytest.raises(HistoryError, match="cannot create the history folder") as caught:
            History(path)
        assert "a file is in the way" in str(caught.value)
        _one_sentence_for_people(str(caught.value), path)
    assert blocker.read_text() == "a file, not a folder"


@pytest.mark.skipif(AS_ROOT, reason=ROOT_IGNORES_MODES)
def test_a_folder_that_may_not_be_created(tmp_path: Path) -> None:
    refused = pytest.raises(HistoryError, match="cannot create the history folder")
    with _chmod(tmp_path, 0o500), refused as caught:
        History(tmp_path / "reports" / "h.sqlite")
    assert os.strerror(errno.EACCES) in str(caught.value)


def test_a_locked_history(two_runs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 100)
    with History(two_runs) as waiting:
        other = sqlite3.connect(two_runs, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another run, in the middle of a long write
        try:
            with pytest.raises(HistoryError) as opening:
                History(two_runs)
            with pytest.raises(HistoryError) as recording:
                _record(waiting, 3)
            with History(two_runs, read_only=True) as listing:  # listing does not wait
                assert len(listing.runs()) == 2
        finally:
            other.execute("ROLLBACK")
            other.close()
        for caught in (opening, recording):
            message = str(caught.value)
            assert "another syncguard run has held it for more than 0.1 s" in message
            assert "not a syncguard history" not in message
            _one_sentence_for_people(message, two_runs)
        assert not waiting.conn.in_transaction
    _assert_intact(two_runs)


@pytest.mark.parametrize("given", [":memory:", "sqlite:///:memory:", "reports/:memory:"])
def test_an_in_memory_history_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(HistoryError, match="an in-memory history keeps nothing between runs; give"):
        History(Path(given))
    assert list(tmp_path.iterdir()) == []


def test_a_folder_given_as_the_history_is_refused(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="is a folder; give the history file's path"):
        History(tmp_path)


def test_a_device_is_never_taken_for_a_history(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="not a regular file"):
        History(Path("/dev/null"))
    with pytest.raises(HistoryError, match="not a regular file"):
        History(Path("/dev/null"), read_only=True)
    assert Path("/dev/null").is_char_device()


# --- what is not a history ------------------------------------------------------------------


def _sqlite(path: Path, *statements: str) -> None:
    with closing(sqlite3.connect(path)) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.commit()


def _planted(tmp_path: Path, case: str) -> Path:
    """A file that is given as the history but is not one (or a path that cannot be one)."""
    key = tmp_path / "h.key"
    key.write_text("ab" * KEY_BYTES)
    key.chmod(0o600)
    if case == "its own key":
        return tmp_path / "new.key"  # not there yet: it would be created as its own key
    if case == "a history's key":
        return key
    if case == "a link to a key":
        (tmp_path / "link.sqlite").symlink_to(key)
        return tmp_path / "link.sqlite"
    if case == "a link to nothing":
        (tmp_path / "link.sqlite").symlink_to(tmp_path / "elsewhere.sqlite")
        return tmp_path / "link.sqlite"
    path = tmp_path / "h.sqlite"
    if case == "an empty file":
        path.touch()
    elif case == "a text file":
        path.write_text("first_name,last_name\nAda,Lovelace\n")
    elif case == "SQLite without tables":
        _sqlite(path, "PRAGMA user_version = 0", "VACUUM")
    else:  # another program's database, with a user_version of its own
        version = {"SQLite, other tables": 0, "SQLite, user_version 2": 2}.get(case, 3)
        _sqlite(
            path, "CREATE TABLE runs (x)", "CREATE TABLE t (y)", f"PRAGMA user_version = {version}"
        )
    return path


NOT_A_HISTORY = [
    ("its own key", "would be its own key"),
    ("a history's key", "would be its own key"),
    ("a link to a key", "is a history's secret key, not a history"),
    ("an empty file", "this file is empty, not a syncguard history; delete it"),
    ("a text file", "not a syncguard history (the file is not an SQLite database)"),
    ("SQLite without tables", "not a syncguard history (it holds no tables at all)"),
    ("SQLite, other tables", "not a syncguard history (it has other tables)"),
    ("SQLite, user_version 2", "not a syncguard history, or a damaged one (schema 2"),
    ("SQLite, user_version 3", "not a syncguard history, or a damaged one (schema 3"),
    ("a link to nothing", "a symbolic link to a missing file, so no history is made there"),
]


def _files(folder: Path) -> dict[str, bytes | str]:
    return {
        p.name: os.readlink(p) if p.is_symlink() else p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() or p.is_symlink()
    }


@pytest.mark.parametrize(("case", "says"), NOT_A_HISTORY)
def test_what_is_not_a_history_is_refused_and_left_as_it_was(
    tmp_path: Path, case: str, says: str
) -> None:
    path = _planted(tmp_path, case)
    before = _files(tmp_path)
    for read_only in (False, True):
        with pytest.raises(HistoryError) as caught:
            History(path, read_only=read_only)
        assert says in str(caught.value)
        _one_sentence_for_people(str(caught.value), path)
    assert _files(tmp_path) == before  # nothing written, created (no -wal, no key) or changed


@pytest.mark.parametrize(("case", "says"), [NOT_A_HISTORY[i] for i in (0, 2, 3, 8)])
def test_a_check_refuses_what_is_not_a_history(
    tmp_path: Path, run_cli: Callable[..., CliRun], case: str, says: str
) -> None:
    path = _planted(tmp_path, case)
    reports = tmp_path / "reports"
    run = run_cli(
        "check",
        SAMPLE_DATA / "clean.csv",
        "--history",
        path,
        "--report-dir",
        reports,
        "-q",
        want_json=False,
    )
    assert run.code == 3 and says in run.err
    assert run.err.count("\n") == 1 and "Traceback" not in run.err


def test_a_new_history_is_made_whole_before_it_appears(tmp_path: Path) -> None:
    """Runs starting at once on a new history never see it empty (which is refused)."""
    for round_ in range(8):
        path = tmp_path / f"r{round_}" / "h.sqlite"
        start = threading.Barrier(6)
        outcomes: list[str] = []

        def one(
            path: Path = path, start: threading.Barrier = start, outcomes: list[str] = outcomes
        ) -> None:
            start.wait()
            try:
                with History(path) as history:
                    _record(history, 1)
                outcomes.append("ok")
            except BaseException as exc:  # reported below
                outcomes.append(repr(exc))

        threads = [threading.Thread(target=one) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert outcomes == ["ok"] * 6
        assert sorted(p.name for p in path.parent.iterdir()) == ["h.sqlite"]  # no temp files
        with History(path, read_only=True) as history:
            assert len(history.runs()) == 6 and history.schema_version == SCHEMA_VERSION


# --- damage ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of a history (h.sqlite, h.key) that a real check of clean.csv wrote."""
    folder = tmp_path_factory.mktemp("checked")
    argv = ["check", str(SAMPLE_DATA / "clean.csv"), "--history", str(folder / "h.sqlite")]
    out, err = io.StringIO(), io.StringIO()
    assert main([*argv, "--report-dir", str(folder / "reports"), "-q"], out=out, err=err) == 0
    return folder


def _copy_of(checked: Path, tmp_path: Path) -> Path:
    for name in ("h.sqlite", "h.key"):
        shutil.copy2(checked / name, tmp_path / name)
    return tmp_path / "h.sqlite"


DAMAGE = [
    ("snapshot stored as text", "UPDATE snapshots SET data = CAST(data AS TEXT)", "cannot be read"),
    ("truncated snapshot", "UPDATE snapshots SET data = substr(data, 1, 300)", "cannot be read"),
    (
        "a byte of the snapshot changed",
        "UPDATE snapshots SET data = CAST(substr(data, 1, 999) || CASE substr(data, 1000, 1)"
        " WHEN x'00' THEN x'01' ELSE x'00' END || substr(data, 1001) AS BLOB)",
        "no longer match their checksum",
    ),
    ("snapshot row count", "UPDATE snapshots SET rows = rows + 1", "its record says 301"),
    ("snapshot format", "UPDATE snapshots SET format = 'two'", "its format is 'two'"),
    ("unknown outcome", "UPDATE runs SET outcome = 'weird'", "outcome 'weird' is not one"),
    ("a number as text", "UPDATE runs SET rows = 'many'", "its rows is 'many', not a whole"),
    ("binary export name", "UPDATE runs SET export_name = x'ff00'", "export_name is 2 bytes"),
]


@pytest.mark.parametrize(("case", "damage", "says"), DAMAGE, ids=[d[0] for d in DAMAGE])
def test_a_damaged_baseline_fails_closed_and_later_checks_run(
    checked: Path,
    tmp_path: Path,
    run_cli: Callable[..., CliRun],
    case: str,
    damage: str,
    says: str,
) -> None:
    history = _copy_of(checked, tmp_path)
    _sqlite(history, damage)
    run = run_cli("check", SAMPLE_DATA / "clean.csv", "--history", history)
    assert run.code == 1 and "Traceback" not in run.err and run.err.count("\n") <= 1, run.err
    assert run.json is not None
    (finding,) = run.json["findings"]
    assert finding["rule"] == "compare.unavailable" and says in finding["message"]
    assert run.json["comparison"] is None
    listing = run_cli("history", "--history", history, want_json=False)
    assert listing.code == 0 and "run(s) in" in listing.out  # this run was recorded
    assert listing.out.splitlines()[1].split()[0] == "#2"


def _runs_damaged(history: Path) -> None:
    """Run 1 of ``history`` (of the store tests' two runs) damaged in its row and a count."""
    _sqlite(
        history,
        "UPDATE runs SET outcome = 'weird' WHERE id = 1",
        "INSERT INTO rule_counts VALUES (2, 'b', 'c', 'fatal', 3)",
        "UPDATE runs SET suite_version = CAST(x'ff' AS TEXT) WHERE id = 2",  # not UTF-8: shown
    )


def test_damaged_rows_are_left_out_and_named(two_runs: Path) -> None:
    _runs_damaged(two_runs)
    with History(two_runs, read_only=True) as history:
        (run,) = history.runs()
        assert (run.id, run.suite_version) == (2, "\ufffd")
        assert history.counts(2) == [RuleCount("a", "c", Severity.WARNING, 2)]
        assert history.damaged() == [
            (1, "run #1 (its outcome 'weird' is not one syncguard writes)"),
            (2, "a count of run #2 (its severity 'fatal' is not one syncguard writes)"),
        ]
        assert [r.id for r in history.trend().runs] == [2]
        with pytest.raises(HistoryError, match="run #1 is damaged") as caught:
            history.run(1)
        _one_sentence_for_people(str(caught.value), two_runs)
    with History(two_runs) as history, pytest.raises(HistoryError, match="run #1 is damaged"):
        history.accept(1)


@pytest.mark.parametrize(
    ("argv", "code", "says"),
    [
        (["history"], 0, "2 damaged row(s) left out: run #1 (its outcome 'weird'"),
        (["history", "--json"], 0, "2 damaged row(s) left out: run #1"),
        (["history", "2"], 0, "1 damaged row(s) left out: a count of run #2 (its severity"),
        (["history", "1"], 3, "run #1 is damaged (its outcome 'weird' is not one syncguard"),
        (["accept", "1"], 3, "run #1 is damaged (its outcome 'weird' is not one syncguard"),
    ],
)
def test_the_commands_say_what_is_damaged(
    two_runs: Path, run_cli: Callable[..., CliRun], argv: list[str], code: int, says: str
) -> None:
    _runs_damaged(two_runs)
    run = run_cli(*argv, "--history", two_runs, want_json=False)
    assert run.code == code and says in run.err
    assert run.err.count("\n") == 1 and "Traceback" not in run.err
    if argv == ["history", "--json"]:
        assert [r["id"] for r in json.loads(run.out)] == [2]


# --- run numbers ----------------------------------------------------------------------------

PAST_64_BITS = "99999999999999999999"


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["check", SAMPLE_DATA / "clean.csv", "--baseline", PAST_64_BITS], "larger than any run"),
        (["check", SAMPLE_DATA / "clean.csv", "--baseline", "²"], "'²' is not a baseline"),
        (["check", SAMPLE_DATA / "clean.csv", "--baseline", "١٢"], "is not a baseline"),
        (["history", PAST_64_BITS], "larger than any run number can be"),
        (["history", "²"], "is not a run number"),
        (["accept", PAST_64_BITS], "larger than any run number can be"),
    ],
)
def test_a_run_number_past_64_bits_is_a_usage_error(
    two_runs: Path, run_cli: Callable[..., CliRun], argv: list[str | Path], says: str
) -> None:
    run = run_cli(*argv, "--history", two_runs, want_json=False)
    assert run.code == 3 and says in run.err
    assert run.err.count("\n") == 1 and "internal error" not in run.err


def test_the_store_has_no_run_past_64_bits(two_runs: Path, run_cli: Callable[..., CliRun]) -> None:
    with History(two_runs) as history:
        assert history.run(2**64) is None and history.run(-(2**64)) is None
        assert history.baseline("s", run_id=2**64) is None
        with pytest.raises(HistoryError, match=f"there is no run #{2**64}"):
            history.accept(2**64)
        assert len(history.runs(limit=2**64)) == 2
    listing = run_cli("history", "--history", two_runs, "--limit", PAST_64_BITS, want_json=False)
    assert listing.code == 0 and listing.out.startswith("2 run(s)")


# --- read-only file systems -----------------------------------------------------------------


def _mount(folder: Path, *options: str) -> bool:
    command = ["mount", "-t", "tmpfs", "tmpfs", str(folder)] if not options else None
    args = command or ["mount", "-o", ",".join(options), str(folder)]
    try:
        done = subprocess.run(args, capture_output=True, check=False, timeout=30)
    except OSError:
        return False
    return done.returncode == 0


@contextmanager
def _read_only(two_runs: Path, how: str) -> Iterator[Path]:
    """The history of ``two_runs`` made read-only for root too: on a read-only mount, or an
    immutable file (``chattr +i``); skipped where neither can be done."""
    if how == "read-only mount":
        folder = two_runs.parent.parent / "mounted"
        folder.mkdir()
        if not _mount(folder):
            pytest.skip("cannot mount a tmpfs here (needs root)")
        try:
            shutil.copy2(two_runs, folder / two_runs.name)
            assert _mount(folder, "remount", "ro")
            yield folder / two_runs.name
        finally:
            subprocess.run(["umount", str(folder)], check=True, timeout=30)
        return
    done = subprocess.run(["chattr", "+i", str(two_runs)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot make a file immutable here (needs root and chattr)")
    try:
        yield two_runs
    finally:
        subprocess.run(["chattr", "-i", str(two_runs)], check=True)


@pytest.mark.parametrize("how", ["read-only mount", "immutable file"])
def test_a_history_that_cannot_be_written_is_listed_and_read(
    two_runs: Path, run_cli: Callable[..., CliRun], how: str
) -> None:
    with _read_only(two_runs, how) as history:
        listing = run_cli("history", "--history", history, want_json=False)
        assert listing.code == 0, listing.err
        assert [line.split()[0] for line in listing.out.splitlines()[1:]] == ["#2", "#1"]
        one = run_cli("history", "1", "--history", history, want_json=False)
        assert one.code == 0 and "w1.csv" in one.out
        with History(history, read_only=True) as read:
            found = read.baseline("s")
            assert found is not None and found[1].data == b"two"
        reports = two_runs.parent.parent / "out"
        check = ["check", SAMPLE_DATA / "clean.csv", "-q", "--report-dir", reports]
        for argv in (check, ["accept", "1"]):
            refused = run_cli(*argv, "--history", history, want_json=False)
            assert refused.code == 3 and "the history is read-only" in refused.err
            assert "missing" not in refused.err and "--no-history" in refused.err
            assert refused.err.count("\n") == 1
        if how == "read-only mount":
            assert "on a read-only file system" in refused.err
    _assert_intact(two_runs)


def test_a_name_that_is_not_utf8_is_recorded_escaped(tmp_path: Path) -> None:
    """A Linux file name may hold any bytes: Python keeps them as lone surrogates."""
    odd = os.fsdecode(b"week\xff.csv")
    run = PastRun(0, "2026-11-01", "s", "1", odd, "0" * 64, 5, Outcome.PASSED, 0, 0, 5, 0, odd)
    with History(tmp_path / "h.sqlite") as history:
        history.record(run, [RuleCount("a", "\udcfe", Severity.ERROR, 1)], None, "s")
        (stored,) = history.runs()
        assert (stored.export_name, stored.report) == ("week\\xff.csv", "week\\xff.csv")
        assert history.counts(stored.id)[0].column == "\\xfe"
