"""The history store: one SQLite file, schema-versioned, every run written in one transaction.

Tables: ``runs`` (one row per run), ``rule_counts`` (failed rows per rule and column per run),
``snapshots`` (the hashed identities of a run's export, kept for next week's comparison; only
the newest few per suite). No raw personal data is written: the snapshot holds keyed hashes.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from syncguard.model import Outcome, PastRun, RuleCount, Severity, Trend

SNAPSHOTS_KEPT = 3
BUSY_TIMEOUT_MS = 60_000
"""How long a run waits for another run's write to finish before it reports a locked history.

Read when a history is opened, so a test may lower it."""

MIGRATIONS: tuple[str, ...] = (
    # 1: runs, per-rule counts, snapshots
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        suite TEXT NOT NULL,
        suite_version TEXT NOT NULL,
        export_name TEXT NOT NULL,
        export_sha256 TEXT NOT NULL,
        rows INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        errors INTEGER NOT NULL,
        warnings INTEGER NOT NULL,
        rows_clean INTEGER NOT NULL,
        rows_with_errors INTEGER NOT NULL,
        rule_count_rows INTEGER NOT NULL,
        report TEXT
    );
    CREATE INDEX runs_by_suite ON runs (suite, id);
    CREATE TABLE rule_counts (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        column_name TEXT NOT NULL,
        severity TEXT NOT NULL,
        failed_rows INTEGER NOT NULL,
        PRIMARY KEY (run_id, rule, column_name)
    );
    CREATE TABLE snapshots (
        run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        suite TEXT NOT NULL,
        key_id TEXT NOT NULL,
        polars_version TEXT NOT NULL,
        rows INTEGER NOT NULL,
        data BLOB NOT NULL
    );
    """,
    # 2: accepted runs (uploaded although they failed), the date counted as today, the baseline
    """
    ALTER TABLE runs ADD COLUMN accepted INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN as_of TEXT;
    ALTER TABLE runs ADD COLUMN baseline INTEGER
    """,
    # 3: how a snapshot's identities are keyed (1: BLAKE2b per value; 2: HMAC-SHA256 in polars)
    """
    ALTER TABLE snapshots ADD COLUMN format INTEGER NOT NULL DEFAULT 1
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
READABLE_FROM = 2
"""The oldest schema a read-only listing reads as it is: migration 3 only added what a check
reads (``snapshots.format``), so ``syncguard history`` still lists a history a check has not
upgraded yet."""
RUN_COLUMNS = (
    "id, started_at, suite, suite_version, export_name, export_sha256, rows, outcome, errors,"
    " warnings, rows_clean, rows_with_errors, report, accepted, as_of, baseline"
)


class HistoryError(Exception):
    """The history file cannot be used (not SQLite, newer schema, locked for too long, full
    disk, read-only); the message is one sentence for people: what happened, what to do."""


@dataclass(frozen=True)
class StoredSnapshot:
    """A snapshot as stored: parquet bytes of hashed identities, and how they were keyed."""

    run_id: int
    key_id: str
    polars_version: str
    rows: int
    data: bytes
    format: int = 1
    """How its identities are keyed (``compare.snapshot.FORMAT``); 1 before migration 3."""


_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR = 5, 6, 8, 10
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 11, 13, 14, 26
_SQLITE_READONLY_DIRECTORY = _SQLITE_READONLY | (6 << 8)


def _sqlite_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code if isinstance(code, int) else None


def _explain(path: Path, exc: sqlite3.Error, doing: str) -> HistoryError:
    """One sentence for people: what happened to which file while ``doing``, and what to do."""
    code = _sqlite_code(exc)
    primary = code & 0xFF if code is not None else None
    text = str(exc).lower()
    if primary == _SQLITE_FULL or "database or disk is full" in text:
        what = (
            f"the disk is full ({os.strerror(errno.ENOSPC)}); free space on it and run again, "
            "the history keeps its earlier runs"
        )
    elif primary == _SQLITE_IOERR or "disk i/o error" in text:
        what = (
            f"the disk failed to read or write ({os.strerror(errno.EIO)}); it may be full or "
            "failing: free space or check the disk, then run again"
        )
    elif primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in text:
        what = (
            f"another syncguard run has held it for more than {BUSY_TIMEOUT_MS / 1000:g} s; "
            "wait for that run to finish and try again"
        )
    elif code == _SQLITE_READONLY_DIRECTORY:
        what = (
            f"its folder {path.parent} is read-only; make it writable for this user, or choose "
            "another --history (or --no-history)"
        )
    elif primary == _SQLITE_READONLY or "readonly database" in text:
        what = (
            "the file or its folder is read-only; make both writable for this user, or choose "
            "another --history (or --no-history)"
        )
    elif primary == _SQLITE_CANTOPEN or "unable to open database file" in text:
        what = (
            f"cannot open it: its folder {path.parent} is missing or this user cannot read and "
            "write there; fix that, or choose another --history (or --no-history)"
        )
    elif primary == _SQLITE_NOTADB or "file is not a database" in text:
        return HistoryError(
            f"{path}: not a syncguard history (the file is not an SQLite database); choose "
            "another --history"
        )
    elif primary == _SQLITE_CORRUPT or "malformed" in text:
        what = f"the file is damaged ({exc}); restore it from a backup or choose another --history"
    else:
        what = f"cannot use it ({exc}); choose another --history (or --no-history)"
    return HistoryError(f"{path}: {doing} failed: {what}")


def _refuse_non_file(path: Path) -> None:
    name = str(path)
    if path.name == ":memory:" or name in ("", ":memory:"):
        raise HistoryError(
            f"{name or path}: an in-memory history keeps nothing between runs; give a file path"
        )
    if name.startswith(("sqlite:", "file:")):
        raise HistoryError(f"{name}: a URL is not a history; give a file path")
    if path.is_dir():
        raise HistoryError(
            f"{path}: is a folder; give the history file's path, e.g. {path / 'history.sqlite'}"
        )


def _not_a_file(path: Path) -> None:
    """A history is a regular file (or not there yet): never a device, FIFO or folder."""
    if path.exists() and not path.is_file():
        raise HistoryError(
            f"{path}: this is not a regular file, so it cannot hold a history; choose another "
            "--history or --no-history"
        )


def _connect(path: Path) -> sqlite3.Connection:
    _not_a_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocked = isinstance(exc, FileExistsError | NotADirectoryError)
        reason = "a file is in the way" if blocked else exc.strerror or str(exc)
        raise HistoryError(
            f"{path}: cannot create the history folder {path.parent} ({reason}); choose another "
            "--history or --no-history"
        ) from None
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise _explain(path, exc, "opening the history") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error as exc:
        conn.close()
        raise _explain(path, exc, "opening the history") from None
    return conn


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write, for a history whose file or folder may be read-only."""
    if not path.exists():
        raise HistoryError(f"{path}: no history yet; run 'syncguard check' first")
    _not_a_file(path)
    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    try:
        conn = _open_uri(uri)
    except sqlite3.Error as exc:
        if _sqlite_code(exc) != _SQLITE_READONLY_DIRECTORY:
            raise _explain(path, exc, "reading the history") from None
        # a WAL history in a read-only folder, closed cleanly: nothing can be writing to it
        # (a writer would need to create its -wal file there), so read it as it lies
        try:
            conn = _open_uri(uri + "&immutable=1")
        except sqlite3.Error as again:
            raise _explain(path, again, "reading the history") from None
    return conn


