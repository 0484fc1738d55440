"""Compares this week's snapshot with the previous one: findings and the sync plan.

Students are matched by ``username`` (the importer's anchor), and by ``email_address``,
``auth_identifier`` and ``card_id`` to catch an anchor that changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl

from syncguard.compare.snapshot import FIELD, LABELS, SCHOOL_YEARS, Snapshot
from syncguard.model import Engine, Finding, Severity

EMAIL_CHANGE_SHARE = 0.10
MAX_ROW_DROP = 0.10
LISTED = 20
# the ordered levels; others (Certificate Program, Placement, Gap Year, ...) have no order
RANK = {year: i for i, year in enumerate(SCHOOL_YEARS[:9])} | {"Alumni": 100}


@dataclass(frozen=True)
class SyncPlan:
    """What the import will do: a dry run computed from the two snapshots."""

    new: int
    changed: int
    unchanged: int
    vanished: int
    newly_archived: int
    label_additions: int
    label_removals: int
    skipped_duplicates: int = 0
    changed_by_field: dict[str, int] | None = field(default=None, hash=False)


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing with the previous export."""

    source: str
    previous_rows: int
    plan: SyncPlan
    findings: tuple[Finding, ...]
    note: str | None = None


def _finding(
    rule: str,
    severity: Severity,
    message: str,
    rows: list[int],
    columns: tuple[str, ...],
    previous_rows: list[int] | None = None,
) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        engine=Engine.COMPARE,
        message=message,
        columns=columns,
        rows=tuple(sorted(rows)),
        failed_rows=len(rows),
        previous_rows=tuple(sorted(previous_rows or [])),
    )


def _match_other(unmatched: pl.DataFrame, prev: pl.DataFrame, key: str) -> pl.DataFrame:
    left = unmatched.filter(pl.col(key).is_not_null())
    right = prev.filter(pl.col(key).is_not_null()).unique(key, keep="first")
    return left.join(right, on=key, how="inner", suffix="_prev")


def compare(
    previous: Snapshot,
    current: Snapshot,
    source: str,
    email_change_share: float = EMAIL_CHANGE_SHARE,
    max_row_drop: float = MAX_ROW_DROP,
) -> Comparison:
    """Findings and plan for ``current`` against ``previous`` (same key)."""
    prev = previous.frame
    # a repeated username is skipped by the importer (the unique rule reports it): compare the
    # first occurrence only
    first = pl.col("username_h").is_null() | pl.col("username_h").is_first_distinct()
    cur = current.frame.filter(first)
    skipped = current.frame.height - cur.height
    findings: list[Finding] = []
    prev_by_user = prev.filter(pl.col("username_h").is_not_null()).unique(
        "username_h", keep="first"
    )
    matched = cur.filter(pl.col("username_h").is_not_null()).join(
        prev_by_user, on="username_h", how="inner", suffix="_prev"
    )
    unmatched = cur.join(prev_by_user.select("username_h"), on="username_h", how="anti")
    moved_prev_rows: set[int] = set()

    by_email = _match_other(unmatched, prev, "email_h")
    if by_email.height:
        findings.append(
            _finding(
                "compare.username_changed",
                Severity.ERROR,
                f"{by_email.height} student(s) kept their email address but got a new username; "
                "the "
                "importer matches on username, so it would create a second account. Keep the old "
                "username (automated syncs cannot change it).",
                by_email["row"].to_list(),
                ("username",),
                by_email["row_prev"].to_list(),
            )
        )
        moved_prev_rows.update(by_email["row_prev"].to_list())
    rest = unmatched.join(by_email.select("row"), on="row", how="anti")
    both_rows: list[int] = []
    both_prev: list[int] = []
    for key in ("auth_h", "card_h"):
        hit = _match_other(rest, prev, key)
        both_rows += hit["row"].to_list()
        both_prev += hit["row_prev"].to_list()
        rest = rest.join(hit.select("row"), on="row", how="anti")
    if both_rows:
        findings.append(
            _finding(
                "compare.username_and_email_changed",
                Severity.ERROR,
                f"{len(both_rows)} student(s) (matched by auth_identifier or card_id) changed both "
                "username and email address in one file; the importer loses the match. Change the "
                "email in one file and the username in a later one (if at all).",
                both_rows,
                ("username", "email_address"),
                both_prev,
            )
        )
        moved_prev_rows.update(both_prev)
    new_students = rest.height

    for key, column, why in (
        ("auth_h", "auth_identifier", "automated syncs cannot change auth_identifier"),
        ("card_h", "card_id", "automated syncs reject a changed card_id"),
    ):
        changed = matched.filter(
            pl.col(key).is_not_null()
            & pl.col(f"{key}_prev").is_not_null()
            & (pl.col(key) != pl.col(f"{key}_prev"))
        )
        if changed.height:
            findings.append(
                _finding(
                    f"compare.{column}_changed",
                    Severity.ERROR,
                    f"{changed.height} student(s) have a different {column} than last week; {why}.",
                    changed["row"].to_list(),
                    (column,),
                )
            )

    email_changed = matched.filter(
        pl.col("email_h").is_not_null()
        & pl.col("email_h_prev").is_not_null()
        & (pl.col("email_h") != pl.col("email_h_prev"))
    )
    if matched.height and email_changed.height >= email_change_share * matched.height:
        findings.append(
            _finding(
                "compare.many_email_changes",
                Severity.WARNING,
                f"{email_changed.height} of {matched.height} students "
                f"({email_changed.height / matched.height:.0%}) changed email address; at "
                f"{email_change_share:.0%} or more the importer updates no "
                "email at all. Split the changes over several imports.",
                email_changed["row"].to_list(),
                ("email_address",),
            )
        )

    if "labels_blank" in cur.columns and "labels_blank_prev" in matched.columns:
        wiped = matched.filter(pl.col("labels_blank") & ~pl.col("labels_blank_prev"))
        if wiped.height:
            findings.append(
                _finding(
                    "compare.labels_wiped",
                    Severity.WARNING,
                    f"{wiped.height} student(s) had system labels last week and a blank "
                    "system_label_names cell now: the import removes all their labels.",
                    wiped["row"].to_list(),
                    ("system_label_names",),
                )
            )

    if "school_year" in cur.columns and "school_year_prev" in matched.columns:
        ranked = matched.with_columns(
            pl.col("school_year").replace_strict(RANK, default=None).alias("r"),
            pl.col("school_year_prev").replace_strict(RANK, default=None).alias("r_prev"),
        )
        back = ranked.filter(pl.col("r") < pl.col("r_prev"))
        if back.height:
            findings.append(
                _finding(
                    "compare.school_year_backwards",
                    Severity.WARNING,
                    f"{back.height} student(s) have a lower school year than last week (or left "
                    "Alumni); check the student record system.",
                    back["row"].to_list(),
                    ("school_year_name",),
                )
            )

    prev_ids = set(prev["row"].to_list())
    kept = set(matched["row_prev"].to_list()) | moved_prev_rows
    vanished_rows = sorted(prev_ids - kept)
    if prev.height and (prev.height - current.frame.height) / prev.height > max_row_drop:
        shown = ", ".join(map(str, vanished_rows[:LISTED]))
        more = f" and {len(vanished_rows) - LISTED} more" if len(vanished_rows) > LISTED else ""
        findings.append(
            _finding(
                "compare.row_count_drop",
                Severity.ERROR,
                f"The export has {current.frame.height} student rows, "
                f"{prev.height - current.frame.height} fewer "
                "than last "
                f"week's {prev.height} (more than {max_row_drop:.0%} fewer): was it cut short? "
                f"{len(vanished_rows)} students of last week are missing (their rows last week: "
                f"{shown}{more}).",
                [],
                (),
                vanished_rows,
            )
        )

    plan = _plan(matched, current, previous, email_changed, new_students, len(vanished_rows))
    plan = replace(plan, skipped_duplicates=skipped)
    note = None
    if plan.changed_by_field is None:
        note = (
            "last week's snapshot was made with another polars version, so changes per field "
            "are not counted this week (students are still matched)"
        )
    return Comparison(source, prev.height, plan, tuple(findings), note)


