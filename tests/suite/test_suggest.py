"""A "did you mean" is given per value, and only when the value meant is beyond doubt."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncguard.defaults import default_rules
from syncguard.errors import SourceLocation
from syncguard.model import Severity
from syncguard.suite.kinds._suggest import confident
from syncguard.suite.kinds.allowed_values import EDUCATION_LEVELS, SCHOOL_YEARS, SYNONYMS
from syncguard.suite.loader import load_suite
from syncguard.suite.model import Rule
from syncguard.suite.registry import kinds

# The spec's accepted values, in the spec's order.
SCHOOL_YEAR_VALUES = [
    "Foundation year",
    "Bachelor 1st year or equivalent",
    "Bachelor 2nd year or equivalent",
    "Bachelor 3rd year or equivalent",
    "Bachelor 4th year or equivalent",
    "Master 1st year or equivalent",
    "Master 2nd year or equivalent",
    "Doctorate",
    "Postdoctoral Researcher",
    "Masters of Business Administration",
    "Alumni",
    "Certificate Program",
    "Further education",
    "Placement",
    "Gap Year",
]
EDUCATION_LEVEL_VALUES = [
    "Certificate",
    "Undergraduate",
    "Postgraduate",
    "Doctorate",
    "Postdoctoral Researcher",
    "Non-Degree Seeking",
    "Secondary Education",
    "Further Education",
]


def _rule(kind: str, **params: object) -> Rule:
    return Rule("r", kind, ("c",), Severity.ERROR, "d.", SourceLocation(Path("r"), 1, 1), params)


def _school_year(value: str) -> str | None:
    rule = _rule("allowed_values", values=SCHOOL_YEAR_VALUES, allow_clear=False)
    return kinds()["allowed_values"].suggest(rule, value)


def _education_level(value: str) -> str | None:
    rule = _rule("allowed_values", values=EDUCATION_LEVEL_VALUES)
    return kinds()["allowed_values"].suggest(rule, value)


def _boolean(value: str) -> str | None:
    return kinds()["boolean"].suggest(_rule("boolean"), value)


def test_the_synonym_tables_are_keyed_by_the_default_suites_lists() -> None:
    assert frozenset(SCHOOL_YEAR_VALUES) == SCHOOL_YEARS
    assert frozenset(EDUCATION_LEVEL_VALUES) == EDUCATION_LEVELS
    lists = {
        r.column: frozenset(r.params["values"])
        for r in load_suite(default_rules()).rules
        if r.kind == "allowed_values"
        and r.column in ("school_year_name", "primary_education:education_level_name")
    }
    assert lists == {
        "school_year_name": SCHOOL_YEARS,
        "primary_education:education_level_name": EDUCATION_LEVELS,
    }
    assert all(set(table.values()) <= vocabulary for vocabulary, table in SYNONYMS.items())


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        ("True", "TRUE"),
        ("false", "FALSE"),
        (" true ", "TRUE"),
        ("TRUE\u00a0", "TRUE"),
        ("\u200bFALSE", "FALSE"),
        ("fälse", "FALSE"),
    ],
)
def test_boolean_suggests_true_or_false_in_other_case_or_spacing(
    value: str, suggestion: str
) -> None:
    assert _boolean(value) == suggestion


@pytest.mark.parametrize(
    "value",
    # No confident answer: which of yes/1/Y means TRUE is a guess, and a wrong guess for
    # `disabled` un-archives a student. One edit away from TRUE (`tree`, `TRUEE`) is no better.
    ["yes", "no", "1", "0", "Y", "n", "y", "on", "tree", "TRUEE", "ture", "T", "", " "],
)
def test_boolean_does_not_guess(value: str) -> None:
    assert _boolean(value) is None


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        # case and spacing
        ("bachelor 2nd year or equivalent", "Bachelor 2nd year or equivalent"),
        ("  Bachelor   2nd year or equivalent ", "Bachelor 2nd year or equivalent"),
        ("GAP YEAR", "Gap Year"),
        ("Further Education", "Further education"),
        # non-breaking and zero-width spaces
        ("Master\u00a01st year or equivalent", "Master 1st year or equivalent"),
        ("Gap\u202fYear", "Gap Year"),
        ("Alum\u200bni", "Alumni"),
        ("\ufeffPlacement", "Placement"),
        # accents
        ("Doctoraté", "Doctorate"),
        ("Placemént", "Placement"),
        # synonyms of this vocabulary
        ("PhD", "Doctorate"),
        ("ph.d.", "Doctorate"),
        ("postdoc", "Postdoctoral Researcher"),
        ("MBA", "Masters of Business Administration"),
        # small typos, clearly closest to one value
        ("Bachelor 2nd year or equivelant", "Bachelor 2nd year or equivalent"),
        ("Bachelor 3rd yaer or equivalent", "Bachelor 3rd year or equivalent"),
        ("Masters 1st year or equivalent", "Master 1st year or equivalent"),
        ("Foundation yaer", "Foundation year"),
        ("Alumnii", "Alumni"),
        ("Placment", "Placement"),
        ("Postdoctoral Reseacher", "Postdoctoral Researcher"),
    ],
)
def test_school_year_suggests_when_confident(value: str, suggestion: str) -> None:
    assert _school_year(value) == suggestion


@pytest.mark.parametrize(
    "value",
    [
        "PhD student in biology",
        "Bachelor",  # which of the four Bachelor years?
        "Master",  # which Master year, or the MBA?
        "BA",  # a level, not a year
        "Undergraduate",  # a level, not a year
        "xyz",
        "Grad",
        "Year 2",
        # One edit, but a different digit is a different year: "5th" is no typo of "4th" (and a
        # wrong year is worse than none), so a changed digit is never confident.
        "Bachelor 5th year or equivalent",
        "Master 3rd year or equivalent",
        "Bachelor 1rd year or equivalent",
        # "2rd" is one edit from both 2nd and 3rd: a tie gets nothing.
        "Bachelor 2rd year or equivalent",
        # too far from any value
        "Bachelor 2nd yr or equiv",
        "Foundation",
        # too short for any edit
        "Gap",
        "",
    ],
)
def test_school_year_does_not_guess(value: str) -> None:
    assert _school_year(value) is None


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        ("undergraduate", "Undergraduate"),
        ("Non-degree  seeking", "Non-Degree Seeking"),
        ("Secondary\u00a0Education", "Secondary Education"),
        ("Postgraduate\u200b", "Postgraduate"),
        ("Certificaté", "Certificate"),
        ("PhD", "Doctorate"),
        ("Ph.D.", "Doctorate"),
        ("doctoral", "Doctorate"),
        ("BA", "Undergraduate"),
        ("BSc", "Undergraduate"),
        ("bachelor", "Undergraduate"),
        ("MA", "Postgraduate"),
        ("MSc", "Postgraduate"),
        ("master", "Postgraduate"),
        ("Masters", "Postgraduate"),
        ("postdoc", "Postdoctoral Researcher"),
        ("Undergradute", "Undergraduate"),
        ("Postgradaute", "Postgraduate"),
        ("Doctorat", "Doctorate"),
        ("Further Edukation", "Further Education"),
    ],
)
def test_education_level_suggests_when_confident(value: str, suggestion: str) -> None:
    assert _education_level(value) == suggestion


@pytest.mark.parametrize(
    "value",
    [
        "PhD student in biology",
        "xyz",
        "Grad",
        "B.A.",  # not in the table: no guess at punctuation
        "M",
        "Graduate",  # Undergraduate or Postgraduate?
        "Education",
        "Undergrad",
    ],
)
def test_education_level_does_not_guess(value: str) -> None:
    assert _education_level(value) is None


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        ("history;BIOLOGY", "History;Biology"),
        ("History; Biology", "History;Biology"),
        ("Histry;Biology", "History;Biology"),
        ("Histroy;Biology", None),  # a swap is two edits: too many for a 7-letter word
        ("History;Chemistry", None),  # one item has no confident fix: no suggestion at all
        ("History;;Biology", None),
        ("History;Biology", None),  # nothing to fix
    ],
)
def test_a_list_gets_a_suggestion_only_when_every_item_is_fixable(
    value: str, suggestion: str | None
) -> None:
    rule = _rule("allowed_values", values=["History", "Biology", "Physics"], separator=";")
    assert kinds()["allowed_values"].suggest(rule, value) == suggestion


def test_synonyms_only_apply_to_their_own_vocabulary() -> None:
    rule = _rule("allowed_values", values=["Doctorate", "Main campus"])
    assert kinds()["allowed_values"].suggest(rule, "PhD") is None
    assert kinds()["allowed_values"].suggest(rule, "doctorate") == "Doctorate"


@pytest.mark.parametrize(
    ("value", "allowed", "synonyms", "suggestion"),
    [
        ("main", ["Main", "MAIN"], None, None),  # two allowed values fold alike: a tie
        ("Camp", ["Camp A", "Camp B"], None, None),
        ("Campus A", ["Campus A", "Campus B"], None, "Campus A"),
        ("Campus C", ["Campus A", "Campus B"], None, None),  # one edit from both
        ("Nortth", ["North", "South"], None, "North"),
        ("Noth", ["North", "South"], None, None),  # 1 edit from North, 2 from South: not clear
        ("Nrth", ["North", "Nerth"], None, None),  # one edit from both
        ("abc", ["abd"], None, None),  # too short for any edit
        ("uni", ["University"], {"Uni": "University"}, "University"),
        # a synonym must name an allowed value
        ("uni", ["University"], {"Uni": "College"}, None),
        ("unii", ["University"], {"Uni": "University"}, None),  # no typos of synonyms
    ],
)
def test_confident(
    value: str, allowed: list[str], synonyms: dict[str, str] | None, suggestion: str | None
) -> None:
    assert confident(value, allowed, synonyms) == suggestion


def test_confident_without_typos_only_folds_case_spacing_and_accents() -> None:
    assert confident("Nortth", ["North", "South"], typos=False) is None
    assert confident(" NÖRTH ", ["North", "South"], typos=False) == "North"
