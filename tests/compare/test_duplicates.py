"""Duplicates, paired: each group of rows sharing an identity gets a masked label, and the
advice names the other rows and, with a baseline, the row to keep and the row to check."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from syncguard.defaults import default_rules
from syncguard.suite.loader import load_suite
from tests.compare.test_changes import BASE, _write, student
from tests.conftest import CliRun


@pytest.fixture
def check(tmp_path: Path, run_cli: Callable[..., CliRun]) -> Callable[..., dict[str, Any]]:
    """This week's rows, against BASE or (``baseline=False``) alone: the results JSON, with
    ``_csv`` (failing_rows.csv's lines) and ``_html`` (the report) added."""

    def run(current: list[dict[str, str]], baseline: bool = True) -> dict[str, Any]:
        cur = _write(tmp_path / "this_week.csv", current)
        against = ["--previous", str(_write(tmp_path / "last_week.csv", BASE))] if baseline else []
        done = run_cli("check", cur, *against, "--no-history")
        assert done.json is not None, done.err
        folder = max(p for p in (tmp_path / "reports").iterdir() if p.is_dir())  # the newest
        with (folder / "failing_rows.csv").open(encoding="utf-8", newline="") as handle:
            done.json["_csv"] = list(csv.DictReader(handle))
        done.json["_html"] = (folder / "report.html").read_text(encoding="utf-8")
        return done.json

    return run


def _rows(*changes: tuple[int, dict[str, str]]) -> list[dict[str, str]]:
    rows = [dict(r) for r in BASE]
    for index, change in changes:
        rows[index] = student(index, **change)
    return rows


def _group_text(doc: dict[str, Any], row: int, check: str) -> str:
    (line,) = [r for r in doc["_csv"] if r["row"] == str(row) and r["check"] == check]
    return str(line["duplicate_group"])


def test_a_group_names_the_row_to_keep_and_the_row_to_check(
    check: Callable[..., dict[str, Any]],
) -> None:
    taken = BASE[2]["username"]
    doc = check(_rows((8, {"username": taken})))  # row 10 gets row 4's username
    (group,) = doc["duplicate_groups"]
    assert (group["label"], group["rows"], group["keep"], group["check"]) == (
        "D1",
        [4, 10],
        [4],
        [10],
    )
    assert group["compared"] is True and taken not in str(group)
    assert _group_text(doc, 10, "username.unique") == (
        "duplicate group D1: same username as row 4; row 4 is the baseline's student: keep it; "
        "this row is new or changed: check it"
    )
    assert _group_text(doc, 4, "username.unique").startswith(
        "duplicate group D1: same username as row 10; this row is the baseline's student: keep it"
    )
    assert list(doc["_csv"][0])[-1] == "duplicate_group"  # the newest column comes last
    html = doc["_html"]
    assert "duplicate group D1: same username as row 4" in html  # the worklist
    assert '<tr id="group-D1"><th scope="row">D1</th><td>4, 10</td><td>4</td><td>10</td>' in html
    assert taken not in html


def test_a_student_whose_username_changed_too_is_still_the_one_to_keep(
    check: Callable[..., dict[str, Any]],
) -> None:
    email = BASE[2]["email_address"]
    doc = check(_rows((2, {"username": "S7777777"}), (8, {"email_address": email})))
    (group,) = doc["duplicate_groups"]
    assert (group["column"], group["rows"], group["keep"]) == ("email_address", [4, 10], [4])


def test_without_a_baseline_the_advice_does_not_choose(
    check: Callable[..., dict[str, Any]],
) -> None:
    doc = check(_rows((8, {"username": BASE[2]["username"]})), baseline=False)
    (group,) = doc["duplicate_groups"]
    assert (group["compared"], group["keep"], group["check"]) == (False, [], [])
    text = _group_text(doc, 10, "username.unique")
    assert text == (
        "duplicate group D1: same username as row 4; the importer skips rows that duplicate "
        "another row's username: give each student their own username in the student record "
        "system"
    )
    assert "keep" not in text


def test_the_same_student_twice_is_said_so(check: Callable[..., dict[str, Any]]) -> None:
    doc = check([*BASE[:5], dict(BASE[2]), *BASE[5:]])  # student 2 at rows 4 and 7
    groups = {g["rule"]: g for g in doc["duplicate_groups"]}
    assert groups["username.unique"]["keep"] == [4, 7]
    assert "the same student is listed more than once, keep one row" in _group_text(
        doc, 7, "username.unique"
    )


def test_groups_are_labelled_in_row_order_over_every_rule(
    check: Callable[..., dict[str, Any]],
) -> None:
    doc = check(
        _rows(
            (8, {"username": BASE[2]["username"]}),  # rows 4, 10
            (3, {"card_id": BASE[1]["card_id"]}),  # rows 3, 5
        )
    )
    labels = [(g["label"], g["rule"], g["rows"]) for g in doc["duplicate_groups"]]
    assert labels == [("D1", "card_id.unique", [3, 5]), ("D2", "username.unique", [4, 10])]


def test_no_fix_says_remove_or_merge_without_naming_the_rows() -> None:
    rules = [r for r in load_suite(default_rules()).rules if r.kind == "unique"]
    assert len(rules) == 4
    for rule in rules:
        assert "remove or merge" not in rule.fix
        assert "names each duplicate group's rows" in rule.fix
