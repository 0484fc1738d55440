"""Week over week: each comparison finding from a previous/current pair, at this week's rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRun, findings_by_rule

HEADER = (
    "email_address,username,first_name,last_name,primary_education:end_date,school_year_name,"
    "auth_identifier,card_id,disabled,system_label_names"
)
YEAR = "Bachelor 2nd year or equivalent"
CATEGORIES = (
    "created",
    "updated",
    "unchanged",
    "archived",
    "skipped",
    "rejected_fields",
    "failed",
    "labels_wiped",
    "taken_over",
    "split",
    "not_read",
)


def student(i: int, **change: str) -> dict[str, str]:
    row = {
        "email_address": f"student{i}@uni.example.eu",
        "username": f"S{1000000 + i}",
        "first_name": "Zoë",
        "last_name": f"Nováková{i}",
        "primary_education:end_date": "2028-06-30",
        "school_year_name": YEAR,
        "auth_identifier": f"u{5000 + i}",
        "card_id": f"04{7000000 + i}",
        "disabled": "FALSE",
        "system_label_names": "Full-time;Erasmus",
    }
    row.update(change)
    return row


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    lines = [HEADER] + [",".join(r[c] for c in HEADER.split(",")) for r in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


@pytest.fixture
def weekly(tmp_path: Path, run_cli: Callable[..., CliRun]) -> Callable[..., dict[str, Any]]:
    """Run this week's rows against last week's (``--previous``); return the results JSON."""

    def run(previous: list[dict[str, str]], current: list[dict[str, str]]) -> dict[str, Any]:
        prev = _write(tmp_path / "last_week.csv", previous)
        cur = _write(tmp_path / "this_week.csv", current)
        result = run_cli("check", cur, "--previous", prev, "--no-history", "--as-of", "2026-11-29")
        assert result.json is not None, result.err
        return result.json

    return run


BASE = [student(i) for i in range(20)]


def _with(index: int, **change: str) -> list[dict[str, str]]:
    rows = [dict(r) for r in BASE]
    rows[index] = student(index, **change)
    return rows


def test_same_export_compares_clean(weekly: Callable[..., dict[str, Any]]) -> None:
    doc = weekly(BASE, BASE)
    assert doc["findings"] == []
    plan = doc["comparison"]["plan"]
    assert plan.pop("rows")["unchanged"] == list(range(2, 22))
    assert plan == {
        "rows_read": 20,
        **dict.fromkeys(CATEGORIES, 0),
        "unchanged": 20,
        "vanished": 0,
        "updated_by_column": {},
        "rejected_by_column": {},
        "reasons": {},
        "label_additions": 0,
        "label_removals": 0,
        "left_unchanged": {},
        "stored_end_dates": {},
    }


@pytest.mark.parametrize(
    ("current", "rule", "severity", "rows"),
    [
        (_with(3, username="S9999999"), "compare.username_changed", "error", [5]),
        (
            _with(4, username="S9999999", email_address="new.name@uni.example.eu"),
            "compare.username_and_email_changed",
            "error",
            [6],
        ),
        (_with(5, auth_identifier="u9999"), "compare.auth_identifier_changed", "error", [7]),
        (_with(7, system_label_names=""), "compare.labels_wiped", "warning", [9]),
        (
            _with(8, school_year_name="Bachelor 1st year or equivalent"),
            "compare.school_year_backwards",
            "warning",
            [10],
        ),
        (
            _with(9, school_year_name="Master 1st year or equivalent", username="S2"),
            "compare.username_changed",
            "error",
            [11],
        ),
    ],
)
def test_change_is_found_at_its_row(
    weekly: Callable[..., dict[str, Any]],
    current: list[dict[str, str]],
    rule: str,
    severity: str,
    rows: list[int],
) -> None:
    doc = weekly(BASE, current)
    found = findings_by_rule(doc)
    assert found[rule]["rows"] == rows
    assert found[rule]["severity"] == severity
    assert found[rule]["engine"] == "compare"
    assert {f["rule"] for f in doc["findings"] if f["rule"].startswith("compare.")} == {rule}


def test_ten_percent_of_emails_changing_is_a_warning(weekly: Callable[..., dict[str, Any]]) -> None:
    one = _with(0, email_address="a.new@uni.example.eu")
    assert "compare.many_email_changes" not in findings_by_rule(weekly(BASE, one))  # 5%
    two = [dict(r) for r in one]
    two[1] = student(1, email_address="b.new@uni.example.eu")
    finding = findings_by_rule(weekly(BASE, two))["compare.many_email_changes"]  # 10%
    assert finding["rows"] == [2, 3]
    assert finding["severity"] == "warning"


def test_email_change_in_case_or_spaces_only_is_no_change(
    weekly: Callable[..., dict[str, Any]],
) -> None:
    rows = [student(i, email_address=f"Student{i}@Uni.Example.EU") for i in range(20)]
    doc = weekly(BASE, rows)
    assert "compare.many_email_changes" not in findings_by_rule(doc)


def test_row_count_drop_lists_the_vanished_students(weekly: Callable[..., dict[str, Any]]) -> None:
    doc = weekly(BASE, BASE[:17])  # 15% fewer
    finding = findings_by_rule(doc)["compare.row_count_drop"]
    assert finding["severity"] == "error"
    assert finding["rows"] == []
    assert finding["previous_rows"] == [19, 20, 21]
    assert "3 students of last week are missing" in finding["message"]
    assert "compare.row_count_drop" not in findings_by_rule(weekly(BASE, BASE[:18]))  # 10%


def test_sync_plan_is_a_dry_run(weekly: Callable[..., dict[str, Any]]) -> None:
    current = [dict(r) for r in BASE[:19]]
    current[0] = student(0, last_name="Novák")
    current[1] = student(1, disabled="TRUE")
    current[2] = student(2, system_label_names="Full-time;Erasmus;Widening participation")
    current[3] = student(3, system_label_names="Full-time")
    current[4] = student(4, first_name="")  # blank: "leave unchanged", not a change
    current.append(student(40))
    plan = weekly(BASE, current)["comparison"]["plan"]
    rows = plan.pop("rows")
    assert (rows["created"], rows["archived"], rows["vanished"]) == ([21], [3], [21])
    assert rows["updated"] == [2, 4, 5]
    assert plan == {
        "rows_read": 20,
        **dict.fromkeys(CATEGORIES, 0),
        "created": 1,
        "updated": 3,
        "unchanged": 15,
        "archived": 1,
        "vanished": 1,
        "updated_by_column": {"last_name": 1, "disabled": 1, "system_label_names": 2},
        "rejected_by_column": {},
        "reasons": {},
        "label_additions": 1,
        "label_removals": 1,
        "left_unchanged": {"first_name": 1},
        "stored_end_dates": {},
    }


def test_unusable_previous_export_is_named(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    cur = _write(tmp_path / "this_week.csv", BASE)
    prev = tmp_path / "last_week.csv"
    prev.write_bytes(HEADER.replace(",", ";").encode() + b"\r\n")
    run = run_cli("check", cur, "--previous", prev, "--no-history")
    assert run.code == 2
    assert (
        f"{prev}: row 1: (the previous export) the columns are separated by semicolons" in run.err
    )


def test_the_allowed_row_drop_is_a_setting(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    from tests.conftest import write_settings

    config = write_settings(tmp_path, max_row_drop=0.5)
    prev = _write(tmp_path / "last_week.csv", BASE)
    cur = _write(tmp_path / "this_week.csv", BASE[:12])  # 40% fewer: within 50%
    run = run_cli("check", cur, "--previous", prev, "--no-history", "--config", config)
    assert run.json is not None
    assert "compare.row_count_drop" not in findings_by_rule(run.json)
    assert run.json["comparison"]["plan"]["vanished"] == 8


def test_comparison_findings_carry_masked_values(weekly: Callable[..., dict[str, Any]]) -> None:
    finding = findings_by_rule(weekly(BASE, _with(3, username="S9999999")))[
        "compare.username_changed"
    ]
    assert finding["examples"] == ["A9999999"]


def test_a_changed_card_id_is_in_the_plan_not_the_gate(
    weekly: Callable[..., dict[str, Any]],
) -> None:
    doc = weekly(BASE, _with(6, card_id="0499999999"))  # a lost card: the importer allows it
    assert not [f for f in doc["findings"] if f["rule"].startswith("compare.")]
    assert doc["comparison"]["plan"]["updated_by_column"] == {"card_id": 1}
    assert doc["outcome"] == "passed"
