"""Confident "did you mean" for kinds with a fixed vocabulary: a value, or nothing when in doubt.

A helper shared by kinds (no kind lives here). A suggestion is acted upon by people fixing the
export, and a wrong one can do harm (``disabled`` suggested the wrong way un-archives a
student), so :func:`confident` answers only when the value meant is beyond doubt:

1. the value differs from exactly one allowed value only in case, surrounding or repeated
   spaces, non-breaking or zero-width spaces, or accents; or
2. it is a known synonym from the small table the caller passes (``PhD`` -> ``Doctorate``); or
3. (with ``typos``) it is a small edit away from exactly one allowed value, clearly closer to it
   than to any other, and has the same digits (``5th`` is never a typo of ``4th``).

Anything else, including a tie between two allowed values, gets None.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

# Characters that take no room: zero-width space, non-joiner and joiner, word joiner, BOM.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d")

# Edit distance allowed for a typo, by the length of the shorter of the two normalised texts:
# 8 characters or more may be 2 edits away, 4 to 7 one edit, anything shorter none at all.
_LONG, _MEDIUM = 8, 4
# The best allowed value must be at least this many edits closer than the next best.
_MARGIN = 2


def _normalise(value: str) -> str:
    """The value with case, spacing (incl. non-breaking and zero-width) and accents folded away."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_INVISIBLE))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare).strip().casefold()


def _max_edits(length: int) -> int:
    if length >= _LONG:
        return 2
    return 1 if length >= _MEDIUM else 0


def confident(
    value: str,
    allowed: Sequence[str],
    synonyms: Mapping[str, str] | None = None,
    *,
    typos: bool = True,
) -> str | None:
    """The allowed value ``value`` surely means, or None when that is not beyond doubt.

    ``synonyms`` maps a known other name (written naturally; it is normalised here) to an
    allowed value; a synonym whose target is not allowed is ignored. ``typos=False`` turns off
    the edit-distance rule (for short vocabularies such as TRUE/FALSE, where one edit away from
    a word is no evidence of meaning it).
    """
    if value in allowed:
        return value
    by_form: dict[str, list[str]] = {}
    for option in dict.fromkeys(allowed):
        by_form.setdefault(_normalise(option), []).append(option)
    form = _normalise(value)
    if not form:
        return None
    if form in by_form:
        same = by_form[form]
        return same[0] if len(same) == 1 else None  # two allowed values fold alike: a tie
    known = {_normalise(k): v for k, v in (synonyms or {}).items() if v in allowed}
    if form in known:
        return known[form]
    return _typo_of(form, by_form) if typos else None


def _typo_of(form: str, by_form: Mapping[str, list[str]]) -> str | None:
    """The one allowed value a small, digit-preserving edit away from ``form``, if any."""
    ranked = process.extract(form, list(by_form), scorer=Levenshtein.distance, limit=2)
    if not ranked:
        return None
    best, distance, _ = ranked[0]
    if len(ranked) > 1 and ranked[1][1] - distance < _MARGIN:
        return None
    if distance > _max_edits(min(len(form), len(best))):
        return None
    # A different digit changes the meaning (Bachelor 5th -> 4th year), however small the edit.
    if _DIGITS.findall(form) != _DIGITS.findall(best):
        return None
    options = by_form[best]
    return options[0] if len(options) == 1 else None
