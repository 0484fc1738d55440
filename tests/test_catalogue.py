"""The catalogue: every check declared once with its basis, listed, and tunable from YAML."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from syncguard import catalogue
from syncguard.compare.checks import CHECKS as COMPARISON_CHECKS
from syncguard.compare.checks import DECLARED
from syncguard.intake.checks import CHECKS as INTAKE_CHECKS
from syncguard.model import BasisKind, Consequence, Severity, Source
from syncguard.repair import REPAIRS
from syncguard.suite.model import Suite
from tests.conftest import FIXTURES, HEADER, ROOT, CliRun, findings_by_rule

INTAKE = FIXTURES / "intake"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A copy of the built-in rules with room for a local file of overrides."""
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    (tmp_path / "checks").symlink_to(ROOT / "checks")
    return folder


def _overrides(rules: Path, text: str) -> Path:
    path = rules / "local.yaml"
    path.write_text("overrides:\n" + text, encoding="utf-8")
    return path


def _catalogue(run_cli: Callable[..., CliRun], *argv: str | Path) -> dict[str, Any]:
    listed = run_cli("rules", "--json", *argv, want_json=False)
    assert listed.code == 0, listed.err
    document: dict[str, Any] = json.loads(listed.out)
    return document


def test_rules_json_lists_every_check_with_its_basis(
    run_cli: Callable[..., CliRun], suite: Suite
) -> None:
    document = _catalogue(run_cli)
    by_id = {c["id"]: c for c in document["checks"]}
    assert len(by_id) == len(document["checks"])  # ids are unique across sources
    expected = (
        {r.id for r in suite.rules}
        | {c.id for c in INTAKE_CHECKS}
        | {c.entry.id for c in COMPARISON_CHECKS}
        | {c.id for c in DECLARED}
        | {"project.check_module"}
        | {c.id for c in REPAIRS}
    )
    assert set(by_id) == expected
    assert {c["source"] for c in by_id.values()} == {s.value for s in Source}
    for check in by_id.values():
        assert check["basis"]["kind"] in {k.value for k in BasisKind}, check["id"]
        assert check["basis"]["text"].strip(), check["id"]
        assert check["title"].strip() and check["fix"].strip(), check["id"]
        assert check["severity"] in {s.value for s in Severity}


@pytest.mark.parametrize(
    "check", [*INTAKE_CHECKS, *(c.entry for c in COMPARISON_CHECKS), *DECLARED, *REPAIRS]
)
def test_every_builtin_check_is_declared_whole(check: catalogue.Check) -> None:
    assert check.id.startswith(("intake.", "compare.", "repair."))
    assert check.source in (Source.INTAKE, Source.COMPARE, Source.REPAIR)
    assert check.description and check.fix and check.basis.text
    assert check.message or check.source is Source.REPAIR  # repairs are changes, not findings
    # a verdict that blocks rests on the spec, an importer fact or security, never on practice
    if check.severity is Severity.ERROR:
        assert check.basis.kind is not BasisKind.PRACTICE, check.id


def test_builtin_severity_is_raised_from_yaml(run_cli: Callable[..., CliRun], rules: Path) -> None:
    before = run_cli("check", INTAKE / "bom.csv", "--rules", rules)
    assert before.code == 0 and before.json is not None
    assert findings_by_rule(before.json)["intake.bom"]["severity"] == "warning"
    _overrides(rules, "  - id: intake.bom\n    severity: error\n")
    after = run_cli("check", INTAKE / "bom.csv", "--rules", rules)
    assert after.code == 1 and after.json is not None
    assert findings_by_rule(after.json)["intake.bom"]["severity"] == "error"
    listed = {c["id"]: c for c in _catalogue(run_cli, "--rules", rules)["checks"]}
    assert listed["intake.bom"]["severity"] == "error"


def test_builtin_check_is_switched_off_from_yaml(
    run_cli: Callable[..., CliRun], rules: Path, write_csv: Callable[..., Path]
) -> None:
    export = write_csv(
        "a@student.uni-example.eu,S1000001,Ana,Berg,2027-06-30,Alumni,blue",
        header=HEADER + ",favourite_colour",
    )
    before = run_cli("check", export, "--rules", rules)
    assert before.json is not None and "intake.extra_header" in findings_by_rule(before.json)
    _overrides(
        rules,
        "  - id: intake.extra_header\n    enabled: false\n"
        "    reason: our export carries one internal column the importer ignores\n",
    )
    after = run_cli("check", export, "--rules", rules)
    assert after.json is not None and "intake.extra_header" not in findings_by_rule(after.json)
    listed = {c["id"]: c for c in _catalogue(run_cli, "--rules", rules)["checks"]}
    assert listed["intake.extra_header"]["enabled"] is False
    assert "internal column" in listed["intake.extra_header"]["disabled_because"]


