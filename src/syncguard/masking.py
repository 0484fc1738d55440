"""What a value may show once it leaves syncguard (JSON, reports, CSV, logs).

Every column has a data class, declared with the suite's headers. Personal columns (names,
emails, usernames, IDs, phone, auth identifier, hometown, staff email) and any column without a
declared class are masked (``j•••@uni.ac.uk``, ``A•••``); special-category columns (gender,
system labels) are masked too; public ones (dates, booleans, the importer's listed values) are
shown, so the steward sees the defect. Invisible characters are made visible in shown and
masked values alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import polars as pl

MASK = "\u2022\u2022\u2022"
ADDRESS = r"^\s*[^@\s;,]+@[^@\s;,]+\s*$"
SINGLE_ADDRESS = re.compile(ADDRESS)
SHOW_FIRST = 4
"""A value shows its first character only when it has at least this many (else all masked)."""

MARKS = {
    "\u00a0": "⍽",  # no-break space
    "\u202f": "⍽",  # narrow no-break space
    "\n": "↵",
    "\r": "␍",
    "\t": "⇥",
    "\u200b": "⟨ZWSP⟩",
    "\u200c": "⟨ZWNJ⟩",
    "\u200d": "⟨ZWJ⟩",
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
"""Characters one cannot see, and the mark that shows each."""
SPACE_MARK = "␣"
"""A leading or trailing space."""
_INVISIBLE = re.compile("[" + "".join(MARKS) + "]")


class DataClass(StrEnum):
    """How a column's values may be shown."""

    PERSONAL = "personal"
    """Identifies a person: masked unless raw values are asked for."""
    SPECIAL = "special"
    """Special-category data (health, ethnicity, gender): masked unless asked for."""
    PUBLIC = "public"
    """Identifies no one (dates, booleans, listed values): shown."""


def visible(value: str) -> str:
    """The value with its invisible characters shown: ``" Anna\u00a0"`` -> ``"␣Anna⍽"``."""
    core = value.strip(" ")
    lead = SPACE_MARK * (len(value) - len(value.lstrip(" ")))
    trail = SPACE_MARK * (len(value) - len(value.rstrip(" "))) if core else ""
    return lead + _INVISIBLE.sub(lambda m: MARKS[m.group(0)], core) + trail


def _at(domain: str, domains: Sequence[str]) -> bool:
    domain = domain.strip().lower().rstrip(".")
    return any(domain == d or domain.endswith("." + d) for d in (x.lower() for x in domains))


def mask(value: str | None, domains: Sequence[str] = ()) -> str:
    """Mask a cell value: ``jana@uni.ac.uk`` -> ``j•••@uni.ac.uk``, ``Anna`` -> ``A•••``.

    The domain of an email address is kept only when it is one of the institution's
    ``domains`` (it identifies no one); a private domain such as ``jana-novak.de`` is masked
    too. Of any other value only the first character is kept, and not even that of a value
    shorter than :data:`SHOW_FIRST`. Blank stays blank; leading and trailing spaces and other
    invisible characters at the edges stay visible as marks.
    """
    if value is None:
        return ""
    if value.strip() == "":
        return visible(value)
    core = value.strip()
    start = value.index(core[0])
    lead, trail = visible(value[:start]), visible(value[start + len(core) :])
    if SINGLE_ADDRESS.match(value):
        local, _, domain = core.partition("@")
        shown = visible(domain) if _at(domain, domains) else MASK
        return f"{lead}{visible(local[0])}{MASK}@{shown}{trail}"
    body = f"{visible(core[0])}{MASK}" if len(core) >= SHOW_FIRST else MASK
    return lead + body + trail


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
        """A value as it may leave syncguard, with invisible characters made visible."""
        if value is None:
            return ""
        return mask(value, self.domains) if self.hides(column) else visible(value)

    def exact(self, value: str | None, column: str | None) -> str:
        """A value for machines (JSON): masked by class, else exactly as in the export."""
        if value is None:
            return ""
        return mask(value, self.domains) if self.hides(column) else value

    def series(self, values: pl.Series, column: str | None) -> pl.Series:
        """:meth:`show` over a whole column, each distinct value worked out once."""
        distinct = values.drop_nulls().unique()
        shown = {v: self.show(v, column) for v in distinct.to_list()}
        return values.replace_strict(shown, default="", return_dtype=pl.String)

    def expr(self, value: pl.Expr, column: str | None) -> pl.Expr:
        """:meth:`show` as a polars expression (one column's values)."""
        if not self.hides(column):
            return value.fill_null("").map_elements(visible, return_dtype=pl.String)
        return mask_expr(value, self.domains)


def shown(value: str | None, show_values: bool, domains: Sequence[str] = ()) -> str:
    """The value as it may be shown: raw when asked for, else masked (any column)."""
    if show_values:
        return "" if value is None else value
    return mask(value, domains)


def mask_expr(value: pl.Expr, domains: Sequence[str] = ()) -> pl.Expr:
    """:func:`mask` as a polars expression, for whole columns."""
    return value.map_elements(lambda v: mask(v, domains), return_dtype=pl.String).fill_null("")
