"""Kind ``item_length``: each item of a ``;``-list is at most N characters (courses: 255)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncguard.importer import LIST_SEPARATOR
from syncguard.model import Consequence
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, ExpectationSpec, GxKind, Param, register


@register
class ItemLength(GxKind):
    """Run by Great Expectations (a custom expectation): a long cell of short items passes."""

    name = "item_length"

    consequence = Consequence.FIELD_REJECTED
    summary = "each item of a ;-separated list must be at most max_length characters"
    params = (
        Param("max_length", (int,), required=True, doc="most characters an item may have"),
        Param("separator", (str,), doc="item separator (default ';')"),
    )
    example = Example(
        columns=("primary_education:major_names",),
        params={"max_length": 255},
        passing=((";".join(["History"] * 60),), ("x" * 255,), (None,)),
        failing=(("History;" + "x" * 256,), ("y" * 300,)),
    )

    def check_params(self, params: Mapping[str, Any]) -> list[str]:
        problems = [] if int(params.get("max_length", 1)) > 0 else ["'max_length' must be above 0"]
        return problems + separator_problems(params)

    def expectation(self, rule: Rule) -> ExpectationSpec:
        return ExpectationSpec(
            "ExpectColumnValuesItemsToBeAtMostLength",
            {
                "column": rule.column,
                "max_length": rule.params["max_length"],
                "separator": rule.params.get("separator", LIST_SEPARATOR),
            },
        )


def separator_problems(params: Mapping[str, Any]) -> list[str]:
    """What is wrong with a list ``separator`` parameter (none when it is absent).

    An empty separator splits nothing (Python refuses it), so it is refused. A separator that
    is only whitespace (``" "``, a tab) is refused too: the importer's lists are split by ``;``
    and the values in them (course, college and campus names) contain spaces, so a rule
    splitting at whitespace would judge word fragments, never the importer's items.
    """
    separator = params.get("separator")
    if separator is None:
        return []
    if not separator:
        return ["'separator' must be one or more characters (the importer's lists use ';')"]
    if not str(separator).strip():
        return [
            f"'separator' must be one or more characters that are not only whitespace (got "
            f"{separator!r}): names in lists contain spaces; the importer's lists use ';'"
        ]
    return []
