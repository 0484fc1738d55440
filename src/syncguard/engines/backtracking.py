"""Finds regular expressions that Python's backtracking ``re`` may take exponential time on.

Python's ``re`` (and so Great Expectations' pandas engine) tries the ways a pattern can match
one after another. When a repeated part can match the same text in more than one way, as in
``(a+)+``, ``(a*)*``, ``(a|aa)+`` or ``(\\w+\\s?)*``, a failing cell of a few dozen characters
makes it try exponentially many ways: the validation hangs. Polars (Rust's ``regex`` crate)
matches in linear time, so only regexes handed to Python need this check.

The check is the exponential-ambiguity test of Weber and Seidl on the pattern's position
automaton (Glushkov's): parse the pattern with Python's own parser, give each character
position its set of characters, keep parallel transitions apart (the inner and the outer loop
of ``(a+)+`` both lead from ``a`` to ``a``), and look in the product of the automaton with
itself for a cycle through a pair of equal states that also passes through a pair of unequal
states (or takes two parallel transitions): then some text can be matched along two different
loops, each as often as one likes. Character sets are over-approximated (case-insensitive
literals take every case), so the test may refuse a safe pattern but not pass an unsafe one.
Lookaheads are checked as patterns of their own. Polynomial ambiguity (``\\s*\\s*``) is not
refused: it costs the square of a cell's length, not an exponent.
"""

from __future__ import annotations

import importlib
import re
import sys
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

__all__ = ["Unsafe", "exponential_reason"]

_parser: Any = importlib.import_module("re._parser")  # untyped, but Python's own parser
_c: Any = importlib.import_module("re._constants")

EXPAND = 8
"""A repeat of at most this many copies (``x{2,5}``) is written out; a longer or unbounded
one is read as ``x x*`` (the same loops, fewer positions)."""
MOST_POSITIONS = 4000
"""Character positions analysed at most; a longer pattern is refused as unprovable."""

Charset = tuple[tuple[int, int], ...]
"""Sorted, disjoint, non-adjacent ranges of code points (both ends included)."""
_ALL: Charset = ((0, sys.maxunicode),)


class Unsafe(Exception):
    """The pattern cannot be shown to run in less than exponential time in Python's re."""


def exponential_reason(regex: str) -> str | None:
    """Why Python's re may take exponential time on ``regex``; None when it cannot.

    Raises:
        re.error: ``regex`` is not a valid Python regular expression.
    """
    parsed = _parser.parse(regex)
    try:
        _check(parsed, parsed.state.flags)
    except Unsafe as exc:
        return str(exc)
    return None


def _check(pattern: Any, flags: int) -> None:
    """Raise Unsafe if the (sub)pattern is exponentially ambiguous, lookaheads included."""
    automaton = _Builder(EXPAND)
    try:
        automaton.sequence(pattern, flags)
    except _TooBig:
        automaton = _Builder(1)  # the same loops, with fewer copies of bounded repeats
        try:
            automaton.sequence(pattern, flags)
        except _TooBig:
            raise Unsafe(
                f"it has more than {MOST_POSITIONS} character positions, too many to prove "
                "that no repeated part matches the same text in two ways"
            ) from None
    if automaton.exponential():
        raise Unsafe(
            "a repeated part can match the same text in more than one way (as in (a+)+, "
            "(a|aa)+ or (\\w+\\s?)*), so Python's re may try exponentially many ways on a "
            "failing cell"
        )
    for inner, inner_flags in automaton.lookarounds:
        _check(inner, inner_flags)


# --- character sets ---------------------------------------------------------------------


def _merged(ranges: Iterable[tuple[int, int]]) -> Charset:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return tuple(out)


def _complement(charset: Charset) -> Charset:
    out, start = [], 0
    for lo, hi in charset:
        if lo > start:
            out.append((start, lo - 1))
        start = hi + 1
    if start <= sys.maxunicode:
        out.append((start, sys.maxunicode))
    return tuple(out)


@cache
def _category(name: str) -> Charset:
    """The code points of a category (``\\d``, ``\\w``, ``\\s``) as Python's re reads it."""
    if name.startswith("CATEGORY_NOT_"):
        return _complement(_category(name.replace("_NOT_", "_", 1)))
    if name == "CATEGORY_LINEBREAK":
        return ((10, 10),)
    which = {"CATEGORY_DIGIT": r"\d+", "CATEGORY_SPACE": r"\s+", "CATEGORY_WORD": r"\w+"}[name]
    return tuple((m.start(), m.end() - 1) for m in re.finditer(which, _every()))


@cache
def _every() -> str:
    """Every code point, in order (so a match's offsets are code points)."""
    codes = array("I", range(sys.maxunicode + 1))
    return codes.tobytes().decode(f"utf-32-{sys.byteorder[0]}e", "surrogatepass")


