"""Institution settings: ${name} references, enabled_if, overrides from the command line."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from syncguard.defaults import default_rules
from syncguard.errors import RuleFileError
from syncguard.suite.loader import load_suite
from tests.conftest import HEADER, ROOT, CliRun, findings_by_rule

ROW = "jana.novak@student.uni-example.eu,S1000001,Jana,Nováková,2027-06-30,Alumni"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A copy of the built-in rules that a test may edit (checks/ shared, not copied)."""
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    (tmp_path / "checks").symlink_to(ROOT / "checks")
    return tmp_path / "rules"


def _set(rules: Path, old: str, new: str) -> None:
    path = rules / "institution.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_settings_fill_references_and_overrides_win() -> None:
    suite = load_suite(default_rules(), {"email_domains": ["uni.example.eu"]})
    assert suite.rule("email_address.format").params["domains"] == ["uni.example.eu"]
    assert suite.settings["sso"] is False
    assert "auth_identifier.required" not in {r.id for r in suite.rules}


def test_sso_makes_auth_identifier_required(
    rules: Path, run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    _set(rules, "sso: false", "sso: true")
    run = run_cli("check", write_csv(ROW), "--rules", rules)
    assert run.code == 2
    assert "required header 'auth_identifier' is missing" in run.err


def test_campus_allow_list_applies_when_given(
    rules: Path, run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    _set(rules, "campus_names: []", "campus_names: [Main, City]")
    path = write_csv(
        ROW + ",main",
        ROW.replace("S1000001", "S2").replace("jana", "eva") + ",City",
        header=HEADER + ",campus_name",
    )
    run = run_cli("check", path, "--rules", rules, "--as-of", "2026-11-29")
    assert run.json is not None
    finding = findings_by_rule(run.json)["campus_name.allowed"]
    assert finding["rows"] == [2]
    assert finding["suggestion"] == "Main"


def test_email_domain_on_the_command_line(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    path = write_csv(ROW)
    assert run_cli("check", path, "--email-domain", "uni-example.eu").code == 0
    run = run_cli("check", path, "--email-domain", "other.example.eu")
    assert run.json is not None
    finding = findings_by_rule(run.json)["email_address.format"]
    assert finding["rows"] == [2]
    assert "Accepted domains: other.example.eu" in finding["message"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("email_domains: []", "email_domains: uni.eu"),
            "setting 'email_domains' must be a list of texts",
        ),
        (("sso: false", "sso: maybe"), "setting 'sso' must be bool"),
        (('  today: ""', '  today: ""\n  colour: red'), "unknown key 'colour'"),
    ],
)
def test_bad_settings_are_reported_at_their_line(
    rules: Path, edit: tuple[str, str], expected: str
) -> None:
    _set(rules, *edit)
    with pytest.raises(RuleFileError) as caught:
        load_suite(rules)
    assert expected in str(caught.value)
    assert str(caught.value).startswith(f"{rules / 'institution.yaml'}:")


def test_unknown_reference_and_missing_checks_folder(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "suite: s\nchecks: ../nowhere\nheaders: [email_address]\nrules:\n"
        "  - id: a\n    kind: email\n    column: email_address\n"
        '    params: {domains: "${mail_domains}"}\n    description: d.\n'
        '    basis: "practice: a test"\n',
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError) as caught:
        load_suite(path)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith(f"{path}:2:9: checks folder '../nowhere' not found")
    assert lines[1].startswith(f"{path}:8:23: unknown setting '${{mail_domains}}'; settings: ")


def test_a_share_setting_must_be_between_0_and_1(rules: Path) -> None:
    _set(rules, "max_row_drop: 0.10", "max_row_drop: 10")
    with pytest.raises(RuleFileError, match="setting 'max_row_drop' must be a share from 0 to 1"):
        load_suite(rules)
