"""Outputs stay small when thousands of rules fail on every row, and say what they left out.

A rule file of many `pattern` rules that fail on every row of the 300-row sample multiplies
rows by rules. With the limits lowered (so a few dozen rules show it), each output keeps within
them and says so: the CSV per row and at its end, the page in its header and sections, the
JSON in ``truncated`` with every count whole. With the default limits the sample is whole.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from syncguard.catalogue import build
from syncguard.defaults import default_rules
from syncguard.output.base import Limits
from syncguard.output.results_json import fair_share
from syncguard.output.schema import validate
from syncguard.pipeline import Completed, Options, ReportLayout, run
from syncguard.suite.loader import load_suite
from tests.conftest import SAMPLE_DATA

RULES = 40
COLUMNS = ("last_name", "username", "campus_name", "school_year_name")
LOW = Limits(
    problems_in_full=5,
    listed=20,
    rows_per_problem=3,
    worklist_rows=4,
    worklist_problems=2,
    checks_in_full=10,
    csv_problems_per_row=6,
    csv_lines=1_000,
    json_rows=5_000,
)


def _rules(folder: Path, count: int = RULES) -> Path:
    lines = ["rules:"]
    for i in range(count):
        lines += [
            f"  - id: local.p{i:03d}",
            "    kind: pattern",
            f"    column: {COLUMNS[i % len(COLUMNS)]}",
            f'    params: {{regex: "Zq{i}x"}}',
            "    severity: error",
            f"    description: Rule {i} fails on every row.",
            '    basis: "practice: a probe"',
            "    fix: Nothing.",
        ]
    folder.mkdir()
    (folder / "local.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _run(tmp_path: Path, limits: Limits, count: int = RULES) -> Completed:
    suite = load_suite(
        default_rules(), {"today": "2026-11-29"}, [_rules(tmp_path / "local", count)]
    )
    layout = ReportLayout.default(tmp_path / "reports", keep=False)
    return run(SAMPLE_DATA / "defective.csv", build(suite), layout, Options(limits=limits))


def _files(done: Completed) -> tuple[dict[str, Any], list[dict[str, str]], str]:
    folder = done.run_dir
    document = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    text = (folder / "failing_rows.csv").read_text(encoding="utf-8")
    lines = list(csv.DictReader(io.StringIO(text)))
    return document, lines, (folder / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cut(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, Any], list[dict[str, str]], str]:
    return _files(_run(tmp_path_factory.mktemp("cut"), LOW))


def test_the_json_keeps_every_count_and_says_which_rows_it_cut(
    cut: tuple[dict[str, Any], list[dict[str, str]], str],
) -> None:
    document, _, _ = cut
    assert validate(document) == []
    local = [f for f in document["findings"] if f["rule"].startswith("local.")]
    assert len(local) == RULES and all(f["failed_rows"] == 300 for f in local)
    share = document["truncated"]["rows_per_finding"]
    sizes = [f["failed_rows"] for f in document["findings"]]
    assert share == fair_share(sizes, LOW.json_rows) and 0 < share < 300
    assert sum(len(f["rows"]) for f in document["findings"]) <= LOW.json_rows
    assert all(f["rows"] == list(range(2, 2 + share)) for f in local)
    assert {f["id"] for f in local} <= set(document["truncated"]["findings"])
    assert document["counts"]["error"] >= RULES


def test_the_csv_lists_a_rows_worst_problems_and_says_what_it_left_out(
    cut: tuple[dict[str, Any], list[dict[str, str]], str],
) -> None:
    document, lines, _ = cut
    problems = [line for line in lines if line["severity"] != "note"]
    notes = [line for line in lines if line["severity"] == "note"]
    assert len(problems) == LOW.csv_lines
    per_row: dict[str, int] = {}
    for line in problems:
        per_row[line["row"]] = per_row.get(line["row"], 0) + 1
    assert max(per_row.values()) == LOW.csv_problems_per_row
    said = document["truncated"]["failing_rows_csv"]
    assert said["listed"] == LOW.csv_lines and said["at_most"] == LOW.csv_lines
    assert said["problem_lines"] == sum(f["failed_rows"] for f in document["findings"] if f["rows"])
    assert said["left_out"] == said["problem_lines"] - LOW.csv_lines
    row_notes, (end,) = notes[:-1], notes[-1:]
    assert all("more problem(s) in this row, left out" in n["title"] for n in row_notes)
    assert row_notes[0]["row"] == problems[0]["row"]  # right after the row's last problem
    assert end["row"] == "" and "the file ends here" in end["title"]
    assert f"{said['left_out']:,} of the run's {said['problem_lines']:,}" in end["title"]


def test_the_page_describes_the_worst_problems_and_says_what_it_left_out(
    cut: tuple[dict[str, Any], list[dict[str, str]], str],
) -> None:
    document, _, html = cut
    findings = len(document["findings"])
    assert html.count('<section class="finding') == LOW.problems_in_full
    assert f"the other {findings - LOW.problems_in_full:,} are only counted here" in html
    assert f"… and {findings - LOW.problems_in_full - LOW.listed:,} more problem(s)" in html
    assert html.count("more problem(s) in this row: this page lists the 2 most harmful") == 4
    assert "Note: the <a" in html and "lists the 6 most harmful problems of a row" in html
    assert "Note: results.json lists the first" in html
    assert html.count('<section class="check"') == LOW.checks_in_full
    assert "more check(s), not listed on this page" in html


def test_the_default_limits_keep_the_sample_whole(tmp_path: Path) -> None:
    document, lines, html = _files(_run(tmp_path, Limits(), count=3))
    assert document["truncated"]["rows_per_finding"] is None
    assert document["truncated"]["findings"] == []
    said = document["truncated"]["failing_rows_csv"]
    assert said["left_out"] == 0 and said["listed"] == said["problem_lines"] == len(lines)
    assert all(len(f["rows"]) == f["failed_rows"] for f in document["findings"] if f["rows"])
    assert not any(line["severity"] == "note" for line in lines)
    assert "Note: the <a" not in html and "only counted here" not in html


@pytest.mark.parametrize(
    ("sizes", "budget", "share"),
    [
        ([3, 4], 7, None),
        ([3, 4], 6, 3),
        ([300] * 10, 1_000, 100),
        ([1, 2, 300, 300], 203, 100),
        ([5, 5, 5], 0, 0),
    ],
)
def test_fair_share(sizes: list[int], budget: int, share: int | None) -> None:
    assert fair_share(sizes, budget) == share
