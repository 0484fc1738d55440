"""Repairs of an export that have one right answer (``syncguard fix``), each declared like a check.

A repair changes only what cannot be meant otherwise: the file's encoding, delimiter and byte
order mark; a header's case and spacing (and, when asked, a header one small typo away from
exactly one known header); whitespace and zero-width characters around values; the case and
spacing of the importer's listed values and booleans; dates written day-first (when the column
proves the order), as Excel serials or as date-times. Everything else is left as it was, and
what cannot be repaired is said in a note: identity values are only trimmed, digits lost to
scientific notation cannot be restored, duplicates and any value without a confident fix stay,
and a value is never trimmed into one starting like a formula (`` =HYPERLINK(...)``).

:func:`repair` is a pure function over the file's bytes; :func:`change_log` renders what it
changed (masked as reports are); :func:`save` writes the fixed file and its change log whole or
not at all, never over the input.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import Enum
from itertools import repeat
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from syncguard.importer import BOOLEANS, CLEAR, IDENTITY_COLUMNS
from syncguard.intake import checks
from syncguard.masking import Masker, visible
from syncguard.model import BasisKind, Check, Consequence, Engine, Severity, Source, declare
from syncguard.suite.kinds._suggest import confident
from syncguard.suite.kinds.excel_mangled_id import SCIENTIFIC
from syncguard.suite.model import Suite

csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # as intake reads: no cell is too long


def _repair(
    id: str,
    title: str,
    description: str,
    basis: tuple[BasisKind, str],
    fix: str,
    consequence: Consequence,
) -> Check:
    """A repair of ``fix``, with the consequence at import of what it repairs."""
    return declare(
        Source.REPAIR,
        Engine.INTAKE,
        id,
        title,
        Severity.WARNING,
        description,
        basis,
        fix,
        consequence=consequence,
    )


SPEC, IMPORTER, PRACTICE = BasisKind.SPEC, BasisKind.IMPORTER, BasisKind.PRACTICE
_YYYY_MM_DD = "it has to be included in the format yyyy-mm-dd"

ENCODING = _repair(
    "repair.encoding",
    "Decode the file into UTF-8",
    "A file that is not UTF-8 but is valid Windows-1252 (and holds no UTF-8 sequence at all), or "
    "a UTF-16 file with its byte order mark, can be read one way only.",
    (IMPORTER, "files are UTF-8"),
    "Writes the same characters encoded as UTF-8.",
    Consequence.FILE_REJECTED,
)
DELIMITER = _repair(
    "repair.delimiter",
    "Separate columns with commas",
    "A file whose header row is separated by semicolons, tabs or pipes (European Excel uses ';').",
    (IMPORTER, "the importer reads comma-separated files"),
    "Writes the same cells separated by commas, quoting a cell where CSV needs it.",
    Consequence.FILE_REJECTED,
)
BOM = _repair(
    "repair.bom",
    "Drop the UTF-8 byte order mark",
    "A file that starts with a UTF-8 byte order mark (BOM).",
    (PRACTICE, "the importer asks for UTF-8; a BOM is legal UTF-8 but glues onto the first header"),
    "Writes the file without the byte order mark.",
    Consequence.COSMETIC,
)
HEADER_CASE = _repair(
    "repair.header_case",
    "Spell headers exactly",
    "A header that is a known header in another case, or with spaces, non-breaking or zero-width "
    "spaces in or around it.",
    (IMPORTER, "headers are case-sensitive and unknown headers are silently ignored"),
    "Renames the header to the known header, spelled exactly.",
    Consequence.FIELD_REJECTED,
)
HEADER_TYPO = _repair(
    "repair.header_typo",
    "Rename misspelled headers (--fix-headers)",
    "A header at most 2 edits from exactly one known header and at least 3 from every other one "
    "(only when asked to fix headers).",
    (IMPORTER, "unknown or misspelled headers are silently ignored, so a typo drops a column"),
    "Renames the header to the one known header it is close to.",
    Consequence.FIELD_REJECTED,
)
WHITESPACE = _repair(
    "repair.whitespace",
    "Trim whitespace around values",
    "A value with spaces, non-breaking spaces, tabs, line breaks or zero-width characters before "
    "or after it. The only repair made to identity values (username, email, auth, card ID).",
    (PRACTICE, "padded and non-breaking spaces make values differ invisibly"),
    "Removes the whitespace and zero-width characters around the value; a cell of nothing but "
    "whitespace is left as it is (blank means leave unchanged), and so is one that trimmed would "
    "start with = + - or @ (a formula to a spreadsheet: listed in a note).",
    Consequence.COSMETIC,
)
LISTED_VALUE = _repair(
    "repair.listed_value",
    "Spell listed values exactly",
    "A value of a column with accepted values that is one of them in another case, spacing or "
    "accents (never a synonym or a typo).",
    (SPEC, "Please note the capitalisation and spelling - they have to match exactly!"),
    "Replaces the value with the accepted value it differs from only in case, spacing or accents.",
    Consequence.FIELD_REJECTED,
)
BOOLEAN = _repair(
    "repair.boolean",
    "Write booleans as TRUE or FALSE",
    "A boolean written true, False, ' TRUE' and the like (never yes, no, 1 or 0).",
    (SPEC, "For Boolean Values please sync in either TRUE or FALSE (note all caps)"),
    "Writes the value in capitals: TRUE or FALSE.",
    Consequence.FIELD_REJECTED,
)
DAY_FIRST_DATE = _repair(
    "repair.day_first_date",
    "Write day-first dates as yyyy-mm-dd",
    "A date written dd/mm/yyyy, dd.mm.yyyy or dd-mm-yyyy, when its own day or the column's other "
    "dates prove the order (a day over 12); a column whose dates are all ambiguous, or that "
    "proves both orders, is left alone.",
    (SPEC, _YYYY_MM_DD),
    "Writes the same date as yyyy-mm-dd.",
    Consequence.FIELD_REJECTED,
)
EXCEL_DATE = _repair(
    "repair.excel_date",
    "Write Excel serials and date-times as yyyy-mm-dd",
    "A date column holding an Excel serial number (46112) or a date-time (2027-03-31 00:00:00).",
    (SPEC, _YYYY_MM_DD),
    "Writes the date as yyyy-mm-dd (the time of day is dropped).",
    Consequence.FIELD_REJECTED,
)

REPAIRS: tuple[Check, ...] = (
    ENCODING,
    DELIMITER,
    BOM,
    HEADER_CASE,
    HEADER_TYPO,
    WHITESPACE,
    LISTED_VALUE,
    BOOLEAN,
    DAY_FIRST_DATE,
    EXCEL_DATE,
)
"""Every repair kind, declared once; an institution switches any of them off by its id."""
REPAIRED_KINDS = frozenset({"allowed_values", "boolean", "date", "stray_whitespace"})
"""Rule kinds whose failures a repair may mend: a check runs fix dry only when one failed."""
REPAIRED_INTAKE = frozenset({checks.BOM.id, checks.HEADER_CASE.id})
"""Intake checks whose failures a repair mends (the byte order mark, a header's spelling)."""


def mends(check_id: str, kind: str | None) -> bool:
    """Whether a repair mends a failure of this check (a rule of ``kind``), not only tidies
    its cell: trimming a duplicated email leaves it a duplicate."""
    return kind in REPAIRED_KINDS or check_id in REPAIRED_INTAKE


@dataclass(frozen=True)
class Change:
    """One change made: at a spreadsheet row (header = 1) and column, by one repair.

    Header renames are row 1 under the new header. Changes to the file as a whole (encoding,
    delimiter, BOM) are row 1 with no column. ``before`` is the cell as the input held it,
    ``after`` as the fixed file holds it.
    """

    row: int
    column: str
    repair: str
    before: str
    after: str


@dataclass(frozen=True)
class Repaired:
    """The fixed export, every change made to it, and notes for people on what was left alone.

    ``text`` is to be written as UTF-8: comma separated, CRLF line ends, the same records in the
    same order (it keeps a leading U+FEFF or its delimiter only when ``repair.bom`` or
    ``repair.delimiter`` is switched off).
    """

    text: str
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- bytes to text ------------------------------------------------------------------------

UTF8_BOM = b"\xef\xbb\xbf"
_UTF16 = {
    b"\xff\xfe": ("utf-16-le", "UTF-16 (little-endian)"),
    b"\xfe\xff": ("utf-16-be", "UTF-16 (big-endian)"),
}
_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF document",
}
"""Files that are not text at all (as intake's sniffing names them)."""
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
"""A well-formed UTF-8 multi-byte character: in a file that is not all UTF-8, a sign of mixing."""
_SAVE_AS = "save it from Excel as 'CSV UTF-8 (comma delimited)'"


