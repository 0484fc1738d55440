"""Matches this week's students with last week's, and computes the sync plan.

Students are matched by ``username`` (the importer's anchor), then the unmatched ones by
``email_address`` (the importer's fallback), then by ``auth_identifier`` and ``card_id`` to
catch a student whose username and email both changed. What is *wrong* with a match is the
business of the comparison checks (``compare/checks.py``), one function each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from syncguard.compare.identity import SamePerson
from syncguard.compare.memory import KEYS, Kind, Memory
from syncguard.compare.snapshot import FIELD, IDENTITIES, NAME, Snapshot
from syncguard.importer import END_DATE, USERNAME
from syncguard.model import PlanCategory, SyncPlan


@dataclass(frozen=True)
class Matching:
    """Both snapshots and how their students were matched (frames of snapshot columns).

    ``matched`` joins this week's row with last week's by username (last week's columns carry
    the suffix ``_prev``), when the two are the same person (:class:`SamePerson`);
    ``by_email`` are students whose username changed but whose email matched; ``by_other`` are
    matched only by auth_identifier or card_id; ``new`` matched nothing. ``vanished_rows`` are
    last week's rows of students not in this export.

    ``taken_over`` are this export's rows that hand a known account to another person: a
    username the baseline holds for another person (``row_prev`` is that baseline row), or a
    username or auth_identifier not in the baseline that the history's memory holds for another
    person (``run``: the run it was last uploaded in). Columns: ``row``, ``row_prev``, ``run``
    and ``key`` (the identifier: ``username`` or ``auth_identifier``); none of these rows is in
    ``matched``, ``by_email``, ``by_other`` or ``new``. ``returning`` are rows of ``new`` or
    ``by_email`` whose username the memory holds for the same person (a student who left and
    came back: the importer still has their account), with the memory's ``end_date_mem`` and
    ``run_mem``.
    """

    previous: Snapshot
    current: Snapshot
    matched: pl.DataFrame
    by_email: pl.DataFrame
    by_other: pl.DataFrame
    new: pl.DataFrame
    vanished_rows: tuple[int, ...]
    skipped_duplicates: int
    taken_over: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=TAKEN_OVER))
    returning: pl.DataFrame = field(default_factory=pl.DataFrame)
    memory: Memory | None = None

    @property
    def same_hashes(self) -> bool:
        """Whether per-field hashes can be compared (same polars version both weeks)."""
        return self.current.polars_version == self.previous.polars_version


IDS = ("row", "username_h", "email_h", "auth_h", "card_h")
"""The identity columns of a snapshot: students are matched on these alone (narrow frames);
the other columns join the matched pairs once, at the end."""
PERSON = (*IDS, f"{NAME}_h")
"""The identities and the name fingerprint: what the same-person test reads."""
TAKEN_OVER: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "row_prev": pl.Int64(),
    "run": pl.Int64(),
    "key": pl.String(),
}
"""The columns of :attr:`Matching.taken_over`."""


def _with_person(frame: pl.DataFrame) -> pl.DataFrame:
    """The snapshot with every fingerprint column: one a snapshot lacks (the name, in a
    snapshot made before it was kept) is null, unknown."""
    dtype = frame.schema["username_h"]
    missing = [pl.lit(None, dtype=dtype).alias(c) for c in PERSON if c not in frame.columns]
    return frame.with_columns(missing) if missing else frame


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


def _recalled(
    rows: pl.DataFrame, memory: Memory, kind: Kind, same: SamePerson
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Of ``rows`` (fingerprint columns), those whose identifier of ``kind`` the memory holds:
    (taken over: another person's, in :data:`TAKEN_OVER` columns; the same person's, with the
    memory's columns suffixed ``_mem``)."""
    key = KEYS[kind]
    if memory.frame.is_empty() or not rows.height:
        return pl.DataFrame(schema=TAKEN_OVER), pl.DataFrame()
    found = rows.filter(pl.col(key).is_not_null()).join(memory.entries(kind), on=key)
    found = found.with_columns(same.another(key, "_mem").alias("@another"))
    taken = found.filter(pl.col("@another")).select(
        pl.col("row").cast(pl.Int64),
        pl.lit(None, dtype=pl.Int64).alias("row_prev"),
        pl.col("run_mem").alias("run"),
        pl.lit(IDENTITY_OF[key], dtype=pl.String).alias("key"),
    )
    return taken, found.filter(~pl.col("@another")).drop("@another")


IDENTITY_OF = {f"{short}_h": column for column, short in IDENTITIES.items()}
"""Snapshot column -> the identity column it digests."""


