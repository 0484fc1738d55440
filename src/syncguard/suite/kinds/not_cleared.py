"""Kind ``not_cleared``: no ``**CLEAR**`` in a column whose value the importer requires."""

from __future__ import annotations

import polars as pl

from syncguard.importer import CLEAR
from syncguard.model import Consequence
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, register


@register
class NotCleared(PanderaKind):
    """Fails rows whose cell is the importer's ``**CLEAR**``, for known and new students alike.

    A blank cell leaves the stored value as it is, but ``**CLEAR**`` empties the field: in a
    column the importer requires, the row then fails. Only the exact literal clears (the
    importer's literals are case-sensitive; ``syncguard fix`` never guesses a clear), so
    ``**clear**`` is left to the column's other rules. Several columns are checked alike.
    """

    name = "not_cleared"

    consequence = Consequence.ROW_SKIPPED
    summary = f"no {CLEAR} in a column whose value the importer requires (blank is fine)"
    max_columns = None
    example = Example(
        columns=("last_name",),
        passing=(("Nováková",), (None,), ("  ",)),
        failing=((CLEAR,),),
    )

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        return value.is_null() | (value != CLEAR)
