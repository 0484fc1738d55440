"""The weekly loop as a cron job runs it: two or three checks against one history.

Each case is built from the importer's facts: the baseline is what the importer last took, a
changed username fails an automatic sync, a blank leaves an existing student's value, a file
of just the changes is smaller by design, the comparison fails closed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.compare.test_changes import BASE, HEADER, _with, _write, student
from tests.conftest import CliRun, findings_by_rule, write_settings

Weekly = Callable[..., CliRun]


@pytest.fixture
def week(tmp_path: Path, run_cli: Callable[..., CliRun]) -> Weekly:
    """Check one week's rows against the shared history (reports/history.sqlite)."""
    counter = iter(range(1, 100))

    def run(rows: list[dict[str, str]], *extra: str | Path) -> CliRun:
        path = _write(tmp_path / f"week{next(counter)}.csv", rows)
        return run_cli("check", path, "--as-of", "2026-11-29", *extra)

    return run


def _doc(run: CliRun) -> dict[str, Any]:
    assert run.json is not None, run.err
    return run.json


def _compare_rules(run: CliRun) -> set[str]:
    return {f["rule"] for f in _doc(run)["findings"] if f["rule"].startswith("compare.")}


def test_the_mended_week_compares_with_the_last_accepted_run(week: Weekly) -> None:
    assert week(BASE).code == 0
    broken = _with(3, username="S9999999")
    broken[5] = student(5, email_address="not-an-address")
    assert week(broken).code == 1
    # compared with the failed run instead, the restored username looks changed
    assert "compare.username_changed" in _compare_rules(week(BASE, "--baseline", "last"))
    mended = week(BASE)  # last week's broken usernames restored: nothing changed since run 1
    assert mended.code == 0, _doc(mended)["findings"]
    baseline = _doc(mended)["comparison"]["baseline"]
    assert (baseline["run"], baseline["outcome"], baseline["mode"]) == (1, "passed", "last-passed")
    assert "run #1" in _doc(mended)["comparison"]["previous"]["source"]


