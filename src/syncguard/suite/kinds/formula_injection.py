"""Kind ``formula_injection``: no cell is a spreadsheet formula (OWASP CSV injection)."""

from __future__ import annotations

import polars as pl

from syncguard.importer import CLEAR
from syncguard.model import Consequence
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, register

LEAD = r"^[\t\r]*"
"""Tabs and carriage returns Excel skips before a formula."""
TRIGGER = r"[+\-@]+\s*"
"""The characters that make Excel read the rest of a cell as a formula (besides ``=``)."""
FORMULA = (
    r"(?:"
    r"=|"  # a second = (``+=1+1``)
    r"[A-Za-z_][A-Za-z0-9_.]*\s*\(|"  # a function call: SUM( HYPERLINK( cmd(
    r"[A-Za-z0-9_]+\s*\|\s*'?|"  # DDE: cmd|' /C calc'!A0
    r"'?[A-Za-z0-9_ ]+'?!|"  # a reference to another sheet: Sheet1!A1
    r"\$?[A-Za-z]{1,3}\$?[0-9]+(?:\b|:)|"  # a cell reference: A1, $B$2, A1:B9
    r"\(?[0-9.,]+\)?\s*[-+*/^&<>=]"  # a calculation: 2+3, 1*9
    r")"
)
IS_FORMULA = LEAD + r"(?:=\s*\S|" + TRIGGER + FORMULA + r")"
"""A cell Excel runs as a formula: ``=`` and anything, or + - @ followed by a formula."""
PHONE = r"^\+[0-9][0-9 ()./\-]*$"
"""A phone number: a leading + and digits, with the spaces, brackets, dots, slashes and dashes
people write them with (``+49-171-1234567``, ``+44 (0)20 7946 0958``). Excel may compute a
number from it, but it calls no function, reference or command: nothing runs."""


def is_formula(value: pl.Expr) -> pl.Expr:
    """True where a cell really is a formula, not a phone number (null stays null)."""
    return value.str.contains(IS_FORMULA) & ~value.str.contains(PHONE)


@register
class FormulaInjection(PanderaKind):
    """A cell that is a formula runs when the export is opened in a spreadsheet.

    Only real formulas fail: ``=`` at the start, or ``+ - @`` (after tabs or CRs) followed by a
    function call, a cell reference, a calculation or a DDE command. Free text such as ``-``,
    ``+ other`` or ``-Smith`` passes (the kind ``formula_start`` can warn about it), and so
    does a phone number (:data:`PHONE`: ``+49 151 ...``, ``+49-171-1234567``): at most a sum.
    """

    name = "formula_injection"

    consequence = Consequence.SECURITY_RISK
    summary = "no cell may be a spreadsheet formula (= ..., or + - @ before a formula)"
    max_columns = None
    example = Example(
        columns=("gender",),
        passing=(
            ("Female",),
            ("-",),
            ("+ other",),
            ("-Smith",),
            ("+4915112345678",),
            ("+49 (151) 123-45",),
            ("+49-171-1234567",),
            ("+44 (0)20 7946 0958",),
            (None,),
            (CLEAR,),
        ),
        failing=(
            ('=HYPERLINK("http://x")',),
            ("@SUM(A1)",),
            ("-2+3",),
            ("+A1",),
            ("\t=1+1",),
            ("-cmd|' /C calc'!A0",),
            ("=x",),
        ),
    )

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        return value.is_null() | ~is_formula(value)
