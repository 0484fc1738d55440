"""One verdict everywhere: partial runs (--only), --fail-on warning, overrides, default severity.

Each behaviour is checked in every output a run writes: the console, results.json, the HTML
report, JUnit, the Markdown summary and the history (with its trend index and latest.*).
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from syncguard.cli import main
from syncguard.history.store import History
from syncguard.model import Engine, Finding, Gate, Outcome, Severity
from syncguard.output.schema import validate
from tests.conftest import FIXTURES, CliRun

OUTPUTS = ("console", "json", "html", "junit", "markdown", "history")
BOM = FIXTURES / "intake" / "bom.csv"  # one warning (intake.bom), nothing else
VALID = FIXTURES / "intake" / "valid.csv"
DOMAIN = ("--email-domain", "uni.eu")


@dataclass
class Run:
    """Everything one check wrote, read back."""

    code: int
    console: str
    err: str
    json: dict[str, Any]
    html: str
    junit: ET.Element
    markdown: str
    reports: Path

    def history(self) -> History:
        return History(self.reports / "history.sqlite", read_only=True)


@pytest.fixture
def check(run_cli: Callable[..., CliRun], tmp_path: Path) -> Callable[..., Run]:
    """Run ``syncguard check`` with every output, and read them all back."""
    count = 0

    def run(export: Path, *extra: str | Path) -> Run:
        nonlocal count
        count += 1
        junit, summary = tmp_path / f"junit{count}.xml", tmp_path / f"summary{count}.md"
        done = run_cli("check", export, "--junit", junit, "--summary-md", summary, *extra)
        assert done.json is not None, done.err
        assert validate(done.json) == []
        folders = sorted(p for p in (tmp_path / "reports").iterdir() if p.is_dir())
        report = (folders[-1] / "report.html").read_text(encoding="utf-8")
        return Run(
            done.code,
            done.out,
            done.err,
            done.json,
            report,
            ET.fromstring(junit.read_text(encoding="utf-8")),
            summary.read_text(encoding="utf-8"),
            tmp_path / "reports",
        )

    return run


def _testcase(junit: ET.Element, check_id: str) -> ET.Element:
    (case,) = [c for c in junit.iter("testcase") if c.get("name") == check_id]
    return case


# --- partial runs ----------------------------------------------------------------------------


@pytest.fixture
def failing(write_csv: Callable[..., Path]) -> Path:
    """An export that fails username.unique; end_date.format passes on it."""
    return write_csv(
        "a@uni.eu,S1,Ana,Berg,2027-06-30,Alumni", "b@uni.eu,S1,Eva,Kis,2027-06-30,Alumni"
    )


@pytest.mark.parametrize("output", OUTPUTS)
def test_a_partial_run_never_says_passed(
    check: Callable[..., Run], failing: Path, output: str
) -> None:
    run = check(failing, *DOMAIN, "--only", "end_date.format")
    assert run.code == 0  # the selected rule passed
    if output == "console":
        assert "PARTIAL:" in run.console and "PASSED" not in run.console
        assert "ran 1 of" in run.console and "no verdict on the file" in run.console
    elif output == "json":
        gate = run.json["gate"]
        assert run.json["outcome"] == "partial"
        assert gate["complete"] is False and gate["selected"] == ["end_date.format"]
        assert "username.unique" in gate["not_run"] and "username.unique" not in gate["ran"]
        assert "end_date.format" in gate["ran"] and "no verdict" in gate["reason"]
    elif output == "html":
        assert "◐ PARTIAL" in run.html and "can be uploaded" not in run.html
        not_run = run.html.split('id="not-run"', 1)[1]
        assert "username.unique" in not_run.split("</ul>", 1)[0]
        assert 'id="check-rule-username.unique"' not in run.html  # not listed as passed
    elif output == "junit":
        case = _testcase(run.junit, "username.unique")
        skipped = case.find("skipped")
        assert skipped is not None and "partial" in skipped.get("message", "")
        suite = run.junit.find("testsuite")
        assert suite is not None and int(suite.get("skipped", "0")) >= 1
        assert _testcase(run.junit, "end_date.format").find("skipped") is None
    elif output == "markdown":
        assert "◐ PARTIAL" in run.markdown and "PASSED" not in run.markdown
        assert "username.unique" in run.markdown.replace("\\_", "_")
    else:
        with run.history() as history:
            (past,) = history.runs()
            assert past.outcome is Outcome.PARTIAL and past.partial and not past.is_baseline
            assert past.only == ("end_date.format",) and "username.unique" in past.not_run
            assert history.baseline(past.suite, last_passed=False) is None  # no snapshot kept
        assert not (run.reports / "latest.json").exists()
        assert not (run.reports / "latest.html").exists()
        assert "◐" in (run.reports / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("output", OUTPUTS)
def test_a_partial_run_that_finds_an_error_fails_and_still_says_partial(
    check: Callable[..., Run], failing: Path, output: str
) -> None:
    run = check(failing, *DOMAIN, "--only", "username.unique")
    assert run.code == 1
    if output == "console":
        assert "FAILED:" in run.console and "partial: ran 1 of" in run.console
    elif output == "json":
        assert run.json["outcome"] == "failed" and run.json["gate"]["complete"] is False
    elif output == "html":
        assert "✗ FAILED" in run.html and 'id="not-run"' in run.html
    elif output == "junit":
        assert _testcase(run.junit, "username.unique").find("failure") is not None
        assert _testcase(run.junit, "end_date.format").find("skipped") is not None
    elif output == "markdown":
        assert "✗ FAILED" in run.markdown and "partial" in run.markdown
    else:
        with run.history() as history:
            (past,) = history.runs()
            assert past.outcome is Outcome.FAILED and past.partial


def test_a_partial_run_is_never_a_baseline_nor_what_statuses_compare_with(
    check: Callable[..., Run],
    failing: Path,
    run_cli: Callable[..., CliRun],
    tmp_path: Path,
) -> None:
    first = check(failing, *DOMAIN)  # every check: username.unique fails
    assert first.code == 1
    partial = check(failing, *DOMAIN, "--only", "end_date.format")
    resolved = {r["rule"] for r in partial.json["resolved"]}
    assert "username.unique" not in resolved  # it did not run: not resolved
    latest = json.loads((tmp_path / "reports" / "latest.json").read_text(encoding="utf-8"))
    assert latest["started_at"] == first.json["started_at"]  # latest.* stayed with run #1
    again = check(failing, *DOMAIN, "--baseline", "last")
    assert again.json["comparison"]["baseline"]["run"] == 1  # not the partial run #2
    statuses = {f["rule"]: f.get("status") for f in again.json["findings"]}
    assert statuses["username.unique"] == "persisting"  # compared with run #1, not #2
    history = ("--history", tmp_path / "reports" / "history.sqlite")
    named = run_cli("check", failing, *DOMAIN, "--baseline", "2", want_json=False)
    assert named.code == 3 and "never a baseline" in named.err
    accepted = run_cli("accept", "2", *history, want_json=False)
    assert accepted.code == 3 and "ran only some rules" in accepted.err


@pytest.mark.parametrize(
    "rules", ["username.not_in_email", "cells.no_formula,username.not_in_email"]
)
def test_only_naming_a_switched_off_check_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project: Path, rules: str
) -> None:
    code, _, err = _main(project, monkeypatch, "check", VALID, "--only", rules)
    assert code == 3
    assert "username.not_in_email: this check is switched off at" in err
    assert "local.yaml:" in err and "our usernames are emails" in err


# --- --fail-on warning -----------------------------------------------------------------------


@pytest.mark.parametrize("output", OUTPUTS)
def test_fail_on_warning_fails_everywhere(
    check: Callable[..., Run], output: str, tmp_path: Path
) -> None:
    run = check(BOM, "--fail-on", "warning")
    assert run.code == 1 and run.json["counts"] == {"error": 0, "warning": 1}
    reason = "warnings count as errors here"
    if output == "console":
        assert "FAILED:" in run.console and reason in run.console
    elif output == "json":
        assert run.json["outcome"] == "failed" and run.json["gate"]["fail_on"] == "warning"
        assert reason in run.json["gate"]["reason"]
    elif output == "html":
        assert "✗ FAILED" in run.html and reason in run.html
    elif output == "junit":
        failure = _testcase(run.junit, "intake.bom").find("failure")
        assert failure is not None and failure.get("type") == "warning"
        assert run.junit.get("failures") == "1"
    elif output == "markdown":
        assert "✗ FAILED" in run.markdown and reason in run.markdown
    else:
        with run.history() as history:
            (past,) = history.runs()
            assert past.outcome is Outcome.FAILED and past.fail_on is Severity.WARNING
            assert not past.is_baseline and history.baseline(past.suite) is None
        index = (run.reports / "index.html").read_text(encoding="utf-8")
        assert "warnings count as errors" in index


# --- overrides in runs -----------------------------------------------------------------------


LOCAL_RULES = """\
overrides:
  - id: username.not_in_email
    enabled: false
    reason: our usernames are emails
  - id: intake.bom
    severity: error
    reason: our importer chokes on it
