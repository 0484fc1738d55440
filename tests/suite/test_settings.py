"""Institution settings: ${name} references, enabled_if, syncguard.toml and the command line.

Settings live in one place, the ``[settings]`` of syncguard.toml: a rule file's ``settings:``
block is refused at its line, with what it held written as TOML to move.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from syncguard.defaults import default_rules
from syncguard.errors import RuleFileError
from syncguard.project import load
from syncguard.suite.loader import load_suite
from syncguard.suite.settings import SETTINGS
from tests.conftest import HEADER, CliRun, findings_by_rule, write_settings

ROW = "jana.novak@student.uni-example.eu,S1000001,Jana,Nováková,2027-06-30,Alumni"


def test_settings_fill_references_and_overrides_win() -> None:
    suite = load_suite(default_rules(), {"email_domains": ["uni.example.eu"]})
    assert suite.rule("email_address.format").params["domains"] == ["uni.example.eu"]
    assert suite.settings["sso"] is False
    assert "auth_identifier.required" not in {r.id for r in suite.rules}


def test_sso_makes_auth_identifier_required(
    tmp_path: Path, run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    run = run_cli("check", write_csv(ROW), "--config", write_settings(tmp_path, sso=True))
    assert run.code == 2
    assert "required header 'auth_identifier' is missing" in run.err


def test_campus_allow_list_applies_when_given(
    tmp_path: Path, run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    config = write_settings(tmp_path, campus_names=["Main", "City"])
    path = write_csv(
        ROW + ",main",
        ROW.replace("S1000001", "S2").replace("jana", "eva") + ",City",
        header=HEADER + ",campus_name",
    )
    run = run_cli("check", path, "--config", config, "--as-of", "2026-11-29")
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


RULES = (
    "suite: s\nheaders: [email_address]\nrules:\n"
    "  - id: a\n    kind: email\n    column: email_address\n"
    '    params: {domains: "${email_domains}"}\n    description: d.\n'
    '    basis: "practice: a test"\n'
)


@pytest.mark.parametrize(
    ("block", "toml"),
    [
        (
            "settings:\n  sso: true\n  campus_names: [Main, 'Ci\"ty']\n  today: 2026-11-29\n",
            ["sso = true", 'campus_names = ["Main", "Ci\\"ty"]', 'today = "2026-11-29"'],
        ),
        ("settings: {max_row_drop: 0.5, colour: red}\n", ["max_row_drop = 0.5"]),
        ("settings: {}\n", []),
    ],
    ids=["values", "unknown key", "empty"],
)
def test_a_settings_block_in_a_rule_file_is_refused_with_its_toml(
    tmp_path: Path, block: str, toml: list[str]
) -> None:
    """Settings in a rule file lost silently to syncguard.toml: now they are a problem at
    their line that says where they go, with the TOML lines to paste there."""
    path = tmp_path / "rules.yaml"
    path.write_text(RULES + block, encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_suite(path, {"email_domains": ["uni.eu"]})
    (problem,) = caught.value.problems
    assert str(problem.location) == f"{path}:10:1"
    assert "do not belong in a rule file" in problem.message
    assert "[settings] table of the project's syncguard.toml" in problem.message
    pasted = problem.message.split("`")[1::2]  # each pasteable line is in backquotes
    assert pasted == toml
    if toml:  # the lines are TOML that a project file accepts
        config = tmp_path / "syncguard.toml"
        config.write_text("[settings]\n" + "\n".join(pasted) + "\n", encoding="utf-8")
        assert tomllib.loads(config.read_text("utf-8"))["settings"]
        assert load(config).settings
    if "colour" in block:
        assert "left out, not settings or not readable: colour" in problem.message


def test_the_packaged_contract_holds_no_settings_and_takes_the_defaults() -> None:
    suite = load_suite(default_rules())
    defaults = {name: s.default for name, s in SETTINGS.items() if name != "today"}
    assert {k: v for k, v in suite.settings.items() if k != "today"} == defaults
    for path in suite.sources:
        assert "settings:" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("settings", "rule", "present"),
    [({}, "auth_identifier.required", False), ({"sso": True}, "auth_identifier.required", True)],
)
def test_the_project_file_is_where_settings_change(
    tmp_path: Path, settings: dict[str, Any], rule: str, present: bool
) -> None:
    project = load(write_settings(tmp_path, **settings))
    suite = load_suite(project.contract, dict(project.settings))
    assert (rule in {r.id for r in suite.rules}) is present
