"""The history store: one SQLite file, schema-versioned, every run written in one transaction.

Tables: ``runs`` (one row per run), ``rule_counts`` (failed rows per rule and column per run),
``check_counts`` (the students each check failed per run, over all its columns), ``snapshots``
(the hashed identities of a run's export, kept for next week's comparison; only the newest few
per suite). No raw personal data is written: the snapshot holds keyed hashes.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from syncguard.history.record import merged_counts
from syncguard.history.secret import KEY_BYTES, key_path
from syncguard.model import CheckCount, Outcome, PastRun, RuleCount, Severity, Trend

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
    # 4: the SHA-256 of a snapshot's bytes, checked before they are read (NULL: recorded before)
    """
    ALTER TABLE snapshots ADD COLUMN sha256 TEXT
    """,
    # 5: the gate a run was judged by: the rules a partial run (--only) selected and left out
    # (comma-separated ids; NULL for a run of every check), and the least failing severity
    """
    ALTER TABLE runs ADD COLUMN only_rules TEXT;
    ALTER TABLE runs ADD COLUMN not_run_rules TEXT;
    ALTER TABLE runs ADD COLUMN fail_on TEXT NOT NULL DEFAULT 'error'
    """,
    # 6: the memory of every username and auth_identifier the importer took, per suite: a
    # parquet of keyed digests (compare.memory), made with the key key_id, up to run run_id
    """
    CREATE TABLE memory (
        suite TEXT PRIMARY KEY,
        key_id TEXT NOT NULL,
        format INTEGER NOT NULL,
        rows INTEGER NOT NULL,
        run_id INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        data BLOB NOT NULL
    )
    """,
    # 7: students, not findings, for the trend: the rows a run's warnings name (NULL: recorded
    # before), and the rows each check failed over all its columns (none for a run recorded
    # before: its rule_counts are added up per check instead)
    """
    ALTER TABLE runs ADD COLUMN rows_with_warnings INTEGER;
    CREATE TABLE check_counts (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        severity TEXT NOT NULL,
        failed_rows INTEGER NOT NULL,
        PRIMARY KEY (run_id, rule)
    )
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
READABLE_FROM = 2
"""The oldest schema a read-only listing reads as it is: migrations 3 and 4 only added what a
check reads (``snapshots.format``, ``snapshots.sha256``), 5 and 7 what has a default for
older runs (every check ran, errors failed; rows with warnings unknown, the students per check
added up from ``rule_counts``), and 6 what only a check reads (the ``memory``), so ``syncguard
history`` still lists a history a check has not upgraded yet."""
RUN_COLUMNS = (
    "id, started_at, suite, suite_version, export_name, export_sha256, rows, outcome, errors,"
    " warnings, rows_clean, rows_with_errors, report, accepted, as_of, baseline, only_rules,"
    " not_run_rules, fail_on, rows_with_warnings"
)
GATE_DEFAULTS = {"only_rules": "NULL", "not_run_rules": "NULL", "fail_on": "'error'"}
"""What a run recorded before migration 5 was judged by: every check, errors failing."""
RUN_DEFAULTS = {**GATE_DEFAULTS, "rows_with_warnings": "NULL"}
"""What a read-only listing selects for a run column an older schema lacks."""


RUN_TYPES: tuple[tuple[type, ...], ...] = (
    (int,),
    (str,),
    (str,),
    (str,),
    (str,),
    (str,),
    (int,),
    (str,),
    (int,),
    (int,),
    (int,),
    (int,),
    (str, type(None)),
    (int,),
    (str, type(None)),
    (int, type(None)),
    (str, type(None)),
    (str, type(None)),
    (str,),
    (int, type(None)),
)
"""What syncguard writes in each of :data:`RUN_COLUMNS`: anything else is a damaged row."""
LARGEST_ID = 2**63 - 1
"""SQLite's largest integer: no run number is larger."""
SQLITE_HEADER = b"SQLite format 3\x00"


class HistoryError(Exception):
    """The history file cannot be used (not SQLite, newer schema, locked for too long, full
    disk, read-only); the message is one sentence for people: what happened, what to do."""


class HistoryFullError(HistoryError):
    """The history cannot be written because the disk (or the user's quota) is full."""


class DamagedRunError(HistoryError):
    """A run of the history (its row, or its snapshot's) holds what syncguard never writes.

    ``why`` says which run and what is wrong, for a sentence or a ``compare.unavailable``.
    """

    def __init__(self, path: Path, run_id: int, why: str) -> None:
        super().__init__(
            f"{path}: {why}; restore the history from a backup, or use another run "
            "(see 'syncguard history')"
        )
        self.run_id = run_id
        self.why = why


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


