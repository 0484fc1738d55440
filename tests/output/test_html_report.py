"""The HTML report: self-contained, every export value escaped, masked by default."""

from __future__ import annotations

from syncguard.model import (
    Accounting,
    Engine,
    ExportInfo,
    Finding,
    Outcome,
    RunResult,
    Severity,
)
from syncguard.output.html_report import render

SCRIPT = "<script>alert('x')</script>"


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
    )
    return RunResult(
        suite="s",
        suite_version="1",
        export=ExportInfo(path, "ab" * 32, 10, 100, "utf-8", ","),
        outcome=Outcome.FAILED,
        findings=(finding,),
        accounting=Accounting(10, 9, 1),
        started_at="2026-11-29T00:00:00+00:00",
    )


def test_values_from_the_export_are_escaped() -> None:
    html = render(_result(SCRIPT, path=f"{SCRIPT}.csv"), show_values=True)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_examples_are_masked_by_default() -> None:
    html = render(_result("Nováková"))
    assert "Nováková" not in html
    assert "N•••" in html


def test_report_is_self_contained() -> None:
    html = render(_result("x"))
    assert "http://" not in html and "https://" not in html
    assert "<link" not in html and "<script" not in html
    assert "✗ FAILED: do not upload this file" in html
    assert "<strong>1 error(s)</strong>, 0 warning(s)" in html


def test_a_huge_failure_still_gives_a_small_report() -> None:
    import dataclasses

    rows = tuple(range(2, 1_000_002))
    big = dataclasses.replace(
        _result("x").findings[0], rows=rows, failed_rows=len(rows), examples=("v",) * 20
    )
    result = dataclasses.replace(
        _result("x"), findings=(big,) * 12, accounting=Accounting(1_000_000, 0, 1_000_000)
    )
    html = render(result)
    assert len(html.encode()) < 2_000_000
    assert "First 20 of 1000000 rows shown" in html


def test_rules_table_lists_failed_first_and_passed_folded() -> None:
    import dataclasses

    from syncguard.model import Basis, BasisKind, Check, Source

    def check(check_id: str, title: str) -> Check:
        basis = Basis(BasisKind.SPEC, "x")
        return Check(
            check_id,
            title,
            Severity.ERROR,
            "d.",
            basis,
            "f.",
            Source.RULE_FILE,
            Engine.PANDERA,
            ("a",),
        )

    infos = (check("a.passes", "A passes"), check("last_name.not_blank", "Last names"))
    html = render(dataclasses.replace(_result("x"), checks=infos))
    failed_at = html.index("<code>last_name.not_blank</code>")
    details_at = html.index("<details>")
    passed_at = html.index("<code>a.passes</code>")
    assert failed_at < details_at < passed_at
    assert "1 rule(s) passed" in html
