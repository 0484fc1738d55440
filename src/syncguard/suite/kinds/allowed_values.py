"""Kind ``allowed_values``: exact, case-sensitive values from a list (or each item of a list)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from syncguard.importer import CLEAR
from syncguard.suite.kinds._values import ALLOW_CLEAR
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, ExpectationSpec, GxKind, Param, register


def _loose(value: str) -> str:
    return re.sub(r"\s+", " ", value.replace("\u00a0", " ")).strip().casefold()


@register
class AllowedValues(GxKind):
    """Run by Great Expectations; "did you mean" when only case or spacing differs.

    With ``separator``, a cell is a list (``History;Biology``) and every item must be allowed.
    """

    name = "allowed_values"
    summary = "every value (or every item of a ;-list) must be one of a list, exactly"
    params = (
        Param("values", (list,), required=True, doc="the accepted values, spelled exactly"),
        Param("separator", (str,), doc="the cell is a list split by this (e.g. ';')"),
        ALLOW_CLEAR,
    )
    example = Example(
        columns=("primary_education:education_level_name",),
        params={"values": ["Undergraduate", "Postgraduate"]},
        passing=(("Undergraduate",), (None,), (CLEAR,)),
        failing=(("undergraduate",), ("PhD",), ("Postgraduate ",)),
    )

    def check_params(self, params: Mapping[str, Any]) -> list[str]:
        values = params.get("values")
        if not values or not all(isinstance(v, str) for v in values):
            return ["'values' must be a non-empty list of texts (quote values such as \"TRUE\")"]
        return []

    def _set(self, rule: Rule) -> list[str]:
        values = [str(v) for v in rule.params["values"]]
        return [*values, CLEAR] if rule.params.get("allow_clear", True) else values

    def expectation(self, rule: Rule) -> ExpectationSpec:
        kwargs: dict[str, Any] = {"column": rule.column, "value_set": self._set(rule)}
        if "separator" in rule.params:
            kwargs["separator"] = rule.params["separator"]
            return ExpectationSpec("ExpectColumnValuesItemsToBeInSet", kwargs)
        return ExpectationSpec("ExpectColumnValuesToBeInSet", kwargs)

    def suggest(self, rule: Rule, value: str) -> str | None:
        known = {_loose(v): v for v in rule.params["values"]}
        items = value.split(rule.params["separator"]) if "separator" in rule.params else [value]
        fixed = [i if i in rule.params["values"] else known.get(_loose(i)) for i in items]
        if any(f is None for f in fixed):
            return None
        return str(rule.params.get("separator", "")).join(str(f) for f in fixed)