@dataclass(frozen=True)
class StoredMemory:
    """The memory of a suite's uploads as stored (``compare.memory``): parquet bytes of keyed
    digests, the key they were made with, and the newest run they hold."""

    key_id: str
    format: int
    rows: int
    run_id: int
    data: bytes


class DamagedMemoryError(HistoryError):
    """The stored memory holds what syncguard never writes; ``why`` says what, for a
    ``compare.unavailable`` (the comparison fails closed)."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: {why}; restore the history from a backup")
        self.why = why


_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR = 3, 5, 6, 8, 10
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 11, 13, 14, 26
_SQLITE_READONLY_DIRECTORY = _SQLITE_READONLY | (6 << 8)
_MAYBE_READ_ONLY = (_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CANTOPEN)
"""What SQLite reports when it cannot write (or create a journal) where the history lies."""


def _sqlite_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code if isinstance(code, int) else None


def _read_only(path: Path) -> str | None:
    """Why nothing can be written to the history here, or None: a read-only file system, or a
    read-only file or folder (an immutable file too, which stops root as well)."""
    folder = path.parent
    try:
        if os.statvfs(path if path.exists() else folder).f_flag & os.ST_RDONLY:
            return f"{folder} is on a read-only file system"
    except OSError:
        return None
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only"
    if folder.is_dir() and not os.access(folder, os.W_OK):
        return f"its folder {folder} is read-only"
    return None


def _read_only_error(path: Path, doing: str, reason: str) -> HistoryError:
    if not path.exists():
        return HistoryError(
            f"{path}: {doing} failed: there is no history there yet and none can be made "
            f"({reason}); choose another --history, or check with --no-history"
        )
    return HistoryError(
        f"{path}: {doing} failed: the history is read-only ({reason}); 'syncguard history' "
        "can still list it, but to record runs make it writable, or check with --no-history "
        "or another --history"
    )


def _explain(path: Path, exc: sqlite3.Error, doing: str) -> HistoryError:
    """One sentence for people: what happened to which file while ``doing``, and what to do."""
    code = _sqlite_code(exc)
    primary = code & 0xFF if code is not None else None
    text = str(exc).lower()
    if primary in _MAYBE_READ_ONLY or "readonly" in text or "unable to open" in text:
        reason = _read_only(path)
        if reason is not None:
            return _read_only_error(path, doing, reason)
    if primary == _SQLITE_FULL or "database or disk is full" in text:
        return HistoryFullError(
            f"{path}: {doing} failed: the disk is full ({os.strerror(errno.ENOSPC)}); free "
            "space on it and run again, the history keeps its earlier runs"
        )
    if primary == _SQLITE_IOERR or "disk i/o error" in text:
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
        what = (
            f"the history is damaged ({exc}); restore it from a backup, or choose another "
            "--history (or --no-history)"
        )
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
    if key_path(path) == path:
        raise HistoryError(
            f"{path}: a history's secret is kept beside it as <name>.key, so a history named "
            f"{path.name} would be its own key; give a path such as {path.with_suffix('.sqlite')}"
        )


def _not_a_file(path: Path) -> None:
    """A history is a regular file (or not there yet): never a device, FIFO or folder, and
    never made through a symbolic link to nothing (it would appear wherever the link points)."""
    if path.is_symlink() and not path.exists():
        raise HistoryError(
            f"{path}: a symbolic link to a missing file, so no history is made there; give the "
            "history file's own path, or remove the link"
        )
    if path.exists() and not path.is_file():
        raise HistoryError(
            f"{path}: this is not a regular file, so it cannot hold a history; choose another "
            "--history or --no-history"
        )


def _refuse_foreign(path: Path) -> None:
    """An existing file is a history only if it is an SQLite database: an empty file, a key or
    any other file is refused before SQLite opens it (and perhaps writes to it)."""
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_HEADER))
            rest = head + file.read(4 * KEY_BYTES)
    except (FileNotFoundError, NotADirectoryError):
        return  # a new history (or a folder that cannot be made: said when it is made)
    except OSError as exc:
        raise HistoryError(
            f"{path}: cannot read the history ({exc.strerror or exc}); make it readable for this "
            "user, or choose another --history"
        ) from None
    if head == SQLITE_HEADER:
        return
    wal = Path(f"{path}-wal")
    if not head and wal.is_file() and wal.stat().st_size:
        return  # an older syncguard's new history, all in its write-ahead log: SQLite reads it
    if not head:
        raise HistoryError(
            f"{path}: this file is empty, not a syncguard history; delete it to start a new "
            "history there, or choose another --history"
        )
    text = rest.strip()
    if len(text) == 2 * KEY_BYTES and all(c in b"0123456789abcdefABCDEF" for c in text):
        raise HistoryError(
            f"{path}: this is a history's secret key, not a history; give the history file "
            "(e.g. history.sqlite beside it) as --history"
        )
    raise HistoryError(
        f"{path}: not a syncguard history (the file is not an SQLite database); choose "
        "another --history"
    )


def _text(raw: bytes) -> str:
    """Text as SQLite returns it, never failing: a damaged row's bytes are shown, not fatal."""
    return raw.decode("utf-8", errors="replace")


