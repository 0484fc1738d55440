"""Kind ``independent``: neither column's value contains the other's (username vs email)."""

from __future__ import annotations

from syncguard.model import Consequence
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, ExpectationSpec, GxKind, register


@register
class Independent(GxKind):
    """The username must not equal or appear inside ``email_address`` or ``card_id``, and vice
    versa, ignoring case: those change, the username must not."""

    name = "independent"

    consequence = Consequence.STORED_WRONG
    summary = "neither of two columns may contain the other's value (ignoring case)"
    min_columns = 2
    max_columns = 2
    example = Example(
        columns=("username", "email_address"),
        passing=(("S1234567", "jana.novak@uni-example.eu"), ("S1", None), ("S2", " ")),
        failing=(
            ("S1234567", "s1234567@uni-example.eu"),
            ("jana.novak", "Jana.Novak@uni-example.eu"),
            ("novak@uni-example.eu", "novak"),
        ),
    )

    def expectation(self, rule: Rule) -> ExpectationSpec:
        return ExpectationSpec(
            "ExpectColumnPairValuesToBeIndependent",
            {"column_A": rule.columns[0], "column_B": rule.columns[1]},
        )
