"""Kind ``not_blank``: every row has a value in the column (spaces alone count as blank)."""

from __future__ import annotations

import polars as pl

from syncguard.importer import CLEAR
from syncguard.model import Consequence
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, Param, register


@register
class NotBlank(PanderaKind):
    """Fails rows whose cell is empty, only whitespace, or the importer's CLEAR literal."""

    name = "not_blank"

    consequence = Consequence.ROW_SKIPPED
    summary = "every row must have a value (blank, only spaces or **CLEAR** fails)"
    params = (
        Param(
            "new_students_only",
            (bool,),
            doc="judge only students not in last week's accepted export (a blank leaves an "
            "existing student's stored value as it is); default false",
        ),
    )
    example = Example(
        columns=("first_name",),
        passing=(("Zoë",), ("Łukasz",)),
        failing=((None,), ("  ",), (CLEAR,)),
    )

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        return value.is_not_null() & (value.str.strip_chars() != "") & (value != CLEAR)

    def new_students_only(self, rule: Rule) -> bool:
        return bool(rule.params.get("new_students_only", False))