def _decode(data: bytes, on: Collection[str], changes: list[Change], notes: list[str]) -> str:
    """The file's text without any byte order mark; ValueError when there is no one reading."""
    if not data.strip(b" \t\r\n" + UTF8_BOM):
        raise ValueError("the file is empty: export the student data again")
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            raise ValueError(f"this is {what}, not a CSV file: {_SAVE_AS}")
    for mark, (codec, name) in _UTF16.items():
        if data.startswith(mark):
            try:
                text = data[len(mark) :].decode(codec)
            except UnicodeDecodeError:
                raise ValueError(f"the file starts as {name} but is not valid {name}") from None
            return _recoded(text, name, on, changes, notes)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ValueError(
            f"the file holds NUL bytes (first at byte {nul}), so it is not a text CSV file: "
            + _SAVE_AS
        )
    bom = data.startswith(UTF8_BOM)
    body = data[len(UTF8_BOM) :] if bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if bom or _UTF8_SEQUENCE.search(data):
            raise ValueError(
                f"the file mixes UTF-8 with another encoding (byte {exc.start} is not UTF-8), so "
                f"no one reading is right: export it again as UTF-8"
            ) from None
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ValueError(
                f"the file is neither UTF-8 nor Windows-1252 (byte {exc.start}): export it again "
                "as UTF-8"
            ) from None
        return _recoded(text, "Windows-1252", on, changes, notes)
    if bom:
        if BOM.id not in on:
            return "\ufeff" + text
        changes.append(Change(1, "", BOM.id, "UTF-8 with byte order mark", "UTF-8"))
    return text


