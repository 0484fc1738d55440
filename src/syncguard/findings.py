"""Findings as a steward reads them: one cause one finding, one per check, worst harm first."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from syncguard.model import SEVERITY_RANK, ColumnSummary, Consequence, Finding, Severity

EXAMPLES = 20
TOP = 5

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
        also=tuple(dict.fromkeys(a for p in parts for a in p.also)),
    )


def _top(tops: Iterable[Sequence[tuple[str, int]]]) -> tuple[tuple[str, int], ...]:
    """The most frequent entries of several columns, each its own column's count: a value in
    two columns of one row is not two rows (the summaries tell the columns apart)."""
    every = [entry for top in tops for entry in top]
    return tuple(sorted(every, key=lambda kv: (-kv[1], kv[0]))[:TOP])


Top = tuple[tuple[str, int], ...]
Summarize = Callable[[str, tuple[int, ...]], tuple[Top, Top]]
"""The most frequent values and shapes of a column at some rows (see ``engines.common``)."""
Cell = tuple[int, str]
"""A cell of the export: its spreadsheet row and its column."""


def cells(finding: Finding) -> list[frozenset[Cell]]:
    """What a finding says is wrong, as units: the cells explained together.

    A finding over one column has a unit per row (that column's cell); a check merged over
    several columns (``parts``) one per cell where it failed; a check across columns (an end
    date before a start date) one per row with the row's cells of all its columns: it is
    explained as soon as one of them is. A finding without rows or columns (about the whole
    file) has none.
    """
    if finding.parts:
        return [frozenset({(row, column)}) for column, rows in finding.parts for row in rows]
    if not finding.columns:
        return []
    return [frozenset((row, c) for c in finding.columns) for row in finding.rows]


def explain(
    findings: Sequence[Finding],
    pairs: Sequence[tuple[str, str]],
    summarize: Summarize | None = None,
) -> list[Finding]:
    """One cause, one finding: drop from each finding the cells that a finding explaining it
    (``pairs``: explaining check, explained check) also covers.

    A cell goes only to a finding at least as severe (an explanation never lowers the
    verdict: a warning does not stand for an error). An explained finding left with no cell
    disappears; the others keep their other rows, with their examples, value counts
    (recomputed with ``summarize``, else dropped) and message counts. The finding that keeps
    the cell lists the checks it explains there in ``also``; through a chain (a explains b
    explains c, on one cell) that is the first, which keeps the cell. Explaining findings
    explain with every cell they found, so the order of ``pairs`` changes nothing.
    """
    explainers: dict[str, list[str]] = {}
    for explaining, explained in pairs:
        explainers.setdefault(explained, []).append(explaining)
    by_rule: dict[str, list[int]] = {}
    for i, f in enumerate(findings):
        by_rule.setdefault(f.rule, []).append(i)
    units: dict[int, list[frozenset[Cell]]] = {}  # only of the findings a pair concerns
    covered: dict[int, dict[Cell, int]] = {}  # finding -> its cell -> the unit holding it

    def unit_list(i: int) -> list[frozenset[Cell]]:
        if i not in units:
            units[i] = cells(findings[i])
        return units[i]

    def cover(i: int) -> dict[Cell, int]:
        if i not in covered:
            covered[i] = {cell: u for u, unit in enumerate(unit_list(i)) for cell in unit}
        return covered[i]

    dropped: dict[int, dict[int, tuple[int, set[Cell]]]] = {}  # finding -> unit -> why
    for i, f in enumerate(findings):
        sources = [
            j
            for rule in explainers.get(f.rule, ())
            for j in by_rule.get(rule, ())
            if j != i and SEVERITY_RANK[findings[j].severity] <= SEVERITY_RANK[f.severity]
        ]
        for u, unit in enumerate(unit_list(i) if sources else ()):
            for j in sources:
                hit = {cell for cell in unit if cell in cover(j)}
                if hit:
                    dropped.setdefault(i, {})[u] = (j, hit)
                    break

    def holders(j: int, cell: Cell) -> set[int]:
        """The findings that keep ``cell`` of finding ``j``: j, or the ones that explain it."""
        why = dropped.get(j, {}).get(cover(j)[cell])
        if why is None:
            return {j}
        k, hit = why
        return {h for c in hit for h in holders(k, c)}

    also: dict[int, list[str]] = {}
    for i in sorted(dropped):
        for j, hit in dropped[i].values():
            for h in sorted({h for cell in hit for h in holders(j, cell)}):
                if findings[i].rule not in also.setdefault(h, []):
                    also[h].append(findings[i].rule)
    out = []
    for i, f in enumerate(findings):
        if i in dropped:
            gone = {cell for u in dropped[i] for cell in unit_list(i)[u]}
            trimmed = _without(f, gone, summarize)
            if trimmed is None:
                continue
            f = trimmed
        if i in also:
            f = dataclasses.replace(f, also=tuple(dict.fromkeys((*f.also, *also[i]))))
        out.append(f)
    return out


def _without(finding: Finding, gone: set[Cell], summarize: Summarize | None) -> Finding | None:
    """The finding without the rows whose cells another finding explains; None if none is left."""
    parts = tuple(
        (column, left)
        for column, part in finding.parts
        if (left := tuple(r for r in part if (r, column) not in gone))
    )
    gone_rows = {row for row, _ in gone}
    if finding.parts:
        rows = tuple(sorted({r for _, part in parts for r in part}))
    else:
        rows = tuple(r for r in finding.rows if r not in gone_rows)
    if not rows:
        return None
    kept = set(rows)
    shown = len(finding.examples)
    columns = finding.example_columns or (finding.column or "",) * shown
    keep = [
        i
        for i, row in enumerate(finding.rows[:shown])
        if row in kept and (not finding.parts or (row, columns[i]) not in gone)
    ]
    # examples pair with the first rows: keep those still first
    while keep and [finding.rows[i] for i in keep] != list(rows[: len(keep)]):
        keep.pop()
    top_values: Top = ()
    top_shapes: Top = ()
    if summarize is not None and finding.column is not None and not parts:
        top_values, top_shapes = summarize(finding.column, rows)
    elif summarize is not None and parts:
        tops = [summarize(column, part) for column, part in parts]
        top_values, top_shapes = _top(t[0] for t in tops), _top(t[1] for t in tops)
    before, removed = finding.failed_count, len(finding.rows) - len(rows)
    message = _recounted(finding.message, len(finding.rows), len(rows))
    columns = finding.columns
    if finding.parts and len(parts) < len(finding.parts):
        columns = tuple(c for c, _ in parts)
        listed = f"in {len(columns)} column(s): {', '.join(columns)}."
        message = _IN_COLUMNS.sub(lambda _: listed, message)
    return dataclasses.replace(
        finding,
        rows=rows,
        columns=columns,
        parts=parts,
        failed_rows=len(rows) if before == len(finding.rows) else max(0, before - removed),
        message=message,
        examples=tuple(finding.examples[i] for i in keep),
        cells=tuple(finding.cells[i] for i in keep if i < len(finding.cells)),
        example_columns=tuple(finding.example_columns[i] for i in keep)
        if finding.example_columns
        else (),
        suggestions=tuple(finding.suggestions[i] for i in keep if i < len(finding.suggestions))
        if finding.suggestions
        else (),
        top_values=top_values,
        top_shapes=top_shapes,
        previous_rows=(),  # paired with the rows by nobody: no longer to be told apart
    )


_IN_COLUMNS = re.compile(r"in \d+ column\(s\): .*\.$")
_FAIL = re.compile(r"\b(\d+) row\(s\) fail \([0-9.]+% of (\d+)\)")


def _recounted(message: str, before: int, after: int) -> str:
    """The message with its count of rows: ``N row(s) fail (x% of T)``, or a leading ``N``."""
    match = _FAIL.search(message)
    if match is not None and int(match.group(1)) == before:
        total = int(match.group(2))
        share = f"{after / total:.1%}" if total else "0%"
        return (
            message[: match.start()]
            + f"{after} row(s) fail ({share} of {total})"
            + message[match.end() :]
        )
    head = f"{before} "
    if message.startswith(head):
        return f"{after} " + message[len(head) :]
    return message


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
