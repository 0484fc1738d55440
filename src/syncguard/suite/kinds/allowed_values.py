"""Kind ``allowed_values``: exact, case-sensitive values from a list (or each item of a list)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncguard import importer
from syncguard.importer import CLEAR
from syncguard.model import Consequence
from syncguard.suite.kinds._suggest import confident
from syncguard.suite.kinds._values import ALLOW_CLEAR
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, ExpectationSpec, GxKind, Param, register

# The importer's own vocabularies (spec: "Education Level Name Values", "School Year Values").
EDUCATION_LEVELS = frozenset(importer.EDUCATION_LEVELS)
SCHOOL_YEARS = frozenset(importer.SCHOOL_YEARS)

# Known other names, per vocabulary, keyed by the exact set of a rule's ``values`` (a list that
# differs gets no synonyms, only case/spacing/accent and typo fixes). Only names that mean one
# value beyond doubt: "Bachelor" or "Master" is a level, but not a school year (which year?).
# Keys are compared after folding case, spacing and accents.
SYNONYMS: Mapping[frozenset[str], Mapping[str, str]] = {
    EDUCATION_LEVELS: {
        **dict.fromkeys(["PhD", "Ph.D.", "DPhil", "doctoral"], "Doctorate"),
        **dict.fromkeys(["BA", "BSc", "bachelor", "bachelors"], "Undergraduate"),
        **dict.fromkeys(["MA", "MSc", "MPhil", "master", "masters"], "Postgraduate"),
        "postdoc": "Postdoctoral Researcher",
    },
    SCHOOL_YEARS: {
        **dict.fromkeys(["PhD", "Ph.D.", "DPhil", "doctoral"], "Doctorate"),
        "postdoc": "Postdoctoral Researcher",
        "MBA": "Masters of Business Administration",
    },
}


@register
class AllowedValues(GxKind):
    """Run by Great Expectations; "did you mean" only when confident (see ``_suggest``).

    With ``separator``, a cell is a list (``History;Biology``) and every item must be allowed;
    a list gets a suggestion only when every item is allowed or confidently fixable.
    """

    name = "allowed_values"

    consequence = Consequence.FIELD_REJECTED
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
        # one rule for the separator of every kind that splits lists; item_length holds it
        from syncguard.suite.kinds.item_length import separator_problems

        problems = separator_problems(params)
        values = params.get("values")
        if not values or not all(isinstance(v, str) for v in values):
            problems.insert(
                0, "'values' must be a non-empty list of texts (quote values such as \"TRUE\")"
            )
        return problems

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
        values = [str(v) for v in rule.params["values"]]
        synonyms = SYNONYMS.get(frozenset(values))
        separator = str(rule.params.get("separator", ""))
        items = value.split(separator) if separator else [value]
        fixed = [confident(item, values, synonyms) for item in items]
        if any(f is None for f in fixed):
            return None
        suggestion = separator.join(str(f) for f in fixed)
        return suggestion if suggestion != value else None
