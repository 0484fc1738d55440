"""The HTML report: self-contained, escaped, masked by class, worst harm first, a worklist."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from syncguard.masking import DataClass, Masker
from syncguard.model import (
    Accounting,
    Baseline,
    BaselineMode,
    Basis,
    BasisKind,
    Check,
    ColumnSummary,
    Comparison,
    DuplicateGroup,
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
from syncguard.output.base import RunOutput
from syncguard.output.html_report import anchor, render, share
from tests.conftest import SAMPLE_DATA, CliRun

SCRIPT = "<script>alert('x')</script>"


def _check(check_id: str, title: str, severity: Severity = Severity.ERROR) -> Check:
    return Check(
        check_id,
        title,
        severity,
        "d.",
        Basis(BasisKind.SPEC, "the spec says so"),
        "Fill it in.",
        Source.RULE_FILE,
        Engine.PANDERA,
        ("last_name",),
        params={"values": ["A", "B"]},
    )


def _result(example: str, path: str = "export.csv") -> RunResult:
    finding = Finding(
        rule="last_name.not_blank",
        severity=Severity.ERROR,
        engine=Engine.PANDERA,
        message="Every student needs a last name. 1 row(s) fail.",
        columns=("last_name",),
        rows=(7,),
        examples=(example,),
        failed_rows=1,
        top_values=((example, 1),),
        top_shapes=(("Aaaa", 1),),
    )
    return RunResult(
        suite="s",
        suite_version="1",
        export=ExportInfo(path, "ab" * 32, 10, 100, "utf-8", ","),
        outcome=Outcome.FAILED,
        findings=(finding,),
        accounting=Accounting(10, 9, 1),
        started_at="2026-11-29T00:00:00+00:00",
        checks=(_check("last_name.not_blank", "Last name not blank"), _check("a.ok", "A ok")),
    )


def _frame(value: str, column: str = "last_name") -> pl.DataFrame:
    return pl.DataFrame({column: [value], "__row__": pl.Series([7], dtype=pl.UInt32)})


def _render(result: RunResult, value: str, show: bool = False) -> str:
    return render(RunOutput(result, _frame(value), Masker(show_values=show)))


def test_values_from_the_export_are_escaped() -> None:
    html = _render(_result(SCRIPT, path=f"{SCRIPT}.csv"), SCRIPT, show=True)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_personal_examples_are_masked_by_default() -> None:
    html = _render(_result("Nováková"), "Nováková")
    assert "Nováková" not in html
    assert "Aaaaaaaa" in html


def test_report_is_self_contained() -> None:
    html = _render(_result("x"), "x")
    assert "http://" not in html and "https://" not in html
    assert "<link" not in html and "<script" not in html
    assert "✗ FAILED: do not upload this file" in html
    assert "<strong>1 error(s)</strong>, 0 warning(s)" in html


def test_a_huge_failure_still_gives_a_small_report() -> None:
    rows = tuple(range(2, 1_000_002))
    big = dataclasses.replace(
        _result("x").findings[0], rows=rows, failed_rows=len(rows), examples=("v",) * 20
    )
    result = dataclasses.replace(
        _result("x"), findings=(big,), accounting=Accounting(1_000_000, 0, 1_000_000)
    )
    frame = pl.DataFrame(
        {"last_name": ["v"] * len(rows), "__row__": pl.Series(rows, dtype=pl.UInt32)}
    )
    html = render(RunOutput(result, frame, Masker()))
    assert "Most frequent failing shapes" in html and "Aaaa" in html  # personal: shapes only
    assert len(html.encode()) < 1_000_000
    assert "The first 20 of 1,000,000 rows" in html
    assert "the first 100 of 1,000,000 rows" in html  # the worklist


def test_checks_are_listed_with_basis_and_parameters() -> None:
    html = _render(_result("x"), "x")
    catalogue = html.split('id="checks"', 1)[1]
    failed_at = catalogue.index("Last name not blank")
    passed_at = catalogue.index("A ok")
    assert failed_at < passed_at
    assert "the spec says so" in catalogue and "<code>A, B</code>" in catalogue
    assert f'href="#check-{anchor("last_name.not_blank")}"' in html


def test_the_worklist_lists_each_row_with_its_problems_and_fix() -> None:
    result = _result("x")
    second = dataclasses.replace(
        result.findings[0], rule="a.ok", rows=(7,), severity=Severity.WARNING
    )
    result = dataclasses.replace(result, findings=(*result.findings, second))
    html = _render(result, "x")
    worklist = html.split('id="worklist"', 1)[1].split('id="plan"', 1)[0]
    assert 'rowspan="2"' in worklist and ">7</th>" in worklist
    assert worklist.count("Fill it in.") == 2


@pytest.mark.parametrize(
    ("n", "total", "shown"),
    [(0, 10, "0%"), (1, 10, "10.0%"), (1, 100_000, "<0.1%"), (3, 0, "")],
)
def test_a_real_count_never_shows_as_zero_percent(n: int, total: int, shown: str) -> None:
    assert share(n, total) == shown


def _planned() -> RunResult:
    """A run against a baseline: rows 2-11 read, a duplicate pair, a refused value."""
    duplicate = dataclasses.replace(
        _result("x").findings[0], rule="username.unique", columns=("username",), rows=(3, 9)
    )
    plan = SyncPlan(
        rows_read=10,
        categories={
            PlanCategory.UPDATED: (2, 4),
            PlanCategory.UNCHANGED: (5, 6, 7, 8, 10),
            PlanCategory.SKIPPED: (3, 9),
            PlanCategory.REJECTED_FIELDS: (11,),
        },
        vanished=(12,),
        updated_by_column={"last_name": 2},
        rejected_by_column={"mobile_number": 1},
        reasons={
            PlanCategory.SKIPPED: {"username.unique": (3, 9)},
            PlanCategory.REJECTED_FIELDS: {"mobile_number.format": (11,)},
        },
    )
    return dataclasses.replace(
        _result("x"),
        findings=(duplicate,),
        checks=(_check("username.unique", "Username unique"),),
        comparison=Comparison(Baseline(BaselineMode.FILE, 10, path="last.csv"), plan),
        duplicates=(DuplicateGroup("D1", "username.unique", "username", (3, 9), (3,), True),),
    )


def _section(html: str, name: str) -> str:
    return html.split(f'<h2 id="{name}">', 1)[1].split("<h2 ", 1)[0]


def test_the_plan_puts_each_row_read_in_one_category() -> None:
    frame = pl.DataFrame(
        {"username": ["x"] * 10, "__row__": pl.Series(range(2, 12), dtype=pl.UInt32)}
    )
    plan = _section(render(RunOutput(_planned(), frame, Masker())), "plan")
    for name, count in (("updated", 2), ("left unchanged", 5), ("skipped", 2), ("created", 0)):
        assert re.search(rf"{name}(</a>)?</th><td class=\"num\">{count}</td>", plan), name
    assert "<strong>10</strong>" in plan and "the categories add up to the rows read" in plan
    assert "1 student(s) of the baseline are not in this export" in plan
    assert '<code class="id">username.unique</code></a>: 2 row(s) (3, 9)' in plan
    assert plan.count("<code>last_name</code>") == 1  # the changes by column, listed once
    assert "Values the importer refuses, by column" in plan and "taken over" not in plan


def test_a_duplicate_group_is_shown_on_every_row_of_it() -> None:
    frame = pl.DataFrame(
        {"username": ["x"] * 10, "__row__": pl.Series(range(2, 12), dtype=pl.UInt32)}
    )
    html = render(RunOutput(_planned(), frame, Masker()))
    found = _section(html, "fix")
    assert '<tr id="group-D1"><th scope="row">D1</th><td>3, 9</td><td>3</td><td>9</td>' in found
    assert found.count("<td>D1</td>") == 2  # the group beside each of its rows
    worklist = _section(html, "worklist")
    assert "duplicate group D1: same username as row 9; this row is the baseline" in worklist
    assert "duplicate group D1: same username as row 3; row 3 is the baseline" in worklist


@pytest.mark.parametrize(
    "repairs", [None, Repairable(3, 1, {("last_name.not_blank", "last_name"): 1})]
)
def test_the_first_screen_says_to_run_fix_first(repairs: Repairable | None) -> None:
    result = dataclasses.replace(_result("x"), repairable=repairs)
    html = _render(result, "x")
    first_screen = html.split("<nav", 1)[0]
    said = (
        "Run <code>syncguard fix</code> first: it repairs 3 cell(s) and makes 1 change(s) to the "
        "file and its header row</strong>"
    )
    assert (said in first_screen) is (repairs is not None)
    assert ("<code>syncguard fix</code> repairs 1 of these cells." in html) is (repairs is not None)


def test_a_summary_shows_each_columns_values_by_class() -> None:
    # a check over several columns, over 20 rows: its summary names the column of each entry,
    # a public column's values raw (marked), a personal column's as their shapes
    rows = tuple(range(2, 32))
    finding = Finding(
        rule="cells.no_stray_whitespace",
        severity=Severity.WARNING,
        engine=Engine.PANDERA,
        message="m.",
        columns=("first_name", "school_year_name"),
        rows=rows,
        failed_rows=len(rows),
        summaries=(
            ColumnSummary("first_name", (("Zqxanna\u00a0", 20),), (("Aaaaaaa\u00a0", 20),)),
            ColumnSummary("school_year_name", (("Alumni\u00a0", 10),), (("Aaaaaa\u00a0", 10),)),
        ),
    )
    result = dataclasses.replace(_result("x"), findings=(finding,))
    masker = Masker(classes={"school_year_name": DataClass.PUBLIC})
    html = render(RunOutput(result, _frame("x"), masker))
    table = html[html.index('<table class="summary">') :].split("</table>")[0]
    assert "<code>first_name</code> <code>Aaaaaaa⍽</code>" in table
    assert "<code>school_year_name</code> <code>Alumni⍽</code>" in table
    assert "Zqxanna" not in html
    assert "personal ones as shapes" in table


def _heading_skips(page: str) -> list[str]:
    """Each heading that is more than one level below the one before it (the first must be
    an h1)."""
    levels = [int(n) for n in re.findall(r"<h([1-6])\b", page)]
    return [f"h{a} -> h{b}" for a, b in zip([0, *levels], levels, strict=False) if b > a + 1]


@pytest.mark.parametrize(
    "argv",
    [
        ["clean.csv"],
        ["defective.csv"],
        ["defective.csv", "--only", "email_address.format"],
        ["weekly/2026-11-22.csv", "--as-of", "2026-11-22"],
        ["unusable"],
    ],
)
def test_heading_levels_never_skip(
    run_cli: Callable[..., CliRun], tmp_path: Path, argv: list[str]
) -> None:
    export = SAMPLE_DATA / argv[0]
    if argv[0] == "unusable":
        export = tmp_path / "unusable.csv"
        export.write_bytes(b"\x00\xff" * 100)
    run_cli("check", export, *argv[1:], "--no-history")
    (page,) = (tmp_path / "reports").glob("*/report.html")
    html = page.read_text(encoding="utf-8")
    assert html.count("<h1") == 1 and _heading_skips(html) == []


def test_a_skipped_heading_level_is_found() -> None:
    assert _heading_skips("<h1>a</h1><h2>b</h2><h3>c</h3><h2>d</h2><h4>e</h4>") == ["h2 -> h4"]
    assert _heading_skips("<h2>a</h2>") == ["h0 -> h2"]
