"""Header-row checks: required, unknown (with the nearest known header), case, duplicate, blank.

Headers are case-sensitive and the importer silently ignores any header it does not know, so a
typo drops a whole column. An unknown header that looks like a known one is therefore an error
naming the header it was meant to be; one that looks like none is a warning.

Header text comes from the file and is not trusted: a cell of row 1 that cannot be a header (see
:func:`implausible`) is never shown, not even as a frame column name; a neutral label stands in
for it (:func:`label`). Every header that is shown goes through :func:`display`, which writes
invisible characters visibly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from syncguard.errors import UnusableExportError
from syncguard.intake import checks
from syncguard.model import Finding, Severity

CLOSE = 85.0
"""Similarity (0-100, rapidfuzz's Indel ratio on the headers' words) at which an unknown header
is taken as a misspelling of a known one."""
NEAR = 75.0
"""A lower similarity that still counts when at most ``SMALL_EDIT`` characters differ (a swapped,
dropped or doubled letter in a short header: 'gedner', 'usrname')."""
SMALL_EDIT = 2
MARGIN = 5.0
"""Two known headers scoring within this of each other are both plausible: suggest neither."""
MIN_WORD = 4
"""A one-word header shorter than this is never read as a shortened known header ('id')."""
MAX_HEADER_CHARS = 64
"""A header cell longer than this (in characters) is not a plausible header: the longest
supported header has 38."""
MANY_EXTRA = 20
"""More unknown headers without a close match than this are reported as one finding; so are
more repeated headers, or more blank-header columns, than this."""
SHOWN = 5
"""How many headers or columns a finding about many of them names."""

_NOT_IN_HEADERS = '@,;"'
"""Characters no header holds, but e-mail addresses, lists and CSV records do."""
_NOT_HEADER = re.compile('[\x00-\x1f\x7f-\x9f\u2028\u2029@,;"]')
"""A control character (Unicode Cc), a line or paragraph separator, or one of ``@ , ; "``."""
_LINE_END = re.compile(r"\r\n|\r|\n")
_SPACE_RUN = re.compile(r"\S\s{2,}\S")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})
_INVISIBLE_POINTS = frozenset(
    {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x2800, 0x3164, 0xFFA0}
    | set(range(0xFE00, 0xFE10))
    | set(range(0xE0100, 0xE01F0))
)
"""Invisible characters outside the control, format and space categories: the combining
grapheme joiner, Hangul fillers, Khmer inherent vowels, the Mongolian vowel separator, the
blank Braille pattern and the variation selectors."""


def _invisible(char: str) -> bool:
    if char == " ":
        return False
    return ord(char) in _INVISIBLE_POINTS or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def display(name: str) -> str:
    """A header as a message shows it: every invisible, space-like or control character but the
    plain space is written as its code point, ``email<U+200B>_address``, ``gender<U+00A0>``."""
    if name.isprintable() and not any(_invisible(c) for c in name):
        return name
    return "".join(f"<U+{ord(c):04X}>" if _invisible(c) else c for c in name)


def implausible(name: str) -> str | None:
    """Why a cell of row 1 cannot be a header, or None when it may be one.

    A header is plausible when it has at most ``MAX_HEADER_CHARS`` characters, holds no line
    break or other control character (Unicode Cc, and the line and paragraph separators), none
    of ``@ , ; "`` and no run of two or more spaces between words. Every supported header and
    every realistic misspelling (other case, spaces, '-' or '.' for '_', a zero-width or
    non-breaking space) passes; student data swallowed into row 1 (e-mail addresses, whole
    records, quoted cells) does not. Names such as 'Anna' pass too: cells read from the lines
    below row 1 are caught by :func:`untrusted` instead.
    """
    if len(name) > MAX_HEADER_CHARS:
        return f"{len(name)} characters long"
    bad = _NOT_HEADER.search(name)
    if bad is not None:
        char = bad.group()
        if char in "\r\n\u2028\u2029":
            return "holds a line break"
        if char not in _NOT_IN_HEADERS:
            return f"holds the control character <U+{ord(char):04X}>"
        return f"holds {'an' if char == '@' else 'a'} '{char}'"
    if _SPACE_RUN.search(name):
        return "holds several spaces in a row"
    return None