def _recoded(
    text: str, name: str, on: Collection[str], changes: list[Change], notes: list[str]
) -> str:
    if ENCODING.id not in on:
        raise ValueError(f"the file is {name}, not UTF-8, and {ENCODING.id} is switched off")
    if "\x00" in text:
        raise ValueError(f"the file holds NUL characters, so it is not a text CSV file: {_SAVE_AS}")
    if not text.strip(" \t\r\n\ufeff"):
        raise ValueError("the file is empty: export the student data again")
    changes.append(Change(1, "", ENCODING.id, name, "UTF-8"))
    others = sum(1 for c in text if ord(c) > 0x7F)
    notes.append(
        f"the file was read as {name} and written as UTF-8 ({others} character(s) outside "
        "ASCII): check that a few accented names look right"
    )
    return text


_DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes"}


def _delimiter(text: str) -> str:
    """The delimiter of the header row: the one of ``, ; tab |`` it holds most (no header holds
    any of them); ValueError on a tie."""
    line = re.split(r"[\r\n]", text.lstrip("\ufeff"), maxsplit=1)[0]
    counts = sorted(((line.count(d), d) for d in _DELIMITERS), reverse=True)
    (best, delimiter), (second, other) = counts[0], counts[1]
    if best == 0:
        return ","
    if best == second:
        raise ValueError(
            f"row 1 holds as many {_DELIMITERS[delimiter]} as {_DELIMITERS[other]}, so the "
            "delimiter cannot be told: separate the header row's cells with one of them only"
        )
    return delimiter


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
"""A line as a file opened with ``newline=""`` gives it: up to and with its \\r\\n, \\r or \\n."""


def _rows(text: str, delimiter: str) -> Iterator[list[str]]:
    """The file's records, one at a time (row 1 first); ValueError at the first invalid one."""
    reader = csv.reader((m.group() for m in _LINE.finditer(text)), delimiter=delimiter, strict=True)
    read = 0
    try:
        for record in reader:
            read += 1
            yield record
    except csv.Error as exc:
        raise ValueError(
            f"row {read + 1} is not valid CSV ({exc}): fix its quotes by hand first, "
            "as there is no one right repair"
        ) from None


# --- headers ------------------------------------------------------------------------------

_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_SPACES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
"""What ``str.strip()`` takes off (no character past U+3000 is a space to Python)."""
_TRIM = _SPACES + _INVISIBLE
"""What :func:`_strip` takes off a value's ends."""
_ALL_SPACE = re.compile(f"[\\s{_INVISIBLE}]+")
TYPO_EDITS = 2
"""A header this many edits or fewer from exactly one known header is a typo of it..."""
TYPO_MARGIN = 3
"""...when every other known header is at least this many edits away."""


def _header_form(name: str) -> str:
    """A header with case and every space (incl. non-breaking and zero-width) folded away."""
    return _ALL_SPACE.sub("", unicodedata.normalize("NFKC", name)).casefold()


@dataclass(frozen=True)
class _Header:
    written: str
    """The header as the fixed file holds it."""
    meant: str | None
    """The known header it is (or is a typo of), renamed or not."""


def _typo_of(form: str, known: Sequence[str]) -> tuple[str | None, list[str]]:
    """The one known header ``form`` is a small typo of, and the known headers close to it."""
    distances = sorted((Levenshtein.distance(form, k.casefold()), k) for k in known)
    close = [k for d, k in distances if d <= TYPO_EDITS]
    if len(close) != 1 or (len(distances) > 1 and distances[1][0] < TYPO_MARGIN):
        return None, close
    return close[0], close


