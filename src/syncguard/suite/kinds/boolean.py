"""Kind ``boolean``: exactly ``TRUE`` or ``FALSE`` (all caps, as the importer demands)."""

from __future__ import annotations

import polars as pl

from syncguard.model import Consequence
from syncguard.suite.kinds._suggest import confident
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, register

VALUES = ("TRUE", "FALSE")


@register
class Boolean(PanderaKind):
    """Blank is "unchanged"; ``**CLEAR**`` is not allowed for booleans; ``True`` is a typo.

    "Did you mean" only for ``true``/``false`` in other case, spacing or accents: ``yes``,
    ``no``, ``1``, ``0``, ``Y`` have no certain answer (a wrong one for ``disabled`` would
    un-archive a student), and neither has a word one edit away (``tree``), so no typo rule.
    """

    name = "boolean"

    consequence = Consequence.FIELD_REJECTED
    summary = "TRUE or FALSE, all caps"
    example = Example(
        columns=("disabled",),
        passing=(("TRUE",), ("FALSE",), (None,)),
        failing=(("True",), ("yes",), ("1",), ("**CLEAR**",)),
    )

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        return value.is_null() | value.is_in(VALUES)

    def suggest(self, rule: Rule, value: str) -> str | None:
        return confident(value, VALUES, typos=False)
