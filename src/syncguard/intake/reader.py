"""Reads an export file into a polars frame (every column text) and the findings about it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from syncguard.errors import UnusableExportError
from syncguard.importer import MAX_IMPORT_BYTES
from syncguard.intake import checks, sniff
from syncguard.intake.headers import HeaderContract, check_header, column_names
from syncguard.intake.structure import first_record, parse, scan
from syncguard.model import ExportInfo, Finding

ROW = "__row__"
"""Name of the column holding each record's spreadsheet row number (header = row 1)."""


@dataclass(frozen=True)
class Export:
    """What intake made of a file: the usable records, the file's facts, and what is wrong."""

    frame: pl.DataFrame
    info: ExportInfo
    header: tuple[str, ...]
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


def read_export(path: Path, contract: HeaderContract) -> Export:
    """Read and check an export.

    Raises:
        UnusableExportError: the file cannot be validated (missing, empty, binary, not UTF-8,
            wrong delimiter, required header missing).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnusableExportError(path, "no such file", "check the path") from None
    except IsADirectoryError:
        raise UnusableExportError(
            path, "this is a folder, not a file", "name the CSV file"
        ) from None
    except OSError as exc:
        raise UnusableExportError(
            path, f"cannot read the file ({exc.strerror})", "check its permissions"
        ) from None
    findings: list[Finding] = []
    sniff.check_not_binary(path, data)
    bom = sniff.check_utf8(path, data)
    if bom:
        findings.append(checks.BOM.finding(rows=(1,)))
    if len(data) >= MAX_IMPORT_BYTES:
        findings.append(checks.FILE_SIZE.finding(megabytes=len(data) / 1e6))
    body = data[len(sniff.UTF8_BOM) :] if bom else data
    header = first_record(body[: 1 << 20].decode("utf-8", errors="ignore"))
    sniff.check_delimiter(path, header)
    findings.extend(check_header(path, header, contract))
    names = column_names(header)
    frame, records, structural = _records(body, names)
    if records == 0:
        raise UnusableExportError(
            path,
            "the file has a header row but no student rows",
            "export the students again (an empty export would upload nothing)",
            row=2,
        )
    findings = [_empty_column(f, frame) for f in findings]
    findings.extend(structural)
    info = ExportInfo(
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        rows=records,
        bytes=len(data),
        encoding="utf-8-sig" if bom else "utf-8",
        delimiter=",",
    )
    return Export(frame=frame, info=info, header=tuple(header), findings=tuple(findings))


def _records(body: bytes, names: list[str]) -> tuple[pl.DataFrame, int, list[Finding]]:
    """The usable records as a frame with their row numbers, the record count, and findings."""
    width = len(names)
    layout = scan(body)
    records = len(layout.cells) - 1
    simple = (
        layout.quotes_balanced
        and layout.plain
        and bool((layout.cells[1:] == width).all())
        and len(set(names)) == width
        and names == [n for n in names if not n.startswith("(")]
    )
    if simple:
        frame = _fast_frame(body, names, records)
        if frame is not None:
            return _drop_blank(frame, records)
    parsed = parse(body.decode("utf-8"), width)
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
    try:
        frame = pl.read_csv(
            body,
            has_header=True,
            infer_schema=False,
            separator=",",
            quote_char='"',
            new_columns=names,
        )
    except (pl.exceptions.PolarsError, ValueError):
        return None
    if frame.height != records or frame.columns != names:
        return None
    return frame.with_columns(
        [pl.when(pl.col(n) == "").then(None).otherwise(pl.col(n)).alias(n) for n in names]
    ).with_columns(pl.int_range(2, records + 2, dtype=pl.UInt32).alias(ROW))


def _drop_blank(frame: pl.DataFrame, records: int) -> tuple[pl.DataFrame, int, list[Finding]]:
    cells = [c for c in frame.columns if c != ROW]

    def empty(c: str) -> pl.Expr:
        return pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")

    # a blank row is blank in its first column: look at the others only for those few rows
    candidates = frame.filter(empty(cells[0]))
    blank_rows = candidates.filter(pl.all_horizontal([empty(c) for c in cells]))[ROW].to_list()
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
    return checks.EMPTY_COLUMN.finding(rows=finding.rows, columns=finding.columns, index=index)


def _blank_finding(rows: list[int]) -> Finding:
    return checks.BLANK_ROWS.finding(rows=rows, count=len(rows), listing=_listing(rows))
