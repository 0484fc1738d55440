"""Record structure: cells per record found by a vectorised scan, exact parsing where needed."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np

QUOTE, COMMA, NEWLINE, RETURN = 34, 44, 10, 13
CHUNK = 32 * 1024 * 1024
csv.field_size_limit(1 << 30)


@dataclass(frozen=True)
class Scan:
    """Cells per record (header first), and whether the quoting and line ends are plain.

    ``plain`` is false when a quote stands where well-formed CSV has none (``"Anna "Nan""``:
    a quote must open a cell, close one, or be doubled) or a lone carriage return ends a line
    (old Mac files); such files are parsed exactly instead.
    """

    cells: np.ndarray
    quotes_balanced: bool
    plain: bool = True


def scan(data: bytes | memoryview) -> Scan:
    """Count cells per record, treating quoted commas and newlines as content.

    A quote toggles "inside a quoted cell" (a doubled quote toggles twice, so it is content):
    a comma or newline is structure when an even number of quotes precede it. Quotes are few,
    so only the positions of quotes, commas and newlines are kept, chunk by chunk, and the
    parity comes from where each position falls among the quotes. Exact for well-formed CSV;
    anything it finds odd is parsed again exactly by :func:`parse`.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    quotes_before = 0
    plain = True
    counts: list[np.ndarray] = []  # commas (outside quotes) per finished record
    carry = 0  # commas so far in the record that runs past the chunk
    for start in range(0, len(buf), CHUNK):
        chunk = buf[start : start + CHUNK]
        quotes = np.flatnonzero(chunk == QUOTE)
        outside = []
        for byte in (NEWLINE, COMMA):
            where = np.flatnonzero(chunk == byte)
            inside = (np.searchsorted(quotes, where) + quotes_before) & 1
            outside.append(where[inside == 0])
        newlines, commas = outside
        before = np.searchsorted(commas, newlines)
        if len(newlines):
            per_record = np.diff(before, prepend=0)
            per_record[0] += carry
            counts.append(per_record)
            carry = len(commas) - int(before[-1])
        else:
            carry += len(commas)
        plain = plain and _quotes_plain(buf, quotes + start) and _no_lone_return(buf, chunk, start)
        quotes_before += len(quotes)
    if len(buf) and buf[-1] != NEWLINE:
        counts.append(np.array([carry]))  # the last record has no line end
    commas_per_record = np.concatenate(counts) if counts else np.empty(0, dtype=np.int64)
    cells = commas_per_record + 1
    return Scan(cells=cells, quotes_balanced=quotes_before % 2 == 0, plain=plain)


def _quotes_plain(buf: np.ndarray, quotes: np.ndarray) -> bool:
    """Every quote opens a cell, closes one, or is doubled."""
    if not len(quotes):
        return True
    before = _byte_at(buf, quotes - 1)
    after = _byte_at(buf, quotes + 1)
    opens = np.isin(before, (COMMA, NEWLINE, RETURN))
    closes = np.isin(after, (COMMA, NEWLINE, RETURN))
    doubled = (before == QUOTE) | (after == QUOTE)
    return bool((opens | closes | doubled).all())


def _no_lone_return(buf: np.ndarray, chunk: np.ndarray, start: int) -> bool:
    """No carriage return outside a CRLF pair (a lone CR ends a line for spreadsheets)."""
    returns = np.flatnonzero(chunk == RETURN) + start
    if not len(returns):
        return True
    return bool((_byte_at(buf, returns + 1) == NEWLINE).all())


def _byte_at(buf: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The bytes at ``positions``; before the start and past the end count as a line end."""
    inside = (positions >= 0) & (positions < len(buf))
    out = np.full(len(positions), NEWLINE, dtype=np.uint8)
    out[inside] = buf[positions[inside]]
    return out


@dataclass(frozen=True)
class Parsed:
    """An exact parse: good records as columns, and the rows that could not be used."""

    columns: list[list[str | None]]
    rows: list[int]
    blank_rows: list[int]
    ragged_rows: list[tuple[int, int]]
    records: int
    quoting_error: tuple[int, str] | None = None
    trailing_rows: list[int] = field(default_factory=list)


def parse(text: str, width: int, header: bool = True) -> Parsed:
    """Parse with Python's csv module, record by record, keeping spreadsheet row numbers.

    ``text`` includes the header record, which is skipped, unless ``header`` is false (then its
    first record is row 2). Blank records (no cell holds
    anything but spaces) and records with another number of cells than ``width`` are left out
    and listed; empty cells become ``None``. Quoting that a strict reader rejects (a quote
    never closed, text after a closing quote) is reported with the row where it starts, and the
    file is then read leniently as spreadsheet programs do.
    """
    try:
        return _parse(text, width, strict=True, header=header)
    except csv.Error as exc:
        lenient = _parse(text, width, strict=False, header=header)
        return Parsed(
            columns=lenient.columns,
            rows=lenient.rows,
            blank_rows=lenient.blank_rows,
            ragged_rows=lenient.ragged_rows,
            records=lenient.records,
            trailing_rows=lenient.trailing_rows,
            quoting_error=(_error_row(text, header), str(exc)),
        )


def _error_row(text: str, header: bool) -> int:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    good = 0 if header else 1
    try:
        for _ in reader:
            good += 1
    except csv.Error:
        return good + 1
    return good


def _parse(text: str, width: int, strict: bool, header: bool) -> Parsed:
    columns: list[list[str | None]] = [[] for _ in range(width)]
    rows: list[int] = []
    blank: list[int] = []
    ragged: list[tuple[int, int]] = []
    trailing: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=strict)
    if header:
        next(reader, None)
    records = 0
    for row, record in enumerate(reader, start=2):
        records += 1
        if all(cell.strip() == "" for cell in record):
            blank.append(row)
            continue
        if len(record) > width and all(cell.strip() == "" for cell in record[width:]):
            trailing.append(row)  # Excel's trailing commas: nothing is in the extra cells
            record = record[:width]
        if len(record) != width:
            ragged.append((row, len(record)))
        else:
            rows.append(row)
            for target, cell in zip(columns, record, strict=True):
                target.append(cell if cell != "" else None)
    return Parsed(
        columns=columns,
        rows=rows,
        blank_rows=blank,
        ragged_rows=ragged,
        records=records,
        trailing_rows=trailing,
    )


_FIELD = rb'(?:"(?:[^"]++|"")*+"?[^,\r\n]*+|[^,\r\n]*+)'
_RECORD = re.compile(_FIELD + rb"(?:," + _FIELD + rb")*+")
"""One record as Python's csv module reads it (not strict): a quoted cell runs to its closing
quote over commas and line ends, a doubled quote is content, text after a closing quote and a
quote inside an unquoted cell are content; a record ends at a line end outside quotes. The
quantifiers are possessive, so matching is linear and never backtracks."""


def first_record_span(data: bytes) -> tuple[int, int]:
    """Where row 1 ends (before its line end) and where row 2 starts, honouring quotes.

    A quote in row 1 that is never closed makes row 1 run to the next quote or to the end of
    the data, as it does for the importer and for spreadsheets.
    """
    match = _RECORD.match(data)
    end = match.end() if match else 0
    if data.startswith(b"\r\n", end):
        return end, end + 2
    if data.startswith((b"\r", b"\n"), end):
        return end, end + 1
    return end, end


def first_record(text: str) -> list[str]:
    """The header record (row 1), parsed exactly; ``text`` holds row 1 only, whatever its size."""
    reader = csv.reader(io.StringIO(text, newline=""))
    return next(reader, [])
