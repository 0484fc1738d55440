"""What both engines share: turning failing row numbers into a Finding, and engine crashes."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from syncguard.intake.reader import ROW
from syncguard.model import Engine, Finding, Severity
from syncguard.suite.model import Rule
from syncguard.suite.registry import kinds

EXAMPLES = 20
"""Values kept per finding: those of its first rows, in row order (reports pair them)."""
SUGGESTIONS = 3


def failing(
    rule: Rule,
    engine: Engine,
    frame: pl.DataFrame,
    rows: Iterable[int],
    columns: tuple[str, ...] | None = None,
) -> Finding | None:
    """A finding for the rows (spreadsheet numbers) that failed a rule, or None under ``mostly``.

    The message is the rule's description with the count and share; the kind may add a hint
    about the failing values, and a "did you mean" for them.
    """
    ordered = tuple(sorted(set(rows)))
    if not ordered:
        return None
    if rule.mostly is not None and len(ordered) <= (1 - rule.mostly) * frame.height:
        return None
    columns = columns or rule.columns
    kind = kinds()[rule.kind]
    present = [c for c in columns if c in frame.columns]
    values: list[str] = []
    if present:
        picked = frame.filter(pl.col(ROW).is_in(list(ordered))).sort(ROW).get_column(present[0])
        values = ["" if v is None else str(v) for v in picked.to_list()]
    suggestions = []
    for value in dict.fromkeys(values):
        fix = kind.suggest(rule, value)
        if fix is not None and fix not in suggestions:
            suggestions.append(fix)
    hint = kind.hint(rule, values) if values else None
    share = f"{len(ordered) / frame.height:.1%}" if frame.height else "0%"
    message = f"{rule.description} {len(ordered)} row(s) fail ({share} of {frame.height})."
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        engine=engine,
        message=message + (f" {hint}" if hint else ""),
        columns=columns,
        rows=ordered,
        examples=tuple(values[:EXAMPLES]),
        failed_rows=len(ordered),
        location=str(rule.location),
        suggestion=" | ".join(suggestions[:SUGGESTIONS]) or None,
    )


def crashed(rule: Rule, engine: Engine, problem: str) -> Finding:
    """An engine could not run a rule: that is an error of its own, never a pass."""
    return Finding(
        rule=rule.id,
        severity=Severity.ERROR,
        engine=engine,
        message=f"{engine.value} could not run this rule ({problem}); the rule's result is unknown",
        columns=rule.columns,
        location=str(rule.location),
    )
