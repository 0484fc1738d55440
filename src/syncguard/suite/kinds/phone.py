"""Kind ``phone``: digits only, with an optional leading ``+`` (no spaces, dashes, brackets)."""

from __future__ import annotations

import polars as pl

from syncguard.model import Consequence
from syncguard.suite.kinds._values import ALLOW_CLEAR, skipped
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, register


@register
class Phone(PanderaKind):
    """What the importer accepts for ``mobile_number``."""

    name = "phone"

    consequence = Consequence.FIELD_REJECTED
    summary = "digits with an optional leading +, nothing else"
    params = (ALLOW_CLEAR,)
    example = Example(
        columns=("mobile_number",),
        passing=(("+4915112345678",), ("0151234567",), (None,)),
        failing=(("(030) 123-456",), ("+49 151 1234",), ("0151-2345678",), ("++49151",)),
    )

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        return skipped(value, rule.params.get("allow_clear")) | value.str.contains(r"^\+?[0-9]+$")