def run_on(header: Sequence[str]) -> tuple[int, int] | None:
    """Where row 1 runs on over the following lines: its column and how many lines it took.

    Read as CSV, a cell holds a line break only inside quotes, so a header cell holding one
    means a quote opened in row 1 and was not closed on its line: the lines after it (students'
    records) were read into the header row. None when row 1 is one line.
    """
    for index, name in enumerate(header, start=1):
        if "\n" in name or "\r" in name:
            lines = sum(len(_LINE_END.findall(cell)) for cell in header[index - 1 :])
            return index, lines
    return None


def broken_row(header: Sequence[str]) -> str | None:
    """What broke row 1, said without quoting any of it, when it runs on over other lines."""
    where = run_on(header)
    if where is None:
        return None
    column, lines = where
    return (
        f'a quote (") in column {column} of row 1 is not closed on that line, so the next '
        f"{lines} line(s) (students' records) were read into the header row"
    )


def untrusted(header: Sequence[str]) -> dict[int, str]:
    """The cells of row 1 (1-based column) that are not shown, each with why.

    An implausible cell, and every cell from the first one that holds a line break on: those
    were read from the lines after row 1 (see :func:`run_on`), whatever they look like.
    """
    where = run_on(header)
    cut = where[0] if where else len(header) + 1
    reasons: dict[int, str] = {}
    for index, name in enumerate(header, start=1):
        why = implausible(name)
        if why is None and index > cut:
            why = "read from the lines after row 1"
        if why is not None:
            reasons[index] = why
    return reasons


def label(index: int, name: str) -> str:
    """The neutral name shown for an untrusted header: its column and length, never its text.

    A label holds a comma, so no plausible header can be mistaken for one.
    """
    return f"(column {index}: implausible header, {len(name)} characters)"


def safe_header(header: Sequence[str]) -> list[str]:
    """Row 1 with every untrusted cell replaced by its label."""
    hidden = untrusted(header)
    return [
        label(index, name) if index in hidden else name
        for index, name in enumerate(header, start=1)
    ]


@dataclass(frozen=True)
class RequiredHeader:
    """A header that must be on row 1, the rule that says so, and how bad its absence is.

    Missing with severity ``error``, the export is unusable (exit 2); with ``warning``, it is a
    warning finding of that rule and the run goes on.
    """

    column: str
    rule: str
    severity: Severity = Severity.ERROR
    location: str | None = None


@dataclass(frozen=True)
class HeaderContract:
    """What the suite says about row 1: every header it knows, and which must be there."""

    known: tuple[str, ...]
    required: tuple[RequiredHeader, ...]


def _canonical(header: str) -> str:
    return header.replace("\u00a0", " ").strip().lower()


@dataclass(frozen=True)
class _Words:
    """A header as lowercase words (``_ : -``, spaces and other punctuation separate them)."""

    whole: tuple[str, ...]
    prefix: tuple[str, ...]
    """The words before the last ``:`` ('primary_education'); empty without a prefix."""
    suffix: tuple[str, ...]
    """The words after the last ``:``; the whole header without a prefix."""


def _split(text: str) -> tuple[str, ...]:
    return tuple(utils.default_process(text).split())


@lru_cache(maxsize=4096)
def _words(header: str) -> _Words:
    whole = _split(header)
    prefix, colon, suffix = header.rpartition(":")
    before, after = _split(prefix), _split(suffix)
    if not colon or not before or not after:
        return _Words(whole, (), whole)
    return _Words(whole, before, after)


