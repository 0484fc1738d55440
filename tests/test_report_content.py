"""What the steward reads: values by class, summaries at scale, plan rows, JSON and HTML agree."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import polars as pl

from tests.compare.test_changes import BASE, _with, _write, student
from tests.conftest import SAMPLE_DATA, CliRun, findings_by_rule


def _report(tmp_path: Path) -> str:
    (report,) = sorted((tmp_path / "reports").glob("*/report.html"))[-1:]
    return report.read_text(encoding="utf-8")


def test_the_defect_is_visible_in_public_columns(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path], tmp_path: Path
) -> None:
    header = (
        "email_address,username,first_name,last_name,primary_education:end_date,"
        "school_year_name,disabled,primary_education:education_level_name,gender"
    )
    path = write_csv(
        "jana@uni.eu,S1,Jana,Berg,30/06/2027,Alumni,yes,PhD, Female",
        header=header,
    )
    run = run_cli("check", path, "--email-domain", "uni.eu", "--no-history")
    assert run.json is not None
    found = findings_by_rule(run.json)
    assert found["end_date.format"]["examples"] == ["30/06/2027"]
    assert found["disabled.boolean"]["examples"] == ["yes"]
    assert found["education_level_name.allowed"]["examples"] == ["PhD"]
    # gender is special: not even its length shows (Male, Female), only the stray space
    assert found["cells.no_stray_whitespace"]["examples"] == ["␣•••"]
    html = _report(tmp_path)
    assert "30/06/2027" in html and "Female" not in html
    assert "␣•••" in html  # the leading space is visible, the value is not


def test_a_broken_column_at_100k_rows_is_summarised(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    clean = pl.read_csv(SAMPLE_DATA / "clean.csv", infer_schema=False)
    copies = 334
    big = pl.concat([clean] * copies).with_row_index("i")
    big = big.with_columns(
        (pl.lit("S") + pl.col("i").cast(pl.String).str.zfill(7)).alias("username"),
        (pl.lit("s") + pl.col("i").cast(pl.String) + "@student.uni-example.eu").alias(
            "email_address"
        ),
        (pl.lit("u") + pl.col("i").cast(pl.String)).alias("auth_identifier"),
        (pl.lit("04") + pl.col("i").cast(pl.String).str.zfill(8)).alias("card_id"),
        pl.col("school_year_name").str.to_lowercase(),
    ).drop("i")
    path = tmp_path / "big.csv"
    big.write_csv(path)
    run = run_cli("check", path, "--no-history", "--as-of", "2026-11-29")
    assert run.json is not None
    finding = findings_by_rule(run.json)["school_year_name.allowed"]
    assert finding["failed_rows"] == big.height == 100_200
    top = finding["summary"][0]
    counts = big["school_year_name"].value_counts()
    expected = counts.sort(["count", "school_year_name"], descending=[True, False]).row(0)
    assert (top["value"], top["rows"]) == expected
    html = _report(tmp_path)
    assert f"{expected[1]:,}" in html  # the same count, with thousands separators
    assert "The first 20 of 100,200 rows" in html
    assert len(html.encode()) < 600_000


def test_the_plan_lists_the_rows_of_each_category(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    previous = _write(tmp_path / "last.csv", BASE)
    rows = _with(1, disabled="TRUE")
    rows[2] = student(2, last_name="Novák")
    rows.append(student(30))
    current = _write(tmp_path / "this.csv", rows)
    run = run_cli("check", current, "--previous", previous, "--no-history")
    assert run.json is not None
    plan_rows = run.json["comparison"]["plan"]["rows"]
    assert plan_rows["created"] == [22]
    assert plan_rows["archived"] == [3]
    assert plan_rows["updated"] == [4]
    assert len(plan_rows["unchanged"]) == 18
    html = _report(tmp_path)
    assert re.search(r"Created: 1</summary>\s*<p>Rows: 22\.</p>", html)
    json.dumps(plan_rows)  # plain lists, as the contract says


def test_a_folded_finding_counts_only_its_own_rows(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    # three existing students' labels wiped (one cause: compare.labels_wiped) and one who had
    # labels, found by the email under a new username: the blank-labels finding keeps one row,
    # and so does its summary
    previous = _write(tmp_path / "last.csv", BASE)
    rows = [student(i, system_label_names="") if i < 3 else student(i) for i in range(20)]
    rows[5] = student(5, username="S7777777", system_label_names="")
    this = _write(tmp_path / "this.csv", rows)
    run = run_cli("check", this, "--previous", previous, "--no-history")
    assert run.json is not None
    blank = findings_by_rule(run.json)["system_label_names.not_blank"]
    assert blank["rows"] == [7]
    assert blank["summary"] == [{"shape": "", "rows": 1}]
