"""Kind ``formula_injection``: no cell starts like a spreadsheet formula (= + - @ tab CR)."""

from __future__ import annotations

import polars as pl

from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, register


@register
class FormulaInjection(PanderaKind):
    """A cell opened in Excel that starts with ``= + - @`` (or tab / CR) runs as a formula.

    A phone number's leading ``+`` is not a formula: ``+`` followed by digits and phone
    punctuation passes here (its format is the phone rule's business).
    """

    name = "formula_injection"
    summary = "no cell may start with = + - @, tab or carriage return"
    max_columns = None
    example = Example(
        columns=("gender",),
        passing=(("Female",), ("+4915112345678",), ("+49 (151) 123-45",), (None,), ("**CLEAR**",)),
        failing=(('=HYPERLINK("http://x")',), ("@SUM(A1)",), ("-2+3",), ("+cmd",), ("\tx",)),
    )

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        risky = value.str.contains(r"^[=+\-@\t\r]")
        phone = value.str.contains(r"^\+[0-9][0-9 ()./\-]*$")
        return value.is_null() | ~risky | phone
