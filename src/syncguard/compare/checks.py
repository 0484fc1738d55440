"""The comparison checks: what is wrong week over week, one function each, declared once.

Each check is registered with its catalogue entry (id, severity, basis, fix) and the snapshot
columns it reads; it gets the matching of the two weeks' students and the suite's settings,
and returns a finding or None. ``CHECKS`` lists them in the order they run.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from syncguard.compare.matching import Matching, changed_email, stored_end_kept
from syncguard.compare.snapshot import SNAPSHOT_COLUMNS
from syncguard.importer import ORDERED_SCHOOL_YEARS
from syncguard.model import (
    BasisKind,
    Check,
    Consequence,
    Engine,
    Finding,
    Severity,
    Source,
    declare,
)

LISTED = 20
"""Last week's rows named in a row-drop message."""
RANK = {year: i for i, year in enumerate(ORDERED_SCHOOL_YEARS)} | {"Alumni": 100}
"""The ordered levels; others (Certificate Program, Placement, Gap Year, ...) have no order."""

Settings = Mapping[str, Any]
CheckFunction = Callable[[Check, Matching, Settings], Finding | None]


@dataclass(frozen=True)
class ComparisonCheck:
    """A comparison check: its catalogue entry, the snapshot columns it reads, its function."""

    entry: Check
    needs: frozenset[str]
    run: CheckFunction


CHECKS: list[ComparisonCheck] = []
"""The registered comparison checks, in the order they run."""


_entry = functools.partial(declare, Source.COMPARE, Engine.COMPARE)
"""A comparison check: ``_entry(id, title, severity, description, basis, fix, message,
columns)``."""