rules:
  - id: first_name.shouty
    kind: pattern
    column: first_name
    params: {regex: "[A-Z]+"}
    description: A test rule with practice behind it and no severity.
    basis: 'practice: a test'
  - id: last_name.shouty
    kind: pattern
    column: last_name
    params: {regex: "[A-Z]+"}
    description: A test rule with the spec behind it and no severity.
    basis: 'spec: "a test"'
"""


def _main(cwd: Path, monkeypatch: pytest.MonkeyPatch, *argv: str | Path) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose rule file switches a check off, re-grades one and adds two rules."""
    folder = tmp_path / "project"
    folder.mkdir()
    assert _main(folder, monkeypatch, "init")[0] == 0
    (folder / "rules" / "local.yaml").write_text(LOCAL_RULES, encoding="utf-8")
    return folder


@pytest.mark.parametrize("output", [*OUTPUTS[:-1], "explain"])
def test_overrides_show_in_every_run(
    check: Callable[..., Run],
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    output: str,
) -> None:
    if output == "explain":
        code, out, _ = _main(project, monkeypatch, "explain", "username.not_in_email")
        assert code == 0 and "SWITCHED OFF at" in out and "our usernames are emails" in out
        code, out, _ = _main(project, monkeypatch, "explain", "intake.bom")
        assert "severity: error (re-graded from warning at" in out
        return
    monkeypatch.chdir(project)
    run = check(BOM)
    assert run.code == 1  # the BOM is an error here
    if output == "console":
        (line,) = [ln for ln in run.console.splitlines() if ln.startswith("overrides:")]
        assert "username.not_in_email switched off (" in line and "our usernames are emails" in line
        assert "intake.bom error, not warning (" in line and "local.yaml:" in line
    elif output == "json":
        (off,) = run.json["disabled"]
        assert off["id"] == "username.not_in_email" and off["reason"] == "our usernames are emails"
        assert "local.yaml:" in off["location"] and off["declared"] == "error"
        (graded,) = run.json["regraded"]
        assert (graded["id"], graded["declared"], graded["severity"]) == (
            "intake.bom",
            "warning",
            "error",
        )
        assert "username.not_in_email" not in run.json["gate"]["ran"]
    elif output == "html":
        section = run.html.split('id="overrides"', 1)[1]
        assert "username.not_in_email" in section and "our usernames are emails" in section
        assert "intake.bom" in section and "local.yaml:" in section
    elif output == "junit":
        skipped = _testcase(run.junit, "username.not_in_email").find("skipped")
        assert skipped is not None
        assert "switched off at" in skipped.get("message", "")
        assert "our usernames are emails" in skipped.get("message", "")
    else:
        text = run.markdown.replace("\\_", "_")
        assert "Switched off by overrides" in text and "username.not_in_email" in text