def _bindable(value: object) -> object:
    """A value SQLite can store: text that is not UTF-8 (a file name from a Linux disk) is kept
    with its odd bytes written as escapes (``\\xff``), rather than failing the run."""
    if not isinstance(value, str):
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = value.encode("utf-8", errors="surrogateescape")
        except UnicodeEncodeError:
            raw = value.encode("utf-8", errors="surrogatepass")
        return raw.decode("utf-8", errors="backslashreplace")
    return value


def _create(path: Path) -> None:
    """A new, empty history at ``path``: made whole in a private temporary file beside it, then
    linked into place. So an existing history file is never a half-made one, and an empty file
    is never syncguard's (two runs starting at once both use the winner's file)."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        with closing(sqlite3.connect(temp, isolation_level=None)) as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            with _transaction(conn):
                for migration in MIGRATIONS:
                    for statement in migration.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        with suppress(FileExistsError):  # another run was first: its history is the one
            os.link(temp, path, follow_symlinks=False)
    except sqlite3.Error as exc:
        raise _explain(path, exc, "creating the history") from None
    except OSError as exc:
        reason = _read_only(path)
        if reason is not None:
            raise _read_only_error(path, "creating the history", reason) from None
        raise HistoryError(
            f"{path}: creating the history failed ({exc.strerror or exc}); make room on the "
            f"disk or make {path.parent} a writable folder, or choose another --history "
            "(or --no-history)"
        ) from None
    finally:
        for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm")):
            leftover.unlink(missing_ok=True)


def _connect(path: Path) -> sqlite3.Connection:
    """A connection to write with (the history is created when there is none); nothing is
    written yet: the file is checked to be a syncguard history first."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocked = isinstance(exc, FileExistsError | NotADirectoryError)
        reason = "a file is in the way" if blocked else exc.strerror or str(exc)
        raise HistoryError(
            f"{path}: cannot create the history folder {path.parent} ({reason}); choose another "
            "--history or --no-history"
        ) from None
    if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
        reason = f"{path.parent} is on a read-only file system"
        raise _read_only_error(path, "opening the history", reason)
    if not path.exists():
        _create(path)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise _explain(path, exc, "opening the history") from None
    conn.text_factory = _text
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
    except sqlite3.Error as exc:
        conn.close()
        raise _explain(path, exc, "opening the history") from None
    return conn


