"""Kind ``not_blank``: every row has a value in the column (spaces alone count as blank)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from syncguard.importer import CLEAR
from syncguard.model import Consequence
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, Param, Scope, register

SCOPES = {"new_students_only": Scope.NEW_STUDENTS, "stored_values_only": Scope.STORED_VALUES}
"""The parameters that narrow the students judged when there is a baseline."""


@register
class NotBlank(PanderaKind):
    """Fails rows whose cell is empty or only whitespace.

    The importer's ``**CLEAR**`` is not blank: it is a value that empties the field on
    purpose, judged by ``not_cleared`` where the importer requires the field (one cause,
    one finding).
    """

    name = "not_blank"

    consequence = Consequence.ROW_SKIPPED
    summary = "every row must have a value (blank or only spaces fails)"
    params = (
        Param(
            "new_students_only",
            (bool,),
            doc="judge only students not in last week's accepted export (a blank leaves an "
            "existing student's stored value as it is); default false",
        ),
        Param(
            "stored_values_only",
            (bool,),
            doc="judge only students whose value last week's accepted export held (a blank "
            "wipes the stored value, as in system_label_names: a student without one loses "
            "nothing); every row when there is no baseline; default false",
        ),
    )
    example = Example(
        columns=("first_name",),
        passing=(("Zoë",), ("Łukasz",), (CLEAR,)),
        failing=((None,), ("  ",)),
    )

    def check_params(self, params: Mapping[str, Any]) -> list[str]:
        chosen = [name for name in SCOPES if params.get(name)]
        if len(chosen) > 1:
            return [f"'{chosen[0]}' and '{chosen[1]}' cannot both be true: choose one"]
        return []

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        return value.is_not_null() & (value.str.strip_chars() != "")

    def scope(self, rule: Rule) -> Scope:
        return next((s for name, s in SCOPES.items() if rule.params.get(name)), Scope.EVERY_ROW)