def _headers(
    row: list[str],
    known: Sequence[str],
    on: Collection[str],
    fix_headers: bool,
    changes: list[Change],
    notes: list[str],
) -> list[_Header]:
    by_form: dict[str, list[str]] = {}
    for k in known:
        by_form.setdefault(_header_form(k), []).append(k)
    meant: list[tuple[str | None, str | None]] = []  # (known header, repair id)
    for name in row:
        if name in known or not name.strip(" \t\r\n\u00a0" + _INVISIBLE):
            meant.append((name if name in known else None, None))
            continue
        same = by_form.get(_header_form(name), [])
        if len(same) == 1:
            meant.append((same[0], HEADER_CASE.id))
            continue
        typo, close = _typo_of(_header_form(name), known)
        if typo is not None:
            meant.append((typo, HEADER_TYPO.id))
        else:
            if len(close) > 1 and fix_headers:
                notes.append(
                    f"header '{visible(name)}' is close to "
                    + " and ".join(f"'{k}'" for k in close)
                    + ": left alone, as which one was meant cannot be told"
                )
            meant.append((None, None))
    taken: dict[str, list[int]] = {}
    for index, (target, _) in enumerate(meant):
        if target is not None:
            taken.setdefault(target, []).append(index)
    headers: list[_Header] = []
    for index, (name, (target, how)) in enumerate(zip(row, meant, strict=True), start=1):
        if target is None or how is None:
            headers.append(_Header(name, target))
            continue
        where = f"header '{visible(name)}' (column {index})"
        others = [i + 1 for i in taken[target] if i + 1 != index]
        if others:
            notes.append(
                f"{where} would be '{target}', which column {others[0]} is or would be too: "
                "left alone (keep one of the columns)"
            )
            headers.append(_Header(name, target))
        elif how == HEADER_TYPO.id and not fix_headers:
            notes.append(f"{where} looks like a typo of '{target}': rename it with --fix-headers")
            headers.append(_Header(name, target))
        elif how not in on:
            headers.append(_Header(name, target))
        else:
            changes.append(Change(1, target, how, name, target))
            headers.append(_Header(target, target))
    return headers


# --- cells --------------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})$")
_SERIAL = re.compile(r"^(\d{5})(?:[.,]\d+)?$")
SERIAL_RANGE = (20000, 80000)
"""Excel serials taken for dates: 1954-10-03 to 2119-01-10 (other numbers are not dates)."""
_EXCEL_EPOCH = date(1899, 12, 30)
_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$")
_SCIENTIFIC = re.compile(SCIENTIFIC)
_CLEAR_FORM = CLEAR.casefold()
_CLEAR_MARK = "*"
"""In every value that folds to **CLEAR** (no character but ``*`` folds to ``*``)."""


class _Order(Enum):
    DAY_FIRST = "day-first"
    MONTH_FIRST = "month-first"


def _strip(value: str) -> str:
    """The value without whitespace (incl. non-breaking) and zero-width characters around it."""
    return value.strip(_TRIM)