def comparison_check(
    entry: Check, needs: tuple[str, ...]
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a function as the comparison check of ``entry`` (once).

    Raises:
        RuntimeError: the id is registered twice, or a needed column is not in a snapshot.
    """

    def register(function: CheckFunction) -> CheckFunction:
        unknown = set(needs) - SNAPSHOT_COLUMNS
        if unknown or any(c.entry.id == entry.id for c in CHECKS):
            raise RuntimeError(f"comparison check {entry.id}: bad registration {unknown}")
        CHECKS.append(ComparisonCheck(entry, frozenset(needs), function))
        return function

    return register


MANUAL = (
    " In a manual upload this is allowed: tick 'this job changes identifier data' when you "
    "upload the file by hand."
)


def _by_hand(check: Check, settings: Settings) -> Check:
    """The check as it applies to this institution's uploads: by hand, a warning with how-to."""
    if settings.get("sync") != "manual":
        return check
    severity = Severity.WARNING if check.severity is Severity.ERROR else check.severity
    return dataclasses.replace(check, severity=severity, message=check.message + MANUAL)


def _rows(frame: pl.DataFrame, column: str = "row") -> list[int]:
    return [int(r) for r in frame.get_column(column).to_list()]


IMPORTER, SPEC, PRACTICE = BasisKind.IMPORTER, BasisKind.SPEC, BasisKind.PRACTICE
E, W = Severity.ERROR, Severity.WARNING

UNAVAILABLE = _entry(
    "compare.unavailable",
    "Comparison with the baseline possible",
    E,
    "The baseline (the export the importer last accepted) cannot be compared with: its snapshot "
    "is unreadable, or the history's key is missing or changed.",
    (
        IMPORTER,
        "automatic syncs cannot change username or auth_identifier, and changing username and "
        "email together loses the student; only a comparison with the baseline shows either",
    ),
    "Restore the history's key file (history.key beside the history) or the history itself; "
    "or compare with last week's export by hand with --previous FILE.",
    "{path}: the export cannot be compared with the baseline ({why}), so changed usernames "
    "and identifiers cannot be seen; restore the history's key or history, or pass "
    "--previous LAST_WEEK.csv",
    (),
    consequence=Consequence.NOT_CHECKED,
)
"""Raised by the pipeline (not a function of the matching): the comparison fails closed."""
DECLARED: tuple[Check, ...] = (UNAVAILABLE,)
"""Comparison checks declared without a function of their own."""


def _listed(items: list[str], total: int) -> str:
    """The items (at most :data:`LISTED` of ``total``), then how many more."""
    shown = "; ".join(items[:LISTED])
    return shown + (f"; and {total - LISTED} more" if total > LISTED else "")


@comparison_check(
    _entry(
        "compare.username_taken_over",
        "A username stays with its student",
        E,
        "A row's username (or SSO auth_identifier) belongs to a student the importer already "
        "knows (the baseline's row, or the history's memory of every upload), and the row is "
        "another person: none of its email address, auth_identifier, card_id and name agrees "
        "with that student's, and at least takeover_min_differing of them differ "
        "(same_person_fingerprints says which count).",
        (
            IMPORTER,
            "students are matched on username, and a username is expected to never change, to "
            "never be recycled: giving a former student's username to someone else hands them "
            "that account (its CV and applications); a student who drops out keeps their "
            "account",
        ),
        "A username never moves to another person: correct it in the student record system "
        "(give this student a username of their own), and upload the file again.",
        "{count} row(s) give a student's account to another person: {taken}. The import would "
        "hand them that account (its CV and applications). A username never moves to another "
        "person: correct it in the student record system.",
        ("username",),
        consequence=Consequence.ACCOUNT_TAKEN_OVER,
    ),
    needs=("username_h", "email_h", "auth_h", "card_h", "name_h", "row"),
)
def username_taken_over(check: Check, m: Matching, settings: Settings) -> Finding | None:
    """Rows that hand a known account to another person (:attr:`Matching.taken_over`)."""
    taken = m.taken_over.unique("row", keep="first").sort("row")
    if not taken.height:
        return None
    said = []
    for row, row_prev, run, key in taken.head(LISTED).iter_rows():
        if row_prev is not None:
            said.append(f"row {row} has the username of the baseline's row {row_prev}")
        else:
            when = m.memory.when(run) if m.memory is not None else f"run #{run}"
            said.append(f"row {row} has the {key} of another student, last uploaded in {when}")
    return check.finding(
        rows=_rows(taken),
        columns=check.columns,
        failed_rows=taken.height,
        previous_rows=[int(r) for r in taken["row_prev"].drop_nulls().to_list()],
        count=taken.height,
        taken=_listed(said, taken.height),
    )


@comparison_check(
    _entry(
        "compare.stored_end_before_start",
        "A blank end date does not keep one before the start date",
        E,
        "A known student's row has a primary_education:start_date and a blank end date, and "
        "the end date the importer has stored for them (in the baseline, or in the history's "
        "memory for a student who came back) is before that start date.",
        (
            IMPORTER,
            "a returning alumnus needs a new primary_education:start_date and end date: a blank "
            "end date leaves the old one stored, and an end date before the start date makes "
            "the row fail",
        ),
        "Give the returning student their new expected graduation date in "
        "primary_education:end_date.",
        "{count} row(s) leave the end date blank, so the importer keeps the stored one, which "
        "is before the row's start date: these rows fail ({dates}). Give each its new end "
        "date.",
        ("primary_education:end_date",),
        consequence=Consequence.ROW_SKIPPED,
    ),
    needs=("username_h", "start_date", "end_date", "row"),
)
def stored_end_before_start(check: Check, m: Matching, settings: Settings) -> Finding | None:
    """Rows whose blank end date keeps a stored end date before their start date."""
    kept = stored_end_kept(m)
    if not kept.height:
        return None
    dates = [f"row {row}: {end.isoformat()}" for row, end in kept.head(LISTED).iter_rows()]
    return check.finding(
        rows=_rows(kept),
        columns=check.columns,
        failed_rows=kept.height,
        count=kept.height,
        dates="stored " + _listed(dates, kept.height),
    )


@comparison_check(
    _entry(
        "compare.username_changed",
        "Username unchanged",
        E,
        "A student kept their email address but got a new username.",
        (
            IMPORTER,
            "username is the match key and a sensitive field: automatic syncs cannot change it "
            "(such rows fail and must be uploaded by hand)",
        ),
        "Keep last week's username; change a username only in a manual upload marked as "
        "changing identifier data.",
        "{count} student(s) kept their email address but got a new username; automatic syncs "
        "cannot change a username, so these rows would fail. Keep the old username.",
        ("username",),
        consequence=Consequence.ROW_SKIPPED,
    ),
    needs=("username_h", "email_h", "row"),
)
def username_changed(check: Check, m: Matching, settings: Settings) -> Finding | None:
    """Students matched by email whose username differs."""
    if not m.by_email.height:
        return None
    return _by_hand(check, settings).finding(
        rows=_rows(m.by_email),
        columns=check.columns,
        failed_rows=m.by_email.height,
        previous_rows=_rows(m.by_email, "row_prev"),
        count=m.by_email.height,
    )


@comparison_check(
    _entry(
        "compare.username_and_email_changed",
        "Username and email not changed together",
        E,
        "A student (matched by auth_identifier or card_id) changed both username and email.",
        (
            IMPORTER,
            "students are matched on username, with email_address as the fallback, so changing "
            "both for one student in one file cannot be matched",
        ),
        "Change the email in one upload and the username (if at all) in a later one.",
        "{count} student(s) (matched by auth_identifier or card_id) changed both username and "
        "email address in one file; the importer loses the match. Change the email in one file "
        "and the username in a later one (if at all).",
        ("username", "email_address"),
        consequence=Consequence.ACCOUNT_SPLIT,
    ),
    needs=("username_h", "email_h", "auth_h", "card_h", "row"),
)
def username_and_email_changed(check: Check, m: Matching, settings: Settings) -> Finding | None:
    """Students found only by auth_identifier or card_id."""
    if not m.by_other.height:
        return None
    return check.finding(
        rows=_rows(m.by_other),
        columns=check.columns,
        failed_rows=m.by_other.height,
        previous_rows=_rows(m.by_other, "row_prev"),
        count=m.by_other.height,
    )


def _changed(check: Check, m: Matching, key: str) -> Finding | None:
    changed = m.matched.filter(
        pl.col(key).is_not_null()
        & pl.col(f"{key}_prev").is_not_null()
        & (pl.col(key) != pl.col(f"{key}_prev"))
    )
    if not changed.height:
        return None
    return check.finding(
        rows=_rows(changed), columns=check.columns, failed_rows=changed.height, count=changed.height
    )


@comparison_check(
    _entry(
        "compare.auth_identifier_changed",
        "auth_identifier unchanged",
        E,
        "A student's auth_identifier differs from last week's.",
        (
            IMPORTER,
            "auth_identifier is a sensitive field: automatic syncs cannot change it (such rows "
            "fail and must be uploaded by hand)",
        ),
        "Keep last week's auth_identifier, or upload the change by hand marked as changing "
        "identifier data.",
        "{count} student(s) have a different auth_identifier than in the baseline; automatic "
        "syncs cannot change auth_identifier, so these rows would fail.",
        ("auth_identifier",),
        consequence=Consequence.ROW_SKIPPED,
    ),
    needs=("username_h", "auth_h", "row"),
)
def auth_identifier_changed(check: Check, m: Matching, settings: Settings) -> Finding | None:
    """Matched students whose auth_identifier differs."""
    return _changed(_by_hand(check, settings), m, "auth_h")


@comparison_check(
    _entry(
        "compare.many_email_changes",
        "Fewer than 10% of emails change",
        W,
        "A share of students at or over email_change_share changed their email address.",
        (
            IMPORTER,
            "an automatic sync updates emails only when fewer than 10% of its rows change email, "
            "otherwise none",
        ),
        "Split the email changes over several uploads.",
        "{count} of {matched} students ({share:.0%}) changed email address; at {limit:.0%} or "
        "more the importer updates no email at all. Split the changes over several imports.",
        ("email_address",),
        consequence=Consequence.FIELD_REJECTED,
    ),
    needs=("username_h", "email_h", "row"),
)
def many_email_changes(check: Check, m: Matching, settings: Settings) -> Finding | None:
    """The share of matched students whose email changed, against ``email_change_share``."""
    limit = float(settings["email_change_share"])
    changed = changed_email(m)
    matched = m.matched.height
    if not matched or changed.height < limit * matched:
        return None
    return check.finding(
        rows=_rows(changed),
        columns=check.columns,
        failed_rows=changed.height,
        count=changed.height,
        matched=matched,
        share=changed.height / matched,
        limit=limit,
    )


@comparison_check(
    _entry(
        "compare.labels_wiped",
        "System labels not wiped by a blank cell",
        W,
        "A student had system labels last week and has a blank system_label_names cell now.",
        (
            SPEC,
            '"Leaving this field blank in your import will clear all system labels in '
            'Handshake for that respective student."',
        ),
        "Fill in the student's labels, or confirm that all of them should be removed.",
        "{count} student(s) had system labels last week and a blank system_label_names cell "
        "now: the import removes all their labels.",
        ("system_label_names",),
        consequence=Consequence.LABELS_WIPED,
        # a blank labels cell of a student who had labels: one problem, "labels wiped"
        explains=("system_label_names.not_blank",),
    ),
    needs=("username_h", "labels_blank", "row"),
)
def labels_wiped(check: Check, m: Matching, settings: Settings) -> Finding | None:
    """Matched students whose labels cell went blank."""
    if "labels_blank" not in m.matched.columns or "labels_blank_prev" not in m.matched.columns:
        return None
    wiped = m.matched.filter(pl.col("labels_blank") & ~pl.col("labels_blank_prev"))
    if not wiped.height:
        return None
    return check.finding(
        rows=_rows(wiped), columns=check.columns, failed_rows=wiped.height, count=wiped.height
    )


@comparison_check(
    _entry(
        "compare.school_year_backwards",
        "School year does not go backwards",
        W,
        "A student's school year is lower than last week's, or left Alumni.",
        (PRACTICE, "school years only move forward; a step back usually is a data error"),
        "Check the student's level in the student record system.",
        "{count} student(s) have a lower school year than last week (or left Alumni); check "
        "the student record system.",
        ("school_year_name",),
        consequence=Consequence.STORED_WRONG,
    ),
    needs=("username_h", "school_year", "row"),
)
def school_year_backwards(check: Check, m: Matching, settings: Settings) -> Finding | None:
    """Matched students whose ordered school year went down."""
    if "school_year" not in m.matched.columns or "school_year_prev" not in m.matched.columns:
        return None
    ranked = m.matched.with_columns(
        pl.col("school_year").replace_strict(RANK, default=None).alias("r"),
        pl.col("school_year_prev").replace_strict(RANK, default=None).alias("r_prev"),
    )
    back = ranked.filter(pl.col("r") < pl.col("r_prev"))
    if not back.height:
        return None
    return check.finding(
        rows=_rows(back), columns=check.columns, failed_rows=back.height, count=back.height
    )


@comparison_check(
    _entry(
        "compare.row_count_drop",
        "No sudden drop in rows",
        E,
        "The export has more than max_row_drop fewer rows than the baseline (full uploads).",
        (
            IMPORTER,
            "a file may hold all students or just the changes; for an institution that uploads "
            "whole files, a sudden drop in rows usually is a truncated export",
        ),
        "Check that the export is complete (re-run it from the student record system).",
        "The export has {now} student rows, {fewer} fewer than last week's {before} (more than "
        "{limit:.0%} fewer): was it cut short? {vanished} students of last week are missing "
        "(their rows last week: {shown}).",
        (),
        consequence=Consequence.ROW_SKIPPED,
    ),
    needs=("row",),
)
def row_count_drop(check: Check, m: Matching, settings: Settings) -> Finding | None:
    """More rows gone than ``max_row_drop`` allows; last week's rows of the missing listed."""
    if settings.get("upload") == "changes":
        return None  # a file of just the changes is smaller by design
    limit = float(settings["max_row_drop"])
    before, now = m.previous.frame.height, m.current.frame.height
    if not before or (before - now) / before <= limit:
        return None
    vanished = m.vanished_rows
    shown = ", ".join(map(str, vanished[:LISTED]))
    if len(vanished) > LISTED:
        shown += f" and {len(vanished) - LISTED} more"
    return check.finding(
        previous_rows=vanished,
        failed_rows=0,
        now=now,
        fewer=before - now,
        before=before,
        limit=limit,
        vanished=len(vanished),
        shown=shown,
    )


def run_checks(
    matching: Matching, settings: Settings, checks: Mapping[str, Check]
) -> list[Finding]:
    """Run every registered comparison check whose id is in ``checks`` (the tuned entries).

    ``checks`` maps an id to its entry as the institution tuned it (severity); a check whose id
    is missing there was switched off and does not run.
    """
    findings = []
    for registered in CHECKS:
        entry = checks.get(registered.entry.id)
        if entry is None:
            continue
        finding = registered.run(entry, matching, settings)
        if finding is not None:
            findings.append(finding)
    return findings
