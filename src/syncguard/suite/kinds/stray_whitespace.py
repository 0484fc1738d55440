"""Kind ``stray_whitespace``: no leading/trailing spaces, no non-breaking or invisible spaces."""

from __future__ import annotations

import polars as pl

from syncguard.model import Consequence
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, register

ODD_SPACE = "[\u00a0\u2007\u202f\u200b\ufeff\t\r\n]"


@register
class StrayWhitespace(PanderaKind):
    """Spaces at either end, non-breaking or zero-width spaces, tabs and line breaks in a cell."""

    name = "stray_whitespace"

    consequence = Consequence.COSMETIC
    summary = "no leading or trailing spaces, non-breaking spaces or line breaks"
    max_columns = None
    example = Example(
        columns=("last_name",),
        passing=(("Nováková",), ("de la Cruz",), (None,)),
        failing=((" Berg",), ("Berg ",), ("Ó\u00a0Súilleabháin",), ("Anna\r\nMaria",)),
    )

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        return value.is_null() | ~value.str.contains(rf"^\s|\s$|{ODD_SPACE}")