def _plan(
    matched: pl.DataFrame,
    current: Snapshot,
    previous: Snapshot,
    email_changed: pl.DataFrame,
    new: int,
    vanished: int,
) -> SyncPlan:
    same_version = current.polars_version == previous.polars_version
    fields = [
        c
        for c in current.frame.columns
        if c.startswith(FIELD) and not c.endswith(":blank") and f"{c}_prev" in matched.columns
    ]
    # a blank cell leaves the field unchanged in the import: only a value that differs counts
    diffs = {
        c[len(FIELD) :]: (pl.col(c) != pl.col(f"{c}_prev")) & ~pl.col(f"{c}:blank")
        for c in (fields if same_version else [])
    }
    diffs["email_address"] = pl.col("row").is_in(email_changed["row"].implode())
    empty = pl.lit([], dtype=pl.List(pl.UInt64))
    labels = pl.col("labels")
    labels_prev = pl.col("labels_prev").fill_null(empty)
    added = removed = 0
    if "labels" in matched.columns and "labels_prev" in matched.columns and same_version:
        plus = labels.list.set_difference(labels_prev).list.len()
        minus = labels_prev.list.set_difference(labels).list.len()
        present = matched.filter(labels.is_not_null())
        added = int(present.select(plus.sum()).item() or 0)
        removed = int(present.select(minus.sum()).item() or 0)
        diffs[LABELS] = labels.is_not_null() & ((plus > 0) | (minus > 0))
    flags = matched.select(**{k: v.fill_null(False) for k, v in diffs.items()})
    by_field = {k: int(flags[k].sum()) for k in diffs}
    changed = int(flags.select(pl.any_horizontal(pl.all())).to_series().sum()) if diffs else 0
    archived = 0
    if "disabled" in matched.columns and "disabled_prev" in matched.columns:
        archived = matched.filter(
            (pl.col("disabled") == "TRUE") & (pl.col("disabled_prev").fill_null("") != "TRUE")
        ).height
    return SyncPlan(
        new=new,
        changed=changed,
        unchanged=matched.height - changed,
        vanished=vanished,
        newly_archived=archived,
        label_additions=added,
        label_removals=removed,
        changed_by_field={k: v for k, v in by_field.items() if v} if same_version else None,
    )
