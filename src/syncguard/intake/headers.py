"""Header-row checks: required, unknown (with the nearest known header), case, duplicate, blank.

Headers are case-sensitive and the importer silently ignores any header it does not know, so a
typo drops a whole column. An unknown header that looks like a known one is therefore an error
naming the header it was meant to be; one that looks like none is a warning.
"""

from __future__ import annotations

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
    """Frame column names: the header, with blank and repeated ones made unique and visible."""
    names: list[str] = []
    for index, name in enumerate(header, start=1):
        if name.strip() == "":
            names.append(f"(blank header, column {index})")
        elif name in names:
            names.append(f"{name} (repeated, column {index})")
        else:
            names.append(name)
    return names


def check_header(path: Path, header: Sequence[str], contract: HeaderContract) -> list[Finding]:
    """Findings about row 1; a missing required header of severity error stops intake (exit 2)."""
    findings: list[Finding] = []
    columns: dict[str, list[int]] = {}
    for index, name in enumerate(header, start=1):
        if name.strip():
            columns.setdefault(name, []).append(index)
    present = frozenset(name for name in columns if name in contract.known)
    guesses: dict[str, str] = {}
    for index, name in enumerate(header, start=1):
        if name.strip() == "":
            blank = f"(blank header, column {index})"
            findings.append(checks.BLANK_HEADER.finding(columns=(blank,), index=index, rows=(1,)))
            continue
        first = columns[name][0]
        if index != first:
            findings.append(
                checks.DUPLICATE_HEADER.finding(
                    columns=(name,), name=name, index=index, first=first, rows=(1,)
                )
            )
            continue
        if name in contract.known:
            continue
        guess = nearest(name, contract.known, present)
        if guess is None:
            findings.append(
                checks.EXTRA_HEADER.finding(columns=(name,), name=name, index=index, rows=(1,))
            )
            continue
        guesses[name] = guess
        if _canonical(name) == guess:
            findings.append(
                checks.HEADER_CASE.finding(
                    columns=(name,),
                    suggestion=guess,
                    name=name,
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
                    name=name,
                    index=index,
                    guess=guess,
                    rows=(1,),
                )
            )
    missing = [r for r in contract.required if r.column not in columns]
    if missing and not any(nearest(h, contract.known) for h in columns):
        raise UnusableExportError(
            path,
            f"none of the {len(header)} cell(s) of row 1 is a student sync header, so this is "
            "not a student sync export or row 1 is not its header row",
            "put the header row (email_address, username, first_name, ...) on row 1",
            row=1,
        )
    blocking = [r for r in missing if r.severity is Severity.ERROR]
    if blocking:
        problem, fix = _missing_problem(blocking, guesses, columns, contract.known)
        raise UnusableExportError(path, problem, fix, row=1)
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
    return f" (found '{near[0]}' instead)" if near else ""


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
            clauses.append(f"header '{name}' {_times(at)}: {which} is probably '{column}'")
            where = f"column {at[1]}" if len(at) == 2 else f"one of columns {_listing(at[1:])}"
            renames.append(f"{where} to '{column}'")
        fix = (
            f"rename {', '.join(renames)}, or add the missing column(s) exactly as the importer "
            "spells them (lowercase)"
        )
        return f"{problem}; {'; '.join(clauses)}", fix
    listing = " and ".join(f"header '{name}' {_times(at)}" for name, at in repeated)
    targets = " or ".join(f"'{column}'" for column in unexplained)
    fix = (
        "rename the repeated column that holds it, or add the missing column(s) exactly as the "
        "importer spells them (lowercase)"
    )
    return f"{problem}; {listing}: a repeated column is probably {targets}", fix


def _times(at: Sequence[int]) -> str:
    count = "twice" if len(at) == 2 else f"{len(at)} times"
    return f"appears {count} (columns {_listing(at)})"


def _listing(at: Sequence[int]) -> str:
    numbers = [str(i) for i in at]
    return numbers[0] if len(numbers) == 1 else f"{', '.join(numbers[:-1])} and {numbers[-1]}"
