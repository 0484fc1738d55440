"""Both engines, compiled from one suite: rows come back as spreadsheet rows; crashes are errors."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from syncguard.engines import gx_engine, pandera_engine, validate
from syncguard.errors import SourceLocation
from syncguard.model import Engine, Severity
from syncguard.suite.model import Rule, Suite


def _rule(rule_id: str, kind: str, column: str, **params: object) -> Rule:
    return Rule(
        rule_id,
        kind,
        (column,),
        Severity.ERROR,
        f"{rule_id}.",
        SourceLocation(Path("r.yaml"), 3, 5),
        params,
    )


SUITE = Suite(
    "t",
    "1",
    ("email_address", "username"),
    (
        _rule("email.not_blank", "not_blank", "email_address"),
        _rule("email.unique", "unique", "email_address", ignore_case=True, strip=True),
        _rule("username.unique", "unique", "username"),
    ),
)
FRAME = pl.DataFrame(
    {
        "email_address": ["a@x.eu", " A@X.eu", None, "b@x.eu", "  "],
        "username": ["1", "2", "1", None, None],
        "__row__": pl.Series([2, 3, 5, 6, 9], dtype=pl.UInt32),
    }
)


def test_pandera_rows_are_spreadsheet_rows() -> None:
    (finding,) = validate(FRAME, SUITE, Engine.PANDERA)
    assert finding.rule == "email.not_blank"
    assert finding.engine is Engine.PANDERA
    assert finding.rows == (5, 9)
    assert finding.location == "r.yaml:3:5"


def test_gx_rows_are_spreadsheet_rows_and_blanks_are_not_duplicates() -> None:
    found = {f.rule: f for f in validate(FRAME, SUITE, Engine.GREAT_EXPECTATIONS)}
    assert found["email.unique"].rows == (2, 3)
    assert found["email.unique"].examples == ("a@x.eu", " A@X.eu")
    assert found["username.unique"].rows == (2, 5)
    assert all(f.engine is Engine.GREAT_EXPECTATIONS for f in found.values())


def test_gx_compiles_one_expectation_per_rule_with_the_rule_id() -> None:
    suite = gx_engine.compile_suite(SUITE)
    assert [e.meta["rule"] for e in suite.expectations] == ["email.unique", "username.unique"]


def test_mostly_lets_a_small_share_pass() -> None:
    # GE counts the share over non-blank values (1 of 3 usernames passes), Pandera over all rows
    # (3 of 5 emails are not blank).
    lenient = Suite(
        "t",
        "1",
        SUITE.known_headers,
        (
            Rule(
                "u",
                "unique",
                ("username",),
                Severity.ERROR,
                "u.",
                SourceLocation(Path("r"), 1, 1),
                {},
                mostly=0.3,
            ),
            Rule(
                "n",
                "not_blank",
                ("email_address",),
                Severity.ERROR,
                "n.",
                SourceLocation(Path("r"), 1, 1),
                {},
                mostly=0.5,
            ),
        ),
    )
    assert validate(FRAME, lenient, Engine.GREAT_EXPECTATIONS) == []
    assert validate(FRAME, lenient, Engine.PANDERA) == []


@pytest.mark.parametrize("engine", ["pandera", "gx"])
def test_an_engine_crash_is_an_error_finding_never_a_pass(
    engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: object, **__: object) -> object:
        raise RuntimeError("engine exploded")

    if engine == "pandera":
        monkeypatch.setattr(pandera_engine, "compile_schema", boom)
        findings = validate(FRAME, SUITE, Engine.PANDERA)
    else:
        monkeypatch.setattr(gx_engine, "_context", boom)
        findings = validate(FRAME, SUITE, Engine.GREAT_EXPECTATIONS)
    assert findings
    assert all(f.severity is Severity.ERROR and "engine exploded" in f.message for f in findings)
