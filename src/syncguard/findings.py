"""Findings as a steward reads them: one per check, shared causes folded, worst harm first."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from syncguard.model import SEVERITY_RANK, ColumnSummary, Consequence, Finding, Severity

EXAMPLES = 20
TOP = 5

SAME_CAUSE: tuple[tuple[str, str], ...] = (
    # (the finding that explains, the finding explained): a blank labels cell of a student who
    # had labels is one problem, "labels wiped", not two
    ("compare.labels_wiped", "system_label_names.not_blank"),
)
"""Pairs of checks that report one cause on the same rows."""

WHOLE_FILE = frozenset(
    {
        "intake.unusable",
        "intake.file_size",
        "intake.email_domain",
        "intake.quoting",
        "compare.unavailable",
        "compare.row_count_drop",
    }
)
"""Checks whose error is about the whole upload, not a few rows."""


def merge_columns(
    findings: Iterable[Finding], descriptions: Mapping[str, str], total: int
) -> list[Finding]:
    """One finding per check: a check over several columns is one finding with its columns.

    Rows are the union; the examples are those of the first rows, each with its column.
    """
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.rule, []).append(f)
    out: list[Finding] = []
    for rule, parts in groups.items():
        if len(parts) == 1 or rule not in descriptions or any(not p.rows for p in parts):
            out.extend(parts)
            continue
        out.append(_merged(rule, parts, descriptions[rule], total))
    return out


def _merged(rule: str, parts: Sequence[Finding], description: str, total: int) -> Finding:
    columns = tuple(dict.fromkeys(c for p in parts for c in p.columns))
    rows = tuple(sorted({r for p in parts for r in p.rows}))
    seen: dict[int, tuple[str, str, str]] = {}
    for p in parts:
        column = p.columns[0] if p.columns else ""
        for i, row in enumerate(p.rows[: len(p.examples)]):
            meant = p.suggestions[i] if i < len(p.suggestions) else ""
            seen.setdefault(row, (p.examples[i], column, meant))
    first = [seen[r] for r in rows[:EXAMPLES] if r in seen]
    share = f"{len(rows) / total:.1%}" if total else "0%"
    message = (
        f"{description} {len(rows)} row(s) fail ({share} of {total}) in {len(columns)} "
        f"column(s): {', '.join(columns)}."
    )
    suggestions = tuple(m for _, _, m in first)
    return dataclasses.replace(
        parts[0],
        message=message,
        columns=columns,
        rows=rows,
        failed_rows=len(rows),
        examples=tuple(v for v, _, _ in first),
        example_columns=tuple(c for _, c, _ in first),
        suggestions=suggestions if any(suggestions) else (),
        top_values=_top(p.top_values for p in parts),
        top_shapes=_top(p.top_shapes for p in parts),
        summaries=tuple(
            ColumnSummary(p.columns[0] if p.columns else "", p.top_values, p.top_shapes)
            for p in parts
        ),
        cells=(),
        suggestion=" | ".join(dict.fromkeys(p.suggestion for p in parts if p.suggestion)) or None,
        parts=tuple((p.columns[0] if p.columns else "", p.rows) for p in parts),
        fixes=tuple(dict.fromkeys(fix for p in parts for fix in p.fixes)),
    )


def _top(tops: Iterable[Sequence[tuple[str, int]]]) -> tuple[tuple[str, int], ...]:
    """The most frequent entries of several columns, each its own column's count: a value in
    two columns of one row is not two rows (the summaries tell the columns apart)."""
    every = [entry for top in tops for entry in top]
    return tuple(sorted(every, key=lambda kv: (-kv[1], kv[0]))[:TOP])


def fold_same_cause(findings: Sequence[Finding]) -> list[Finding]:
    """Fold a finding into the one that explains it (:data:`SAME_CAUSE`), on shared rows."""
    by_rule = {f.rule: f for f in findings}
    replaced: dict[str, Finding | None] = {}
    for explains, explained in SAME_CAUSE:
        a, b = by_rule.get(explains), by_rule.get(explained)
        if a is None or b is None or not set(a.rows) & set(b.rows):
            continue
        rest = tuple(r for r in b.rows if r not in set(a.rows))
        replaced[explains] = dataclasses.replace(a, also=(*a.also, b.rule))
        if not rest:
            replaced[explained] = None
            continue
        keep = [i for i, r in enumerate(b.rows[: len(b.examples)]) if r in set(rest)]
        replaced[explained] = dataclasses.replace(
            b,
            rows=rest,
            failed_rows=len(rest),
            examples=tuple(b.examples[i] for i in keep),
            cells=tuple(b.cells[i] for i in keep if i < len(b.cells)),
            suggestions=tuple(b.suggestions[i] for i in keep if i < len(b.suggestions)),
        )
    out = []
    for f in findings:
        if f.rule in replaced:
            new = replaced[f.rule]
            if new is not None:
                out.append(new)
        else:
            out.append(f)
    return out


def blocks_whole_upload(finding: Finding) -> bool:
    """An error about the file as a whole (it cannot be uploaded as it is), not some rows."""
    if finding.severity is not Severity.ERROR:
        return False
    return finding.rule in WHOLE_FILE or (finding.rows == (1,) and finding.rule.endswith("header"))


def by_harm(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """What blocks the whole upload first, then by consequence at import (worst first), then
    errors before warnings, then most students first."""
    return tuple(
        sorted(
            findings,
            key=lambda f: (
                not blocks_whole_upload(f),
                f.consequence.rank if f.consequence is not None else len(Consequence),
                SEVERITY_RANK[f.severity],
                -f.failed_count,
                f.rule,
            ),
        )
    )
