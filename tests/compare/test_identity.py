"""One student across weeks: a username that moves to another person, now or weeks later.

Each case is a sequence of weekly checks against ONE history, on exports built here: the
importer matches students on username and never forgets an account, so a known username (or
SSO id) on another person's row hands them that account (compare.username_taken_over).
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.compare.test_changes import BASE, student
from tests.conftest import CliRun, findings_by_rule, write_settings

TAKEN = "compare.username_taken_over"
ANOTHER = {  # another person entirely: every fingerprint differs
    "email_address": "mila.horak@uni.example.eu",
    "first_name": "Mila",
    "last_name": "Horáková",
    "auth_identifier": "u8888",
    "card_id": "048888888",
}
MOVED = {k: ANOTHER[k] for k in ("email_address", "last_name")}
"""Another person's email address and name."""
UNKNOWN = {"auth_identifier": "", "card_id": ""}
"""Blank: the importer leaves the stored value (so nothing is known of it this week)."""


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = list(dict.fromkeys(c for row in rows for c in row))
    lines = [",".join(columns)] + [",".join(r.get(c, "") for c in columns) for r in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


@dataclass
class Weeks:
    """Weekly checks against one history (``reports/history.sqlite`` in the test's folder)."""

    folder: Path
    run_cli: Callable[..., CliRun]
    count: int = 0

    @property
    def history(self) -> Path:
        return self.folder / "reports" / "history.sqlite"

    def check(
        self, rows: list[dict[str, str]], *extra: str | Path, as_of: str = "2026-11-29"
    ) -> dict[str, Any]:
        self.count += 1
        path = _write(self.folder / f"week{self.count}.csv", rows)
        run = self.run_cli("check", path, "--as-of", as_of, *extra)
        assert run.json is not None, run.err
        return run.json


@pytest.fixture
def weeks(tmp_path: Path, run_cli: Callable[..., CliRun]) -> Weeks:
    return Weeks(tmp_path, run_cli)


def _compare_rules(doc: dict[str, Any]) -> set[str]:
    return {f["rule"] for f in doc["findings"] if f["rule"].startswith("compare.")}


def _with(index: int, **change: str) -> list[dict[str, str]]:
    rows = [dict(r) for r in BASE]
    rows[index] = student(index, **change)
    return rows


# --- a username that moved to another person since the baseline -------------------------------


@pytest.mark.parametrize(
    ("change", "blanks", "taken"),
    [
        (ANOTHER, {}, True),  # the case: every fingerprint is another person's
        # two differ, none agrees (a blank SSO id and card are unknown, not differences)
        (MOVED, UNKNOWN, True),
        # one agreeing fingerprint is the same person: a married student who lost her card
        # keeps her SSO id
        ({**MOVED, "card_id": ANOTHER["card_id"]}, {}, False),
        ({"email_address": ANOTHER["email_address"]}, {}, False),  # one difference: a change
        ({"email_address": ANOTHER["email_address"]}, UNKNOWN, False),  # ... and the rest blank
    ],
)
def test_a_username_on_another_persons_row_is_a_takeover(
    weeks: Weeks, change: dict[str, str], blanks: dict[str, str], taken: bool
) -> None:
    assert weeks.check(BASE)["outcome"] == "passed"
    doc = weeks.check(_with(3, **{**change, **blanks}))
    plan = doc["comparison"]["plan"]
    if not taken:
        assert TAKEN not in _compare_rules(doc)
        assert plan["rows"].get("taken_over", []) == []
        return
    finding = findings_by_rule(doc)[TAKEN]
    assert (finding["severity"], finding["rows"], finding["previous_rows"]) == ("error", [5], [5])
    assert "row 5 has the username of the baseline's row 5" in finding["message"]
    assert "never moves to another person" in finding["message"]
    # one cause, one finding: not also a changed SSO id or a changed email
    assert _compare_rules(doc) == {TAKEN}
    # the plan: not a student with every field changed, nor an unchanged one
    assert plan["rows"]["taken_over"] == [5]
    assert 5 not in plan["rows"].get("updated", []) + plan["rows"]["unchanged"]
    assert (plan["updated"], plan["unchanged"], plan["updated_by_column"]) == (0, 19, {})
    assert plan["taken_over"] + plan["unchanged"] == plan["rows_read"]
    assert doc["outcome"] == "failed"


@pytest.mark.parametrize(
    ("settings", "taken"),
    [
        ({}, True),
        ({"takeover_min_differing": 3}, False),
        ({"same_person_fingerprints": ["name", "card_id"]}, False),
    ],
)
def test_the_same_person_test_takes_its_thresholds_from_the_settings(
    weeks: Weeks, settings: dict[str, Any], taken: bool
) -> None:
    config = write_settings(weeks.folder, **settings)
    assert weeks.check(BASE, "--config", config)["outcome"] == "passed"
    doc = weeks.check(_with(3, **MOVED, **UNKNOWN), "--config", config)
    assert (TAKEN in _compare_rules(doc)) is taken


def _drop_names(history: Path) -> None:
    """Make the stored snapshots as a syncguard from before names were kept wrote them."""
    import hashlib

    with sqlite3.connect(history) as db:
        for run_id, data in db.execute("SELECT run_id, data FROM snapshots").fetchall():
            frame = pl.read_parquet(io.BytesIO(data)).drop("name_h")
            out = io.BytesIO()
            frame.write_parquet(out)
            blob = out.getvalue()
            db.execute(
                "UPDATE snapshots SET data = ?, sha256 = ? WHERE run_id = ?",
                (blob, hashlib.sha256(blob).hexdigest(), run_id),
            )


@pytest.mark.parametrize("names_kept", [True, False])
def test_a_name_missing_from_an_older_snapshot_is_unknown_not_different(
    weeks: Weeks, names_kept: bool
) -> None:
    assert weeks.check(BASE)["outcome"] == "passed"
    if not names_kept:
        _drop_names(weeks.history)
    # email and name differ, the SSO id and card are blank (left unchanged): two differences
    # when the baseline knows the name, one when it does not
    doc = weeks.check(_with(3, **MOVED, **UNKNOWN))
    assert (TAKEN in _compare_rules(doc)) is names_kept


# --- a username that comes back for someone else weeks later ----------------------------------


def test_the_checks_are_declared_with_their_consequences() -> None:
    from syncguard.compare.checks import CHECKS

    declared = {c.entry.id: c.entry for c in CHECKS}
    assert declared[TAKEN].consequence.value == "account_taken_over"
    assert declared["compare.stored_end_before_start"].consequence.value == "row_skipped"
    assert {declared[TAKEN].severity.value, declared[TAKEN].basis.kind.value} == {
        "error",
        "importer",
    }


LEAVER = 25
"""The student who leaves after week 1 (row 22 of week 1)."""


def _leaver(**change: str) -> dict[str, str]:
    return student(LEAVER, **change)


@pytest.mark.parametrize(
    ("leaver", "returning", "taken", "key"),
    [
        # a student leaves; weeks later their username is given to someone new
        (_leaver(), _leaver(**ANOTHER), True, "username"),
        # a graduate's account: an Alumni student's username given to a new student
        (_leaver(school_year_name="Alumni"), _leaver(**ANOTHER), True, "username"),
        # a new username, but the SSO id of the student who left
        (
            _leaver(),
            student(LEAVER, **{**ANOTHER, "username": "S7777777", "auth_identifier": "u5025"}),
            True,
            "auth_identifier",
        ),
        # the same student coming back (a new email address): their own account again
        (_leaver(), _leaver(email_address="returning@uni.example.eu"), False, ""),
    ],
)
def test_a_username_that_comes_back_weeks_later(
    weeks: Weeks, leaver: dict[str, str], returning: dict[str, str], taken: bool, key: str
) -> None:
    assert weeks.check([*BASE, leaver], as_of="2026-11-15")["outcome"] == "passed"
    assert weeks.check(BASE, as_of="2026-11-22")["outcome"] == "passed"  # left: account stays
    assert weeks.check(BASE, as_of="2026-11-29")["outcome"] == "passed"
    doc = weeks.check([*BASE, returning], as_of="2026-12-06")
    plan = doc["comparison"]["plan"]
    assert doc["comparison"]["baseline"]["run"] == 3  # the leaver is not in the baseline
    if not taken:
        assert doc["outcome"] == "passed", doc["findings"]
        assert plan["rows"]["created"] == [22]
        return
    finding = findings_by_rule(doc)[TAKEN]
    assert finding["rows"] == [22] and "previous_rows" not in finding
    assert f"row 22 has the {key} of another student" in finding["message"]
    assert "last uploaded in run #1 of 2026-11-15" in finding["message"]
    assert _compare_rules(doc) == {TAKEN}
    assert (plan["rows"]["taken_over"], plan["rows"].get("created", [])) == ([22], [])


@pytest.mark.parametrize(
    ("how", "remembered"),
    [("passed", True), ("accepted", True), ("failed", False), ("partial", False)],
)
def test_only_uploads_the_importer_took_are_remembered(
    weeks: Weeks, how: str, remembered: bool
) -> None:
    assert weeks.check(BASE)["outcome"] == "passed"  # run 1
    second = [*BASE, _leaver()]
    if how == "failed" or how == "accepted":  # a duplicate email fails the gate
        second[1] = student(1, email_address=BASE[0]["email_address"])
    extra = ("--only", "email_address.format") if how == "partial" else ()
    weeks.check(second, *extra)  # run 2: the leaver's only week
    if how == "accepted":
        accepted = weeks.run_cli("accept", "2", "--history", weeks.history, want_json=False)
        assert accepted.code == 0, accepted.err
    assert weeks.check(BASE)["outcome"] == "passed"  # run 3
    doc = weeks.check([*BASE, _leaver(**ANOTHER)])
    assert (TAKEN in _compare_rules(doc)) is remembered


@pytest.mark.parametrize("damage", ["key", "bytes"])
def test_a_memory_that_cannot_be_used_fails_closed(weeks: Weeks, damage: str) -> None:
    first = weeks.check([*BASE, _leaver()])
    assert first["outcome"] == "passed"
    if damage == "key":  # the history's key replaced: its digests mean nothing any more
        key = weeks.history.with_suffix(".key")
        key.write_text("ab" * 32, encoding="ascii")
    else:
        with sqlite3.connect(weeks.history) as db:
            db.execute("UPDATE memory SET data = X'00112233'")
    # compared with last week's file, so only the memory is in question
    last_week = weeks.folder / "week1.csv"
    doc = weeks.check([*BASE, _leaver(**ANOTHER)], "--previous", last_week)
    finding = findings_by_rule(doc)["compare.unavailable"]
    assert finding["severity"] == "error" and "memory of earlier uploads" in finding["message"]
    assert doc["outcome"] == "failed"


# --- a returning alumnus with a blank end date -------------------------------------------------

GRADUATE = {"school_year_name": "Alumni", "primary_education:end_date": "2025-06-30"}
BACK = {"school_year_name": "Master 1st year or equivalent"}


@pytest.mark.parametrize(
    ("start", "end", "failing"),
    [
        ("2026-09-01", "", True),  # blank: the stored 2025-06-30 stays, before the start
        ("2026-09-01", "2028-06-30", False),  # a new end date: fine
        ("2024-09-01", "", False),  # the stored end date is after this start date
        ("", "", False),  # no new start date
    ],
)
@pytest.mark.parametrize("gone_for_a_while", [False, True])
def test_a_returning_alumnus_needs_a_new_end_date(
    weeks: Weeks, start: str, end: str, failing: bool, gone_for_a_while: bool
) -> None:
    start_col = "primary_education:start_date"
    rows = [{**r, start_col: "2022-09-01"} for r in BASE]
    rows[3] = student(3, **GRADUATE, **{start_col: "2021-09-01"})
    assert weeks.check(rows)["outcome"] == "passed"
    if gone_for_a_while:  # the graduate drops out of the sync: only the memory has them
        assert weeks.check(rows[:3] + rows[4:])["outcome"] == "passed"
    back = [dict(r) for r in rows]
    back[3] = student(3, **BACK, **{start_col: start, "primary_education:end_date": end})
    doc = weeks.check(back)
    plan = doc["comparison"]["plan"]
    if not failing:
        assert "compare.stored_end_before_start" not in _compare_rules(doc)
        assert plan["stored_end_dates"] == {}
        return
    finding = findings_by_rule(doc)["compare.stored_end_before_start"]
    assert finding["severity"] == "error"
    assert finding["rows"] == [5] and "row 5: 2025-06-30" in finding["message"]
    assert plan["rows"]["failed"] == [5]  # the importer refuses the row
    assert plan["reasons"]["failed"] == {"compare.stored_end_before_start": [5]}
    assert plan["stored_end_dates"] == {"5": "2025-06-30"}
    # the report's plan shows the stored value the blank leaves in place
    report = sorted((weeks.folder / "reports").glob("*/report.html"))[-1]
    shown = report.read_text(encoding="utf-8").split('<h2 id="plan">', 1)[1]
    assert '<td class="num">5</td><td>2025-06-30</td>' in shown
    # the blank is the stored value's, not a new student's missing end date
    assert "end_date.not_blank" not in findings_by_rule(doc)


# --- a username change is not a student gone missing -------------------------------------------


def test_a_student_under_a_new_username_but_the_same_email_is_a_username_change(
    weeks: Weeks,
) -> None:
    assert weeks.check(BASE)["outcome"] == "passed"
    doc = weeks.check(_with(3, username="S9999999"))
    plan = doc["comparison"]["plan"]
    assert plan["rows"]["username_changed"] == [5]
    assert (plan["vanished"], plan["rows"]["vanished"], plan["created"]) == (0, [], 0)
    assert _compare_rules(doc) == {"compare.username_changed"}


def test_the_memory_keeps_keyed_digests_only(weeks: Weeks) -> None:
    assert weeks.check(BASE)["outcome"] == "passed"
    with sqlite3.connect(weeks.history) as db:
        (data,) = db.execute("SELECT data FROM memory").fetchone()
    memory = pl.read_parquet(io.BytesIO(data))
    assert memory.height == 2 * len(BASE)  # each username and each SSO id
    assert {c for c, t in memory.schema.items() if t == pl.String} == {"school_year"}
    stored = b"".join(p.read_bytes() for p in weeks.history.parent.glob("history.sqlite*"))
    personal = ("email_address", "username", "last_name", "auth_identifier", "card_id")
    for row in BASE:
        assert not [c for c in personal if row[c].encode() in stored]
