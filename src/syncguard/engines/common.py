"""What both engines share: turning failing row numbers into a Finding, and engine crashes."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from syncguard.intake.reader import ROW
from syncguard.model import Engine, Finding, Severity
from syncguard.suite.model import Rule

EXAMPLES = 5


def failing(
    rule: Rule, engine: Engine, frame: pl.DataFrame, rows: Iterable[int], message: str
) -> Finding:
    """A finding for the rows (spreadsheet numbers) that failed a rule, with example values."""
    ordered = tuple(sorted(set(rows)))
    examples: tuple[str, ...] = ()
    present = [c for c in rule.columns if c in frame.columns]
    if ordered and present:
        picked = frame.filter(pl.col(ROW).is_in(list(ordered[:EXAMPLES])))
        examples = tuple(
            "" if v is None else str(v) for v in picked.get_column(present[0]).to_list()
        )
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        engine=engine,
        message=message,
        columns=rule.columns,
        rows=ordered,
        examples=examples,
        failed_rows=len(ordered),
        location=str(rule.location),
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


def summary(rule: Rule, count: int, total: int) -> str:
    """The standard one-line message: the rule's own description and how many rows failed."""
    share = f"{count / total:.1%}" if total else "0%"
    return f"{rule.description} {count} row(s) fail ({share} of {total})."