# --- defaults follow the basis ---------------------------------------------------------------


def test_a_rule_without_severity_follows_its_basis(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out, _ = _main(project, monkeypatch, "rules")
    assert code == 0
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.startswith("  ")}
    assert "warning (default for practice)" in lines["first_name.shouty"]
    assert "error (default for spec)" in lines["last_name.shouty"]
    code, out, _ = _main(project, monkeypatch, "rules", "--json")
    checks = {c["id"]: c for c in json.loads(out)["checks"]}
    assert checks["first_name.shouty"]["severity"] == "warning"
    assert checks["first_name.shouty"]["severity_from"] == "basis"
    assert checks["last_name.shouty"]["severity"] == "error"
    assert checks["intake.bom"]["severity_from"] == "override"
    out_json = tmp_path / "out.json"
    _main(project, monkeypatch, "check", VALID, "--json", out_json, "-q", "--no-history")
    found = {f["rule"]: f["severity"] for f in json.loads(out_json.read_text())["findings"]}
    assert found["first_name.shouty"] == "warning" and found["last_name.shouty"] == "error"


# --- the rule itself -------------------------------------------------------------------------


def _finding(severity: Severity) -> Finding:
    return Finding("x.y", severity, Engine.PANDERA, "m", rows=(2,))


@pytest.mark.parametrize(
    ("severities", "fail_on", "partial", "outcome"),
    [
        ((), Severity.ERROR, False, Outcome.PASSED),
        ((Severity.WARNING,), Severity.ERROR, False, Outcome.PASSED),
        ((Severity.WARNING,), Severity.WARNING, False, Outcome.FAILED),
        ((Severity.ERROR,), Severity.ERROR, False, Outcome.FAILED),
        ((), Severity.ERROR, True, Outcome.PARTIAL),
        ((Severity.WARNING,), Severity.ERROR, True, Outcome.PARTIAL),
        ((Severity.WARNING,), Severity.WARNING, True, Outcome.FAILED),
        ((Severity.ERROR,), Severity.ERROR, True, Outcome.FAILED),
    ],
)
def test_the_gate_decides_the_outcome(
    severities: tuple[Severity, ...],
    fail_on: Severity,
    partial: bool,
    outcome: Outcome,
    suite: Any,
) -> None:
    from syncguard.catalogue import build

    catalogue = build(suite)
    if partial:
        catalogue = catalogue.only(["username.unique"])
    gate: Gate = catalogue.gate(fail_on)
    assert gate.partial is partial
    assert gate.outcome([_finding(s) for s in severities]) is outcome