def _prepare(conn: sqlite3.Connection) -> None:
    """The settings of a connection that writes (once the file is known to be a history)."""
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write, for a history whose file or folder may be read-only."""
    if not path.exists():
        raise HistoryError(f"{path}: no history yet; run 'syncguard check' first")
    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    try:
        conn = _open_uri(uri)
    except sqlite3.Error as exc:
        code = _sqlite_code(exc)
        stuck = code == _SQLITE_READONLY_DIRECTORY or (
            code is not None and code & 0xFF in _MAYBE_READ_ONLY and _read_only(path) is not None
        )
        if not stuck:
            raise _explain(path, exc, "reading the history") from None
        # a WAL history on a read-only disk or in a read-only folder: nothing can be writing
        # to it (a writer would need its -wal and -shm files there), so read it as it lies
        try:
            conn = _open_uri(uri + "&immutable=1")
        except sqlite3.Error as again:
            raise _explain(path, again, "reading the history") from None
    return conn


def _open_uri(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.text_factory = _text
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA user_version").fetchone()
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # reads the file
    except BaseException:
        conn.close()
        raise
    return conn


@functools.cache
def _expected_columns(version: int) -> dict[str, frozenset[str]]:
    """The tables and columns of a syncguard history at schema ``version``."""
    with closing(sqlite3.connect(":memory:")) as conn:
        for migration in MIGRATIONS[:version]:
            conn.executescript(migration)
        return _columns(conn)


def _columns(conn: sqlite3.Connection) -> dict[str, frozenset[str]]:
    names = [str(n) for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return {
        name: frozenset(
            str(c) for (c,) in conn.execute("SELECT name FROM pragma_table_info(?)", (name,))
        )
        for name in names
    }


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
    A file that is not a syncguard history (empty, a key, another SQLite database) is refused
    before anything is written to it.
    """

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        _refuse_non_file(path)
        _not_a_file(path)
        _refuse_foreign(path)
        self.path = path
        self.read_only = read_only
        self.conn = _connect_read_only(path) if read_only else _connect(path)
        try:
            self._check_schema()
            if not read_only:
                self._migrate()
            self._run_columns, self._per_check = self._selectable()
        except BaseException:
            self.conn.close()
            raise

    def _selectable(self) -> tuple[tuple[str, ...], bool]:
        """:data:`RUN_COLUMNS` as this file can select them: a column an older schema lacks
        (a read-only listing upgrades nothing) is its default (:data:`RUN_DEFAULTS`); and
        whether it keeps counts per check (``check_counts``, migration 7)."""
        try:
            tables = _columns(self.conn)
        except sqlite3.Error as exc:
            raise _explain(self.path, exc, "reading the history") from None
        have = tables.get("runs", frozenset())
        columns = tuple(
            name if name in have else f"{RUN_DEFAULTS[name]} AS {name}" for name in _RUN_NAMES
        )
        return columns, "check_counts" in tables

    def _select(self, alias: str = "") -> str:
        """The run columns to select, each prefixed by ``alias.`` when given."""
        prefix = f"{alias}." if alias else ""
        return ", ".join(c if " AS " in c else prefix + c for c in self._run_columns)

    def __enter__(self) -> History:
        return self

    def __exit__(self, *_: object) -> None:
        self.conn.close()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Say in one sentence what went wrong while reading (a damaged file, a full disk)."""
        try:
            yield
        except sqlite3.Error as exc:
            raise _explain(self.path, exc, "reading the history") from None

    def _migrate(self) -> None:
        try:
            _prepare(self.conn)
            self._apply_migrations()
        except sqlite3.Error as exc:
            raise _explain(self.path, exc, "opening the history") from None

    def _check_schema(self) -> None:
        """Refuse, before writing anything, what is not a syncguard history this one can use:
        another SQLite file (whatever its ``user_version``), a newer schema, one read-only
        listing cannot read as it is."""
        doing = "reading the history" if self.read_only else "opening the history"
        try:
            version, columns = self._schema()
        except sqlite3.Error as exc:
            raise _explain(self.path, exc, doing) from None
        self._refuse_schema(version, columns)
        if self.read_only and version < READABLE_FROM:
            raise HistoryError(
                f"{self.path}: an older syncguard history; run 'syncguard check' once to upgrade it"
            )

    def _schema(self) -> tuple[int, dict[str, frozenset[str]]]:
        version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        return version, _columns(self.conn)

    def _refuse_schema(self, version: int, columns: dict[str, frozenset[str]]) -> None:
        other = f"{self.path}: this SQLite file is not a syncguard history"
        if version > SCHEMA_VERSION:
            if "runs" not in columns:
                raise HistoryError(f"{other} (it has no runs table); choose another --history")
            raise HistoryError(
                f"{self.path}: written by a newer syncguard (schema {version}, this one "
                f"knows {SCHEMA_VERSION}); upgrade syncguard or use another --history"
            )
        if version <= 0:
            if columns:
                raise HistoryError(f"{other} (it has other tables); choose another --history")
            raise HistoryError(
                f"{other} (it holds no tables at all); delete it to start a new history there, "
                "or choose another --history"
            )
        missing = [
            f"{table}.{column}" if table in columns else f"table {table}"
            for table, wanted in _expected_columns(version).items()
            for column in sorted(wanted - columns.get(table, frozenset()))
        ]
        if missing:
            lacks = ", ".join(list(dict.fromkeys(missing))[:3])
            raise HistoryError(
                f"{other}, or a damaged one (schema {version}, but without {lacks}); choose "
                "another --history, or restore it from a backup"
            )

    def _apply_migrations(self) -> None:
        with _transaction(self.conn):
            version, columns = self._schema()  # again: another run may have upgraded it
            self._refuse_schema(version, columns)
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
        *,
        remember: bool = False,
        checks: Sequence[CheckCount] = (),
    ) -> int:
        """Write a run, its rule counts, its counts per check and its snapshot in one
        transaction; return its id. Without ``checks`` the trend adds up ``counts`` per check.

        ``remember``: the importer takes this run (it passed, with every check), so its
        snapshot's identifiers join the suite's memory, in the same transaction.

        Raises:
            HistoryError: the run could not be written (full disk, read-only file or folder,
                held by another run for too long); the history keeps its earlier runs.
        """
        self._writable("recording the run")
        try:
            return self._record(run, counts, snapshot, suite, remember, checks)
        except sqlite3.Error as exc:
            raise _explain(self.path, exc, "recording the run") from None

    def _record(
        self,
        run: PastRun,
        counts: Sequence[RuleCount],
        snapshot: StoredSnapshot | None,
        suite: str,
        remember: bool,
        checks: Sequence[CheckCount] = (),
    ) -> int:
        values = (
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
            ",".join(run.only) if run.only is not None else None,
            ",".join(run.not_run) if run.not_run else None,
            run.fail_on.value,
            run.rows_with_warnings,
        )
        with _transaction(self.conn):
            cursor = self.conn.execute(
                "INSERT INTO runs (started_at, suite, suite_version, export_name, export_sha256,"
                " rows, outcome, errors, warnings, rows_clean, rows_with_errors,"
                " rule_count_rows, report, accepted, as_of, baseline, only_rules, not_run_rules,"
                " fail_on, rows_with_warnings) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                tuple(map(_bindable, values)),
            )
            run_id = int(cursor.lastrowid or 0)
            self.conn.executemany(
                "INSERT INTO rule_counts (run_id, rule, column_name, severity, failed_rows)"
                " VALUES (?,?,?,?,?)",
                [
                    (
                        run_id,
                        _bindable(c.rule),
                        _bindable(c.column),
                        c.severity.value,
                        c.failed_rows,
                    )
                    for c in counts
                ],
            )
            self.conn.executemany(
                "INSERT INTO check_counts (run_id, rule, severity, failed_rows) VALUES (?,?,?,?)",
                [(run_id, _bindable(c.rule), c.severity.value, c.failed_rows) for c in checks],
            )
            if snapshot is not None:
                self.conn.execute(
                    "INSERT INTO snapshots"
                    " (run_id, suite, key_id, polars_version, rows, data, format, sha256)"
                    " VALUES (?,?,?,?,?,?,?,?)",
                    (
                        run_id,
                        _bindable(suite),
                        snapshot.key_id,
                        snapshot.polars_version,
                        snapshot.rows,
                        snapshot.data,
                        snapshot.format,
                        hashlib.sha256(snapshot.data).hexdigest(),
                    ),
                )
                self._prune(str(_bindable(suite)))
                if remember:
                    self._remember(str(_bindable(suite)), snapshot, run_id)
        return run_id

    def _remember(self, suite: str, snapshot: StoredSnapshot, run_id: int) -> None:
        """Add a run the importer took to the suite's memory (inside the caller's transaction).

        A memory that cannot be used (another key, damaged) starts again from this run; a newer
        syncguard's is left as it is (see :func:`syncguard.history.memory.updated`).
        """
        from syncguard.history.memory import updated

        try:
            old = self._memory_row(suite)
        except DamagedMemoryError:
            old = None
        new = updated(old, snapshot, run_id)
        if new is None:
            return
        self.conn.execute(
            "INSERT OR REPLACE INTO memory (suite, key_id, format, rows, run_id, sha256, data)"
            " VALUES (?,?,?,?,?,?,?)",
            (
                suite,
                new.key_id,
                new.format,
                new.rows,
                new.run_id,
                hashlib.sha256(new.data).hexdigest(),
                new.data,
            ),
        )

    def memory(self, suite: str) -> StoredMemory | None:
        """The memory of every identifier the importer took of a suite (None: none yet).

        Raises:
            DamagedMemoryError: its row, or its bytes, are not what syncguard wrote.
        """
        if "memory" not in _columns(self.conn):
            return None  # a history listed read-only before a check upgraded it
        with self._reading():
            return self._memory_row(suite)

    def _memory_row(self, suite: str) -> StoredMemory | None:
        row = self.conn.execute(
            "SELECT key_id, format, rows, run_id, data, sha256 FROM memory WHERE suite = ?",
            (suite,),
        ).fetchone()
        if row is None:
            return None
        key, format_, rows, run_id, data, digest = row
        names = ("key id", "format", "row count", "run", "checksum")
        types = ((str,), (int,), (int,), (int,), (str,))
        problem = _wrong_type(names, (key, format_, rows, run_id, digest), types)
        if problem is None and not isinstance(data, bytes):
            problem = "it is stored as text or a number, not as bytes"
        elif problem is None and hashlib.sha256(data).hexdigest() != digest:
            problem = "its bytes no longer match their checksum (damaged on disk)"
        if problem is not None:
            raise DamagedMemoryError(
                self.path, f"the memory of earlier uploads cannot be read ({problem})"
            )
        return StoredMemory(key, format_, rows, run_id, data)

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
            HistoryError: no such run, a damaged or unusable run, or its snapshot is no longer
                kept; or the history cannot be written.
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
            if found.partial:
                raise HistoryError(
                    f"{self.path}: run #{run_id} ran only some rules (--only), so it is no "
                    "verdict on its export; check that export with every rule and accept that run"
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
            # uploaded: its identifiers join the memory (a damaged snapshot adds nothing; its
            # baseline fails closed anyway)
            stored = self._snapshot_of(run_id)
            if stored is not None:
                self._remember(found.suite, stored, run_id)

    def _snapshot_of(self, run_id: int) -> StoredSnapshot | None:
        """A run's snapshot as stored, or None when there is none or its row is damaged."""
        row = self.conn.execute(
            "SELECT key_id, polars_version, rows, data, format, sha256 FROM snapshots"
            " WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        if row is None:
            return None
        key, version, rows, data, format_, digest = row
        if _snapshot_problem(key, version, rows, isinstance(data, bytes), format_) is not None:
            return None
        if digest is not None and hashlib.sha256(data).hexdigest() != digest:
            return None
        return StoredSnapshot(run_id, key, version, rows, data, format_)

    def run(self, run_id: int) -> PastRun | None:
        """One run by its number (None when there is none, a number past SQLite's included).

        Raises:
            DamagedRunError: its row holds what syncguard never writes.
        """
        if not 0 < run_id <= LARGEST_ID:
            return None
        with self._reading():
            found = self.conn.execute(
                f"SELECT {self._select()} FROM runs WHERE id = ?", (run_id,)
            ).fetchone()
        return self._past_run(found) if found else None

    def _past_run(self, row: Sequence[object]) -> PastRun:
        run = _parse_run(row)
        if isinstance(run, str):
            raise DamagedRunError(self.path, int(str(row[0])), f"run #{row[0]} is damaged ({run})")
        return run

    def baseline(
        self, suite: str, last_passed: bool = True, run_id: int | None = None
    ) -> tuple[PastRun, StoredSnapshot] | None:
        """The run to compare with and its snapshot: a given run, the newest one the importer
        took (passed or accepted), or the newest one; None when there is none. A partial run
        (``--only``) is never one (it keeps no snapshot either).

        Raises:
            DamagedRunError: that run's row, or its snapshot's, holds what syncguard never
                writes (the comparison fails closed).
        """
        if run_id is not None and not 0 < run_id <= LARGEST_ID:
            return None
        sql = (
            f"SELECT {self._select('r')},"
            " s.key_id, s.polars_version, s.rows, s.data, s.format, s.sha256"
            " FROM snapshots s JOIN runs r ON r.id = s.run_id WHERE s.suite = ?"
            " AND r.outcome != 'partial'"
        )
        if "not_run_rules" in self._run_columns:  # a partial run is never a baseline
            sql += " AND r.not_run_rules IS NULL"
        args: list[object] = [suite]
        if run_id is not None:
            sql += " AND r.id = ?"
            args.append(run_id)
        elif last_passed:
            sql += " AND (r.outcome = 'passed' OR r.accepted = 1)"
        with self._reading():
            row = self.conn.execute(sql + " ORDER BY r.id DESC LIMIT 1", args).fetchone()
        if row is None:
            return None
        width = len(_RUN_NAMES)
        run = self._past_run(row[:width])
        key, version, rows, data, format_, digest = row[width:]
        problem = _snapshot_problem(key, version, rows, isinstance(data, bytes), format_)
        if problem is None and digest is not None and hashlib.sha256(data).hexdigest() != digest:
            problem = "its bytes no longer match their checksum (damaged on disk)"
        if problem is not None:
            why = f"the snapshot of run #{run.id} cannot be read: {problem}"
            raise DamagedRunError(self.path, run.id, why)
        return run, StoredSnapshot(run.id, key, version, rows, data, format_)

    def runs(
        self, suite: str | None = None, limit: int | None = None, whole: bool = False
    ) -> list[PastRun]:
        """Past runs, newest first; damaged rows are left out (:meth:`damaged` names them).

        A negative ``limit`` is no limit, as in SQLite. ``whole``: only runs of every check
        (no partial run, ``--only``).
        """
        sql = f"SELECT {self._select()} FROM runs"
        args: list[object] = []
        if suite is not None:
            sql += " WHERE suite = ?"
            args.append(suite)
        found: list[PastRun] = []
        with self._reading():
            for row in self.conn.execute(sql + " ORDER BY id DESC", args):
                if limit is not None and 0 <= limit <= len(found):
                    break
                run = _parse_run(row)
                if not isinstance(run, str) and not (whole and run.partial):
                    found.append(run)
        return found

    def suites(self) -> dict[str, int]:
        """How many runs the history holds of each suite, most first."""
        with self._reading():
            rows = self.conn.execute(
                "SELECT suite, COUNT(*) FROM runs GROUP BY suite ORDER BY COUNT(*) DESC, suite"
            ).fetchall()
        return {str(suite): int(count) for suite, count in rows}

    def damaged_runs(self, suite: str | None = None) -> list[tuple[int, str]]:
        """The ``runs`` rows :meth:`runs` leaves out, newest first: each one's number and a
        phrase saying what is wrong with it."""
        where, args = (" WHERE suite = ?", [suite]) if suite is not None else ("", [])
        found: list[tuple[int, str]] = []
        with self._reading():
            for row in self.conn.execute(
                f"SELECT {self._select()} FROM runs{where} ORDER BY id DESC", args
            ):
                run = _parse_run(row)
                if isinstance(run, str):
                    found.append((int(row[0]), f"run #{row[0]} ({run})"))
        return found

    def damaged(self, suite: str | None = None) -> list[tuple[int, str]]:
        """What :meth:`runs` and :meth:`counts` leave out: each damaged row's run number and a
        phrase saying what is wrong with it (runs, then counts, then snapshots)."""
        found = self.damaged_runs(suite)
        where, args = (" WHERE r.suite = ?", [suite]) if suite is not None else ("", [])
        with self._reading():
            for run_id, *count in self.conn.execute(
                "SELECT c.run_id, c.rule, c.column_name, c.severity, c.failed_rows"
                f" FROM rule_counts c JOIN runs r ON r.id = c.run_id{where}",
                args,
            ):
                parsed = _parse_count(count)
                if isinstance(parsed, str):
                    found.append((int(run_id), f"a count of run #{run_id} ({parsed})"))
            if self._per_check:
                for run_id, *count in self.conn.execute(
                    "SELECT c.run_id, c.rule, '', c.severity, c.failed_rows"
                    f" FROM check_counts c JOIN runs r ON r.id = c.run_id{where}",
                    args,
                ):
                    parsed = _parse_count(count)
                    if isinstance(parsed, str):
                        found.append((int(run_id), f"a check count of run #{run_id} ({parsed})"))
            for run_id, *snapshot in self.conn.execute(
                "SELECT s.run_id, s.key_id, s.polars_version, s.rows, typeof(s.data) = 'blob',"
                f" s.format FROM snapshots s JOIN runs r ON r.id = s.run_id{where}",
                args,
            ):
                key, version, rows, blob, format_ = snapshot
                problem = _snapshot_problem(key, version, rows, bool(blob), format_)
                if problem is not None:
                    found.append((int(run_id), f"the snapshot of run #{run_id} ({problem})"))
        return found

    def counts(self, run_id: int) -> list[RuleCount]:
        """The per-rule counts of a run; damaged rows are left out (:meth:`damaged`)."""
        with self._reading():
            rows = self.conn.execute(
                "SELECT rule, column_name, severity, failed_rows FROM rule_counts"
                " WHERE run_id = ? ORDER BY rule, column_name",
                (run_id,),
            ).fetchall()
        parsed = (_parse_count(row) for row in rows)
        return [c for c in parsed if isinstance(c, RuleCount)]

    def check_counts(self, run_id: int) -> list[CheckCount]:
        """The students each check failed in a run, over all its columns; for a run recorded
        before the history kept them, its per-column counts added up per check. Damaged rows
        are left out (:meth:`damaged`)."""
        rows: list[tuple[object, ...]] = []
        if self._per_check:
            with self._reading():
                rows = self.conn.execute(
                    "SELECT rule, '', severity, failed_rows FROM check_counts"
                    " WHERE run_id = ? ORDER BY rule",
                    (run_id,),
                ).fetchall()
        if not rows:
            return merged_counts(self.counts(run_id))
        parsed = (_parse_count(row) for row in rows)
        return [
            CheckCount(c.rule, c.severity, c.failed_rows) for c in parsed if not isinstance(c, str)
        ]

    def trend(self, suite: str | None = None) -> Trend:
        """Every run (of one suite, when given), oldest first, with the students each check
        failed in it."""
        runs = tuple(reversed(self.runs(suite)))
        return Trend(runs, {r.id: tuple(self.check_counts(r.id)) for r in runs})

    def latest_snapshot(self, suite: str) -> StoredSnapshot | None:
        """The newest snapshot of a suite's runs, if any."""
        with self._reading():
            row = self.conn.execute(
                "SELECT run_id, key_id, polars_version, rows, data, format FROM snapshots"
                " WHERE suite = ?"
                " ORDER BY run_id DESC LIMIT 1",
                (suite,),
            ).fetchone()
        return StoredSnapshot(*row) if row else None

    def check(self) -> list[str]:
        """Consistency problems (empty when the file is sound): integrity, partial runs."""
        with self._reading():
            problems = [r[0] for r in self.conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
            partial = self.conn.execute(
                "SELECT r.id FROM runs r LEFT JOIN rule_counts c ON c.run_id = r.id GROUP BY r.id"
                " HAVING COUNT(c.rule) != r.rule_count_rows"
            ).fetchall()
        problems += [f"run {rid} has missing rule counts" for (rid,) in partial]
        return problems


def _shown(value: object) -> str:
    """A stored value in a message: short, quoted, control characters escaped."""
    if value is None:
        return "empty"
    if isinstance(value, bytes):
        return f"{len(value)} bytes of binary data"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _wrong_type(
    names: Sequence[str], row: Sequence[object], types: Sequence[tuple[type, ...]]
) -> str | None:
    for name, value, allowed in zip(names, row, types, strict=True):
        if not isinstance(value, allowed) or isinstance(value, bool):
            want = "text" if str in allowed else "a whole number"
            return f"its {name} is {_shown(value)}, not {want}"
    return None


_RUN_NAMES = tuple(c.strip() for c in RUN_COLUMNS.split(","))
_OUTCOMES = frozenset(o.value for o in Outcome)
_SEVERITIES = frozenset(s.value for s in Severity)


def _parse_run(row: Sequence[object]) -> PastRun | str:
    """A ``runs`` row as a run, or what is wrong with it (a damaged row)."""
    problem = _wrong_type(_RUN_NAMES, row, RUN_TYPES)
    if problem is not None:
        return problem
    if row[7] not in _OUTCOMES:
        return f"its outcome {_shown(row[7])} is not one syncguard writes"
    if row[18] not in _SEVERITIES:
        return f"its fail_on {_shown(row[18])} is not a severity"
    values = list(row)
    values[7] = Outcome(str(values[7]))
    values[13] = bool(values[13])
    values[16] = tuple(str(values[16]).split(",")) if values[16] is not None else None
    values[17] = tuple(str(values[17]).split(",")) if values[17] is not None else ()
    values[18] = Severity(str(values[18]))
    return PastRun(*values)  # type: ignore[arg-type]


def _parse_count(row: Sequence[object]) -> RuleCount | str:
    """A ``rule_counts`` row (rule, column, severity, failed rows), or what is wrong with it."""
    problem = _wrong_type(
        ("rule", "column", "severity", "failed rows"), row, ((str,), (str,), (str,), (int,))
    )
    if problem is not None:
        return problem
    rule, column, severity, failed = row
    if severity not in _SEVERITIES:
        return f"its severity {_shown(severity)} is not one syncguard writes"
    return RuleCount(str(rule), str(column), Severity(str(severity)), int(str(failed)))


def _snapshot_problem(
    key: object, version: object, rows: object, blob: bool, format_: object
) -> str | None:
    """What is wrong with a ``snapshots`` row (its data stored as anything but bytes), or None."""
    if not blob:
        return "it is stored as text or a number, not as bytes"
    names = ("key id", "polars version", "row count", "format")
    types = ((str,), (str,), (int,), (int,))
    return _wrong_type(names, (key, version, rows, format_), types)
