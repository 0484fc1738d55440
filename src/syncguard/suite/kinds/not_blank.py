"""Kind ``not_blank``: every row has a value in the column (spaces alone count as blank)."""

from __future__ import annotations

import polars as pl

from syncguard.importer import CLEAR
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, register


@register
class NotBlank(PanderaKind):
    """Fails rows whose cell is empty, only whitespace, or the importer's CLEAR literal."""

    name = "not_blank"
    summary = "every row must have a value (blank, only spaces or **CLEAR** fails)"
    example = Example(
        columns=("first_name",),
        passing=(("Zoë",), ("Łukasz",)),
        failing=((None,), ("  ",), (CLEAR,)),
    )

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        return value.is_not_null() & (value.str.strip_chars() != "") & (value != CLEAR)
