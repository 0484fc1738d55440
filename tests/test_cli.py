"""The command line contract: exit codes, one-sentence errors, JSON, and no GE for --help."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, CliRun, findings_by_rule

INTAKE = FIXTURES / "intake"
GOOD = "jana.novak@student.uni-example.eu,S1000001,Jana,Nováková,2027-06-30,Alumni"


def test_clean_export_passes_with_exit_0(run_cli: Callable[..., CliRun]) -> None:
    run = run_cli("check", INTAKE / "valid.csv")
    assert run.code == 0, run.err
    assert run.json is not None
    assert run.json["outcome"] == "passed"
    assert run.json["counts"] == {"error": 0, "warning": 0}
    assert run.json["accounting"] == {"rows_read": 4, "rows_clean": 4, "rows_with_errors": 0}
    assert run.json["export"]["rows"] == 4
    used, verdict = run.out.splitlines()[:2]
    assert used.startswith("syncguard ") and "handshake_student_sync_eu.yaml" in used
    assert verdict.startswith("PASSED")


def test_both_engines_report_into_one_list_with_rows(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    path = write_csv(
        GOOD,
        "Jana.Novak@student.uni-example.eu ,S1000002,Eva,Berg,2027-06-30,Alumni",
        "eva.kis@student.uni-example.eu,S1000001,  ,Kis,2027-06-30,Alumni",
        "ola.nordmann@student.uni-example.eu,,Ola,Nordmann,2027-06-30,Alumni",
    )
    run = run_cli("check", path)
    assert run.code == 1
    assert run.json is not None
    found = findings_by_rule(run.json)
    assert found["email_address.unique"]["rows"] == [2, 3]
    assert found["email_address.unique"]["engine"] == "great_expectations"
    assert found["username.unique"]["rows"] == [2, 4]
    assert found["first_name.not_blank"]["rows"] == [4]
    assert found["first_name.not_blank"]["engine"] == "pandera"
    assert found["username.not_blank"]["rows"] == [5]
    assert run.json["outcome"] == "failed"
    assert run.json["accounting"] == {"rows_read": 4, "rows_clean": 0, "rows_with_errors": 4}
    assert found["email_address.unique"]["examples"] == [
        "aaaa.aaaaa@student.uni-example.eu",
        "Aaaa.Aaaaa@student.uni-example.eu␣",
    ]
    assert "Jana.Novak" not in str(run.json)


def test_show_values_shows_raw_examples(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    path = write_csv(GOOD, GOOD.replace("S1000001", "S1000002"))
    run = run_cli("check", path, "--show-values")
    assert run.json is not None
    assert (
        findings_by_rule(run.json)["email_address.unique"]["examples"][0]
        == "jana.novak@student.uni-example.eu"
    )


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (["check"], 3, "the following arguments are required: EXPORT.csv"),
        (["check", "x.csv", "--bogus"], 3, "unrecognized arguments: --bogus"),
        (["frobnicate"], 3, "invalid choice: 'frobnicate'"),
        (["check", "does-not-exist.csv"], 2, "does-not-exist.csv: no such file; check the path."),
        (["check", str(INTAKE / "semicolon.csv")], 2, "separated by semicolons"),
        (
            ["check", str(INTAKE / "valid.csv"), "--rules", "no/such/rules"],
            3,
            "no/such/rules: no such rule file",
        ),
    ],
)
def test_wrong_use_exits_with_one_sentence(
    run_cli: Callable[..., CliRun], argv: list[str], code: int, words: str
) -> None:
    """2: the export is unusable; 3: the command line or the rules are wrong."""
    run = run_cli(*argv, want_json=False)
    assert run.code == code
    assert words in run.err
    assert run.err.count("\n") == 1
    assert "Traceback" not in run.err


def test_unusable_export_writes_unusable_json(run_cli: Callable[..., CliRun]) -> None:
    run = run_cli("check", INTAKE / "latin1.csv")
    assert run.code == 2
    assert run.json is not None
    assert run.json["outcome"] == "unusable"
    assert run.json["findings"][0]["rows"] == [4]


def test_bad_rule_file_exits_3_with_every_problem(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "suite: s\nheaders: [email_address]\nrules:\n  - id: a\n    kind: nope\n", encoding="utf-8"
    )
    run = run_cli("check", INTAKE / "valid.csv", "--rules", rules, want_json=False)
    assert run.code == 3
    assert f"{rules}:5:11: unknown kind 'nope'" in run.err
    assert f"{rules}:4:5: rule is missing 'description'" in run.err


def test_rules_lists_the_suite(run_cli: Callable[..., CliRun]) -> None:
    run = run_cli("rules", want_json=False)
    assert run.code == 0
    assert "username.unique" in run.out and "great_expectations" in run.out


def test_report_dir_gets_json_and_html(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    run = run_cli("check", INTAKE / "valid.csv")
    (run_dir,) = [p for p in (tmp_path / "reports").iterdir() if p.is_dir()]
    assert (run_dir / "results.json").is_file()
    assert (run_dir / "report.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    assert str(run_dir / "report.html") in run.out


@pytest.mark.parametrize("argv", [["--help"], ["rules"], ["rules", "--json"], ["check", "--help"]])
def test_commands_without_validation_never_import_great_expectations(argv: list[str]) -> None:
    code = (
        "import sys; from syncguard.cli import main; rc = main(sys.argv[1:]); "
        "assert 'great_expectations' not in sys.modules, 'GE imported'; sys.exit(rc)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_python_dash_m_runs_and_exit_codes_are_real(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "syncguard",
            "check",
            str(INTAKE / "tab.csv"),
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().endswith("or set the export's delimiter to ','.")
    assert "Traceback" not in done.stderr


def test_compile_writes_a_suite_great_expectations_loads(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    import json

    import great_expectations as gx

    import syncguard.engines.gx_expectations  # noqa: F401  (registers syncguard's expectations)

    run = run_cli("compile", "--out", tmp_path, want_json=False)
    assert run.code == 0, run.err
    document = json.loads((tmp_path / "handshake_student_sync_eu.json").read_text("utf-8"))
    rules = {e["meta"]["rule"] for e in document["expectations"]}
    assert {"username.unique", "username.not_in_email", "major_names.item_length"} <= rules
    gx.get_context(mode="ephemeral")
    assert len(gx.ExpectationSuite(**document).expectations) == len(document["expectations"])


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (
            ["check", "x.csv", "--as-of", "29/11/2026"],
            "'29/11/2026' is not a date written yyyy-mm-dd",
        ),
        (["check", "x.csv", "--email-domain", "gmail"], "'gmail' is not an email domain"),
        (["compile"], "the following arguments are required: --out"),
    ],
)
def test_bad_option_values_exit_3(
    run_cli: Callable[..., CliRun], argv: list[str], words: str
) -> None:
    run = run_cli(*argv, want_json=False)
    assert run.code == 3 and words in run.err
