"""The sync plan made a plan: the matching's draft refined with the run's findings.

The matching alone tells new, known, split and changed students apart; what the importer then
does with a row depends on what is wrong with it, which the catalogue says of every finding
(:attr:`~syncguard.model.Finding.consequence`). :func:`refine` runs once every finding is known,
and puts each row read in exactly one :class:`~syncguard.model.PlanCategory`: the first of
:data:`~syncguard.model.PLAN_PRIORITY` that applies.

- a finding whose consequence is ``row_skipped`` puts its rows in ``skipped`` when its check is
  a ``unique`` rule (rows that duplicate an identity), else in ``failed`` (the importer refuses
  the row); an identifier change is no failure where uploads are by hand (``sync = manual``);
- ``account_taken_over``, ``account_split`` and ``labels_wiped`` put rows in their category;
- ``field_rejected`` puts a row in ``rejected fields``: it is imported without the refused
  values, and a refused value is not a change;
- a value Excel mangled (an ``excel_mangled_id`` rule) is no change either: a known student
  whose only differences are refused or mangled values is left unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from syncguard.findings import blocks_whole_upload
from syncguard.model import (
    IMPORTED,
    PLAN_PRIORITY,
    Check,
    Consequence,
    Finding,
    PlanCategory,
    SyncPlan,
)

IDENTIFIER_CHANGES = frozenset({"compare.username_changed", "compare.auth_identifier_changed"})
"""Checks of a changed username or auth_identifier: an automatic sync fails such rows, an upload
by hand marked "this job changes identifier data" makes the change (``sync = manual``)."""
UNIQUE_KIND = "unique"
MANGLED_KIND = "excel_mangled_id"

BY_CONSEQUENCE = {
    Consequence.ACCOUNT_TAKEN_OVER: PlanCategory.TAKEN_OVER,
    Consequence.ACCOUNT_SPLIT: PlanCategory.SPLIT,
    Consequence.LABELS_WIPED: PlanCategory.LABELS_WIPED,
    Consequence.FIELD_REJECTED: PlanCategory.REJECTED_FIELDS,
}
"""The category a finding of these consequences puts its rows in (``row_skipped``: see
:func:`category_of`)."""


def category_of(finding: Finding, check: Check | None, manual: bool) -> PlanCategory | None:
    """The category a finding puts its rows in; None when it does not change what the import
    does with them (cosmetic, stored wrong, a security risk) or is about the whole file."""
    if finding.consequence is None or blocks_whole_upload(finding):
        return None
    if finding.consequence is Consequence.ROW_SKIPPED:
        if check is not None and check.kind == UNIQUE_KIND:
            return PlanCategory.SKIPPED
        if manual and finding.rule in IDENTIFIER_CHANGES:
            return None  # uploaded by hand as an identifier change: the row updates
        return PlanCategory.FAILED
    return BY_CONSEQUENCE.get(finding.consequence)


def _cells(findings: Iterable[Finding], read: set[int]) -> dict[str, set[int]]:
    """Per column, the rows read of these findings' cells."""
    out: dict[str, set[int]] = {}
    for f in findings:
        for column, rows in f.pieces:
            out.setdefault(column, set()).update(r for r in rows if r in read)
    return out


def refine(
    plan: SyncPlan,
    findings: Sequence[Finding],
    checks: Mapping[str, Check],
    settings: Mapping[str, object],
    row_numbers: Iterable[int],
) -> SyncPlan:
    """The plan the import follows, once every finding of the run is known.

    Args:
        plan: The matching's draft (:func:`syncguard.compare.matching.plan`).
        findings: Every finding of the run, tuned (each with its consequence).
        checks: The run's checks by id (a rule's kind tells duplicates and mangling).
        settings: The suite's settings (``sync``: automatic or manual).
        row_numbers: The rows read (records the frame left out included: blank, ragged).

    Returns:
        The plan whose categories partition ``row_numbers``, with the per-column counts of
        what the import changes, the refused values per column, and the rows each finding put
        in its category.
    """
    read = set(row_numbers)
    manual = settings.get("sync") == "manual"
    claimed: dict[PlanCategory, set[int]] = {}
    placed_by: list[tuple[PlanCategory, Finding]] = []
    for f in findings:
        category = category_of(f, checks.get(f.rule), manual)
        if category is None:
            continue
        claimed.setdefault(category, set()).update(r for r in f.rows if r in read)
        placed_by.append((category, f))
    rejected = _cells((f for c, f in placed_by if c is PlanCategory.REJECTED_FIELDS), read)
    mangled = _cells(
        (f for f in findings if (c := checks.get(f.rule)) is not None and c.kind == MANGLED_KIND),
        read,
    )
    real: dict[str, set[int]] = {}
    for column, rows in plan.changes.items():
        left_out = rejected.get(column, set()) | mangled.get(column, set())
        real[column] = {r for r in rows if r not in left_out}
    changed = set().union(*real.values()) if real else set()
    known = set(plan.rows(PlanCategory.UPDATED)) | set(plan.rows(PlanCategory.UNCHANGED))
    remaining = set(read)
    categories: dict[PlanCategory, tuple[int, ...]] = {}
    for category in PLAN_PRIORITY:
        if category is PlanCategory.UPDATED:
            candidates = known & changed
        elif category is PlanCategory.UNCHANGED:
            candidates = known
        elif category is PlanCategory.NOT_READ:
            candidates = set(remaining)  # not in the frame, and no finding says what happens
        else:
            candidates = claimed.get(category, set()) | set(plan.rows(category))
        members = candidates & remaining
        remaining -= members
        if members:
            categories[category] = tuple(sorted(members))
    final = {r: c for c, rows in categories.items() for r in rows}
    reasons: dict[PlanCategory, dict[str, tuple[int, ...]]] = {}
    for category, f in placed_by:
        rows = tuple(r for r in f.rows if final.get(r) is category)
        if rows:
            mine = reasons.setdefault(category, {})
            mine[f.rule] = tuple(sorted({*mine.get(f.rule, ()), *rows}))
    by_column = None
    if plan.updated_by_column is not None:
        counts = {c: sum(1 for r in rows if final.get(r) in IMPORTED) for c, rows in real.items()}
        by_column = {c: n for c, n in counts.items() if n}
    refused = {
        column: n
        for column, rows in rejected.items()
        if (n := sum(1 for r in rows if final.get(r) is PlanCategory.REJECTED_FIELDS))
    }
    return dataclasses.replace(
        plan,
        rows_read=len(read),
        categories=categories,
        updated_by_column=by_column,
        rejected_by_column=refused,
        reasons=reasons,
        refined=True,
    )
