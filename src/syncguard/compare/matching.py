"""Matches this week's students with last week's, and computes the sync plan.

Students are matched by ``username`` (the importer's anchor), then the unmatched ones by
``email_address`` (the importer's fallback), then by ``auth_identifier`` and ``card_id`` to
catch a student whose username and email both changed. What is *wrong* with a match is the
business of the comparison checks (``compare/checks.py``), one function each.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from syncguard.compare.snapshot import FIELD, Snapshot
from syncguard.model import PlanCategory, SyncPlan


@dataclass(frozen=True)
class Matching:
    """Both snapshots and how their students were matched (frames of snapshot columns).

    ``matched`` joins this week's row with last week's by username (last week's columns carry
    the suffix ``_prev``); ``by_email`` are students whose username changed but whose email
    matched; ``by_other`` are matched only by auth_identifier or card_id; ``new`` matched
    nothing. ``vanished_rows`` are last week's rows of students not in this export.
    """

    previous: Snapshot
    current: Snapshot
    matched: pl.DataFrame
    by_email: pl.DataFrame
    by_other: pl.DataFrame
    new: pl.DataFrame
    vanished_rows: tuple[int, ...]
    skipped_duplicates: int

    @property
    def same_hashes(self) -> bool:
        """Whether per-field hashes can be compared (same polars version both weeks)."""
        return self.current.polars_version == self.previous.polars_version


IDS = ("row", "username_h", "email_h", "auth_h", "card_h")
"""The identity columns of a snapshot: students are matched on these alone (narrow frames);
the other columns join the matched pairs once, at the end."""


def _match_other(unmatched: pl.DataFrame, prev: pl.DataFrame, key: str) -> pl.DataFrame:
    left = unmatched.filter(pl.col(key).is_not_null()).select("row", key)
    right = prev.filter(pl.col(key).is_not_null() & pl.col(key).is_first_distinct())
    return left.join(right.select(pl.col("row").alias("row_prev"), key), on=key, how="inner")


def _pairs(pairs: pl.DataFrame, previous: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
    """Matched (row, row_prev) pairs with both weeks' columns (last week's suffixed ``_prev``)."""
    before = previous.rename({c: f"{c}_prev" for c in previous.columns})
    return (
        pairs.select("row", "row_prev")
        .join(current, on="row", how="inner")
        .join(before, on="row_prev", how="inner")
        .sort("row")
    )


def match(previous: Snapshot, current: Snapshot) -> Matching:
    """Match ``current`` against ``previous`` (both made with the same key)."""
    prev = previous.frame.select(IDS)
    # a repeated username is skipped by the importer (the unique rule reports it): match the
    # first occurrence only
    first = pl.col("username_h").is_null() | pl.col("username_h").is_first_distinct()
    cur = current.frame.select(IDS).filter(first)
    prev_by_user = prev.filter(
        pl.col("username_h").is_not_null() & pl.col("username_h").is_first_distinct()
    ).select(pl.col("row").alias("row_prev"), "username_h")
    by_user = cur.filter(pl.col("username_h").is_not_null()).join(
        prev_by_user, on="username_h", how="inner"
    )
    unmatched = cur.join(prev_by_user.select("username_h"), on="username_h", how="anti")
    email_pairs = _match_other(unmatched, prev, "email_h")
    rest = unmatched.join(email_pairs.select("row"), on="row", how="anti")
    others = []
    for key in ("auth_h", "card_h"):
        hit = _match_other(rest, prev, key)
        others.append(hit.select("row", "row_prev"))
        rest = rest.join(hit.select("row"), on="row", how="anti")
    by_other = pl.concat(others)
    kept = pl.concat([by_user["row_prev"], email_pairs["row_prev"], by_other["row_prev"]])
    vanished = prev.filter(~pl.col("row").is_in(kept.implode()))["row"].sort()
    return Matching(
        previous=previous,
        current=current,
        matched=_pairs(by_user, previous.frame, current.frame),
        by_email=_pairs(email_pairs, previous.frame, current.frame),
        by_other=by_other,
        new=current.frame.join(rest.select("row"), on="row", how="semi"),
        vanished_rows=tuple(vanished.to_list()),
        skipped_duplicates=current.frame.height - cur.height,
    )


def changed_email(matching: Matching) -> pl.DataFrame:
    """Matched students whose email address differs from last week's."""
    return matching.matched.filter(
        pl.col("email_h").is_not_null()
        & pl.col("email_h_prev").is_not_null()
        & (pl.col("email_h") != pl.col("email_h_prev"))
    )