def _related(ours: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    """Whether two prefixes share a word ('location' in 'hometown_location_attributes')."""
    return any(len(a) >= MIN_WORD and fuzz.ratio(a, b) >= CLOSE for a in ours for b in theirs)


def _views(header: _Words, known: _Words) -> Iterator[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The pairs of word sequences to compare: whole headers, and the part after the prefix.

    The part after a known prefix is compared alone when it says enough by itself
    ('major_names', not 'name') or when the header's own prefix shares a word with it.
    """
    yield header.whole, known.whole
    if known.prefix:
        if len(known.suffix) > 1 or _related(header.prefix, known.prefix):
            yield header.whole, known.suffix  # prefix left off: 'major_names'
            yield header.suffix, known.suffix  # another prefix: 'education:major_names'
    elif header.prefix:
        yield header.suffix, known.whole  # a prefix added: 'student:email_address'


def _close(ours: tuple[str, ...], theirs: tuple[str, ...]) -> float:
    """The similarity of two word sequences if it is close enough for a typo, else 0."""
    if not ours or not theirs:
        return 0.0
    a, b = " ".join(ours), " ".join(theirs)
    score = max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))
    edits = (len(a) + len(b)) * (100.0 - score) / 100.0
    if score >= CLOSE or (score >= NEAR and edits <= SMALL_EDIT + 1e-6):
        return score
    return 0.0


def _shortened(ours: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    """Whether ``ours`` is ``theirs`` without its last word ('school_year', 'email')."""
    if not ours or len(theirs) != len(ours) + 1:
        return False
    if len(ours) == 1:
        return len(ours[0]) >= MIN_WORD and ours[0] == theirs[0]
    return all(fuzz.ratio(a, b) >= CLOSE for a, b in zip(ours, theirs, strict=False))


def _score(
    header: Sequence[Hashable], known: Sequence[Hashable], *, score_cutoff: float | None = None
) -> float:
    """rapidfuzz scorer: the best typo similarity of ``header`` to ``known`` over their views."""
    ours, theirs = _words(str(header)), _words(str(known))
    score = max(_close(a, b) for a, b in _views(ours, theirs))
    return score if score >= (score_cutoff or 0.0) else 0.0


def nearest(header: str, known: Sequence[str], present: Collection[str] = ()) -> str | None:
    """The known header ``header`` most likely meant, if one is close enough and not ambiguous.

    The same header up to case and surrounding spaces first; then a misspelling (``CLOSE``, or
    ``NEAR`` within ``SMALL_EDIT`` characters) of the whole header or of its part after the
    prefix; then a known header cut short by its last word. A header in ``present`` (already on
    row 1) is never proposed.
    """
    candidates = [k for k in known if k not in present]
    canon = _canonical(header)
    if canon in candidates:
        return canon
    close = process.extract(
        header, candidates, scorer=_score, processor=None, limit=2, score_cutoff=NEAR
    )
    if close:
        if len(close) > 1 and close[0][1] - close[1][1] < MARGIN:
            return None
        return close[0][0]
    ours = _words(header)
    short = [k for k in candidates if any(_shortened(a, b) for a, b in _views(ours, _words(k)))]
    return short[0] if len(short) == 1 else None


def column_names(header: Sequence[str]) -> list[str]:
    """Frame column names: the header, with blank and repeated ones made unique and visible, and
    untrusted ones replaced by their labels (:func:`safe_header`)."""
    names: list[str] = []
    seen: set[str] = set()
    for index, name in enumerate(safe_header(header), start=1):
        if name.strip() == "":
            name = f"(blank header, column {index})"
        elif name in seen:
            name = f"{name} (repeated, column {index})"
        names.append(name)
        seen.add(name)
    return names


def check_header(path: Path, header: Sequence[str], contract: HeaderContract) -> list[Finding]:
    """Findings about row 1; a missing required header of severity error stops intake (exit 2).

    Untrusted cells (:func:`untrusted`) are one ``intake.header_row`` finding naming only their
    labels, and take no part in the other checks. More than ``MANY_EXTRA`` unknown headers
    without a close match are one ``intake.extra_header`` finding naming the first few.
    """
    hidden = untrusted(header)
    findings: list[Finding] = []
    if hidden:
        findings.append(_header_row(header, hidden))
    columns: dict[str, list[int]] = {}
    for index, name in enumerate(header, start=1):
        if name.strip() and index not in hidden:
            columns.setdefault(name, []).append(index)
    present = frozenset(name for name in columns if name in contract.known)
    guesses: dict[str, str] = {}
    extra: list[tuple[int, str]] = []
    repeated: list[tuple[int, str, int]] = []
    extra_at = repeated_at = 0
    for index, name in enumerate(header, start=1):
        if index in hidden:
            continue
        if name.strip() == "":
            blank = f"(blank header, column {index})"
            findings.append(
                checks.BLANK_HEADER.finding(
                    columns=(blank,), where=f"column {index} has", it="it", rows=(1,)
                )
            )
            continue
        first = columns[name][0]
        if index != first:
            if not repeated:
                repeated_at = len(findings)
            repeated.append((index, name, first))
            continue
        if name in contract.known:
            continue
        guess = nearest(name, contract.known, present)
        if guess is None:
            if not extra:
                extra_at = len(findings)
            extra.append((index, name))
            continue
        guesses[name] = guess
        if _canonical(name) == guess:
            findings.append(
                checks.HEADER_CASE.finding(
                    columns=(name,),
                    suggestion=guess,
                    name=display(name),
                    index=index,
                    what=_what(name),
                    guess=guess,
                    rows=(1,),
                )
            )
        else:
            findings.append(
                checks.UNKNOWN_HEADER.finding(
                    columns=(name,),
                    suggestion=guess,
                    name=display(name),
                    index=index,
                    guess=guess,
                    rows=(1,),
                )
            )
    # the later group first, so the earlier one's position still holds
    for at, group in sorted(
        [(extra_at, _extra(extra)), (repeated_at, _repeated(repeated))], key=lambda g: -g[0]
    ):
        findings[at:at] = group
    missing = [r for r in contract.required if r.column not in columns]
    broken = broken_row(header)
    note = f"; {broken}" if broken else ""
    if missing and not any(nearest(h, contract.known) for h in columns):
        raise UnusableExportError(
            path,
            f"none of the {len(header)} cell(s) of row 1 is a student sync header, so this is "
            f"not a student sync export or row 1 is not its header row{note}",
            _quote_fix(
                header, "put the header row (email_address, username, first_name, ...) on row 1"
            ),
            row=1,
        )
    blocking = [r for r in missing if r.severity is Severity.ERROR]
    if blocking:
        problem, fix = _missing_problem(blocking, guesses, columns, contract.known)
        raise UnusableExportError(path, problem + note, _quote_fix(header, fix), row=1)
    for r in missing:
        findings.append(
            Finding(
                rule=r.rule,
                severity=r.severity,
                engine=checks.UNUSABLE.engine,
                message=f"required header '{r.column}'{_found_instead(r.column, guesses)} is "
                "missing; add the column exactly as the importer spells it (lowercase)",
                columns=(r.column,),
                rows=(1,),
                location=r.location,
            )
        )
    return findings


def _quote_fix(header: Sequence[str], fix: str) -> str:
    """``fix``, preceded by closing the quote that made row 1 run on, if one did."""
    where = run_on(header)
    if where is None:
        return fix
    return f'close or remove the quote (") in column {where[0]} of row 1, then {fix}'


def _header_row(header: Sequence[str], hidden: Mapping[int, str]) -> Finding:
    """The one finding about untrusted cells of row 1: their labels and why, never their text."""
    labels = [label(index, header[index - 1]) for index in hidden]
    count = len(hidden)
    broken = broken_row(header)
    if broken is not None:
        message = (
            f"row 1 looks broken: {broken}; {count} cell(s) of row 1 are not shown "
            f"(columns {_listing(list(hidden), SHOWN)}); close or remove the quote"
        )
    else:
        reasons = "; ".join(f"column {i}: {why}" for i, why in list(hidden.items())[:SHOWN])
        more = f"; and {count - SHOWN} more" if count > SHOWN else ""
        message = (
            f"row 1 looks broken: {count} cell(s) of row 1 cannot be headers and are not shown "
            f"({reasons}{more}); a header has at most {MAX_HEADER_CHARS} characters and no line "
            "break, control character, '@', ',', ';', quote or run of spaces; check that row 1 "
            "is the header row and rename or remove these cells"
        )
    return checks.HEADER_ROW.finding(columns=tuple(labels[:SHOWN]), rows=(1,), message=message)


def _repeated(repeated: Sequence[tuple[int, str, int]]) -> list[Finding]:
    """Headers repeated from an earlier column: one finding each, or one for many of them."""
    if len(repeated) <= MANY_EXTRA:
        return [
            checks.DUPLICATE_HEADER.finding(
                columns=(name,),
                repeated=f"header '{display(name)}' appears again in column {index} (first in "
                f"column {first})",
                which="that name",
                rows=(1,),
            )
            for index, name, first in repeated
        ]
    first = ", ".join(
        f"'{display(name)}' in column {index} (first in column {at})"
        for index, name, at in repeated[:SHOWN]
    )
    return [
        checks.DUPLICATE_HEADER.finding(
            columns=tuple(dict.fromkeys(name for _, name, _ in repeated[:SHOWN])),
            repeated=f"{len(repeated)} columns repeat a header of an earlier column (the first "
            f"{SHOWN}: {first})",
            which="each name",
            rows=(1,),
        )
    ]


def _extra(extra: Sequence[tuple[int, str]]) -> list[Finding]:
    """Unknown headers without a close match: one finding each, or one for many of them."""
    if len(extra) <= MANY_EXTRA:
        return [
            checks.EXTRA_HEADER.finding(
                columns=(name,),
                ignored=f"unknown header '{display(name)}' (column {index}) is",
                fix="remove it or rename it to a supported header",
                rows=(1,),
            )
            for index, name in extra
        ]
    first = ", ".join(f"'{display(name)}' (column {index})" for index, name in extra[:SHOWN])
    return [
        checks.EXTRA_HEADER.finding(
            columns=tuple(name for _, name in extra[:SHOWN]),
            ignored=f"{len(extra)} unknown headers (the first {SHOWN}: {first}) are",
            fix="remove those columns or rename them to supported headers",
            rows=(1,),
        )
    ]


def _what(name: str) -> str:
    """How a header differing only in case or surrounding spaces must be written instead."""
    stripped = name.strip()
    ways = []
    if stripped.lower() != stripped:
        ways.append("lowercase")
    if stripped != name:
        ways.append("without surrounding spaces")
    return " and ".join(ways)


def _found_instead(column: str, guesses: Mapping[str, str]) -> str:
    """' (found 'X' instead)' for the first unsupported header taken for ``column``, if any.

    ``guesses`` holds only headers the importer does not know, so a supported header (another
    column) is never named here.
    """
    near = [name for name, guess in guesses.items() if guess == column]
    return f" (found '{display(near[0])}' instead)" if near else ""


def _missing_problem(
    blocking: Sequence[RequiredHeader],
    guesses: Mapping[str, str],
    columns: Mapping[str, Sequence[int]],
    known: Sequence[str],
) -> tuple[str, str]:
    """The problem and fix of an export missing required headers, naming repeated headers.

    A header repeated in a file that lacks a required one is most likely that header pasted
    over (first_name twice, no last_name): say which column to rename.
    """
    parts = [f"'{r.column}'{_found_instead(r.column, guesses)}" for r in blocking]
    one = len(blocking) == 1
    problem = f"required {'header' if one else 'headers'} {', '.join(parts)} "
    problem += f"{'is' if one else 'are'} missing"
    fix = "add or rename the column(s) exactly as the importer spells them (lowercase)"
    order = {name: i for i, name in enumerate(known)}
    unexplained = sorted(
        (r.column for r in blocking if not _found_instead(r.column, guesses)),
        key=lambda column: order.get(column, len(order)),
    )
    repeated = sorted(
        (
            (name, list(at))
            for name, at in columns.items()
            if len(at) > 1 and (name in known or nearest(name, known) is not None)
        ),
        key=lambda item: item[1][1],
    )
    if not unexplained or not repeated:
        return problem, fix
    if len(repeated) == len(unexplained):
        clauses, renames = [], []
        for (name, at), column in zip(repeated, unexplained, strict=True):
            which = "the second" if len(at) == 2 else "one of the later ones"
            clauses.append(f"header '{display(name)}' {_times(at)}: {which} is probably '{column}'")
            where = f"column {at[1]}" if len(at) == 2 else f"one of columns {_listing(at[1:])}"
            renames.append(f"{where} to '{column}'")
        fix = (
            f"rename {', '.join(renames)}, or add the missing column(s) exactly as the importer "
            "spells them (lowercase)"
        )
        return f"{problem}; {'; '.join(clauses)}", fix
    listing = " and ".join(f"header '{display(name)}' {_times(at)}" for name, at in repeated)
    targets = " or ".join(f"'{column}'" for column in unexplained)
    fix = (
        "rename the repeated column that holds it, or add the missing column(s) exactly as the "
        "importer spells them (lowercase)"
    )
    return f"{problem}; {listing}: a repeated column is probably {targets}", fix


def _times(at: Sequence[int]) -> str:
    count = "twice" if len(at) == 2 else f"{len(at)} times"
    return f"appears {count} (columns {_listing(at)})"


def _listing(at: Sequence[int], limit: int | None = None) -> str:
    """'3', '3 and 4', '3, 4 and 5'; past ``limit`` numbers, '3, 4, 5 and 17 more'."""
    numbers = [str(i) for i in at]
    if limit is not None and len(numbers) > limit:
        return f"{', '.join(numbers[:limit])} and {len(numbers) - limit} more"
    return numbers[0] if len(numbers) == 1 else f"{', '.join(numbers[:-1])} and {numbers[-1]}"