def test_an_accepted_run_becomes_the_baseline(
    week: Weekly, run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    assert week(BASE).code == 0
    duplicate = _with(2, email_address=BASE[1]["email_address"])
    assert week(duplicate).code == 1  # run 2 fails on the duplicate email, but was uploaded
    history = tmp_path / "reports" / "history.sqlite"
    accepted = run_cli("accept", "2", "--history", history, want_json=False)
    assert accepted.code == 0 and "run #2" in accepted.out
    third = week(_with(2, username="S7777777", email_address=BASE[1]["email_address"]))
    base = _doc(third)["comparison"]["baseline"]
    assert (base["run"], base["accepted"]) == (2, True)
    assert "compare.username_changed" in _compare_rules(third)
    listing = run_cli("history", "--history", history, want_json=False)
    assert "failed*" in listing.out and "compared with #2" in listing.out


@pytest.mark.parametrize(("run_id", "problem"), [("9", "there is no run #9"), ("2", "read at all")])
def test_accept_refuses_what_was_never_uploaded(
    week: Weekly,
    run_cli: Callable[..., CliRun],
    tmp_path: Path,
    write_csv: Callable[..., Path],
    run_id: str,
    problem: str,
) -> None:
    assert week(BASE).code == 0
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert run_cli("check", empty).code == 2  # run 2: unusable
    history = tmp_path / "reports" / "history.sqlite"
    refused = run_cli("accept", run_id, "--history", history, want_json=False)
    assert refused.code == 3 and problem in refused.err
    assert len(refused.err.strip().splitlines()) == 1


def test_a_missing_key_fails_closed(week: Weekly, tmp_path: Path) -> None:
    assert week(BASE).code == 0
    (tmp_path / "reports" / "history.key").unlink()
    run = week(_with(3, username="S9999999"))
    assert run.code == 1
    finding = findings_by_rule(_doc(run))["compare.unavailable"]
    assert finding["severity"] == "error" and "history.key" in finding["message"]


def test_a_damaged_snapshot_fails_closed(week: Weekly, tmp_path: Path) -> None:
    assert week(BASE).code == 0
    with sqlite3.connect(tmp_path / "reports" / "history.sqlite") as db:
        db.execute("UPDATE snapshots SET data = X'00112233'")
    run = week(BASE)
    assert run.code == 1
    assert "cannot be read" in findings_by_rule(_doc(run))["compare.unavailable"]["message"]


def test_an_unusable_export_is_a_run_of_the_history(
    week: Weekly, run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    assert week(BASE).code == 0
    bad = tmp_path / "semicolons.csv"
    bad.write_bytes(HEADER.replace(",", ";").encode() + b"\r\na;b\r\n")
    run = run_cli("check", bad, "--as-of", "2026-11-29")
    assert run.code == 2 and len(run.err.strip().splitlines()) == 1
    assert _doc(run)["outcome"] == "unusable"
    (report,) = (tmp_path / "reports").glob("*-semicolons/report.html")
    assert "UNUSABLE" in report.read_text(encoding="utf-8")
    history = tmp_path / "reports" / "history.sqlite"
    listing = run_cli("history", "--history", history, want_json=False)
    assert listing.out.splitlines()[1].split()[2] == "unusable"  # newest first
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "✗ unusable" in index.split("</p>", 1)[0]  # the latest run, at the top


def test_as_of_is_kept_with_the_run(
    week: Weekly, run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    run = week(BASE)
    assert _doc(run)["as_of"] == "2026-11-29"
    history = tmp_path / "reports" / "history.sqlite"
    assert "as of 2026-11-29" in run_cli("history", "--history", history, want_json=False).out
    (report,) = (tmp_path / "reports").glob("*/report.html")
    assert "as of 2026-11-29" in report.read_text(encoding="utf-8")
    assert "2026-11-29" in (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "column", ["last_name", "first_name", "email_address", "primary_education:end_date"]
)
def test_a_required_value_is_needed_by_new_students_only(week: Weekly, column: str) -> None:
    assert week(BASE).code == 0
    rows = [dict(r) for r in BASE]
    rows[4] = student(4, **{column: ""})  # existing: the stored value stays
    rows.append(student(30, **{column: ""}))  # new: created without it
    run = week(rows)
    doc = _doc(run)
    rule = {
        "last_name": "last_name.not_blank",
        "first_name": "first_name.not_blank",
        "email_address": "email_address.not_blank",
        "primary_education:end_date": "end_date.not_blank",
    }[column]
    finding = findings_by_rule(doc)[rule]
    assert finding["rows"] == [22] and finding["severity"] == "error"
    assert doc["comparison"]["plan"]["left_unchanged"] == {column: 1}


REQUIRED = {
    "last_name": "last_name.not_cleared",
    "first_name": "first_name.not_cleared",
    "email_address": "email_address.not_cleared",
    "username": "username.not_cleared",
    "school_year_name": "school_year_name.not_cleared",
    "primary_education:end_date": "end_date.not_cleared",
    "auth_identifier": "auth_identifier.not_cleared",
}
"""Each column the importer requires (auth_identifier with SSO), with its **CLEAR** rule."""


@pytest.mark.parametrize("column", REQUIRED)  # username.not_cleared explains username_changed
def test_clear_in_a_required_column_fails_the_row_of_every_student(
    week: Weekly, config: Callable[..., Path], column: str
) -> None:
    project = config(sso=True)
    assert week(BASE, "--config", project).code == 0
    rows = [dict(r) for r in BASE]
    rows[4] = student(4, **{column: "**CLEAR**"})  # existing: a blank would keep the value
    rows.append(student(30, **{column: "**CLEAR**"}))  # new
    run = week(rows, "--config", project)
    assert run.code == 1
    findings = _doc(run)["findings"]
    finding = findings_by_rule(_doc(run))[REQUIRED[column]]
    assert finding["rows"] == [6, 22] and finding["severity"] == "error"
    # one cause, one finding: no other check reports the cleared cells
    assert [f["rule"] for f in findings if {6, 22} & set(f["rows"])] == [REQUIRED[column]]
    assert _doc(run)["comparison"]["plan"]["left_unchanged"] == {}


def test_clear_in_auth_identifier_is_fine_without_sso(week: Weekly) -> None:
    assert week(BASE).code == 0
    run = week(_with(4, auth_identifier="**CLEAR**"))
    assert run.code == 0, _doc(run)["findings"]


def test_without_a_baseline_every_student_is_new(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    rows = [dict(r) for r in BASE]
    rows[4] = student(4, school_year_name="")
    path = _write(tmp_path / "first.csv", rows)
    run = run_cli("check", path, "--no-history", "--as-of", "2026-11-29")
    assert findings_by_rule(_doc(run))["school_year_name.not_blank"]["rows"] == [6]
    assert run.code == 1


@pytest.fixture
def config(tmp_path: Path) -> Callable[..., Path]:
    """A project file (syncguard.toml) with these settings, for ``--config``."""

    def write(**settings: Any) -> Path:
        folder = tmp_path / "project"
        folder.mkdir(exist_ok=True)
        return write_settings(folder, **settings)

    return write


def test_manual_uploads_warn_about_changed_identifiers(
    week: Weekly, config: Callable[..., Path]
) -> None:
    project = config(sync="manual")
    assert week(BASE, "--config", project).code == 0
    changed = _with(3, username="S9999999")
    changed[5] = student(5, auth_identifier="u9999")
    changed[7] = student(7, username="S8888888", email_address="x.new@uni.example.eu")
    run = week(changed, "--config", project)
    found = findings_by_rule(_doc(run))
    for rule in ("compare.username_changed", "compare.auth_identifier_changed"):
        assert found[rule]["severity"] == "warning"
        assert "this job changes identifier data" in found[rule]["message"]
    assert found["compare.username_and_email_changed"]["severity"] == "error"  # cannot match


def test_automatic_sync_fails_on_a_changed_auth_identifier(week: Weekly) -> None:
    assert week(BASE).code == 0
    run = week(_with(5, auth_identifier="u9999"))
    assert run.code == 1
    assert findings_by_rule(_doc(run))["compare.auth_identifier_changed"]["rows"] == [7]


@pytest.mark.parametrize(("upload", "code"), [("full", 1), ("changes", 0)])
def test_a_file_of_just_the_changes_may_be_small(
    week: Weekly, config: Callable[..., Path], upload: str, code: int
) -> None:
    project = config(upload=upload)
    assert week(BASE, "--config", project).code == 0
    run = week(BASE[:5], "--config", project)  # 75% fewer rows
    assert run.code == code
    assert ("compare.row_count_drop" in _compare_rules(run)) is (upload == "full")


def test_a_setting_with_a_choice_is_checked(
    run_cli: Callable[..., CliRun], config: Callable[..., Path]
) -> None:
    project = config(sync="sometimes")
    run = run_cli("rules", "--config", project, want_json=False)
    assert run.code == 3
    assert f"{project}:" in run.err and "'automatic' or 'manual'" in run.err


def test_wiped_labels_are_changes_in_the_plan(week: Weekly) -> None:
    assert week(BASE).code == 0
    plan = _doc(week(_with(7, system_label_names="")))["comparison"]["plan"]
    assert plan["updated_by_column"] == {"system_label_names": 1}
    assert (plan["labels_wiped"], plan["updated"], plan["label_removals"]) == (1, 0, 2)


LABELLED = [student(i, **({} if i < 10 else {"system_label_names": ""})) for i in range(20)]
"""Students 0-9 have system labels, students 10-19 none."""


def _blank_labels() -> list[dict[str, str]]:
    """Blank labels for a student who had some (row 5), one who had none (row 14), one whose
    username changed but who had some (row 9, matched by email) and a new student (row 22)."""
    rows = [dict(r) for r in LABELLED]
    rows[3] = student(3, system_label_names="")
    rows[7] = student(7, username="S7777777", system_label_names="")
    rows[12] = student(12, system_label_names="")
    rows.append(student(30, system_label_names=""))
    return rows


def test_a_blank_label_cell_warns_only_for_students_who_had_labels(week: Weekly) -> None:
    assert week(LABELLED).code == 0
    found = findings_by_rule(_doc(week(_blank_labels())))
    assert found["compare.labels_wiped"]["rows"] == [5]  # matched by username
    # the rule adds the student matched by email; nothing for students without labels before
    # (rows 12-21) nor for the new one (row 22)
    assert found["system_label_names.not_blank"]["rows"] == [9]
    assert found["system_label_names.not_blank"]["severity"] == "warning"


def test_no_finding_when_no_student_with_labels_blanks_them(week: Weekly) -> None:
    assert week(LABELLED).code == 0
    rows = [dict(r) for r in LABELLED]
    rows.append(student(30, system_label_names=""))  # new: nothing to wipe
    found = findings_by_rule(_doc(week(rows)))
    assert "system_label_names.not_blank" not in found and "compare.labels_wiped" not in found


def test_without_a_baseline_every_blank_label_cell_warns(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    path = _write(tmp_path / "first.csv", _blank_labels())
    run = run_cli("check", path, "--no-history", "--as-of", "2026-11-29")
    rows = findings_by_rule(_doc(run))["system_label_names.not_blank"]["rows"]
    assert rows == [5, 9, *range(12, 23)]


def test_a_baseline_without_the_labels_column_warns_on_every_blank(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    columns = HEADER.split(",")[:-1]  # last week's export had no system_label_names column
    before = tmp_path / "before.csv"
    lines = [",".join(columns)] + [",".join(r[c] for c in columns) for r in LABELLED]
    before.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    path = _write(tmp_path / "now.csv", _blank_labels())
    run = run_cli("check", path, "--previous", before, "--no-history", "--as-of", "2026-11-29")
    rows = findings_by_rule(_doc(run))["system_label_names.not_blank"]["rows"]
    assert rows == [5, 9, *range(12, 23)]  # who had labels is unknown: every blank warns