def test_a_yaml_rule_is_tuned_like_a_builtin(
    run_cli: Callable[..., CliRun], rules: Path, write_csv: Callable[..., Path]
) -> None:
    export = write_csv(
        "a@student.uni-example.eu,S1000001,Ana,Berg,2027-06-30,Alumni",
        "b@student.uni-example.eu,S1000001,Eva,Kis,2027-06-30,Alumni",
    )
    assert run_cli("check", export, "--rules", rules).code == 1
    _overrides(rules, "  - id: username.unique\n    severity: warning\n")
    run = run_cli("check", export, "--rules", rules)
    assert run.json is not None
    assert findings_by_rule(run.json)["username.unique"]["severity"] == "warning"


def test_a_required_header_tuned_to_warning_is_a_warning_not_unusable(
    run_cli: Callable[..., CliRun], rules: Path, write_csv: Callable[..., Path]
) -> None:
    header = HEADER.replace(",school_year_name", "")
    export = write_csv("a@student.uni-example.eu,S1000001,Ana,Berg,2027-06-30", header=header)
    refused = run_cli("check", export, "--rules", rules)
    assert refused.code == 2 and "'school_year_name' is missing" in refused.err
    _overrides(rules, "  - id: school_year_name.required\n    severity: warning\n")
    run = run_cli("check", export, "--rules", rules)
    assert run.code == 0, run.err
    assert run.json is not None
    finding = findings_by_rule(run.json)["school_year_name.required"]
    assert finding["severity"] == "warning" and finding["rows"] == [1]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "  - id: intake.bomb\n    severity: error\n",
            "2:5: no check has the id 'intake.bomb'; did you mean 'intake.bom'?",
        ),
        (
            "  - id: username.uniqe\n    enabled: false\n    reason: x\n",
            "2:5: no check has the id 'username.uniqe'; did you mean 'username.unique'?",
        ),
        ("  - id: intake.bom\n    enabled: false\n", "2:5: switching a check off needs a 'reason'"),
        ("  - id: intake.bom\n    severity: fatal\n", "3:15: severity must be one of"),
        ("  - id: intake.bom\n", "2:5: an override sets 'severity' or 'enabled'"),
        (
            "  - id: intake.unusable\n    severity: warning\n",
            "2:5: 'intake.unusable' cannot be tuned",
        ),
        (
            "  - id: intake.bom\n    severity: error\n  - id: intake.bom\n    severity: warning\n",
            "4:5: 'intake.bom' is overridden twice",
        ),
        (
            "  - id: intake.bom\n    severty: error\n",
            "3:5: unknown key 'severty'; did you mean 'severity'?",
        ),
    ],
)
def test_override_mistakes_are_reported_at_their_place(
    run_cli: Callable[..., CliRun], rules: Path, text: str, problem: str
) -> None:
    path = _overrides(rules, text)
    run = run_cli("rules", "--rules", rules, want_json=False)
    assert run.code == 3
    assert f"{path}:{problem}" in run.err


