"""The built-in suite covers every column of the spec; a spec column without a rule fails here."""

from __future__ import annotations

import re

import pytest

from syncguard.defaults import default_rules
from syncguard.model import Severity
from syncguard.suite.loader import load_suite
from syncguard.suite.model import Suite
from tests.conftest import SPEC

SPEC_COLUMNS = re.findall(r"^([a-z_:]+)\*? \|", SPEC.read_text(encoding="utf-8"), re.M)
# Free text in the spec: only the rules for every cell (formula, whitespace) apply to them.
FREE_TEXT = {
    "middle_name",
    "preferred_name",
    "gender",
    "hometown_location_attributes:name",
    "campus_name",  # an allow-list only when the institution gives its campuses
}
REQUIRED = {c.rstrip("*") for c in re.findall(r"^([a-z_:]+\*) \|", SPEC.read_text("utf-8"), re.M)}


def test_the_spec_table_was_read() -> None:
    assert len(SPEC_COLUMNS) == 23
    assert "primary_education:end_date" in SPEC_COLUMNS


def test_every_spec_column_is_a_known_header(suite: Suite) -> None:
    assert set(SPEC_COLUMNS) == set(suite.known_headers)


@pytest.mark.parametrize("column", SPEC_COLUMNS)
def test_every_spec_column_has_a_rule(suite: Suite, column: str) -> None:
    every = {r.id for r in suite.rules if set(r.columns) == set(suite.known_headers)}
    own = [r.id for r in suite.rules if column in r.columns and r.id not in every]
    assert own or column in FREE_TEXT, f"no rule of its own checks {column}"
    assert any(column in r.columns for r in suite.rules)


def test_required_columns_of_the_spec_are_required_headers(suite: Suite) -> None:
    required = {r.column for r in suite.rules_of("required_header")}
    # auth_identifier is required only with SSO (setting `sso`, off by default)
    assert required == REQUIRED - {"auth_identifier"}


@pytest.mark.parametrize("sso", [False, True])
def test_clear_is_refused_in_every_required_column(sso: bool) -> None:
    suite = load_suite(default_rules(), {"sso": sso})
    cleared = {r.column for r in suite.rules_of("not_cleared")}
    assert cleared == (REQUIRED if sso else REQUIRED - {"auth_identifier"})
    assert all(r.severity is Severity.ERROR for r in suite.rules_of("not_cleared"))
