"""Project kind ``label_not_numeric``: no item of a ;-list of labels is just a number."""

from __future__ import annotations

import polars as pl

from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, register

NUMBER = r"^\s*[+\-]?[0-9]+(?:[.,][0-9]+)?\s*$"


@register
class LabelNotNumeric(PanderaKind):
    """The spec advises that system labels group students and do not carry numeric values
    (a GPA or a year as a label); each ``;``-separated label must hold a letter."""

    name = "label_not_numeric"
    summary = "no label in a ;-separated list may be only a number"
    example = Example(
        columns=("system_label_names",),
        passing=(("Widening participation;Erasmus+ exchange",), ("Class of 2027",), (None,)),
        failing=(("Full-time;3.7",), ("2027",)),
    )

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        items = value.str.split(";")
        numeric = items.list.eval(pl.element().str.contains(NUMBER)).list.any()
        return value.is_null() | ~numeric
