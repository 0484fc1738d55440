"""What a scheduled gate needs: exit codes it can act on, machine-readable history, fixed paths."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import syncguard
from tests.conftest import FIXTURES, CliRun, findings_by_rule

INTAKE = FIXTURES / "intake"


def _plain(run_cli: Callable[..., CliRun], *argv: str | Path) -> CliRun:
    return run_cli(*argv, want_json=False)


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 1)])
def test_fail_on_warning(run_cli: Callable[..., CliRun], fail_on: str, code: int) -> None:
    run = run_cli("check", INTAKE / "bom.csv", "--fail-on", fail_on)  # a warning only
    assert run.json is not None and run.json["counts"] == {"error": 0, "warning": 1}
    assert run.code == code


def test_only_runs_the_named_rules(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    path = write_csv(
        "a@uni.eu,S1,Ana,Berg,30/06/2027,Alumni", "a@uni.eu,S1,Eva,Kis,2027-06-30,alumni"
    )
    everything = run_cli("check", path, "--email-domain", "uni.eu")
    assert everything.json is not None
    assert {"end_date.format", "username.unique"} <= set(findings_by_rule(everything.json))
    only = run_cli("check", path, "--email-domain", "uni.eu", "--only", "end_date.format")
    assert only.json is not None
    assert set(findings_by_rule(only.json)) == {"end_date.format"}
    wrong = _plain(run_cli, "check", path, "--only", "end_date.fromat")
    assert wrong.code == 3 and "did you mean 'end_date.format'?" in wrong.err


def test_progress_lines_go_to_stderr_with_timings(run_cli: Callable[..., CliRun]) -> None:
    run = run_cli("check", INTAKE / "valid.csv", "--progress")
    assert run.code == 0
    stages = [line for line in run.err.splitlines() if line.startswith("syncguard: [")]
    assert len(stages) >= 4 and any("reading" in s for s in stages)


@pytest.mark.parametrize(
    ("check_id", "words"),
    [
        ("major_names.item_length", "spec"),
        ("intake.bom", "basis (practice)"),
        ("compare.username_changed", "automatic syncs cannot change it"),
    ],
)
def test_explain_a_check(run_cli: Callable[..., CliRun], check_id: str, words: str) -> None:
    run = _plain(run_cli, "explain", check_id)
    assert run.code == 0 and words in run.out and "fix:" in run.out


def test_explain_never_imports_great_expectations() -> None:
    code = (
        "import sys; from syncguard.cli import main; rc = main(['explain', 'username.unique']); "
        "assert 'great_expectations' not in sys.modules, 'GE imported'; sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "passes, e.g." in done.stdout and "fails, e.g." in done.stdout


def test_explain_an_unknown_check(run_cli: Callable[..., CliRun]) -> None:
    run = _plain(run_cli, "explain", "username.uniqe")
    assert run.code == 3 and "did you mean 'username.unique'?" in run.err


def test_history_as_json_and_one_run(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    assert run_cli("check", INTAKE / "valid.csv").code == 0
    assert run_cli("check", INTAKE / "bom.csv", "--baseline", "last", "--no-history").code == 0
    assert run_cli("check", INTAKE / "bom.csv").code == 1  # 2 rows after 4: a truncated export?
    history = tmp_path / "reports" / "history.sqlite"
    listed = json.loads(_plain(run_cli, "history", "--history", history, "--json").out)
    assert [r["id"] for r in listed] == [2, 1]
    assert listed[0]["export"] == "bom.csv" and listed[0]["outcome"] == "failed"
    shown = json.loads(_plain(run_cli, "history", "2", "--history", history, "--json").out)
    assert {"rule": "intake.bom", "column": None, "severity": "warning", "failed_rows": 1} in (
        shown[0]["counts"]
    )
    assert shown[0]["baseline"] == 1
    assert "intake.bom" in _plain(run_cli, "history", "2", "--history", history).out
    missing = _plain(run_cli, "history", "9", "--history", history)
    assert missing.code == 3 and "no run #9" in missing.err


def test_latest_points_at_the_newest_run(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    run_cli("check", INTAKE / "valid.csv")
    run_cli("check", INTAKE / "bom.csv")
    reports = tmp_path / "reports"
    page = (reports / "latest.html").read_text(encoding="utf-8")
    (newest,) = sorted(p for p in reports.iterdir() if p.name.endswith("-bom"))
    assert f'url={newest.name}/report.html"' in page and "<script" not in page
    latest = json.loads((reports / "latest.json").read_text(encoding="utf-8"))
    assert latest["export"]["path"].endswith("bom.csv")


def test_the_python_api(tmp_path: Path) -> None:
    done = syncguard.check(INTAKE / "valid.csv", report_dir=tmp_path / "r", as_of="2026-11-29")
    assert done.result.outcome is syncguard.Outcome.PASSED
    assert done.result.as_of == "2026-11-29"
    assert (done.run_dir / "report.html").is_file()


@pytest.mark.parametrize(
    ("argv", "outcome"),
    [
        (["--email-domain", "not a domain"], None),  # the command line itself: nothing to name
        (["--rules", "no/such/rules"], "invalid"),
        (["--baseline", "7"], "invalid"),  # no such run in the history
    ],
)
def test_a_run_that_checked_nothing_still_leaves_json(
    run_cli: Callable[..., CliRun], tmp_path: Path, argv: list[str], outcome: str | None
) -> None:
    from syncguard.output.schema import validate

    target = tmp_path / "out.json"
    run = _plain(run_cli, "check", INTAKE / "valid.csv", "--json", target, *argv)
    assert run.code == 3
    if outcome is None:
        assert not target.exists()
        return
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["outcome"] == outcome and document["notes"]
    assert validate(document) == []


def test_schema_prints_the_published_schema(run_cli: Callable[..., CliRun]) -> None:
    run = _plain(run_cli, "schema")
    assert run.code == 0
    document = json.loads(run.out)
    assert document["properties"]["schema_version"]["const"] == 2


def test_ci_outputs(
    run_cli: Callable[..., CliRun], tmp_path: Path, write_csv: Callable[..., Path]
) -> None:
    import xml.etree.ElementTree as ET

    path = write_csv("a@uni.eu,S1,Ana,Berg,30/06/2027,Alumni")
    junit, summary = tmp_path / "junit.xml", tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    run = _plain(
        run_cli,
        "check",
        path,
        "--email-domain",
        "uni.eu",
        "--junit",
        junit,
        "--github",
        "--summary-md",
        summary,
        "--report-dir",
        tmp_path / "r",
        "-q",
    )
    assert run.code == 1
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and int(suite.get("failures", "0")) >= 1
    assert f"::error file={path},line=2,title=end_date.format::" in run.out
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n") and "FAILED" in text  # appended, not replaced


def test_config_names_the_project_file(
    run_cli: Callable[..., CliRun], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "p"
    project.mkdir()
    assert _plain(run_cli, "init", project).code == 0
    config = project / "syncguard.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('report_dir = "reports"', 'report_dir = "out"'),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)  # the project is not found from here: --config names it
    run = _plain(run_cli, "check", INTAKE / "valid.csv", "--config", config, "--no-history", "-q")
    assert run.code == 0, run.err
    assert (project / "out").is_dir() and str(config) in run.out.splitlines()[0]
    missing = _plain(run_cli, "rules", "--config", tmp_path / "nope.toml")
    assert missing.code == 3 and "no such project file" in missing.err