def _cases(code: int) -> Iterator[int]:
    """A code point and every single-character case of it (over-approximates re.IGNORECASE)."""
    char = chr(code)
    yield code
    for other in (char.lower(), char.upper(), char.casefold(), char.swapcase()):
        if len(other) == 1:
            yield ord(other)
    yield from _FOLDS.get(code, ())


_FOLDS = {
    ord("s"): (0x17F,),
    ord("S"): (0x17F,),
    ord("k"): (0x212A,),
    ord("K"): (0x212A,),
    0xB5: (0x3BC, 0x39C),
    0x3BC: (0xB5,),
    0x39C: (0xB5,),
}
"""Case pairs Python's re folds beyond lower() and upper() (long s, Kelvin sign, micro)."""
_SMALL_RANGE = 4096
"""A range up to this long has each of its characters' cases added under IGNORECASE."""


def _with_cases(charset: Charset) -> Charset:
    extra = [
        (c, c)
        for lo, hi in charset
        if hi - lo < _SMALL_RANGE
        for code in range(lo, hi + 1)
        for c in _cases(code)
    ]
    return _merged([*charset, *extra])


def _class(items: Sequence[tuple[Any, Any]], flags: int) -> Charset:
    negate = False
    ranges: list[tuple[int, int]] = []
    categories: list[tuple[int, int]] = []  # closed under case already
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            ranges.append((av, av))
        elif op is _c.RANGE:
            ranges.append((av[0], av[1]))
        elif op is _c.CATEGORY:
            categories.extend(_category(str(av)))
        else:
            raise Unsafe(f"its character class uses {op}, which this check cannot read")
    charset = _merged(ranges)
    if flags & re.IGNORECASE:
        charset = _with_cases(charset)
    charset = _merged([*charset, *categories])
    return _complement(charset) if negate else charset


def _literal(code: int, flags: int) -> Charset:
    if flags & re.IGNORECASE:
        return _merged((c, c) for c in _cases(code))
    return ((code, code),)


def _overlap(a: Charset, b: Charset) -> bool:
    """Whether two character sets share a character."""
    if len(a) > len(b):
        a, b = b, a
    starts = [lo for lo, _ in b]
    for lo, hi in a:
        at = bisect_right(starts, hi) - 1  # the last range of b starting at or before hi
        if at >= 0 and b[at][1] >= lo:
            return True
    return False


# --- the position automaton -------------------------------------------------------------


class _TooBig(Exception):
    """More positions than MOST_POSITIONS."""


Ways = dict[int, int]
"""Positions, each with the number of ways (1, or 2 for "more than one") to reach it."""
MANY = 2
"""Ways are counted up to this: one or more than one is all the test needs."""


def _sum(*ways: Ways) -> Ways:
    out: Ways = {}
    for each in ways:
        for p, n in each.items():
            out[p] = min(MANY, out.get(p, 0) + n)
    return out


def _times(ways: Ways, n: int) -> Ways:
    return {p: min(MANY, k * n) for p, k in ways.items()} if n else {}


@dataclass(frozen=True)
class _Part:
    """A piece of the pattern: in how many ways it matches the empty text, and its first and
    last positions with the number of ways to reach each without reading a character (a
    branch of two empty alternatives, ``(?:|)``, gives two ways)."""

    empty: int
    first: Ways
    last: Ways


_NOTHING = _Part(1, {}, {})


