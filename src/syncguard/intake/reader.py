"""Reads an export file into a polars frame (every column text) and the findings about it."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from syncguard.display import printable
from syncguard.errors import UnusableExportError
from syncguard.importer import MAX_IMPORT_BYTES
from syncguard.intake import checks, sniff
from syncguard.intake.headers import (
    MANY_EXTRA,
    SHOWN,
    HeaderContract,
    broken_row,
    check_header,
    column_names,
    safe_header,
)
from syncguard.intake.structure import first_record, first_record_span, parse, scan
from syncguard.model import ExportInfo, Finding

ROW = "__row__"
"""Name of the column holding each record's spreadsheet row number (header = row 1)."""
MAX_READ_BYTES = 512 * 1000 * 1000
"""The most intake ever reads of a file: over it the file is unusable (the importer itself takes
files under ``MAX_IMPORT_BYTES``; files between the two are read and get a finding)."""
MAX_HEADER_BYTES = 1 << 20
"""The longest row 1 that is taken for a header row (1 MiB; a full header row is ~500 bytes)."""


@dataclass(frozen=True)
class Export:
    """What intake made of a file: the usable records, the file's facts, and what is wrong."""

    frame: pl.DataFrame
    info: ExportInfo
    header: tuple[str, ...]
    """Row 1, with every cell that cannot be a header replaced by its label (never shown)."""
    findings: tuple[Finding, ...]

    @property
    def rows_read(self) -> int:
        """Every record after the header, used or not."""
        return self.info.rows

    @property
    def row_numbers(self) -> range:
        """Spreadsheet rows of every record read: 2 .. rows_read + 1."""
        return range(2, self.info.rows + 2)


