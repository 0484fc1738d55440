"""Every registered kind compiles for its engine and gets its own worked example right."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from syncguard.defaults import default_rules
from syncguard.engines import validate
from syncguard.engines.gx_engine import compile_suite
from syncguard.engines.pandera_engine import compile_schema
from syncguard.errors import SourceLocation, UnusableExportError
from syncguard.intake.headers import HeaderContract, RequiredHeader, check_header
from syncguard.model import Engine, Severity
from syncguard.suite.loader import load_suite
from syncguard.suite.model import Rule, Suite
from syncguard.suite.registry import GxKind, HeaderKind, PanderaKind, RuleKind, Scope, kinds

load_suite(default_rules())  # registers the project's own kinds from checks/ too
KINDS = sorted(kinds().items())
HEADERS = (
    "email_address",
    "username",
    "first_name",
    "school_year_name",
    "card_id",
    "gender",
    "last_name",
    "mobile_number",
    "disabled",
    "campus_name",
    "primary_education:start_date",
    "primary_education:end_date",
    "primary_education:major_names",
    "primary_education:currently_attending",
    "primary_education:education_level_name",
)


def _suite(name: str, kind: RuleKind) -> tuple[Suite, Rule]:
    ex = kind.example
    rule = Rule(
        f"example.{name}",
        name,
        ex.columns,
        Severity.ERROR,
        "Example.",
        SourceLocation(Path("example.yaml"), 1, 1),
        dict(ex.params),
    )
    return Suite("example", "1", HEADERS, (rule,)), rule


def _frame(columns: tuple[str, ...], rows: list[tuple[str | None, ...]]) -> pl.DataFrame:
    data = {c: pl.Series(c, [r[i] for r in rows], dtype=pl.String) for i, c in enumerate(columns)}
    numbers = pl.Series("__row__", range(2, len(rows) + 2), dtype=pl.UInt32)
    return pl.DataFrame(data).with_columns(numbers)


def test_the_registry_has_the_kinds_the_contract_needs() -> None:
    assert {
        "required_header",
        "not_blank",
        "not_cleared",
        "unique",
        "allowed_values",
        "pattern",
        "date",
        "date_order",
        "boolean",
        "item_length",
        "independent",
        "email",
        "phone",
        "formula_injection",
        "stray_whitespace",
        "excel_mangled_id",
        "conditional",
    } <= set(kinds())


@pytest.mark.parametrize(("name", "kind"), KINDS, ids=[k for k, _ in KINDS])
def test_kind_is_documented_with_an_example(name: str, kind: RuleKind) -> None:
    assert kind.summary and type(kind).__doc__
    assert kind.example.passing and kind.example.failing
    assert kind.engine in (Engine.INTAKE, Engine.PANDERA, Engine.GREAT_EXPECTATIONS)


@pytest.mark.parametrize(("name", "kind"), KINDS, ids=[k for k, _ in KINDS])
def test_kind_compiles_and_flags_exactly_its_failing_example_rows(
    name: str, kind: RuleKind
) -> None:
    suite, rule = _suite(name, kind)
    ex = kind.example
    if isinstance(kind, HeaderKind):
        contract = HeaderContract(
            known=HEADERS, required=tuple(RequiredHeader(c, rule.id) for c in ex.columns)
        )
        for header in ex.passing:
            check_header(Path("x.csv"), list(header), contract)
        for header in ex.failing:
            with pytest.raises(UnusableExportError):
                check_header(Path("x.csv"), list(header), contract)
        return
    rows = [*ex.passing, *ex.failing]
    frame = _frame(ex.columns, rows)
    expected = set(range(2 + len(ex.passing), 2 + len(rows)))
    if isinstance(kind, PanderaKind):
        assert compile_schema([rule], list(ex.columns)).columns
        findings = validate(frame, suite, Engine.PANDERA)
    else:
        assert isinstance(kind, GxKind)
        assert len(compile_suite(suite).expectations) == 1
        findings = validate(frame, suite, Engine.GREAT_EXPECTATIONS)
    assert all(f.rule == rule.id and f.severity is Severity.ERROR for f in findings)
    assert "could not run" not in " ".join(f.message for f in findings)
    assert {r for f in findings for r in f.rows} == expected


def _rule(kind: str, **params: object) -> Rule:
    return Rule("r", kind, ("c",), Severity.ERROR, "d.", SourceLocation(Path("r"), 1, 1), params)


def test_date_names_day_first_and_impossible_dates() -> None:
    hint = kinds()["date"].hint(_rule("date"), ["30/06/2027", "2027-02-30", "1.7.2027"])
    assert hint == (
        "Of these, 2 look day-first (dd/mm/yyyy): write them as yyyy-mm-dd; "
        "1 are not real calendar dates (such as 30 February)."
    )


@pytest.mark.parametrize(
    ("value", "params", "suggestion"),
    [
        ("bachelor 1st year or equivalent", {}, "Bachelor 1st year or equivalent"),
        ("Bachelor  1st year or equivalent ", {}, "Bachelor 1st year or equivalent"),
        ("Master 1st year", {}, None),
        ("history;BIOLOGY", {"separator": ";"}, "History;Biology"),
        ("History;Chemistry", {"separator": ";"}, None),
    ],
)
def test_allowed_values_suggests_only_for_case_or_spacing(
    value: str, params: dict[str, object], suggestion: str | None
) -> None:
    values = ["Bachelor 1st year or equivalent", "History", "Biology"]
    rule = _rule("allowed_values", values=values, **params)
    assert kinds()["allowed_values"].suggest(rule, value) == suggestion


@pytest.mark.parametrize(
    ("value", "suggestion"), [("True", "TRUE"), ("false", "FALSE"), ("yes", None)]
)
def test_boolean_suggests_capitals(value: str, suggestion: str | None) -> None:
    assert kinds()["boolean"].suggest(_rule("boolean"), value) == suggestion


def _passes(kind: str, values: list[str | None], **params: object) -> list[bool]:
    found = kinds()[kind]
    assert isinstance(found, PanderaKind)
    frame = pl.DataFrame({"c": pl.Series(values, dtype=pl.String)})
    return frame.select(found.passes(_rule(kind, **params), pl.col("c"))).to_series().to_list()


@pytest.mark.parametrize(
    ("domain", "address", "staff", "student"),
    [
        ("student.uni-example.eu", "a@careers.uni-example.eu", True, False),
        ("student.uni-example.eu", "a@uni-example.eu", True, False),
        ("student.uni-example.eu", "a@student.uni-example.eu", True, True),
        ("student.uni-example.eu", "a@x.student.uni-example.eu", True, True),
        ("student.uni-example.eu", "a@notuni-example.eu", False, False),
        ("student.uni-example.eu", "a@gmail.com", False, False),
        ("student.uni.ac.uk", "a@careers.uni.ac.uk", True, False),  # a two-label suffix
        ("student.uni.ac.uk", "a@other.ac.uk", False, False),
        ("@Student.Uni-Example.EU", "a@CAREERS.uni-example.eu", True, False),
    ],
)
def test_an_institution_email_rule_accepts_the_whole_institution(
    domain: str, address: str, staff: bool, student: bool
) -> None:
    assert _passes("email", [address], domains=[domain], institution=True) == [staff]
    assert _passes("email", [address], domains=[domain]) == [student]


def test_an_institution_rule_names_the_registrable_domains() -> None:
    rule = _rule("email", domains=["student.uni.ac.uk", "uni.ac.uk"], institution=True)
    assert kinds()["email"].hint(rule, []) == "Accepted domains: uni.ac.uk and their subdomains."


@pytest.mark.parametrize(
    ("params", "scope"),
    [
        ({}, Scope.EVERY_ROW),
        ({"new_students_only": True}, Scope.NEW_STUDENTS),
        ({"stored_values_only": True}, Scope.STORED_VALUES),
    ],
)
def test_not_blank_declares_which_students_it_judges(
    params: dict[str, object], scope: Scope
) -> None:
    kind = kinds()["not_blank"]
    assert kind.scope(_rule("not_blank", **params)) is scope
    assert kind.check_params(params) == []


def test_not_blank_judges_one_scope_only() -> None:
    both = {"new_students_only": True, "stored_values_only": True}
    assert kinds()["not_blank"].check_params(both) == [
        "'new_students_only' and 'stored_values_only' cannot both be true: choose one"
    ]


@pytest.mark.parametrize(
    ("value", "blank", "cleared"),
    [("Berg", False, False), ("**CLEAR**", False, True), ("  ", True, False), (None, True, False)],
)
def test_blank_and_clear_are_one_finding_each(
    value: str | None, blank: bool, cleared: bool
) -> None:
    # one cause, one finding: a blank is not_blank's, **CLEAR** not_cleared's, never both
    assert _passes("not_blank", [value]) == [not blank]
    assert _passes("not_cleared", [value]) == [not cleared]
