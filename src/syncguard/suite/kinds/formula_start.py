"""Kind ``formula_start``: no cell starts like a formula without being one (= + - @ tab CR)."""

from __future__ import annotations

import polars as pl

from syncguard.importer import CLEAR
from syncguard.model import Consequence
from syncguard.suite.kinds.formula_injection import PHONE, is_formula
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, register

RISKY = r"^[=+\-@\t\r]"


@register
class FormulaStart(PanderaKind):
    """Free text starting with ``+ - @`` (or tab, CR) that a spreadsheet may take for a formula.

    Real formulas are left to ``formula_injection``, so one cell is never reported twice; a
    phone number's leading ``+`` passes.
    """

    name = "formula_start"

    consequence = Consequence.COSMETIC
    summary = "no cell may start with + - @, tab or CR (real formulas: formula_injection)"
    max_columns = None
    example = Example(
        columns=("gender",),
        passing=(("Female",), ("+4915112345678",), ("=SUM(A1)",), (None,), (CLEAR,)),
        failing=(("-",), ("+ other",), ("@home",), ("\tx",)),
    )

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        # the costly patterns run on the few cells that start like a formula (null elsewhere)
        suspect = pl.when(value.str.contains(RISKY)).then(value)
        flagged = ~suspect.str.contains(PHONE) & ~is_formula(suspect)
        return ~flagged.fill_null(False)