def _listing(rows: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def read_export(path: Path, contract: HeaderContract, data: bytes | None = None) -> Export:
    """Read and check an export (``data``: its bytes, already in memory; ``path`` then only
    names it, and nothing is read from disk).

    Raises:
        UnusableExportError: the file cannot be validated (missing, not a regular file, over
            ``MAX_READ_BYTES``, empty, binary, not UTF-8, wrong delimiter, row 1 not a header
            row, required header missing, no student rows).
    """
    if data is None:
        data = read_bytes(path)
    findings: list[Finding] = []
    sniff.check_not_binary(path, data)
    bom = sniff.check_utf8(path, data)
    if bom:
        findings.append(checks.BOM.finding(rows=(1,)))
    if len(data) >= MAX_IMPORT_BYTES:
        findings.append(checks.FILE_SIZE.finding(megabytes=len(data) / 1e6))
    body = data[len(sniff.UTF8_BOM) :] if bom else data
    end, rest = first_record_span(body)
    if end > MAX_HEADER_BYTES:
        raise _long_header(path, body, end)
    header = first_record(body[:end].decode("utf-8"))
    sniff.check_delimiter(path, header)
    findings.extend(check_header(path, header, contract))
    names = column_names(header)
    frame, records, structural = _records(body, rest, names)
    if records == 0:
        broken = broken_row(header)
        raise UnusableExportError(
            path,
            "the file has a header row but no student rows"
            + (f" ({broken}, to the end of the file)" if broken else ""),
            'close or remove that quote (")'
            if broken
            else "export the students again (an empty export would upload nothing)",
            row=1 if broken else 2,
        )
    findings = _group_blank([_empty_column(f, frame) for f in findings])
    findings.extend(structural)
    info = ExportInfo(
        path=printable(path),
        sha256=hashlib.sha256(data).hexdigest(),
        rows=records,
        bytes=len(data),
        encoding="utf-8-sig" if bom else "utf-8",
        delimiter=",",
    )
    return Export(
        frame=frame, info=info, header=tuple(safe_header(header)), findings=tuple(findings)
    )


def read_bytes(path: Path) -> bytes:
    """The file's bytes, read only if it is a regular file, and never more than the cap.

    A FIFO, device or socket could block or never end (``/dev/zero``), so it is refused before
    it is opened; the size is checked first, and the read is bounded, so a file that grows
    meanwhile (or reports no size, as files in ``/proc`` do) is still cut off at the cap.
    """
    try:
        status = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise UnusableExportError(path, "no such file", "check the path") from None
    except (OSError, ValueError) as exc:
        raise _cannot_read(path, exc) from None
    _check_kind(path, status.st_mode)
    if status.st_size > MAX_READ_BYTES:
        raise _too_large(path, status.st_size)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _cannot_read(path, exc) from None
    try:
        with open(fd, "rb") as handle:
            _check_kind(path, os.fstat(handle.fileno()).st_mode)
            want = min(status.st_size, MAX_READ_BYTES) + 1
            data = handle.read(want)
            if len(data) == want and want <= MAX_READ_BYTES:  # grown, or no size was told
                data += handle.read(MAX_READ_BYTES + 1 - len(data))
    except OSError as exc:
        raise _cannot_read(path, exc) from None
    if len(data) > MAX_READ_BYTES:
        raise _too_large(path, None)
    return data


def _check_kind(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise UnusableExportError(path, "this is a folder, not a file", "name the CSV file")
    what = (
        "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a regular file"
    )
    raise UnusableExportError(
        path,
        f"this is {what}, not a regular file, so it is not read (it might never end)",
        "save the export as a file and name that file",
    )


def _cannot_read(path: Path, exc: Exception) -> UnusableExportError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return UnusableExportError(
        path, f"cannot read the file ({reason})", "check the path and its permissions"
    )


def _too_large(path: Path, size: int | None) -> UnusableExportError:
    megabytes = (
        f"{size / 1e6:,.1f} MB" if size is not None else f"over {MAX_READ_BYTES // 1_000_000} MB"
    )
    return UnusableExportError(
        path,
        f"the file is {megabytes}, more than the {MAX_READ_BYTES // 1_000_000} MB syncguard "
        f"reads, and the importer takes files under {MAX_IMPORT_BYTES // 1_000_000} MB only",
        f"split the export into files of under {MAX_IMPORT_BYTES // 1_000_000} MB",
    )


def _long_header(path: Path, body: bytes, end: int) -> UnusableExportError:
    """Row 1 is too long for a header row: say whether an unclosed quote made it so."""
    line = min(
        (i for i in (body.find(b"\n", 0, end), body.find(b"\r", 0, end)) if i >= 0), default=end
    )
    problem = f"row 1 is {end:,} bytes long: not a header row"
    if line < end:
        column = body.count(b",", 0, line) + 1
        return UnusableExportError(
            path,
            f'{problem} (a quote (") near column {column} of row 1 is not closed on that line, '
            "so the lines after it were read into row 1)",
            'close or remove that quote (")',
            row=1,
        )
    return UnusableExportError(
        path,
        f"{problem} (a header row is a few hundred bytes; over {MAX_HEADER_BYTES:,} is refused)",
        "put the header row (email_address, username, first_name, ...) on row 1",
        row=1,
    )


def _records(body: bytes, rest: int, names: list[str]) -> tuple[pl.DataFrame, int, list[Finding]]:
    """The usable records as a frame with their row numbers, the record count, and findings.

    ``body`` is the file after its BOM; the records start at byte ``rest``, after row 1 (the
    first is row 2). The records are looked at in place: a copy would be one more file's size.
    """
    width = len(names)
    records_only = memoryview(body)[rest:]
    layout = scan(records_only)
    records = len(layout.cells)
    if records == 0:
        return pl.DataFrame(), 0, []
    simple = (
        layout.quotes_balanced
        and layout.plain
        and bool((layout.cells == width).all())
        and len(set(names)) == width
        and not any(n.startswith("(") for n in names)
    )
    if simple:
        frame = _fast_frame(body, names, records)
        if frame is not None:
            return _drop_blank(frame, records)
    parsed = parse(str(records_only, "utf-8"), width, header=False)
    findings: list[Finding] = []
    if parsed.quoting_error is not None:
        row, problem = parsed.quoting_error
        unclosed = "end of data" in problem
        findings.append(
            checks.QUOTING.finding(
                rows=(row,),
                message=(
                    f"a quoted cell opens in row {row} and is never closed, so the lines after it "
                    'were read into that cell; close the quote (") or remove it'
                    if unclosed
                    else f'row {row} has a quote (") in the middle of a quoted cell ({problem}); '
                    'double it ("") or remove it'
                ),
            )
        )
    if parsed.ragged_rows:
        rows = [r for r, _ in parsed.ragged_rows]
        detail = ", ".join(f"row {r}: {n}" for r, n in parsed.ragged_rows[:5])
        findings.append(
            checks.RAGGED_ROWS.finding(
                rows=rows,
                count=len(rows),
                width=width,
                detail=detail + (", ..." if len(rows) > 5 else ""),
            )
        )
    if parsed.blank_rows:
        findings.append(_blank_finding(parsed.blank_rows))
    if parsed.trailing_rows:
        rows = parsed.trailing_rows
        findings.append(
            checks.TRAILING_CELLS.finding(
                rows=rows, count=len(rows), width=width, listing=_listing(rows)
            )
        )
    frame = pl.DataFrame(
        {
            name: pl.Series(name, col, dtype=pl.String)
            for name, col in zip(names, parsed.columns, strict=True)
        },
    ).with_columns(pl.Series(ROW, parsed.rows, dtype=pl.UInt32))
    return frame, parsed.records, findings


def _fast_frame(body: bytes, names: list[str], records: int) -> pl.DataFrame | None:
    """polars reads the whole file (row 1 as the header it skips; ``names`` replace its cells),
    an empty cell as null; None when it does not read the records the scan counted."""
    try:
        frame = pl.read_csv(
            body,
            has_header=True,
            infer_schema=False,
            separator=",",
            quote_char='"',
            new_columns=names,
            null_values=[""],
        )
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, ValueError):
        return None
    if frame.height != records or frame.columns != names:
        return None
    return frame.with_columns(pl.int_range(2, records + 2, dtype=pl.UInt32).alias(ROW))


def _drop_blank(frame: pl.DataFrame, records: int) -> tuple[pl.DataFrame, int, list[Finding]]:
    cells = [c for c in frame.columns if c != ROW]

    def empty(*columns: str) -> pl.Expr:
        return pl.col(*columns).is_null() | (pl.col(*columns).str.strip_chars() == "")

    # a blank row is blank in its first column: look at the others only for those few rows
    candidates = frame.filter(empty(cells[0]))
    blank_rows = candidates.filter(pl.all_horizontal(empty(*cells)))[ROW].to_list()
    if not blank_rows:
        return frame, records, []
    kept = frame.filter(~pl.col(ROW).is_in(blank_rows))
    return kept, records, [_blank_finding(blank_rows)]


def _empty_column(finding: Finding, frame: pl.DataFrame) -> Finding:
    """A blank header over a column with no value at all (Excel leaves such) is only a warning."""
    if finding.rule != checks.BLANK_HEADER.id or not finding.columns:
        return finding
    column = finding.columns[0]
    if column in frame.columns and frame.get_column(column).null_count() < frame.height:
        return finding
    index = column.rsplit(" ", 1)[-1].rstrip(")")
    return checks.EMPTY_COLUMN.finding(
        rows=finding.rows, columns=finding.columns, where=f"column {index} has", it="it"
    )


def _group_blank(findings: list[Finding]) -> list[Finding]:
    """More than ``MANY_EXTRA`` blank-header (or empty) columns are one finding per rule.

    Excel can leave thousands of empty columns right of the data; one finding names them all.
    """
    grouped: list[Finding] = []
    for check in (checks.BLANK_HEADER, checks.EMPTY_COLUMN):
        mine = [f for f in findings if f.rule == check.id]
        if len(mine) <= MANY_EXTRA:
            continue
        indices = [int(f.columns[0].rsplit(" ", 1)[-1].rstrip(")")) for f in mine]
        shown = ", ".join(str(i) for i in indices[:SHOWN])
        grouped.append(
            check.finding(
                rows=(1,),
                columns=tuple(f.columns[0] for f in mine[:SHOWN]),
                where=f"{len(mine)} columns ({shown} and {len(mine) - SHOWN} more) have",
                it="them",
            )
        )
    if not grouped:
        return findings
    rules = {f.rule for f in grouped}
    first = next(i for i, f in enumerate(findings) if f.rule in rules)
    kept = [f for f in findings if f.rule not in rules]
    return kept[:first] + grouped + kept[first:]


def _blank_finding(rows: list[int]) -> Finding:
    return checks.BLANK_ROWS.finding(rows=rows, count=len(rows), listing=_listing(rows))