@dataclass
class _Builder:
    """Glushkov's automaton of a pattern, with parallel transitions counted."""

    expand: int
    sets: list[int] = field(default_factory=list)
    """Each position's character set, as an index into ``charsets``."""
    charsets: dict[Charset, int] = field(default_factory=dict)
    follow: Counter[tuple[int, int]] = field(default_factory=Counter)
    lookarounds: list[tuple[Any, int]] = field(default_factory=list)

    def position(self, charset: Charset) -> _Part:
        if len(self.sets) >= MOST_POSITIONS:
            raise _TooBig
        self.sets.append(self.charsets.setdefault(charset, len(self.charsets)))
        here = {len(self.sets) - 1: 1}
        return _Part(0, here, here)

    def link(self, last: Ways, first: Ways) -> None:
        for p, m in last.items():
            for q, n in first.items():
                self.follow[p, q] = min(MANY, self.follow[p, q] + m * n)

    def then(self, a: _Part, b: _Part) -> _Part:
        self.link(a.last, b.first)
        return _Part(
            min(MANY, a.empty * b.empty),
            _sum(a.first, _times(b.first, a.empty)),
            _sum(b.last, _times(a.last, b.empty)),
        )

    def loop(self, a: _Part) -> _Part:
        # Python's re ends a loop at an empty pass, so skipping the loop is one way
        self.link(a.last, a.first)
        return _Part(1, a.first, a.last)

    def optional(self, a: _Part) -> _Part:
        return _Part(min(MANY, 1 + a.empty), a.first, a.last)

    def sequence(self, items: Iterable[tuple[Any, Any]], flags: int) -> _Part:
        part = _NOTHING
        for op, av in items:
            part = self.then(part, self.node(op, av, flags))
        return part

    def node(self, op: Any, av: Any, flags: int) -> _Part:
        if op is _c.LITERAL:
            return self.position(_literal(av, flags))
        if op is _c.NOT_LITERAL:
            return self.position(_complement(_literal(av, flags)))
        if op is _c.ANY:
            return self.position(_ALL if flags & re.DOTALL else _complement(((10, 10),)))
        if op is _c.IN:
            return self.position(_class(av, flags))
        if op is _c.BRANCH:
            parts = [self.sequence(branch, flags) for branch in av[1]]
            return _Part(
                min(MANY, sum(p.empty for p in parts)),
                _sum(*(p.first for p in parts)),
                _sum(*(p.last for p in parts)),
            )
        if op is _c.SUBPATTERN:
            _, add, remove, inner = av
            return self.sequence(inner, (flags | add) & ~remove)
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, high, inner = av
            return self.repeat(low, high, inner, flags)
        if op is getattr(_c, "ATOMIC_GROUP", None):
            return self.sequence(av, flags)
        if op is _c.AT:
            return _NOTHING
        if op in (_c.ASSERT, _c.ASSERT_NOT):
            self.lookarounds.append((av[1], flags))
            return _NOTHING
        raise Unsafe(f"it uses {op} (such as a back-reference), which this check cannot prove safe")

    def repeat(self, low: int, high: int, inner: Any, flags: int) -> _Part:
        """``x{low,high}``: written out when short, else read as ``x{low} x*``."""
        bounded = high is not _c.MAXREPEAT and high <= self.expand
        copies = low if bounded or low <= self.expand else 1
        part = _NOTHING
        for _ in range(copies):
            part = self.then(part, self.sequence(inner, flags))
        if not bounded:
            return self.then(part, self.loop(self.sequence(inner, flags)))
        # the optional copies nested, x(x(x)?)?, so no text chooses which copies to skip
        tail: _Part | None = None
        for _ in range(high - low):
            x = self.sequence(inner, flags)
            tail = self.optional(x if tail is None else self.then(x, tail))
        return part if tail is None else self.then(part, tail)

    def exponential(self) -> bool:
        """Whether some pair of equal states lies on a cycle of the product automaton through
        a pair of unequal states or a pair of parallel transitions (Weber and Seidl's EDA)."""
        successors: dict[int, list[int]] = {}
        for p, q in self.follow:
            successors.setdefault(p, []).append(q)
        sets = self.sets
        charsets = list(self.charsets)
        overlaps: dict[tuple[int, int], bool] = {}

        def overlap(a: int, b: int) -> bool:
            if (a, b) not in overlaps:
                overlaps[a, b] = overlaps[b, a] = _overlap(charsets[a], charsets[b])
            return overlaps[a, b]

        def pairs(state: tuple[int, int]) -> Iterator[tuple[int, int]]:
            p, q = state
            for s in successors.get(p, ()):
                for t in successors.get(q, ()):
                    if overlap(sets[s], sets[t]):
                        yield (s, t)

        diagonal = [(p, p) for p in range(len(sets)) if charsets[sets[p]]]
        for component in _components(diagonal, pairs):
            if not any(p == q for p, q in component):
                continue
            if any(p != q for p, q in component):
                return True
            # only equal pairs: two parallel transitions inside the component make two ways
            inside = {p for p, _ in component}
            if any(
                self.follow[p, q] > 1 for p in inside for q in successors.get(p, ()) if q in inside
            ):
                return True
        return False


def _components(
    starts: Iterable[tuple[int, int]],
    successors: Any,
) -> Iterator[set[tuple[int, int]]]:
    """The strongly connected components (of more than a lone state without a self-loop)
    reachable from ``starts``: Tarjan's algorithm, iterative (no recursion limit)."""
    index: dict[tuple[int, int], int] = {}
    low: dict[tuple[int, int], int] = {}
    on_stack: set[tuple[int, int]] = set()
    stack: list[tuple[int, int]] = []
    counter = 0
    for root in starts:
        if root in index:
            continue
        work: list[tuple[tuple[int, int], Iterator[tuple[int, int]]]] = []
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work.append((root, iter(list(successors(root)))))
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(list(successors(child)))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[tuple[int, int]] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in set(successors(node)):
                    yield component