def _open_uri(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA user_version").fetchone()
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # reads the file
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already (a full disk, an I/O error)
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise


class History:
    """An open history file; use as a context manager.

    ``read_only`` opens it for reading only (``syncguard history``): nothing is created,
    migrated or written, so a history in a read-only file or folder can still be listed.
    """

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        _refuse_non_file(path)
        self.path = path
        self.read_only = read_only
        self.conn = _connect_read_only(path) if read_only else _connect(path)
        try:
            if read_only:
                self._check_version()
            else:
                self._migrate()
        except BaseException:
            self.conn.close()
            raise

    def __enter__(self) -> History:
        return self

    def __exit__(self, *_: object) -> None:
        self.conn.close()

    def _migrate(self) -> None:
        try:
            self._apply_migrations()
        except sqlite3.Error as exc:
            raise _explain(self.path, exc, "opening the history") from None

    def _check_version(self) -> None:
        """Refuse what a read-only history cannot be read as: another file, another schema."""
        try:
            version, tables = self._version()
        except sqlite3.Error as exc:
            raise _explain(self.path, exc, "reading the history") from None
        self._refuse_version(version, tables)
        if version < READABLE_FROM:
            raise HistoryError(
                f"{self.path}: an older syncguard history; run 'syncguard check' once to upgrade it"
            )

    def _version(self) -> tuple[int, int]:
        version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        tables = int(self.conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0])
        return version, tables

    def _refuse_version(self, version: int, tables: int) -> None:
        if version == 0 and tables:
            raise HistoryError(
                f"{self.path}: this SQLite file is not a syncguard history (it has other "
                "tables); choose another --history"
            )
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path}: written by a newer syncguard (schema {version}, this one "
                f"knows {SCHEMA_VERSION}); upgrade syncguard or use another --history"
            )

    def _apply_migrations(self) -> None:
        with _transaction(self.conn):
            version, tables = self._version()
            self._refuse_version(version, tables)
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _writable(self, doing: str) -> None:
        if self.read_only:
            raise HistoryError(f"{self.path}: {doing} failed: the history was opened read-only")

    @property
    def schema_version(self) -> int:
        """The schema version of the file."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def record(
        self,
        run: PastRun,
        counts: Sequence[RuleCount],
        snapshot: StoredSnapshot | None,
        suite: str,
    ) -> int:
        """Write a run, its rule counts and its snapshot in one transaction; return its id.

        Raises:
            HistoryError: the run could not be written (full disk, read-only file or folder,
                held by another run for too long); the history keeps its earlier runs.
        """
        self._writable("recording the run")
        try:
            return self._record(run, counts, snapshot, suite)
        except sqlite3.Error as exc:
            raise _explain(self.path, exc, "recording the run") from None

    def _record(
        self,
        run: PastRun,
        counts: Sequence[RuleCount],
        snapshot: StoredSnapshot | None,
        suite: str,
    ) -> int:
        with _transaction(self.conn):
            cursor = self.conn.execute(
                "INSERT INTO runs (started_at, suite, suite_version, export_name, export_sha256,"
                " rows, outcome, errors, warnings, rows_clean, rows_with_errors,"
                " rule_count_rows, report, accepted, as_of, baseline)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    run.started_at,
                    run.suite,
                    run.suite_version,
                    run.export_name,
                    run.export_sha256,
                    run.rows,
                    run.outcome.value,
                    run.errors,
                    run.warnings,
                    run.rows_clean,
                    run.rows_with_errors,
                    len(counts),
                    run.report,
                    int(run.accepted),
                    run.as_of,
                    run.baseline,
                ),
            )
            run_id = int(cursor.lastrowid or 0)
            self.conn.executemany(
                "INSERT INTO rule_counts (run_id, rule, column_name, severity, failed_rows)"
                " VALUES (?,?,?,?,?)",
                [(run_id, c.rule, c.column, c.severity.value, c.failed_rows) for c in counts],
            )
            if snapshot is not None:
                self.conn.execute(
                    "INSERT INTO snapshots"
                    " (run_id, suite, key_id, polars_version, rows, data, format)"
                    " VALUES (?,?,?,?,?,?,?)",
                    (
                        run_id,
                        suite,
                        snapshot.key_id,
                        snapshot.polars_version,
                        snapshot.rows,
                        snapshot.data,
                        snapshot.format,
                    ),
                )
                self._prune(suite)
        return run_id

    def _prune(self, suite: str) -> None:
        """Keep the newest snapshots of a suite, and always its newest baseline's."""
        self.conn.execute(
            "DELETE FROM snapshots WHERE suite = ? AND run_id NOT IN (SELECT run_id FROM"
            " snapshots WHERE suite = ? ORDER BY run_id DESC LIMIT ?) AND run_id IS NOT ("
            "SELECT MAX(s.run_id) FROM snapshots s JOIN runs r ON r.id = s.run_id"
            " WHERE s.suite = ? AND (r.outcome = 'passed' OR r.accepted = 1))",
            (suite, suite, SNAPSHOTS_KEPT, suite),
        )

    def accept(self, run_id: int) -> PastRun:
        """Mark a run as uploaded although it failed the gate: it becomes the baseline.

        Raises:
            HistoryError: no such run, an unusable run, or its snapshot is no longer kept; or
                the history cannot be written.
        """
        self._writable("accepting the run")
        try:
            self._accept(run_id)
        except sqlite3.Error as exc:
            raise _explain(self.path, exc, "accepting the run") from None
        accepted = self.run(run_id)
        assert accepted is not None
        return accepted

    def _accept(self, run_id: int) -> None:
        with _transaction(self.conn):
            found = self.run(run_id)
            if found is None:
                raise HistoryError(
                    f"{self.path}: there is no run #{run_id}; see 'syncguard history'"
                )
            if found.outcome is Outcome.UNUSABLE:
                raise HistoryError(
                    f"{self.path}: run #{run_id} could not be read at all, so it cannot have been "
                    "uploaded; accept another run"
                )
            kept = self.conn.execute(
                "SELECT 1 FROM snapshots WHERE run_id = ?", (run_id,)
            ).fetchone()
            if kept is None:
                raise HistoryError(
                    f"{self.path}: run #{run_id} is too old, its snapshot is no longer kept; "
                    "check that export again and accept the new run"
                )
            self.conn.execute("UPDATE runs SET accepted = 1 WHERE id = ?", (run_id,))

    def run(self, run_id: int) -> PastRun | None:
        """One run by its number."""
        row = self.conn.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))
        found = row.fetchone()
        return _past_run(found) if found else None

    def baseline(
        self, suite: str, last_passed: bool = True, run_id: int | None = None
    ) -> tuple[PastRun, StoredSnapshot] | None:
        """The run to compare with and its snapshot: a given run, the newest one the importer
        took (passed or accepted), or the newest one; None when there is none."""
        sql = (
            f"SELECT {', '.join('r.' + c.strip() for c in RUN_COLUMNS.split(','))},"
            " s.key_id, s.polars_version, s.rows, s.data, s.format"
            " FROM snapshots s JOIN runs r ON r.id = s.run_id WHERE s.suite = ?"
        )
        args: list[object] = [suite]
        if run_id is not None:
            sql += " AND r.id = ?"
            args.append(run_id)
        elif last_passed:
            sql += " AND (r.outcome = 'passed' OR r.accepted = 1)"
        row = self.conn.execute(sql + " ORDER BY r.id DESC LIMIT 1", args).fetchone()
        if row is None:
            return None
        run = _past_run(row[:16])
        return run, StoredSnapshot(run.id, *row[16:])

    def runs(self, suite: str | None = None, limit: int | None = None) -> list[PastRun]:
        """Past runs, newest first."""
        sql = f"SELECT {RUN_COLUMNS} FROM runs"
        args: list[object] = []
        if suite is not None:
            sql += " WHERE suite = ?"
            args.append(suite)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [_past_run(row) for row in self.conn.execute(sql, args)]

    def counts(self, run_id: int) -> list[RuleCount]:
        """The per-rule counts of a run."""
        rows = self.conn.execute(
            "SELECT rule, column_name, severity, failed_rows FROM rule_counts WHERE run_id = ?"
            " ORDER BY rule, column_name",
            (run_id,),
        )
        return [RuleCount(rule, col, Severity(sev), n) for rule, col, sev, n in rows]

    def trend(self, suite: str | None = None) -> Trend:
        """Every run (of one suite, when given), oldest first, with its counts per check."""
        runs = tuple(reversed(self.runs(suite)))
        return Trend(runs, {r.id: tuple(self.counts(r.id)) for r in runs})

    def latest_snapshot(self, suite: str) -> StoredSnapshot | None:
        """The newest snapshot of a suite's runs, if any."""
        row = self.conn.execute(
            "SELECT run_id, key_id, polars_version, rows, data, format FROM snapshots"
            " WHERE suite = ?"
            " ORDER BY run_id DESC LIMIT 1",
            (suite,),
        ).fetchone()
        return StoredSnapshot(*row) if row else None

    def check(self) -> list[str]:
        """Consistency problems (empty when the file is sound): integrity, partial runs."""
        problems = [r[0] for r in self.conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        partial = self.conn.execute(
            "SELECT r.id FROM runs r LEFT JOIN rule_counts c ON c.run_id = r.id GROUP BY r.id"
            " HAVING COUNT(c.rule) != r.rule_count_rows"
        ).fetchall()
        problems += [f"run {rid} has missing rule counts" for (rid,) in partial]
        return problems


def _past_run(row: Sequence[object]) -> PastRun:
    values = list(row)
    values[7] = Outcome(str(values[7]))
    values[13] = bool(values[13])
    return PastRun(*values)  # type: ignore[arg-type]
