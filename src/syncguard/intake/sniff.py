"""Byte-level checks: empty, binary, BOM, encoding and delimiter, before any CSV parsing."""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

from syncguard.errors import UnusableExportError
from syncguard.intake.headers import display, safe_header

UTF8_BOM = b"\xef\xbb\xbf"
SAVE_AS_UTF8 = (
    "in Excel use File > Save As > 'CSV UTF-8 (comma delimited)', "
    "or export UTF-8 from the student record system"
)

DECODE_CHUNK = 16 * 1024 * 1024
"""Bytes decoded at a time when checking that a file is UTF-8."""
_CONTENT = re.compile(b"[^ \t\r\n" + re.escape(UTF8_BOM) + b"]")
"""A byte that is neither white space nor part of a BOM: the file is not empty."""

_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF document",
}


def check_not_binary(path: Path, data: bytes) -> None:
    """Stop on an empty file or one that is not text at all."""
    if _CONTENT.search(data) is None:
        raise UnusableExportError(path, "the file is empty", "export the student data again")
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            raise UnusableExportError(path, f"this is {what}, not a CSV file", SAVE_AS_UTF8)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnusableExportError(path, "the file is UTF-16 encoded, not UTF-8", SAVE_AS_UTF8)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UnusableExportError(
            path,
            f"the file holds NUL bytes (first at byte {nul}), so it is not a text CSV file",
            SAVE_AS_UTF8,
            row=_row_at(data, nul),
        )


def check_utf8(path: Path, data: bytes) -> bool:
    """Whether the export starts with a BOM; stop with exit 2 unless it is all UTF-8.

    The text is decoded piece by piece to check it, never whole (a file of non-Latin text
    decodes to twice its size): a large export is read from its bytes.
    """
    bom = data.startswith(UTF8_BOM)
    body = memoryview(data)[len(UTF8_BOM) :] if bom else memoryview(data)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(body), DECODE_CHUNK):
            decoder.decode(body[start : start + DECODE_CHUNK], final=False)
        decoder.decode(b"", final=True)
        return bom
    except UnicodeDecodeError:
        pass
    try:  # where exactly: the whole text once more, on this rare path
        str(body, "utf-8")
        return bom  # pragma: no cover  (the pieces and the whole agree)
    except UnicodeDecodeError as exc:
        offset = exc.start
    raise _not_utf8(path, bytes(body), offset)


def _not_utf8(path: Path, body: bytes, offset: int) -> UnusableExportError:
    row = _row_at(body, offset)
    byte = body[offset : offset + 1]
    try:
        char = byte.decode("cp1252")
        guess = f"byte 0x{byte.hex().upper()} reads as '{display(char)}' in Windows-1252/Latin-1"
    except UnicodeDecodeError:
        guess = f"byte 0x{byte.hex().upper()} is not UTF-8"
    column = _column_at(body, offset)
    where = f" in column '{column}'" if column else ""
    return UnusableExportError(
        path,
        f"the file is not UTF-8{where} ({guess}; the importer accepts UTF-8 only)",
        "re-export the file as UTF-8: " + SAVE_AS_UTF8,
        row=row,
    )


def _records_before(data: bytes, offset: int) -> tuple[int, list[str], list[str]]:
    """How many records start before byte ``offset``, the first one and the last one.

    Records are counted as they stream by, so a large file is not held as lists of cells.
    """
    text = data[:offset].decode("latin-1")
    count, first, last = 0, [], []
    for record in csv.reader(io.StringIO(text, newline="")):
        if count == 0:
            first = record
        count, last = count + 1, record
    return count, first, last


def _row_at(data: bytes, offset: int) -> int:
    """The spreadsheet row (header = 1) of the record holding byte ``offset``."""
    records, _, _ = _records_before(data, offset)
    ends_record = offset == 0 or data[offset - 1 : offset] in (b"\n", b"\r")
    return records + 1 if ends_record or not records else records


def _column_at(data: bytes, offset: int) -> str | None:
    """The header of the column holding byte ``offset``, as shown, when it can be told.

    A header that cannot be one (see :func:`~syncguard.intake.headers.untrusted`) is shown by
    its label only.
    """
    records, header, last = _records_before(data, offset)
    if records < 2 or data[offset - 1 : offset] in (b"\n", b"\r"):
        return None
    index = len(last) - 1
    try:
        header = [cell.encode("latin-1").decode("utf-8") for cell in header]
    except UnicodeDecodeError:
        return None
    return display(safe_header(header)[index]) if 0 <= index < len(header) else None


def check_delimiter(path: Path, header: list[str]) -> None:
    """Stop when the header row (read with commas) is split by ``;``, tab or ``|`` instead.

    Only the first line of row 1 counts: a quote left open in row 1 makes it run on over
    students' records, whose lists hold semicolons.
    """
    line: list[str] = []
    for cell in header:
        cut = min((i for i in (cell.find("\n"), cell.find("\r")) if i >= 0), default=-1)
        line.append(cell if cut < 0 else cell[:cut])
        if cut >= 0:
            break
    counts = {sep: sum(cell.count(sep) for cell in line) for sep in (";", "\t", "|")}
    counts[","] = len(line) - 1
    other, count = max(((s, n) for s, n in counts.items() if s != ","), key=lambda x: x[1])
    if count > max(counts[","], 0):
        name = {";": "semicolons (;)", "\t": "tabs", "|": "pipes (|)"}[other]
        raise UnusableExportError(
            path,
            f"the columns are separated by {name}, but the importer reads commas only",
            "save it as 'CSV UTF-8 (comma delimited)' (European Excel uses ';' by default) "
            "or set the export's delimiter to ','",
            row=1,
        )