def match(
    previous: Snapshot,
    current: Snapshot,
    same: SamePerson | None = None,
    memory: Memory | None = None,
) -> Matching:
    """Match ``current`` against ``previous`` (both made with the same key).

    ``same`` is the same-person test (the defaults when None); ``memory`` the history's
    memory of every identifier uploaded before (None: only the baseline is known).
    """
    same = same or SamePerson()
    before, now = _with_person(previous.frame), _with_person(current.frame)
    prev = before.select(PERSON)
    # a repeated username is skipped by the importer (the unique rule reports it): match the
    # first occurrence only
    first = pl.col("username_h").is_null() | pl.col("username_h").is_first_distinct()
    cur = now.select(PERSON).filter(first)
    prev_by_user = prev.filter(
        pl.col("username_h").is_not_null() & pl.col("username_h").is_first_distinct()
    ).select(pl.col("row").alias("row_prev"), "username_h")
    by_user = (
        cur.filter(pl.col("username_h").is_not_null())
        .join(prev_by_user, on="username_h", how="inner")
        .join(prev.rename({c: f"{c}_prev" for c in PERSON}), on="row_prev", how="inner")
        .with_columns(same.another("username_h", "_prev").alias("@another"))
    )
    taken = [
        by_user.filter(pl.col("@another")).select(
            pl.col("row").cast(pl.Int64),
            pl.col("row_prev").cast(pl.Int64),
            pl.lit(None, dtype=pl.Int64).alias("run"),
            pl.lit(USERNAME, dtype=pl.String).alias("key"),
        )
    ]
    by_user = by_user.filter(~pl.col("@another")).select("row", "row_prev")
    unmatched = cur.join(prev_by_user.select("username_h"), on="username_h", how="anti")
    returning = pl.DataFrame()
    if memory is not None:
        # not in the baseline, but uploaded before: the importer still has that account
        gone, returning = _recalled(unmatched, memory, Kind.USERNAME, same)
        rest = unmatched.join(gone.select("row"), on="row", how="anti")
        rest = rest.join(prev.select("auth_h").drop_nulls(), on="auth_h", how="anti")
        gone_sso, _ = _recalled(rest, memory, Kind.AUTH, same)
        taken += [gone, gone_sso]
        unmatched = unmatched.join(
            pl.concat([gone.select("row"), gone_sso.select("row")]), on="row", how="anti"
        )
    email_pairs = _match_other(unmatched, prev, "email_h")
    rest = unmatched.join(email_pairs.select("row"), on="row", how="anti")
    others = []
    for key in ("auth_h", "card_h"):
        hit = _match_other(rest, prev, key)
        others.append(hit.select("row", "row_prev"))
        rest = rest.join(hit.select("row"), on="row", how="anti")
    by_other = pl.concat(others)
    taken_over = pl.concat(taken).sort("row")
    kept = pl.concat(
        [
            f["row_prev"].drop_nulls().cast(pl.Int64)
            for f in (by_user, email_pairs, by_other, taken_over)
        ]
    )
    vanished = prev.filter(~pl.col("row").is_in(kept.implode()))["row"].sort()
    if returning.height:
        returning = now.join(
            returning.select("row", "end_date_mem", "run_mem"), on="row", how="inner"
        ).sort("row")
    return Matching(
        previous=previous,
        current=current,
        matched=_pairs(by_user, before, now),
        by_email=_pairs(email_pairs, before, now),
        by_other=by_other,
        new=now.join(rest.select("row"), on="row", how="semi"),
        vanished_rows=tuple(vanished.to_list()),
        skipped_duplicates=current.frame.height - cur.height,
        taken_over=taken_over,
        returning=returning,
        memory=memory,
    )


def changed_email(matching: Matching) -> pl.DataFrame:
    """Matched students whose email address differs from last week's."""
    return matching.matched.filter(
        pl.col("email_h").is_not_null()
        & pl.col("email_h_prev").is_not_null()
        & (pl.col("email_h") != pl.col("email_h_prev"))
    )


END_BLANK = f"{FIELD}{END_DATE}:blank"
"""The snapshot column that says this row's end date cell is blank."""


def _end_date_blank(frame: pl.DataFrame) -> pl.Expr:
    """Where this row's end date is blank (so the importer keeps the stored one): a blank cell,
    or no end date column at all."""
    if END_BLANK in frame.columns:
        return pl.col(END_BLANK)
    return pl.lit("end_date" not in frame.columns)


def stored_end_kept(matching: Matching) -> pl.DataFrame:
    """Rows whose blank end date keeps a stored end date before their start date.

    The importer has stored an end date for a known student (the baseline's row, or for a
    student who came back, the history's memory), and "a blank cell leaves the stored value":
    a returning alumnus with a new ``primary_education:start_date`` and a blank end date keeps
    the old end date, before the start date, so the row fails (DESIGN, "Domain facts").
    Columns ``row`` and ``stored_end`` (the stored date), sorted by row.
    """
    empty = pl.DataFrame(schema={"row": pl.Int64(), "stored_end": pl.Date()})
    if "start_date" not in matching.current.frame.columns:
        return empty
    parts = [empty]
    sources = ((matching.returning, "end_date_mem"), (matching.matched, "end_date_prev"))
    for frame, stored in (*sources, (matching.by_email, "end_date_prev")):
        if not frame.height or stored not in frame.columns:
            continue
        kept = frame.filter(
            _end_date_blank(frame)
            & pl.col("start_date").is_not_null()
            & (pl.col(stored) < pl.col("start_date"))
        )
        parts.append(kept.select(pl.col("row").cast(pl.Int64), pl.col(stored).alias("stored_end")))
    # a username the memory knows is the importer's first match: its stored date counts
    return pl.concat(parts).unique("row", keep="first").sort("row")


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

    kept_end = stored_end_kept(matching)

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
        stored_end_dates={
            int(row): end.isoformat() for row, end in kept_end.iter_rows() if end is not None
        },
    )
