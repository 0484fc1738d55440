"""Byte-level checks: empty, binary, BOM, encoding and delimiter, before any CSV parsing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from syncguard.errors import UnusableExportError

UTF8_BOM = b"\xef\xbb\xbf"
SAVE_AS_UTF8 = (
    "in Excel use File > Save As > 'CSV UTF-8 (comma delimited)', "
    "or export UTF-8 from the student record system"
)

_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF document",
}


def check_not_binary(path: Path, data: bytes) -> None:
    """Stop on an empty file or one that is not text at all."""
    if not data.strip(b" \t\r\n" + UTF8_BOM):
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

    The text is decoded to check it and let go at once: a large export is read from its bytes.
    """
    bom = data.startswith(UTF8_BOM)
    body = memoryview(data)[len(UTF8_BOM) :] if bom else memoryview(data)
    try:
        str(body, "utf-8")
        return bom
    except UnicodeDecodeError as exc:
        offset = exc.start
        body = memoryview(data)[len(UTF8_BOM) :] if bom else memoryview(data)
    raise _not_utf8(path, bytes(body), offset)


def _not_utf8(path: Path, body: bytes, offset: int) -> UnusableExportError:
    row = _row_at(body, offset)
    byte = body[offset : offset + 1]
    try:
        char = byte.decode("cp1252")
        guess = f"byte 0x{byte.hex().upper()} reads as '{char}' in Windows-1252/Latin-1"
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


def _records_before(data: bytes, offset: int) -> list[list[str]]:
    text = data[:offset].decode("latin-1")
    return list(csv.reader(io.StringIO(text, newline="")))


def _row_at(data: bytes, offset: int) -> int:
    """The spreadsheet row (header = 1) of the record holding byte ``offset``."""
    records = _records_before(data, offset)
    ends_record = offset == 0 or data[offset - 1 : offset] in (b"\n", b"\r")
    return len(records) + 1 if ends_record or not records else len(records)


def _column_at(data: bytes, offset: int) -> str | None:
    """The header of the column holding byte ``offset``, when it can be told."""
    records = _records_before(data, offset)
    if len(records) < 2 or data[offset - 1 : offset] in (b"\n", b"\r"):
        return None
    index = len(records[-1]) - 1
    header = records[0]
    return header[index] if 0 <= index < len(header) else None


def check_delimiter(path: Path, header: list[str]) -> None:
    """Stop when the header row (read with commas) is split by ``;``, tab or ``|`` instead."""
    counts = {sep: sum(cell.count(sep) for cell in header) for sep in (";", "\t", "|")}
    counts[","] = len(header) - 1
    other, count = max(((s, n) for s, n in counts.items() if s != ","), key=lambda x: x[1])
    if count > counts[","]:
        name = {";": "semicolons (;)", "\t": "tabs", "|": "pipes (|)"}[other]
        raise UnusableExportError(
            path,
            f"the columns are separated by {name}, but the importer reads commas only",
            "save it as 'CSV UTF-8 (comma delimited)' (European Excel uses ';' by default) "
            "or set the export's delimiter to ','",
            row=1,
        )
