"""CI outputs: JUnit XML counts and masking, GitHub annotation escaping, the Markdown summary."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema

from syncguard.catalogue import CHECK_MODULE, build
from syncguard.engines.common import crashed
from syncguard.errors import SourceLocation
from syncguard.masking import DataClass, Masker
from syncguard.model import (
    Accounting,
    Baseline,
    BaselineMode,
    Basis,
    BasisKind,
    Check,
    Comparison,
    Engine,
    ExportInfo,
    Finding,
    Outcome,
    PlanCategory,
    Repairable,
    RunResult,
    Severity,
    Source,
    SyncPlan,
)
from syncguard.output import REQUESTED, Requested
from syncguard.output.ci import (
    CHECK_MODULE_ID,
    FIRST_ROWS,
    GITHUB_FINDINGS,
    MD_FINDINGS,
    github,
    github_data,
    github_property,
    junit,
    md_escape,
    summary_md,
)
from syncguard.pipeline import Options, ReportLayout, run
from syncguard.repair import REPAIRS
from syncguard.suite.model import Rule, Suite
from tests.conftest import FIXTURES, ROOT

PLANTED = "Zqxnovakova"
MASKER = Masker(
    classes={
        "last_name": DataClass.PERSONAL,
        "disabled": DataClass.PUBLIC,
        "school_year_name": DataClass.PUBLIC,
    }
)


def _check(
    check_id: str,
    severity: Severity = Severity.ERROR,
    source: Source = Source.RULE_FILE,
    engine: Engine = Engine.PANDERA,
) -> Check:
    return Check(
        check_id,
        check_id,
        severity,
        "d.",
        Basis(BasisKind.SPEC, "the spec says so"),
        "Fix it.",
        source,
        engine,
    )


def _result(
    outcome: Outcome, findings: tuple[Finding, ...], checks: tuple[Check, ...]
) -> RunResult:
    rows = 0 if outcome is Outcome.UNUSABLE else 400
    bad = len({r for f in findings if f.severity is Severity.ERROR for r in f.rows})
    return RunResult(
        suite="handshake_student_sync_eu",
        suite_version="1",
        export=ExportInfo("/data/export.csv", "ab" * 32, rows, 1000, "utf-8", ","),
        outcome=outcome,
        findings=findings,
        accounting=Accounting(rows, rows - bad, bad),
        started_at="2026-11-29T06:00:00+00:00",
        duration_s=1.5,
        checks=checks,
        as_of="2026-11-29",
    )


def passing() -> RunResult:
    return _result(Outcome.PASSED, (), (_check("last_name.not_blank"), _check("disabled.boolean")))


def failing() -> RunResult:
    name = Finding(
        rule="last_name.no_digits",
        severity=Severity.ERROR,
        engine=Engine.PANDERA,
        message="A last name holds no digits. 25 row(s) fail.",
        columns=("last_name",),
        rows=tuple(range(2, 27)),
        examples=(PLANTED + "7", f" {PLANTED}"),
        top_values=((PLANTED, 25),),
    )
    boolean = Finding(
        rule="disabled.boolean",
        severity=Severity.ERROR,
        engine=Engine.PANDERA,
        message="disabled must be TRUE or FALSE.",
        columns=("disabled",),
        rows=(30,),
        examples=("yes|no",),
    )
    spaces = Finding(
        rule="school_year_name.allowed",
        severity=Severity.WARNING,
        engine=Engine.PANDERA,
        message="Unusual year: 50% of rows\nsecond line",
        columns=("school_year_name",),
        rows=(40, 41),
        examples=("Year\x0b1", "Year 2"),
        also=("school_year_name.not_blank",),
    )
    checks = (
        _check("last_name.no_digits"),
        _check("disabled.boolean"),
        _check("school_year_name.allowed", Severity.WARNING),
        _check("school_year_name.not_blank", Severity.WARNING),
        _check("email_address.format"),
        _check("compare.username_changed", source=Source.COMPARE, engine=Engine.COMPARE),
    )
    return _result(Outcome.FAILED, (name, boolean, spaces), checks)


def unusable() -> RunResult:
    finding = Finding(
        rule="intake.unusable",
        severity=Severity.ERROR,
        engine=Engine.INTAKE,
        message="/data/export.csv: the file is empty; export the student data again.",
        failed_rows=0,
    )
    check = _check("intake.unusable", source=Source.INTAKE, engine=Engine.INTAKE)
    return _result(Outcome.UNUSABLE, (finding,), (check,))


def could_not_run() -> RunResult:
    """A rule GE could not run, a project module that failed to load, one ordinary failure;
    and the repairs of ``syncguard fix`` in the catalogue, as a real run has them."""
    rule = Rule(
        "username.unique",
        "unique",
        ("username",),
        Severity.ERROR,
        "d.",
        SourceLocation(Path("rules.yaml"), 3, 5),
    )
    crash = crashed(rule, Engine.GREAT_EXPECTATIONS, "ValueError: ExpectNoSuchThing")
    module = CHECK_MODULE.finding(failure="checks/x.py raised ValueError", skipped="x.kind")
    name = dataclasses.replace(failing().findings[0])
    checks = (
        _check("username.unique", engine=Engine.GREAT_EXPECTATIONS),
        CHECK_MODULE,
        _check("last_name.no_digits"),
        *REPAIRS,
    )
    return _result(Outcome.FAILED, (crash, module, name), checks)


RESULTS = {
    "passing": passing,
    "failing": failing,
    "unusable": unusable,
    "could_not_run": could_not_run,
}
EXPECTED = {
    # tests, failures, errors
    "passing": (2, 0, 0),
    "failing": (6, 2, 0),
    "unusable": (1, 1, 0),
    "could_not_run": (3, 1, 2),
}
JENKINS_XSD = FIXTURES / "junit" / "jenkins-junit.xsd"
JENKINS = xmlschema.XMLSchema(JENKINS_XSD)
"""The JUnit schema Jenkins reads (MIT; see tests/fixtures/junit/README.md)."""


def _suite(xml: str) -> ET.Element:
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    return suite


@pytest.mark.parametrize("kind", RESULTS)
def test_junit_parses_and_counts_right(kind: str) -> None:
    result = RESULTS[kind]()
    xml = junit(result, MASKER)
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    suite = _suite(xml)
    cases = suite.findall("testcase")
    tests, failures, errors = EXPECTED[kind]
    assert suite.get("name") == "handshake_student_sync_eu"
    assert (suite.get("tests"), suite.get("failures")) == (str(tests), str(failures))
    assert (suite.get("errors"), suite.get("skipped")) == (str(errors), "0")
    assert len(cases) == tests
    assert sum(1 for c in cases if c.find("failure") is not None) == failures
    assert sum(1 for c in cases if c.find("error") is not None) == errors
    assert len({c.get("name") for c in cases}) == tests
    assert all(
        re.fullmatch(r"syncguard\.(rule_file|intake|compare)", c.get("classname", ""))
        for c in cases
    )


@pytest.mark.parametrize("kind", RESULTS)
def test_junit_validates_against_the_jenkins_schema(kind: str) -> None:
    JENKINS.validate(junit(RESULTS[kind](), MASKER))


def test_the_shipped_schema_is_jenkins_with_its_licence() -> None:
    text = JENKINS_XSD.read_text(encoding="utf-8")
    assert "MIT License" in text and "Thales Corporate Services SAS" in text
    notes = (JENKINS_XSD.parent / "README.md").read_text(encoding="utf-8")
    assert "MIT" in notes and "jenkins-junit.xsd" in notes
    # the rules it enforces that a hand-made check would miss: no "skipped" on testsuites, and
    # a testcase's children in the order skipped, error, failure, system-out
    bad = junit(passing(), MASKER).replace(
        '<testsuites name="syncguard"', '<testsuites skipped="0"'
    )
    assert not JENKINS.is_valid(bad)
    swapped = (
        '<testsuites><testsuite name="s" tests="1"><testcase name="c">'
        "<failure/><error/></testcase></testsuite></testsuites>"
    )
    assert not JENKINS.is_valid(swapped)


def test_a_rule_that_could_not_run_is_an_error_not_a_failure() -> None:
    case = {c.get("name"): c for c in _suite(junit(could_not_run(), MASKER)).findall("testcase")}
    for check_id in ("username.unique", "project.check_module"):
        assert case[check_id].find("failure") is None
        error = case[check_id].find("error")
        assert error is not None and error.get("type") == "could_not_run"
    crash = case["username.unique"].find("error")
    assert crash is not None and "could not run this rule" in (crash.get("message") or "")
    assert "ExpectNoSuchThing" in (crash.text or "")
    failed = case["last_name.no_digits"]
    assert failed.find("error") is None and failed.find("failure") is not None
    assert CHECK_MODULE.id == CHECK_MODULE_ID


def test_the_repairs_of_fix_are_no_testcases_of_a_check() -> None:
    result = could_not_run()
    assert {c.id for c in result.checks} >= {r.id for r in REPAIRS}
    names = {c.get("name") for c in _suite(junit(result, MASKER)).findall("testcase")}
    assert names == {"username.unique", "project.check_module", "last_name.no_digits"}


def test_an_error_is_a_failure_with_count_rows_and_masked_examples() -> None:
    suite = _suite(junit(failing(), MASKER))
    case = {c.get("name"): c for c in suite.findall("testcase")}["last_name.no_digits"]
    assert case.get("classname") == "syncguard.rule_file"
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "error"
    assert "25 failed row(s)" in (failure.get("message") or "")
    body = failure.text or ""
    listed = body.split("25 failed row(s): ")[1].split("\n")[0]
    assert listed.startswith("2, 3, 4") and f"+{25 - FIRST_ROWS} more" in listed
    assert str(2 + FIRST_ROWS - 1) in listed and str(2 + FIRST_ROWS) not in listed.split("…")[0]
    assert 'row 2, last_name: "Aaaaaaaaaaa9"' in body  # its shape: the digit is the defect
    assert 'row 3, last_name: "␣Aaaaaaaaaaa"' in body


def test_a_warning_passes_with_the_warning_in_system_out() -> None:
    case = {c.get("name"): c for c in _suite(junit(failing(), MASKER)).findall("testcase")}
    warned = case["school_year_name.allowed"]
    assert warned.find("failure") is None and warned.find("skipped") is None
    out = warned.find("system-out")
    assert out is not None and (out.text or "").startswith("warning: Unusual year")
    assert "Year⟨U+000B⟩1" in (out.text or "")  # a character XML 1.0 cannot carry, marked
    folded = case["school_year_name.not_blank"]
    assert folded.find("failure") is None
    assert "school_year_name.allowed" in (folded.findtext("system-out") or "")
    passed = case["email_address.format"]
    assert list(passed) == []
    assert case["compare.username_changed"].get("classname") == "syncguard.compare"


def test_an_unusable_run_is_one_failing_intake_testcase() -> None:
    result = unusable()
    many = RunResult(**{**result.__dict__, "checks": (*result.checks, _check("a.b"))})
    (case,) = _suite(junit(many, MASKER)).findall("testcase")
    assert (case.get("name"), case.get("classname")) == ("intake.unusable", "syncguard.intake")
    failure = case.find("failure")
    assert failure is not None and "the file is empty" in (failure.text or "")


@pytest.mark.parametrize("kind", RESULTS)
def test_no_output_carries_a_personal_value_raw(kind: str) -> None:
    result = RESULTS[kind]()
    for text in (junit(result, MASKER), github(result), summary_md(result, MASKER)):
        assert PLANTED not in text


def test_github_one_escaped_line_per_finding() -> None:
    lines = github(failing()).splitlines()
    assert [line.split(" ")[0] for line in lines] == ["::error", "::error", "::warning"]
    assert lines[0].startswith(
        "::error file=/data/export.csv,line=2,title=last_name.no_digits::A last name holds no "
        "digits"
    )
    assert "%0A25 failed row(s): 2, 3, 4" in lines[0]
    assert lines[2] == (
        "::warning file=/data/export.csv,line=40,title=school_year_name.allowed::Unusual year: "
        "50%25 of rows%0Asecond line%0A2 failed row(s): 40, 41"
    )
    assert github(passing()) == ""
    (line,) = github(unusable()).splitlines()
    assert line.startswith(
        "::error file=/data/export.csv,title=intake.unusable::/data/export.csv: the file is empty"
    )


def test_github_escapes_data_and_properties() -> None:
    assert github_data("50% a:b,c\r\nd") == "50%25 a:b,c%0D%0Ad"
    assert github_property("50% a:b,c\r\nd") == "50%25 a%3Ab%2Cc%0D%0Ad"
    odd = Finding("a:b,c", Severity.ERROR, Engine.PANDERA, "m", rows=(2,))
    result = _result(Outcome.FAILED, (odd,), ())
    assert github(result).startswith(
        "::error file=/data/export.csv,line=2,title=a%3Ab%2Cc::m%0A1 failed row(s): 2"
    )


@pytest.mark.parametrize(
    ("path", "written"),
    [
        ("sample_data/weekly/2026-11-29.csv", "sample_data/weekly/2026-11-29.csv"),
        ("C:\\exports\\week 1, 50%.csv", "C%3A\\exports\\week 1%2C 50%25.csv"),
        ("a\\nline=9,title=x::y.csv", "a\\nline=9%2Ctitle=x%3A%3Ay.csv"),  # as printable() gave it
    ],
)
def test_github_annotations_name_the_export_and_its_first_failing_row(
    path: str, written: str
) -> None:
    late = Finding("a.b", Severity.ERROR, Engine.PANDERA, "m", rows=(7, 12, 300))
    whole = Finding("intake.email_domain", Severity.ERROR, Engine.INTAKE, "the file", rows=())
    result = _result(Outcome.FAILED, (late, whole), ())
    result = RunResult(**{**result.__dict__, "export": ExportInfo(path, "ab" * 32, 1, 1, "", ",")})
    lines = github(result).splitlines()
    assert lines[0].startswith(f"::error file={written},line=7,title=a.b::m%0A")
    # a finding about the whole file names the file, and no row
    assert lines[1] == f"::error file={written},title=intake.email_domain::the file"
    for line in lines:  # the properties parse back as GitHub reads them
        properties = dict(p.split("=", 1) for p in line.split(" ", 1)[1].split("::")[0].split(","))
        assert properties["file"] == written and set(properties) <= {"file", "line", "title"}


@pytest.mark.parametrize(
    ("kind", "verdict"),
    [("passing", "✓ PASSED"), ("failing", "✗ FAILED"), ("unusable", "✗ UNUSABLE")],
)
def test_summary_verdict_counts_and_table(kind: str, verdict: str) -> None:
    md = summary_md(RESULTS[kind](), MASKER)
    assert md.splitlines()[0].startswith(f"## {verdict}: export.csv")
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    if kind == "passing":
        assert rows == [] and "**0** error(s), **0** warning(s) in **400** row(s)" in md
    if kind == "unusable":
        assert "the file is empty" in md and len(rows) == 3  # header, rule, one finding
    if kind == "failing":
        assert rows[2].startswith("| last\\_name.no\\_digits | error | 25 | 6.2% | 2, 3, 4")


def test_summary_escapes_markdown_so_the_table_keeps_its_shape() -> None:
    md = summary_md(failing(), MASKER)
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 7 for row in rows)
    assert "yes\\|no" in md
    assert "Year⟨U+000B⟩1" in md  # a control character marked, as in every output
    assert md_escape("a|b *c* _d_ `e` <f> [g](h) \\") == (
        "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\<f\\> \\[g\\](h) \\\\"
    )
    assert md_escape("one\ntwo\r\nthree") == "one two three"


def test_summary_lists_at_most_fifty_findings_worst_first() -> None:
    findings = tuple(
        Finding(
            f"rule.{i:02}",
            Severity.WARNING if i % 2 else Severity.ERROR,
            Engine.PANDERA,
            "m",
            rows=tuple(range(2, 2 + i)),
        )
        for i in range(60)
    )
    md = summary_md(_result(Outcome.FAILED, findings, ()), MASKER)
    rows = [line for line in md.splitlines() if line.startswith("| rule")]
    assert len(rows) == MD_FINDINGS
    severities = [row.split(" | ")[1] for row in rows]
    assert severities == sorted(severities)  # every error before any warning
    assert rows[0].startswith("| rule.58 | error | 58 |")
    assert "… and 10 more finding(s)" in md


@pytest.mark.parametrize("count", [GITHUB_FINDINGS, GITHUB_FINDINGS + 1, 5000])
def test_github_annotates_at_most_its_limit_and_counts_the_rest(count: int) -> None:
    findings = tuple(
        Finding(f"rule.{i:04}", Severity.ERROR, Engine.PANDERA, "m", rows=(2,))
        for i in range(count)
    )
    lines = github(_result(Outcome.FAILED, findings, ())).splitlines()
    annotations = [line for line in lines if line.startswith("::error")]
    assert len(annotations) == min(count, GITHUB_FINDINGS)
    notices = [line for line in lines if line.startswith("::notice")]
    if count > GITHUB_FINDINGS:
        assert notices == [
            f"::notice title=syncguard::{count - GITHUB_FINDINGS:,} more finding(s) are not "
            "annotated here; the run report lists them all"
        ]
    else:
        assert not notices


@pytest.mark.parametrize("unusable_row", [1, 5])
def test_a_finding_about_the_file_never_reads_zero_failed_rows(unusable_row: int) -> None:
    finding = Finding(
        "intake.unusable", Severity.ERROR, Engine.INTAKE, "bad", rows=(unusable_row,), failed_rows=0
    )
    result = _result(Outcome.UNUSABLE, (finding,), (_check("intake.unusable"),))
    for text in (junit(result, MASKER), github(result), summary_md(result, MASKER)):
        assert "0 failed row" not in text
    assert f"at row(s) {unusable_row}" in github(result)
    assert "| intake.unusable | error | the file |" in summary_md(result, MASKER)


def test_a_real_run_masks_a_planted_name_everywhere(
    tmp_path: Path, suite: Suite, write_csv: Callable[..., Path]
) -> None:
    path = write_csv(
        f"zq@uni-example.eu,zq1,={PLANTED},{PLANTED}7,2027-06-30,Bachelor 1st year",
        "ab@uni-example.eu,ab2,Anna,Berg,2027-06-30,Bachelor 1st year",
    )
    done = run(path, build(suite), ReportLayout.default(tmp_path / "r", keep=False), Options())
    assert done.result.outcome is Outcome.FAILED
    xml = junit(done.result, done.masker)
    suite_el = _suite(xml)
    failing_cases = [c for c in suite_el.findall("testcase") if c.find("failure") is not None]
    assert len(failing_cases) == int(suite_el.get("failures") or 0) >= 1
    assert "cells.no_formula" in {c.get("name") for c in failing_cases}
    for text in (xml, github(done.result), summary_md(done.result, done.masker)):
        assert PLANTED not in text


def test_every_requested_output_has_its_writer() -> None:
    assert set(REQUESTED) == set(Requested)


@pytest.mark.parametrize("asked", [(), *((r,) for r in Requested), tuple(Requested)])
def test_the_pipeline_writes_the_requested_outputs_and_only_those(
    tmp_path: Path, suite: Suite, write_csv: Callable[..., Path], asked: tuple[Requested, ...]
) -> None:
    path = write_csv(
        f"zq@uni-example.eu,zq1,={PLANTED},{PLANTED}7,2027-06-30,Bachelor 1st year",
        "ab@uni-example.eu,ab2,Anna,Berg,2027-06-30,Bachelor 1st year",
    )
    stream = io.StringIO()
    targets: dict[Requested, Path | io.StringIO] = {
        Requested.JUNIT: tmp_path / "junit.xml",
        Requested.SUMMARY_MD: tmp_path / "summary.md",
        Requested.GITHUB: stream,
    }
    options = Options(requested={r: targets[r] for r in asked})
    done = run(path, build(suite), ReportLayout.default(tmp_path / "r", keep=False), options)
    assert done.result.outcome is Outcome.FAILED
    junit_file, summary_file = tmp_path / "junit.xml", tmp_path / "summary.md"
    assert junit_file.exists() == (Requested.JUNIT in asked)
    assert summary_file.exists() == (Requested.SUMMARY_MD in asked)
    assert bool(stream.getvalue()) == (Requested.GITHUB in asked)
    if Requested.JUNIT in asked:
        assert junit_file.read_text("utf-8") == junit(done.result, done.masker)
    if Requested.SUMMARY_MD in asked:
        assert summary_file.read_text("utf-8") == summary_md(done.result, done.masker) + "\n"
    if Requested.GITHUB in asked:
        assert stream.getvalue() == github(done.result) + "\n"
    for text in (
        stream.getvalue(),
        *(p.read_text("utf-8") for p in (junit_file, summary_file) if p.exists()),
    ):
        assert PLANTED not in text


@pytest.mark.parametrize("where", ["import", "run"])
def test_a_real_check_that_could_not_run_is_a_junit_error(tmp_path: Path, where: str) -> None:
    # a project module that raises when it loads (project.check_module), or a kind that raises
    # when its rule runs (the engine's "could not run this rule"): a real process, since a kind
    # registers for the whole process
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    checks = tmp_path / "checks"
    checks.mkdir()
    for module in (ROOT / "checks").glob("*.py"):
        (checks / module.name).symlink_to(module)
    raising = "raise ValueError('a bug in the module')\n"
    body = (
        raising
        if where == "import"
        else "from syncguard.suite.registry import Example, PanderaKind, register\n\n"
        "@register\nclass Boom(PanderaKind):\n"
        "    name = 'boom_now'\n    summary = 'raises'\n"
        "    example = Example(columns=('first_name',), passing=(('a',),), failing=())\n"
        "    def passes(self, rule, value):\n        " + raising
    )
    (checks / "boom.py").write_text(body, encoding="utf-8")
    (rules / "local.yaml").write_text(
        "rules:\n  - id: first_name.boom\n    kind: boom_now\n    column: first_name\n"
        "    description: d.\n    basis: 'spec: a test'\n    consequence: row_skipped\n",
        encoding="utf-8",
    )
    report = tmp_path / "junit.xml"
    argv = ["check", str(FIXTURES / "intake" / "valid.csv"), "--rules", str(rules)]
    argv += ["--no-history", "--report-dir", str(tmp_path / "r"), "--junit", str(report)]
    done = subprocess.run(
        [sys.executable, "-m", "syncguard", *argv],
        capture_output=True,
        text=True,
        timeout=180,
        env=os.environ.copy(),
        check=False,
    )
    assert done.returncode == 1, done.stderr
    xml = report.read_text(encoding="utf-8")
    JENKINS.validate(xml)
    suite = _suite(xml)
    case = {c.get("name"): c for c in suite.findall("testcase")}
    shown = "project.check_module" if where == "import" else "first_name.boom"
    error = case[shown].find("error")
    assert error is not None and case[shown].find("failure") is None
    assert suite.get("errors") == "1" and suite.get("failures") == "0"
    assert not [name for name in case if (name or "").startswith("repair.")]


def test_summary_gives_the_plan_and_fix_first() -> None:
    """The plan's categories (the non-empty ones, adding up to the rows read) and how many
    cells ``syncguard fix`` repairs."""
    plan = SyncPlan(
        rows_read=400,
        categories={
            PlanCategory.UPDATED: tuple(range(2, 12)),
            PlanCategory.UNCHANGED: tuple(range(12, 399)),
            PlanCategory.SKIPPED: (399, 400, 401),
        },
        vanished=(7,),
    )
    baseline = Baseline(BaselineMode.FILE, 401, path="last.csv")
    result = dataclasses.replace(
        failing(), comparison=Comparison(baseline, plan), repairable=Repairable(3, 0)
    )
    md = summary_md(result, MASKER)
    assert (
        "of the 400 row(s) read: 10 updated, 387 left unchanged, 3 skipped; 1 student(s) of "
        "the baseline are not in this export." in md
    )
    assert "Run `syncguard fix` first: it repairs 3 cell(s)." in md