def _real(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _orders(value: str) -> tuple[date | None, date | None] | None:
    """A dd/mm/yyyy-shaped value read day-first and month-first (None where not a real date)."""
    m = _DMY.match(value)
    if m is None:
        return None
    a, b, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
    return _real(year, b, a), _real(year, a, b)


@dataclass(frozen=True)
class _Column:
    name: str
    identity: bool
    allowed: tuple[str, ...] = ()
    boolean: bool = False
    date: bool = False
    order: _Order | None = None

    @property
    def typed(self) -> bool:
        """Whether its values are spelled by a repair (listed values, booleans, dates)."""
        return bool(self.allowed) or self.boolean or self.date


def _fits(record: list[str], width: int) -> bool:
    """Whether a record's cells line up with the header's (Excel's blank trailing cells do)."""
    return len(record) >= width and not any(c.strip() for c in record[width:])


def _listing(rows: Sequence[int], limit: int = 10) -> str:
    """``row 7``, ``rows 7, 9`` or ``rows 7, 9, ... and 4 more``."""
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"{'row' if len(rows) == 1 else 'rows'} {shown}{more}"


def _date_order(column: str, cells: Iterable[tuple[int, str]], notes: list[str]) -> _Order | None:
    """The order a column's dd/mm/yyyy dates are in, when its values prove one (else a note)."""
    day_rows: list[int] = []
    month_rows: list[int] = []
    ambiguous = 0
    for row, value in cells:
        read = _orders(_strip(value))
        if read is None:
            continue
        day, month = read
        if day and not month:
            day_rows.append(row)
        elif month and not day:
            month_rows.append(row)
        elif day and month:
            ambiguous += 1
    if day_rows and month_rows:
        notes.append(
            f"column {column}: some dates are day-first ({_listing(day_rows, 5)}) and some "
            f"month-first ({_listing(month_rows, 5)}): all left alone, as the order of the "
            "others cannot be told; write them as yyyy-mm-dd by hand"
        )
        return None
    if month_rows:
        notes.append(
            f"column {column}: dates are month-first (mm/dd/yyyy), the second part being over 12 "
            f"in {_listing(month_rows, 5)}: written as yyyy-mm-dd accordingly"
        )
        return _Order.MONTH_FIRST
    if day_rows:
        return _Order.DAY_FIRST
    if ambiguous:
        notes.append(
            f"column {column}: all {ambiguous} date(s) written like dd/mm/yyyy are ambiguous "
            "(day and month both 12 or less): left alone; write them as yyyy-mm-dd by hand"
        )
    return None


def _as_date(value: str, column: _Column, on: Collection[str]) -> tuple[str, str] | None:
    """The ISO date a date cell means, with the repair that writes it, when beyond doubt."""
    if column.order is not None and DAY_FIRST_DATE.id in on:
        read = _orders(value)
        if read is not None:
            meant = read[0] if column.order is _Order.DAY_FIRST else read[1]
            if meant is not None:
                return meant.isoformat(), DAY_FIRST_DATE.id
    if EXCEL_DATE.id not in on:
        return None
    serial = _SERIAL.match(value)
    if serial is not None and SERIAL_RANGE[0] <= int(serial.group(1)) <= SERIAL_RANGE[1]:
        return (_EXCEL_EPOCH + timedelta(days=int(serial.group(1)))).isoformat(), EXCEL_DATE.id
    stamp = _DATETIME.match(value)
    if stamp is not None:
        real = _real(int(stamp.group(1)), int(stamp.group(2)), int(stamp.group(3)))
        if real is not None:
            return real.isoformat(), EXCEL_DATE.id
    return None


def _uncovers_formula(value: str, core: str) -> bool:
    """Whether trimming ``value`` to ``core`` would make a cell start like a formula.

    `` =HYPERLINK(...)`` is inert text to a spreadsheet; ``=HYPERLINK(...)`` runs. A value that
    starts like a formula already is no worse for losing the spaces after it.
    """
    return core.startswith(_FORMULA_START) and not value.startswith(core[:1])


def _meant(core: str, column: _Column, on: Collection[str]) -> tuple[str, str] | None:
    """The value a listed, boolean or date cell means and the repair that writes it, when that
    differs from ``core`` (the cell without the whitespace around it)."""
    fixed: tuple[str, str] | None = None
    if column.allowed and LISTED_VALUE.id in on:
        meant = confident(core, column.allowed, typos=False)
        fixed = (meant, LISTED_VALUE.id) if meant is not None else None
    elif column.boolean and BOOLEAN.id in on:
        meant = confident(core, BOOLEANS, typos=False)
        fixed = (meant, BOOLEAN.id) if meant is not None else None
    elif column.date:
        fixed = _as_date(core, column, on)
    return fixed if fixed is not None and fixed[0] != core else None


def _cell(value: str, core: str, column: _Column, on: Collection[str]) -> tuple[str, str] | None:
    """The cell's fixed value and the repair that made it, or None to leave it as it is.

    ``core`` is the value without the whitespace around it (:func:`_strip`).
    """
    if not core or core.casefold() == _CLEAR_FORM:
        return None  # blank (leave unchanged) and **CLEAR** are never touched
    trimmed = (core, WHITESPACE.id) if core != value and WHITESPACE.id in on else None
    if column.identity:
        return trimmed
    return _meant(core, column, on) or trimmed


_WAIT = ("", "wait")
"""What :func:`_decide` says of a dd/mm/yyyy date: its meaning waits for the column's order."""
_UNSEEN = ("", "unseen")


def _decide(core: str, column: _Column, on: Collection[str]) -> tuple[str, str] | None:
    """:func:`_meant`, or :data:`_WAIT` for a dd/mm/yyyy date of a date column."""
    if column.date and DAY_FIRST_DATE.id in on and _DMY.match(core):
        return _WAIT
    return _meant(core, column, on)


def _cells(
    records: Iterable[list[str]],
    columns: Sequence[_Column],
    on: Collection[str],
    changes: list[Change],
    notes: list[str],
) -> frozenset[tuple[int, int]]:
    """Repair the cells of the records (rows 2 on) in place, one record at a time; the cells
    changed, as (row, column index).

    Each change is added to ``changes`` (by row, then column), and what is left alone to
    ``notes``. A dd/mm/yyyy date waits for the end of the file: only the column's other dates
    tell the order its day and month are in. Nothing else is kept, so a dry run holds no copy
    of the records. What a listed, boolean or date column's value means is worked out once
    per distinct value; a record with nothing to trim and nothing like **CLEAR** (most of
    them) has only those cells and its identity cells looked at.
    """
    width = len(columns)
    memos: list[dict[str, tuple[str, str] | None]] = [{} for _ in columns]
    spelled = [(i, c, memos[i]) for i, c in enumerate(columns) if c.typed and not c.identity]
    identity = [i for i, c in enumerate(columns) if c.identity]
    waiting: dict[int, list[tuple[int, list[str], str, str]]] = {}
    found: list[tuple[int, int, Change]] = []
    ragged: list[int] = []
    lost: dict[int, list[int]] = {}
    clears: dict[int, list[int]] = {}
    formulas: dict[int, list[int]] = {}
    trim, ordered = WHITESPACE.id in on, DAY_FIRST_DATE.id in on
    for row, record in enumerate(records, start=2):
        if len(record) != width and not _fits(record, width):
            if any(c.strip() for c in record):
                ragged.append(row)
            continue
        cores = list(map(str.strip, record, repeat(_TRIM)))
        if cores == record and _CLEAR_MARK not in "".join(record):
            for index in identity:
                if _SCIENTIFIC.match(record[index]):
                    lost.setdefault(index, []).append(row)
            for index, column, memo in spelled:
                value = record[index]
                if not value:
                    continue
                decision = memo.get(value, _UNSEEN)
                if decision is _UNSEEN:
                    decision = memo[value] = _decide(value, column, on)
                if decision is _WAIT:
                    waiting.setdefault(index, []).append((row, record, value, value))
                elif decision is not None:
                    record[index] = decision[0]
                    found.append(
                        (row, index, Change(row, column.name, decision[1], value, decision[0]))
                    )
            continue
        for index, column in enumerate(columns):
            value = record[index]
            if not value:
                continue
            core = cores[index]
            edged = core != value
            if column.identity and _SCIENTIFIC.match(core):
                lost.setdefault(index, []).append(row)
            elif core.casefold() == _CLEAR_FORM and value != CLEAR:
                clears.setdefault(index, []).append(row)
            if edged and _uncovers_formula(value, core):
                formulas.setdefault(index, []).append(row)
                continue
            if not core or core.casefold() == _CLEAR_FORM:
                continue  # blank (leave unchanged) and **CLEAR** are never touched
            trimmed = (core, WHITESPACE.id) if edged and trim else None
            fixed = trimmed
            if column.typed and not column.identity:
                memo = memos[index]
                decision = memo.get(core, _UNSEEN)
                if decision is _UNSEEN:
                    decision = memo[core] = _decide(core, column, on)
                if decision is _WAIT:
                    waiting.setdefault(index, []).append((row, record, value, core))
                    continue
                fixed = decision or trimmed
            if fixed is not None:
                record[index] = fixed[0]
                found.append((row, index, Change(row, column.name, fixed[1], value, fixed[0])))
    if ragged:
        notes.append(
            f"{_listing(ragged)}: another number of cells than the header row's "
            f"{width}: left as read, as which column a value belongs to cannot be told"
        )
    for index, column in enumerate(columns):
        if not (column.date and ordered):
            continue
        dates = waiting.get(index, [])
        order = _date_order(column.name, ((row, value) for row, _, value, _ in dates), notes)
        known = replace(column, order=order)
        for row, record, value, core in dates:
            fixed = _cell(value, core, known, on)
            if fixed is not None:
                record[index] = fixed[0]
                found.append((row, index, Change(row, column.name, fixed[1], value, fixed[0])))
    found.sort(key=lambda f: (f[0], f[1]))
    changes.extend(change for _, _, change in found)
    cells = frozenset((row, index) for row, index, _ in found)
    for index, rows in sorted(lost.items()):
        notes.append(
            f"column {columns[index].name}, {_listing(rows)}: an ID in scientific notation "
            "(Excel's 7.7E+04) has lost its digits, which cannot be restored: format the column "
            "as Text in the source and export again"
        )
    for index, rows in sorted(formulas.items()):
        notes.append(
            f"column {columns[index].name}, {_listing(rows)}: a value with spaces or invisible "
            "characters before = + - or @ is left as it is, as trimmed it would start like a "
            "formula a spreadsheet runs: check it by hand"
        )
    for index, rows in sorted(clears.items()):
        notes.append(
            f"column {columns[index].name}, {_listing(rows)}: {CLEAR} in another case or "
            f"with spaces around it is left alone (a clear is never guessed): write it exactly"
        )
    return cells


@dataclass(frozen=True)
class Vocabulary:
    """What the repairs know of an export's columns (from the suite's rules), and which repairs
    are switched on."""

    known_headers: tuple[str, ...]
    """Every header the importer knows (the suite's ``headers``)."""
    date_columns: tuple[str, ...] = ()
    """Columns written yyyy-mm-dd (``date`` rules)."""
    listed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per column, its accepted values (``allowed_values`` rules without a separator)."""
    boolean_columns: tuple[str, ...] = ()
    """Columns holding TRUE or FALSE (``boolean`` rules)."""
    identity_columns: tuple[str, ...] = ()
    """Columns only ever trimmed, whose values in scientific notation are named in a note (the
    importer's identity columns and ``excel_mangled_id`` columns)."""
    enabled: frozenset[str] = frozenset(c.id for c in REPAIRS)
    """The ids of the repairs switched on (of :data:`REPAIRS`)."""

    @classmethod
    def of(cls, suite: Suite, enabled: Iterable[str]) -> Vocabulary:
        """What ``syncguard fix`` and a check's dry run take from the suite's rules."""

        def columns(kind: str) -> tuple[str, ...]:
            return tuple(c for r in suite.rules_of(kind) for c in r.columns)

        return cls(
            known_headers=tuple(suite.known_headers),
            date_columns=columns("date"),
            listed={
                r.column: tuple(str(v) for v in r.params["values"])
                for r in suite.rules_of("allowed_values")
                if "separator" not in r.params
            },
            boolean_columns=columns("boolean"),
            identity_columns=(*IDENTITY_COLUMNS, *columns("excel_mangled_id")),
            enabled=frozenset(enabled),
        )


@dataclass(frozen=True)
class Planned:
    """What :func:`repair` would change, without the fixed text (:func:`dry_run`)."""

    changes: tuple[Change, ...]
    notes: tuple[str, ...]
    cells: frozenset[tuple[int, int]]
    """The cells changed: (spreadsheet row, column index from 0); row 1 for a renamed
    header."""


def repair(
    data: bytes,
    known_headers: Sequence[str],
    date_columns: Sequence[str],
    listed: Mapping[str, Sequence[str]],
    boolean_columns: Sequence[str],
    identity_columns: Sequence[str],
    enabled: Collection[str],
    fix_headers: bool = False,
) -> Repaired:
    """Repair what has one right answer in an export's bytes; leave the rest, with notes.

    Args:
        data: The export as read from disk.
        known_headers: Every header the importer knows (the suite's ``headers``).
        date_columns: Columns written yyyy-mm-dd (``date`` rules).
        listed: Per column, its accepted values (``allowed_values`` rules without a separator).
        boolean_columns: Columns holding TRUE or FALSE (``boolean`` rules).
        identity_columns: Columns only ever trimmed, whose values in scientific notation are
            named in a note (the importer's identity columns and ``excel_mangled_id`` columns).
        enabled: The ids of the repairs switched on (of :data:`REPAIRS`).
        fix_headers: Also rename a header that is a small typo of exactly one known header.

    Returns:
        The fixed text (see :class:`Repaired`), every change made (file, then headers, then
        cells by row), and notes on what was left alone and why.

    Raises:
        ValueError: the file cannot be repaired at all (empty, binary, NUL bytes, neither UTF-8
            nor Windows-1252, mixed encodings, delimiter cannot be told, quoting that strict CSV
            rejects); the message is one sentence for people.
    """
    vocabulary = Vocabulary(
        tuple(known_headers),
        tuple(date_columns),
        {k: tuple(v) for k, v in listed.items()},
        tuple(boolean_columns),
        tuple(identity_columns),
        frozenset(enabled),
    )
    return fix_export(data, vocabulary, fix_headers)


def fix_export(data: bytes, vocabulary: Vocabulary, fix_headers: bool = False) -> Repaired:
    """:func:`repair` with what the suite says of the columns (:meth:`Vocabulary.of`)."""
    started = _start(data, vocabulary, fix_headers)
    records = [started.header, *started.rows]
    _cells(records[1:], started.columns, vocabulary.enabled, started.changes, started.notes)
    records[0] = [c.name for c in started.columns]
    out = io.StringIO()
    if started.bom:
        out.write("\ufeff")
    csv.writer(out, delimiter=started.delimiter, lineterminator="\r\n").writerows(records)
    return Repaired(out.getvalue(), started.changes, started.notes)


def dry_run(data: bytes, vocabulary: Vocabulary, fix_headers: bool = False) -> Planned:
    """What :func:`fix_export` would change in the export, found by the same code without
    writing anything or keeping the records (a check runs it to say what ``fix`` repairs).

    Raises:
        ValueError: as :func:`repair` (``fix`` would refuse the file).
    """
    started = _start(data, vocabulary, fix_headers)
    renamed = {
        (1, index)
        for index, (name, column) in enumerate(zip(started.header, started.columns, strict=True))
        if column.name != name
    }
    cells = _cells(
        started.rows, started.columns, vocabulary.enabled, started.changes, started.notes
    )
    return Planned(tuple(started.changes), tuple(started.notes), cells | renamed)


@dataclass
class _Started:
    """A file read up to its header row: the records still to come, the columns they are of,
    and what was changed and noted so far."""

    header: list[str]
    rows: Iterator[list[str]]
    columns: list[_Column]
    delimiter: str
    """The delimiter the fixed file is written with."""
    bom: bool
    """Whether the fixed file keeps a byte order mark (``repair.bom`` switched off)."""
    changes: list[Change]
    notes: list[str]


def _start(data: bytes, vocabulary: Vocabulary, fix_headers: bool) -> _Started:
    """Decode the file, tell its delimiter and repair its header row."""
    on = vocabulary.enabled
    changes: list[Change] = []
    notes: list[str] = []
    text = _decode(data, on, changes, notes)
    delimiter = _delimiter(text)
    bom = text.startswith("\ufeff")  # kept: repair.bom is switched off
    rows = _rows(text[1:] if bom else text, delimiter)
    header = next(rows)
    written = delimiter
    if delimiter != ",":
        if DELIMITER.id in on:
            changes.append(Change(1, "", DELIMITER.id, _DELIMITERS[delimiter], "commas"))
            written = ","
        else:
            notes.append(
                f"the columns are separated by {_DELIMITERS[delimiter]}: left as they are, as "
                f"{DELIMITER.id} is switched off"
            )
    headers = _headers(header, vocabulary.known_headers, on, fix_headers, changes, notes)
    dates, bools = set(vocabulary.date_columns), set(vocabulary.boolean_columns)
    ids = set(vocabulary.identity_columns)
    columns = [
        _Column(
            name=h.written,
            identity=h.written in ids or h.meant in ids,
            allowed=tuple(vocabulary.listed.get(h.written, ())),
            boolean=h.written in bools,
            date=h.written in dates,
        )
        for h in headers
    ]
    return _Started(header, rows, columns, written, bom, changes, notes)


# --- change log and writing ---------------------------------------------------------------

CHANGE_LOG_HEADER = ("row", "column", "repair", "before", "after")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell_safe(text: str) -> str:
    """A log cell a spreadsheet will not run: one starting like a formula gets a ``'`` (OWASP)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def change_log(changes: Sequence[Change], masker: Masker) -> str:
    """The change log as CSV text: ``row,column,repair,before,after``, header first.

    Cell values are shown as reports show them (personal ones masked unless the masker shows
    values; invisible characters made visible, so a trimmed space shows). Row 1 (headers and
    the file itself) holds no student data and is shown as it is, invisible characters visible.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CHANGE_LOG_HEADER)
    for c in changes:
        before, after = (
            (visible(c.before), visible(c.after))
            if c.row == 1
            else (masker.show(c.before, c.column), masker.show(c.after, c.column))
        )
        writer.writerow([str(c.row), *(_cell_safe(t) for t in (c.column, c.repair, before, after))])
    return out.getvalue()


def changes_path(out: Path) -> Path:
    """Where the change log of a fixed file goes: ``FIXED.csv`` -> ``FIXED.changes.csv``."""
    stem = out.stem if out.suffix.lower() == ".csv" else out.name
    return out.with_name(f"{stem}.changes.csv")


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def save(
    source: Path, out: Path, text: str, log: str, *, force: bool = False, private: bool = False
) -> Path:
    """Write the fixed file and its change log (:func:`changes_path`) whole or not at all.

    Both are written to temporary files beside their targets first, then moved into place; a
    file they replace (with ``force``) is kept aside until both are in place, and put back if
    either move fails. Returns the change log's path.

    A new file is ``0o600`` (the fixed file holds the export's raw values); a replaced one
    keeps its mode, less any bit for the group or others when the log is ``private`` (raw
    values, ``--show-values``).

    Raises:
        ValueError: ``out`` or the change log would be the input file itself.
        FileExistsError: ``out`` or the change log exists and ``force`` is false.
        OSError: a file could not be written (what was there before is left as it was).
    """
    targets = (out, changes_path(out))
    for target in targets:
        if _same(source, target):
            raise ValueError(f"{target} is the input file: name another output file")
        if not force and (target.exists() or target.is_symlink()):
            raise FileExistsError(f"{target} exists: name another file, or use --force")
    temps: list[Path] = []
    kept: list[tuple[Path, Path]] = []  # (old file set aside, its place)
    placed: list[Path] = []
    try:
        for target, content, raw in zip(targets, (text, log), (False, private), strict=True):
            temps.append(_written(target, content, _kept_mode(target, raw)))
        for target in targets:
            if target.exists():
                aside = _temp_name(target, ".old")
                os.replace(target, aside)
                kept.append((aside, target))
        for temp, target in zip(temps, targets, strict=True):
            os.replace(temp, target)
            placed.append(target)
    except BaseException:
        for target in placed:
            with contextlib.suppress(OSError):
                target.unlink()
        for aside, target in kept:
            with contextlib.suppress(OSError):
                os.replace(aside, target)
        raise
    finally:
        for temp in temps:
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)
    for aside, _ in kept:
        with contextlib.suppress(OSError):
            aside.unlink()
    return targets[1]


def _temp_name(target: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    return Path(name)


def _kept_mode(target: Path, private: bool) -> int:
    """The mode of the file ``target`` replaces (``0o600`` for a new one; ``private``: no bit
    for the group or others)."""
    try:
        info = os.stat(target, follow_symlinks=False)
    except OSError:
        return 0o600
    mode = stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else 0o600
    return mode & ~0o077 if private else mode


def _written(target: Path, content: str, mode: int = 0o600) -> Path:
    """A new temporary file beside ``target`` holding ``content`` as UTF-8 (no BOM)."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with open(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(content.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)