def plan(matching: Matching) -> SyncPlan:
    """The draft of what the import will do, row by row, from the matching alone.

    Every row of this export is in one category: ``created`` (no baseline student),
    ``split`` (found only by auth_identifier or card_id: the importer cannot match it),
    ``skipped`` (a repeated username the matching leaves out), ``archived`` (newly disabled),
    ``updated`` (a value differs, or the username, found by the email) or ``unchanged``. What
    the findings add (failed and skipped rows, refused values, labels wiped) is for
    :func:`syncguard.compare.plan.refine`, once they are all known.
    """
    matched, current = matching.matched, matching.current
    same = matching.same_hashes
    fields = [
        c
        for c in current.frame.columns
        if c.startswith(FIELD) and not c.endswith(":blank") and f"{c}_prev" in matched.columns
    ]
    # a blank cell leaves the field unchanged in the import: only a value that differs counts
    diffs = {
        c[len(FIELD) :]: (pl.col(c) != pl.col(f"{c}_prev")) & ~pl.col(f"{c}:blank")
        for c in (fields if same else [])
    }
    diffs["email_address"] = pl.col("row").is_in(changed_email(matching)["row"].implode())
    for key, column in (("card_h", "card_id"), ("auth_h", "auth_identifier")):
        # keyed digests: comparable across polars versions; a blank leaves the value as it is
        now, before = pl.col(key), pl.col(f"{key}_prev")
        diffs[column] = now.is_not_null() & before.is_not_null() & (now != before)
    empty = pl.lit([], dtype=pl.List(pl.UInt64))
    labels_prev = pl.col("labels_prev").fill_null(empty)
    added = removed = 0
    if {"labels", "labels_prev", "labels_blank"} <= set(matched.columns) and same:
        # a blank labels cell removes every label (spec): it counts as an empty list here
        labels = pl.when(pl.col("labels_blank")).then(empty).otherwise(pl.col("labels"))
        plus = labels.list.set_difference(labels_prev).list.len()
        minus = labels_prev.list.set_difference(labels).list.len()
        added = int(matched.select(plus.sum()).item() or 0)
        removed = int(matched.select(minus.sum()).item() or 0)
        diffs["system_label_names"] = (plus > 0) | (minus > 0)
    archived_flag = pl.lit(False)
    if "disabled" in matched.columns and "disabled_prev" in matched.columns:
        archived_flag = (pl.col("disabled") == "TRUE") & (
            pl.col("disabled_prev").fill_null("") != "TRUE"
        )
    flags = matched.select(
        "row",
        *(v.fill_null(False).alias(k) for k, v in diffs.items()),
        archived_flag.fill_null(False).alias("@newly_archived"),
    )
    changed_flag = pl.any_horizontal([pl.col(k) for k in diffs]) if diffs else pl.lit(False)
    flags = flags.with_columns(changed_flag.alias("@changed"))

    def rows_of(frame: pl.DataFrame) -> tuple[int, ...]:
        return tuple(frame.get_column("row").sort().to_list())

    def rows_where(flag: pl.Expr) -> tuple[int, ...]:
        return rows_of(flags.filter(flag))

    by_email = rows_of(matching.by_email)
    changes = {k: rows_where(pl.col(k)) for k in diffs}
    changes = {k: v for k, v in changes.items() if v}
    if by_email:  # found by the email: the username is what changes
        changes["username"] = tuple(sorted({*changes.get("username", ()), *by_email}))
    archived = rows_where(pl.col("@newly_archived"))
    updated = rows_where(pl.col("@changed") & ~pl.col("@newly_archived"))
    # a repeated username is not matched (the importer skips the rows): the rows after its first
    repeat = pl.col("username_h").is_not_null() & ~pl.col("username_h").is_first_distinct()
    repeated = current.frame.filter(repeat)
    known = pl.concat(
        [f.get_column("row").cast(pl.Int64) for f in (matched, matching.by_email)]
        + [matching.by_other.get_column("row").cast(pl.Int64)]
        + [repeated.get_column("row").cast(pl.Int64)]
    )
    # every other row is one the baseline does not know: the import creates it
    created = current.frame.filter(~pl.col("row").cast(pl.Int64).is_in(known.implode()))
    categories = {
        PlanCategory.CREATED: rows_of(created),
        PlanCategory.UPDATED: tuple(sorted({*updated, *by_email})),
        PlanCategory.UNCHANGED: rows_where(~pl.col("@changed") & ~pl.col("@newly_archived")),
        PlanCategory.ARCHIVED: archived,
        PlanCategory.SPLIT: rows_of(matching.by_other),
        PlanCategory.SKIPPED: rows_of(repeated),
    }
    return SyncPlan(
        rows_read=current.frame.height,
        categories={k: v for k, v in categories.items() if v},
        vanished=matching.vanished_rows,
        changes=changes,
        updated_by_column={k: len(v) for k, v in changes.items()} if same else None,
        label_additions=added,
        label_removals=removed,
        username_changed=by_email,
        username_and_email_changed=rows_of(matching.by_other),
    )
