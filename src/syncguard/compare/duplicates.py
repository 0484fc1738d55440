"""Duplicate groups: the rows that share one value of a column that must be unique.

A ``unique`` rule's finding lists every row whose value another row has too; a steward needs
them by group, under a label that never shows the value (``D3``), and, when there is a
baseline, which row of a group is the baseline's student with that value (keep it) and which
is new or changed (check it). A row is the baseline's student when more of its other
identifiers (username, email_address, auth_identifier, card_id), where both have one, agree
with that student's than differ, and no other row of the group agrees better (a student whose
username also changed is still that student): keyed digests of the snapshots, never values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from syncguard.compare.matching import Matching
from syncguard.compare.snapshot import IDENTITIES
from syncguard.intake.reader import ROW
from syncguard.model import DuplicateGroup, Finding
from syncguard.suite.model import Rule
from syncguard.suite.registry import GxKind, kinds

UNIQUE_KIND = "unique"
LABEL = "D{}"
"""A group's label: ``D`` and its place in row order (the value is never shown)."""


def _groups_of(rule: Rule, finding: Finding, frame: pl.DataFrame) -> list[tuple[int, ...]]:
    """The rows of a unique rule's finding, grouped by the value they share (as the rule
    compares it: trimmed, lowercased, blanks left out, per its parameters)."""
    kind = kinds()[rule.kind]
    if not isinstance(kind, GxKind) or rule.column not in frame.columns:
        return []
    (value,) = kind.derived(rule).values()
    rows = pl.Series(finding.rows, dtype=pl.UInt32)
    shared = (
        frame.filter(pl.col(ROW).is_in(rows.implode()))
        .select(pl.col(ROW).alias("row"), value.alias("value"))
        .drop_nulls("value")
        .group_by("value")
        .agg(pl.col("row").sort())
        .filter(pl.col("row").list.len() > 1)
    )
    return [tuple(int(r) for r in group) for group in shared.get_column("row").to_list()]


def _baseline_students(
    column: str, groups: Sequence[tuple[int, ...]], matching: Matching
) -> dict[int, tuple[int, ...]] | None:
    """Per group (by its place), the rows that are the baseline's student with the group's
    value; None when the column is no identity the snapshots hold (nothing to tell)."""
    short = IDENTITIES.get(column)
    if short is None:
        return None
    key = f"{short}_h"
    ids = [f"{s}_h" for s in IDENTITIES.values()]
    others = [c for c in ids if c != key]
    members = pl.DataFrame(
        {
            "group": [g for g, rows in enumerate(groups) for _ in rows],
            "row": [r for rows in groups for r in rows],
        },
        schema={"group": pl.Int64, "row": pl.Int64},
    )
    current = matching.current.frame.select(pl.col("row").cast(pl.Int64), *ids)
    before = matching.previous.frame.filter(
        pl.col(key).is_not_null() & pl.col(key).is_first_distinct()
    ).select(key, *(pl.col(c).alias(f"{c}_prev") for c in others))
    rows = members.join(current, on="row", how="left").join(before, on=key, how="left")
    both = {c: pl.col(c).is_not_null() & pl.col(f"{c}_prev").is_not_null() for c in others}
    agree = pl.sum_horizontal(b & (pl.col(c) == pl.col(f"{c}_prev")) for c, b in both.items())
    differ = pl.sum_horizontal(b & (pl.col(c) != pl.col(f"{c}_prev")) for c, b in both.items())
    score = pl.col("agree") - pl.col("differ")
    kept = (
        rows.with_columns(agree.alias("agree"), differ.alias("differ"))
        .filter(pl.col("agree") > pl.col("differ"))
        .filter(score == score.max().over("group"))
    )
    out: dict[int, tuple[int, ...]] = {}
    for group, row in kept.select("group", "row").sort("row").iter_rows():
        out[group] = (*out.get(group, ()), int(row))
    return out


def duplicate_groups(
    findings: Sequence[Finding],
    rules: Mapping[str, Rule],
    frame: pl.DataFrame,
    matching: Matching | None = None,
) -> tuple[DuplicateGroup, ...]:
    """Every duplicate group of the ``unique`` rules' findings, labelled in row order.

    Args:
        findings: The run's findings (those of ``unique`` rules are grouped).
        rules: The suite's rules by id.
        frame: The export's records (values are read to group rows, never kept).
        matching: The comparison with the baseline, if any: it tells which row of a group is
            the baseline's student.
    """
    found: list[tuple[tuple[int, ...], Rule, bool, tuple[int, ...]]] = []
    for f in findings:
        rule = rules.get(f.rule)
        if rule is None or rule.kind != UNIQUE_KIND or not f.rows:
            continue
        groups = _groups_of(rule, f, frame)
        students = _baseline_students(rule.column, groups, matching) if matching else None
        for place, rows in enumerate(groups):
            keep = students.get(place, ()) if students is not None else ()
            found.append((rows, rule, students is not None, keep))
    found.sort(key=lambda item: (item[0][0], item[1].id))
    return tuple(
        DuplicateGroup(LABEL.format(i), rule.id, rule.column, rows, keep, compared)
        for i, (rows, rule, compared, keep) in enumerate(found, start=1)
    )