def test_the_report_lists_passed_builtin_checks(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    run = run_cli("check", INTAKE / "valid.csv")
    assert run.code == 0
    (report,) = (tmp_path / "reports").glob("*/report.html")
    html = report.read_text(encoding="utf-8")
    catalogue = html.split('id="checks"', 1)[1]
    for check_id in ("intake.bom", "username.unique", "cells.no_formula"):
        assert f'<code class="id">{check_id}</code>' in catalogue
    assert "Basis (importer):" in catalogue and "Basis (spec):" in catalogue


def test_every_blocking_rule_of_the_contract_rests_on_the_spec_or_the_importer() -> None:
    """A rule with only practice behind it warns: a false alarm blocks a good file."""
    from syncguard.catalogue import build
    from syncguard.defaults import default_rules
    from syncguard.suite.loader import load_suite

    every_option = {
        "sso": True,
        "campus_names": ["M"],
        "college_names": ["C"],
        "major_names": ["K"],
    }
    checks = build(load_suite(default_rules(), every_option)).checks
    blocking = [c for c in checks if c.severity is Severity.ERROR]
    assert len(blocking) > 40
    for check in blocking:
        assert check.basis.kind is not BasisKind.PRACTICE, check.id
        assert check.basis.kind is not BasisKind.SECURITY or check.id == "cells.no_formula"


def test_every_check_says_what_the_import_does_and_a_blocking_one_is_not_cosmetic(
    run_cli: Callable[..., CliRun],
) -> None:
    document = _catalogue(run_cli)
    listed = {c["id"]: c for c in document["checks"]}
    assert all(c["consequence"] in {x.value for x in Consequence} for c in listed.values())
    # an error blocks the upload: it must rest on something the import does to the data
    cosmetic_errors = [
        i for i, c in listed.items() if c["severity"] == "error" and c["consequence"] == "cosmetic"
    ]
    assert cosmetic_errors == []
    assert listed["email_address.not_blank"]["consequence"] == "row_skipped"
    assert listed["username.unique"]["consequence"] == "row_skipped"
    assert listed["compare.labels_wiped"]["consequence"] == "labels_wiped"
    assert listed["mobile_number.format"]["consequence"] == "field_rejected"
    assert listed["intake.file_size"]["consequence"] == "file_rejected"


def test_what_to_fix_ranks_by_consequence_then_students(
    tmp_path: Path, run_cli: Callable[..., CliRun]
) -> None:
    # a blank email (student not created) and a duplicate username (student skipped) rank
    # above a badly formatted phone number that fails on more rows
    rows = [
        "a@uni-example.eu,u1,A,B,2024-09-01,2027-06-30,Bachelor 1st year or equivalent,+3212(3",
        "b@uni-example.eu,u2,A,B,2024-09-01,2027-06-30,Bachelor 1st year or equivalent,12-34",
        "c@uni-example.eu,u3,A,B,2024-09-01,2027-06-30,Bachelor 1st year or equivalent,(0)5",
        ",u4,A,B,2024-09-01,2027-06-30,Bachelor 1st year or equivalent,",
        "e@uni-example.eu,u1,A,B,2024-09-01,2027-06-30,Bachelor 1st year or equivalent,",
    ]
    header = (
        "email_address,username,first_name,last_name,primary_education:start_date,"
        "primary_education:end_date,school_year_name,mobile_number"
    )
    export = tmp_path / "e.csv"
    export.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    done = run_cli("check", export, "--no-history", "--email-domain", "uni-example.eu")
    order = [f["rule"] for f in done.json["findings"]]
    assert order.index("email_address.not_blank") < order.index("mobile_number.format")
    assert order.index("username.unique") < order.index("mobile_number.format")
    phone = next(f for f in done.json["findings"] if f["rule"] == "mobile_number.format")
    assert phone["failed_rows"] == 3
    assert phone["consequence"]["kind"] == "field_rejected"
    assert phone["consequence"]["plain"].startswith("field rejected: ")


LOCAL_RULE = (
    "rules:\n  - id: local.rule\n    kind: not_blank\n    column: gender\n"
    "    description: A gender.\n    basis: 'practice: x'\n{explains}"
)


@pytest.mark.parametrize(
    ("explains", "problem"),
    [
        (
            "    explains: [username.uniqe]\n",
            "2:5: 'local.rule' explains 'username.uniqe': no check has this id; did you mean "
            "'username.unique'?",
        ),
        ("    explains: [local.rule]\n", "2:5: 'local.rule' explains itself"),
        (
            "    explains: [username.unique]\n",
            "2:5: 'local.rule' (a warning) cannot explain 'username.unique' (an error)",
        ),
        (
            "    explains: [cells.no_formula_start]\n  - id: local.other\n    kind: not_blank\n"
            "    column: gender\n    description: x.\n    basis: 'practice: x'\n"
            "    explains: [local.rule]\n",
            "",
        ),
        (
            "    explains: [local.other]\n  - id: local.other\n    kind: not_blank\n"
            "    column: gender\n    description: x.\n    basis: 'practice: x'\n"
            "    explains: [local.rule]\n",
            "2:5: checks explain each other in a circle: local.",
        ),
    ],
)
def test_explains_mistakes_are_reported_at_the_rule(
    run_cli: Callable[..., CliRun], rules: Path, explains: str, problem: str
) -> None:
    path = rules / "local.yaml"
    path.write_text(LOCAL_RULE.format(explains=explains), encoding="utf-8")
    run = run_cli("rules", "--rules", rules, want_json=False)
    if not problem:  # a chain is no circle
        assert run.code == 0, run.err
        return
    assert run.code == 3
    assert f"{path}:{problem}" in run.err


def test_explanations_come_explainers_first(rules: Path) -> None:
    from syncguard.suite.loader import load_suite

    pairs = catalogue.build(load_suite(rules)).explanations
    assert ("compare.labels_wiped", "system_label_names.not_blank") in pairs
    assert ("mobile_number.not_scientific", "mobile_number.format") in pairs
    place = {check: i for i, (check, _) in enumerate(pairs)}
    for i, (_, explained) in enumerate(pairs):
        assert place.get(explained, len(pairs)) > i  # what explains a check comes before


def test_every_builtin_explains_a_known_check() -> None:
    from syncguard.defaults import default_rules
    from syncguard.suite.loader import load_suite

    known = {c.id for c in catalogue.builtin_checks()} | {
        r.id for r in load_suite(default_rules()).rules
    }
    for check in catalogue.builtin_checks():
        assert set(check.explains) <= known, check.id


def test_explanations_leave_out_the_checks_not_run(rules: Path) -> None:
    from syncguard.suite.loader import load_suite

    built = catalogue.build(load_suite(rules))
    only = built.only(["ids.not_scientific", "username.unique"]).explanations
    assert set(only) == {  # the comparison checks run in every check; the other rules do not
        ("ids.not_scientific", "compare.username_changed"),
        ("ids.not_scientific", "compare.auth_identifier_changed"),
        ("ids.not_scientific", "username.unique"),
    }
