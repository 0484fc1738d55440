"""Row-1 checks: typos name the supported header, unrelated headers get none, repeats explained."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from syncguard.errors import UnusableExportError
from syncguard.intake.headers import HeaderContract, RequiredHeader, check_header, display
from syncguard.model import Finding, Severity
from tests.conftest import ROOT

KNOWN: tuple[str, ...] = tuple(
    h["name"] if isinstance(h, dict) else h  # '{name: email_address, personal: true}'
    for h in yaml.safe_load((ROOT / "rules" / "handshake_student_sync_eu.yaml").read_text("utf-8"))[
        "headers"
    ]
)
REQUIRED = {
    "email_address": "email_address.required",
    "username": "username.required",
    "first_name": "first_name.required",
    "last_name": "last_name.required",
    "primary_education:end_date": "end_date.required",
    "school_year_name": "school_year_name.required",
}
CONTRACT = HeaderContract(KNOWN, tuple(RequiredHeader(c, rule) for c, rule in REQUIRED.items()))
BASE = list(REQUIRED)
"""A minimal valid header row: the six required headers, columns 1-6."""
PATH = Path("export.csv")


def findings(header: list[str], contract: HeaderContract = CONTRACT) -> list[Finding]:
    return check_header(PATH, header, contract)


def unusable(header: list[str]) -> UnusableExportError:
    with pytest.raises(UnusableExportError) as caught:
        check_header(PATH, header, CONTRACT)
    message = str(caught.value)
    assert caught.value.row == 1
    assert message.startswith(f"{PATH}: row 1: ")
    assert message.count("\n") == 0 and message.endswith(".")
    return caught.value


def replaced(column: str, by: str) -> list[str]:
    return [by if name == column else name for name in BASE]


def test_the_contract_is_the_suites() -> None:
    assert len(KNOWN) == 23 and set(REQUIRED) <= set(KNOWN)
    assert findings(BASE) == []
    assert findings(list(KNOWN)) == []


@pytest.mark.parametrize(
    ("header", "guess"),
    [
        # the prefix left off: the column would be dropped without a word
        ("major_names", "primary_education:major_names"),
        ("minor_names", "primary_education:minor_names"),
        ("currently_attending", "primary_education:currently_attending"),
        ("education_level_name", "primary_education:education_level_name"),
        ("college_names", "primary_education:college_names"),
        ("start_date", "primary_education:start_date"),
        # another or a partial prefix
        ("education:major_names", "primary_education:major_names"),
        ("secondary_education:start_date", "primary_education:start_date"),
        ("location:name", "hometown_location_attributes:name"),
        ("hometown:name", "hometown_location_attributes:name"),
        # typos
        ("mobil_number", "mobile_number"),
        ("mobile_numbr", "mobile_number"),
        ("gedner", "gender"),
        ("primary_education:majr_names", "primary_education:major_names"),
        ("primary_education:start_dat", "primary_education:start_date"),
        ("system_labels", "system_label_names"),
        ("assigned_to_emial_address", "assigned_to_email_address"),
        # other separators, case and spaces than the importer's
        ("Mobile Number", "mobile_number"),
        ("mobile-number", "mobile_number"),
        ("Primary Education: Major Names", "primary_education:major_names"),
        ("mobile\u00a0number", "mobile_number"),
        ("middlename", "middle_name"),
        ("name_preferred", "preferred_name"),
        # cut short by the last word
        ("campus", "campus_name"),
        ("education_level", "primary_education:education_level_name"),
    ],
)
def test_a_header_like_a_supported_one_is_an_error_naming_it(header: str, guess: str) -> None:
    (finding,) = findings([*BASE, header])
    assert (finding.rule, finding.severity) == ("intake.unknown_header", Severity.ERROR)
    assert finding.suggestion == guess and finding.columns == (header,) and finding.rows == (1,)
    # invisible characters are shown as code points: 'mobile<U+00A0>number'
    assert f"unknown header '{display(header)}' (column 7)" in finding.message
    assert f"did you mean '{guess}'?" in finding.message


@pytest.mark.parametrize(
    ("column", "header"),
    [
        ("primary_education:end_date", "end_date"),
        ("primary_education:end_date", "education:end_date"),
        ("primary_education:end_date", "primary_education:end_dat"),
        ("email_address", "emial_address"),
        ("email_address", "email_adress"),
        ("email_address", "Email Address"),
        ("email_address", "email"),
        ("username", "usrname"),
        ("username", "user_name"),
        ("first_name", "FirstName"),
        ("first_name", "first-name"),
        ("last_name", "lastname"),
        ("school_year_name", "school_year"),
        ("school_year_name", "school_yaer_name"),
    ],
)
def test_a_required_header_misspelled_is_named_in_the_unusable_message(
    column: str, header: str
) -> None:
    error = unusable(replaced(column, header))
    assert error.problem == f"required header '{column}' (found '{header}' instead) is missing"


@pytest.mark.parametrize(
    ("header", "what", "guess"),
    [
        ("Mobile_Number", "lowercase", "mobile_number"),
        ("GENDER", "lowercase", "gender"),
        ("PRIMARY_EDUCATION:MAJOR_NAMES", "lowercase", "primary_education:major_names"),
        (" gender ", "without surrounding spaces", "gender"),
        ("gender\u00a0", "without surrounding spaces", "gender"),
        ("\u00a0card_id", "without surrounding spaces", "card_id"),
        (" Gender ", "lowercase and without surrounding spaces", "gender"),
    ],
)
def test_only_case_or_surrounding_spaces_is_a_case_finding(
    header: str, what: str, guess: str
) -> None:
    (finding,) = findings([*BASE, header])
    assert (finding.rule, finding.severity) == ("intake.header_case", Severity.ERROR)
    assert finding.suggestion == guess
    assert f"must be written {what} as '{guess}'" in finding.message


@pytest.mark.parametrize(
    ("column", "header"),
    [
        ("email_address", "Email_Address"),
        ("username", " username "),
        ("username", "username\u00a0"),
        ("school_year_name", "School_Year_Name"),
    ],
)
def test_a_required_header_in_another_case_is_named_in_the_unusable_message(
    column: str, header: str
) -> None:
    shown = display(header)  # 'username<U+00A0>'
    assert f"'{column}' (found '{shown}' instead)" in unusable(replaced(column, header)).problem


@pytest.mark.parametrize(
    "header",
    [
        "favourite_colour",
        "notes",
        "student_id",
        "id",
        "name",
        "surname",
        "phone_number",
        "student_number",
        "address",
        "date",
        "end",
        "year",
        "graduation_date",
        "a:name",
        "primary_education:names",
        "---",
    ],
)
def test_an_unrelated_header_is_a_warning_without_suggestion(header: str) -> None:
    (finding,) = findings([*BASE, header])
    assert (finding.rule, finding.severity) == ("intake.extra_header", Severity.WARNING)
    assert finding.suggestion is None
    assert f"unknown header '{header}' (column 7)" in finding.message
    assert "did you mean" not in finding.message


@pytest.mark.parametrize(
    ("present", "header"),
    [
        ("mobile_number", "mobil_number"),
        ("mobile_number", "Mobile_Number"),
        ("primary_education:major_names", "major_names"),
        ("primary_education:start_date", "start_date"),
        ("gender", " gender "),
    ],
)
def test_a_header_already_on_row_1_is_never_suggested(present: str, header: str) -> None:
    (finding,) = findings([*BASE, present, header])
    assert (finding.rule, finding.suggestion) == ("intake.extra_header", None)


@pytest.mark.parametrize("header", ["usrname", "Username", "user_name"])
def test_a_required_header_already_on_row_1_is_never_suggested(header: str) -> None:
    (finding,) = findings([*BASE, header])
    assert (finding.rule, finding.suggestion) == ("intake.extra_header", None)


@pytest.mark.parametrize(
    ("header", "problem", "fix"),
    [
        (
            [
                "email_address",
                "username",
                "first_name",
                "first_name",
                "primary_education:end_date",
                "school_year_name",
            ],
            "required header 'last_name' is missing; header 'first_name' appears twice "
            "(columns 3 and 4): the second is probably 'last_name'",
            "rename column 4 to 'last_name', or add the missing column(s) exactly as the "
            "importer spells them (lowercase)",
        ),
        (
            ["username", "username", "first_name", "last_name", "school_year_name", "gender"],
            "required headers 'email_address', 'primary_education:end_date' are missing; header "
            "'username' appears twice (columns 1 and 2): a repeated column is probably "
            "'email_address' or 'primary_education:end_date'",
            "rename the repeated column that holds it, or add the missing column(s) exactly as "
            "the importer spells them (lowercase)",
        ),
        (
            [
                "email_address",
                "username",
                "first_name",
                "first_name",
                "primary_education:start_date",
                "primary_education:start_date",
                "school_year_name",
            ],
            "required headers 'last_name', 'primary_education:end_date' are missing; header "
            "'first_name' appears twice (columns 3 and 4): the second is probably 'last_name'; "
            "header 'primary_education:start_date' appears twice (columns 5 and 6): the second "
            "is probably 'primary_education:end_date'",
            "rename column 4 to 'last_name', column 6 to 'primary_education:end_date', or add "
            "the missing column(s) exactly as the importer spells them (lowercase)",
        ),
        (
            [
                "email_address",
                "username",
                "first_name",
                "first_name",
                "first_name",
                "primary_education:end_date",
                "school_year_name",
            ],
            "required header 'last_name' is missing; header 'first_name' appears 3 times "
            "(columns 3, 4 and 5): one of the later ones is probably 'last_name'",
            "rename one of columns 4 and 5 to 'last_name', or add the missing column(s) exactly "
            "as the importer spells them (lowercase)",
        ),
        (
            [
                "email_address",
                "username",
                "first_name",
                "first_name",
                "gender",
                "gender",
                "primary_education:end_date",
                "school_year_name",
            ],
            "required header 'last_name' is missing; header 'first_name' appears twice "
            "(columns 3 and 4) and header 'gender' appears twice (columns 5 and 6): a repeated "
            "column is probably 'last_name'",
            "rename the repeated column that holds it, or add the missing column(s) exactly as "
            "the importer spells them (lowercase)",
        ),
    ],
    ids=["one", "unpaired", "two", "three-times", "two-repeats-one-missing"],
)
def test_a_repeated_header_is_named_when_a_required_one_is_missing(
    header: list[str], problem: str, fix: str
) -> None:
    error = unusable(header)
    assert (error.problem, error.fix) == (problem, fix)
    assert str(error) == f"{PATH}: row 1: {problem}; {fix}."


def test_a_repeat_is_not_blamed_when_the_missing_header_was_found_misspelled() -> None:
    header = [*replaced("last_name", "lst_name"), "first_name"]
    error = unusable(header)
    assert error.problem == "required header 'last_name' (found 'lst_name' instead) is missing"


def test_a_repeated_unrelated_header_is_not_blamed() -> None:
    error = unusable([*replaced("last_name", "notes"), "notes"])
    assert error.problem == "required header 'last_name' is missing"


@pytest.mark.parametrize(
    ("column", "others"),
    [
        ("primary_education:end_date", ["primary_education:start_date"]),
        ("primary_education:end_date", ["primary_education:start_date", "end_dat"]),
        ("last_name", ["middle_name", "preferred_name"]),
        ("email_address", ["assigned_to_email_address"]),
        ("school_year_name", ["system_label_names", "campus_name"]),
        ("username", ["first_name"]),
    ],
)
def test_a_supported_header_is_never_found_instead_of_a_missing_one(
    column: str, others: list[str]
) -> None:
    header = [name for name in BASE if name != column] + [o for o in others if o not in BASE]
    error = unusable(header)
    assert "found 'primary_education:start_date'" not in error.problem
    found = [o for o in others if o not in KNOWN]
    assert error.problem == (
        f"required header '{column}' (found '{found[0]}' instead) is missing"
        if found
        else f"required header '{column}' is missing"
    )


def test_a_missing_header_of_severity_warning_never_names_a_supported_one() -> None:
    required = tuple(
        RequiredHeader(c, rule, Severity.WARNING)
        if c == "primary_education:end_date"
        else RequiredHeader(c, rule)
        for c, rule in REQUIRED.items()
    )
    contract = HeaderContract(KNOWN, required)
    header = replaced("primary_education:end_date", "primary_education:start_date")
    (finding,) = findings(header, contract)
    assert (finding.rule, finding.severity) == ("end_date.required", Severity.WARNING)
    assert finding.message.startswith("required header 'primary_education:end_date' is missing;")


@pytest.mark.parametrize(
    "header", [["id", "name"], ["student_id", "notes", "favourite_colour"], ["", "x", "date"]]
)
def test_a_row_1_like_no_header_is_not_an_export(header: list[str]) -> None:
    error = unusable(header)
    assert f"none of the {len(header)} cell(s) of row 1 is a student sync header" in error.problem


def test_blank_and_repeated_headers_are_still_reported() -> None:
    found = findings([*BASE, "", "gender", "gender"])
    assert [(f.rule, f.columns) for f in found] == [
        ("intake.blank_header", ("(blank header, column 7)",)),
        ("intake.duplicate_header", ("gender",)),
    ]
    assert "appears again in column 9 (first in column 8)" in found[1].message
