"""Kind ``excel_mangled_id``: no identifier turned into scientific notation by Excel (7.7E+04)."""

from __future__ import annotations

import polars as pl

from syncguard.model import Consequence
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, register

# as Excel writes it: a sign after the E (7.7E+04), or a decimal point (4.2E8); a real ID such
# as 2019E123 or 12E4567 has neither
SCIENTIFIC = r"^-?[0-9]+(?:[.,][0-9]+[eE][+-]?|[eE][+-])[0-9]+$"


@register
class ExcelMangledId(PanderaKind):
    """The digits of such an ID are lost; the export must be redone with the column as Text."""

    name = "excel_mangled_id"

    consequence = Consequence.STORED_WRONG
    summary = "identifiers must not be in scientific notation (Excel's 7.7E+04)"
    max_columns = None
    example = Example(
        columns=("card_id",),
        passing=(("0471924865",), ("S1234567",), ("2019E123",), ("12E4567",), (None,)),
        failing=(("7.7E+04",), ("4.83593E+08",), ("1,2e5",), ("77E+3",)),
    )

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        return value.is_null() | ~value.str.contains(SCIENTIFIC)

    def hint(self, rule: Rule, failing: list[str]) -> str | None:
        return (
            "Excel turned these identifiers into numbers and their digits are lost: format the "
            "column as Text in the source and export again."
        )
