"""Verdicts the spec backs: what blocks, what only warns, and what syncguard may not guess."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import HEADER, CliRun, findings_by_rule

ROW = "{email},S{n},Ana,Berg,2027-06-30,Alumni"


def _rows(*emails: str) -> list[str]:
    return [ROW.format(email=e, n=1000001 + i) for i, e in enumerate(emails)]


def _check(run_cli: Callable[..., CliRun], path: Path, *extra: str) -> dict[str, Any]:
    run = run_cli("check", path, "--no-history", "--as-of", "2026-11-29", *extra)
    assert run.json is not None, run.err
    run.json["_code"] = run.code
    return run.json


@pytest.mark.parametrize(
    ("emails", "reason"),
    [
        (["a@gmail.com", "b@gmail.com", "c@gmail.com"], "personal mail provider"),
        (["a@uni-a.eu", "b@uni-a.eu", "c@uni-b.eu", "d@uni-b.eu"], "clear majority"),
        (["a@uni-a.eu", "b@uni-a.eu", "c@uni-b.eu", "d@uni-c.eu", "e@uni-d.eu"], "majority"),
    ],
)
def test_no_guess_when_the_domain_is_not_clear(
    run_cli: Callable[..., CliRun],
    write_csv: Callable[..., Path],
    emails: list[str],
    reason: str,
) -> None:
    doc = _check(run_cli, write_csv(*_rows(*emails)))
    assert doc["_code"] == 1
    finding = findings_by_rule(doc)["intake.email_domain"]
    assert reason in finding["message"] and "email_domains" in finding["message"]
    assert doc["email_domains"]["inferred"] is True and doc["email_domains"]["domains"] == []
    assert "email_address.format" not in findings_by_rule(doc)  # no address judged by a guess


def test_students_and_staff_share_the_registrable_domain(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    emails = ["a@student.uni.eu", "b@student.uni.eu", "c@student.uni.eu", "d@uni.eu", "x@other.eu"]
    doc = _check(run_cli, write_csv(*_rows(*emails)))
    assert doc["email_domains"] == {
        "domains": ["uni.eu"],
        "inferred": True,
        "reason": "4 of 5 addresses (80%) are at uni.eu or its subdomains",
    }
    assert findings_by_rule(doc)["email_address.format"]["rows"] == [6]  # other.eu only


def test_a_configured_domain_is_not_inferred(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    doc = _check(run_cli, write_csv(*_rows("a@gmail.com")), "--email-domain", "uni.eu")
    assert doc["email_domains"] is None or doc["email_domains"]["inferred"] is False
    assert findings_by_rule(doc)["email_address.format"]["rows"] == [2]


STAFF = {
    "careers@careers.uni-example.eu": True,  # a subdomain of the institution
    "advisor@uni-example.eu": True,  # its registrable domain
    "advisor@student.uni-example.eu": True,  # the students' own domain
    "advisor@gmail.com": False,  # a personal mail provider
    "advisor@notuni-example.eu": False,  # another institution's name
    "advisor@uni-example.eu.evil.com": False,  # outside, though it starts alike
}
"""A staff member's address: True when it is one of the institution's."""


@pytest.mark.parametrize("configured", [True, False], ids=["configured", "inferred"])
def test_a_staff_address_may_be_anywhere_in_the_institution(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path], configured: bool
) -> None:
    lines = [
        f"s{i}@student.uni-example.eu,S{1000001 + i},Ana,Berg,2027-06-30,Alumni,{staff}"
        for i, staff in enumerate(STAFF)
    ]
    path = write_csv(*lines, header=HEADER + ",assigned_to_email_address")
    extra = ("--email-domain", "student.uni-example.eu") if configured else ()
    doc = _check(run_cli, path, *extra)
    assert doc["email_domains"]["inferred"] is not configured
    outside = [row for row, ok in enumerate(STAFF.values(), start=2) if not ok]
    found = findings_by_rule(doc)["assigned_to_email_address.format"]
    assert found["rows"] == outside and found["severity"] == "warning"  # at most a warning
    assert "email_address.format" not in findings_by_rule(doc) and doc["_code"] == 0


def test_a_students_address_stays_at_the_configured_domain(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    # the spec's domain rule is the students': uni-example.eu is not student.uni-example.eu
    path = write_csv(*_rows("a@student.uni-example.eu", "b@uni-example.eu"))
    doc = _check(run_cli, path, "--email-domain", "student.uni-example.eu")
    assert findings_by_rule(doc)["email_address.format"]["rows"] == [3]
    assert doc["_code"] == 1


@pytest.mark.parametrize(
    ("gender", "rule", "code"),
    [
        ("-", "cells.no_formula_start", 0),
        ("+ other", "cells.no_formula_start", 0),
        ("@home", "cells.no_formula_start", 0),
        ("=1+1", "cells.no_formula", 1),
        ("+SUM(A1:A9)", "cells.no_formula", 1),
        ("-2+3", "cells.no_formula", 1),
        ("@A1", "cells.no_formula", 1),
        ("=cmd|' /C calc'!A0", "cells.no_formula", 1),
    ],
)
def test_only_a_real_formula_blocks(
    run_cli: Callable[..., CliRun],
    write_csv: Callable[..., Path],
    gender: str,
    rule: str,
    code: int,
) -> None:
    cell = '"' + gender.replace('"', '""') + '"'
    path = write_csv("a@uni.eu,S1,Ana,Berg,2027-06-30,Alumni," + cell, header=HEADER + ",gender")
    doc = _check(run_cli, path)
    formula_rules = {f["rule"] for f in doc["findings"] if f["rule"].startswith("cells.no_f")}
    assert formula_rules == {rule}
    assert doc["_code"] == code


@pytest.mark.parametrize(
    "phone",
    ["+49-171-1234567", "+44 (0)20 7946 0958", "+49 (0)171 123/4567", "+33 6 12 34 56 78"],
)
def test_a_phone_number_is_no_formula(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path], phone: str
) -> None:
    # OWASP's risk is a cell that runs: a + and digits with a phone's separators call no
    # function, reference or command (Excel at most computes a number): the format is wrong
    path = write_csv(
        ROW.format(email="a@uni.eu", n=1) + "," + phone, header=HEADER + ",mobile_number"
    )
    doc = _check(run_cli, path)
    assert sorted(findings_by_rule(doc)) == ["mobile_number.format"]


@pytest.mark.parametrize(
    ("email", "rules", "code"),
    [
        # spaces around an address: no importer fact says they are rejected, so one warning
        ("a@uni.eu ", ["cells.no_stray_whitespace"], 0),
        ("a@uni.eu\u00a0", ["cells.no_stray_whitespace"], 0),
        # a space does not hide a foreign domain: two problems of the cell, two findings
        (" a@gmail.com", ["cells.no_stray_whitespace", "email_address.format"], 1),
    ],
)
def test_spaces_around_an_email_are_the_whitespace_checks(
    run_cli: Callable[..., CliRun],
    write_csv: Callable[..., Path],
    email: str,
    rules: list[str],
    code: int,
) -> None:
    path = write_csv(*_rows(email, "b@uni.eu"))
    doc = _check(run_cli, path, "--email-domain", "uni.eu")
    assert sorted(findings_by_rule(doc)) == rules
    assert doc["_code"] == code


@pytest.mark.parametrize(
    ("column", "rule", "severity", "code"),
    [
        ("primary_education:major_names", "major_names.item_length", "error", 1),
        ("primary_education:minor_names", "minor_names.item_length", "warning", 0),
        ("primary_education:college_names", "college_names.item_length", "warning", 0),
    ],
)
def test_the_255_character_limit_blocks_courses_only(
    run_cli: Callable[..., CliRun],
    write_csv: Callable[..., Path],
    column: str,
    rule: str,
    severity: str,
    code: int,
) -> None:
    path = write_csv(
        "a@uni.eu,S1,Ana,Berg,2027-06-30,Alumni,History;" + "x" * 256, header=HEADER + "," + column
    )
    doc = _check(run_cli, path)
    assert findings_by_rule(doc)[rule]["severity"] == severity
    assert doc["_code"] == code


def test_suggestions_are_per_value_and_only_when_sure(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    header = HEADER + ",disabled,primary_education:education_level_name"
    path = write_csv(
        "a@uni.eu,S1,Ana,Berg,2027-06-30,Alumni,true,PhD",
        "b@uni.eu,S2,Eva,Kis,2027-06-30,Alumni,yes,undergraduate",
        "c@uni.eu,S3,Ida,Lund,2027-06-30,Alumni,FALSE,Grad",
        header=header,
    )
    found = findings_by_rule(_check(run_cli, path))
    disabled = found["disabled.boolean"]
    assert disabled["rows"] == [2, 3]
    assert disabled["suggestions"] == ["TRUE", ""]  # 'yes' has no sure answer
    level = found["education_level_name.allowed"]
    assert level["rows"] == [2, 3, 4]
    assert level["suggestions"] == ["Doctorate", "Undergraduate", ""]
