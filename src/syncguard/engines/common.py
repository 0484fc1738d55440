"""What both engines share: turning failing row numbers into a Finding, and engine crashes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import polars as pl

from syncguard.intake.reader import ROW
from syncguard.model import Engine, Finding, Severity
from syncguard.suite.model import Rule
from syncguard.suite.registry import RuleKind, kinds

TOP = 5
"""Values (and shapes) listed in a finding's summary."""
SHAPE_CUT = 40
"""Characters of a shape kept."""
EXAMPLES = 20
"""Values kept per finding: those of its first rows, in row order (reports pair them)."""
SUGGESTIONS = 3


def _picked(frame: pl.DataFrame, column: str, rows: tuple[int, ...]) -> pl.Series:
    """The cells of ``column`` at the given spreadsheet rows, in row order ("" for blank)."""
    if column not in frame.columns or not rows:
        return pl.Series([], dtype=pl.String)
    picked = frame.filter(pl.col(ROW).is_in(list(rows))).sort(ROW).get_column(column)
    return picked.cast(pl.String).fill_null("")


def values_at(frame: pl.DataFrame, column: str, rows: tuple[int, ...]) -> list[str]:
    """The cells of ``column`` at the given spreadsheet rows, in row order ("" for blank)."""
    return [str(v) for v in _picked(frame, column, rows).to_list()]


def shape(value: pl.Expr) -> pl.Expr:
    """A value's shape: digits as 9, letters as a (A capital), the rest kept (identifies no one)."""
    return (
        value.str.replace_all(r"[0-9]", "9")
        .str.replace_all(r"\p{Lu}", "A")
        .str.replace_all(r"\p{Ll}|\p{Lo}|\p{Lt}|\p{Lm}", "a")
        .str.slice(0, SHAPE_CUT)
    )


def summary(
    frame: pl.DataFrame, column: str, rows: tuple[int, ...]
) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
    """The most frequent failing values and shapes of a column at the rows, with counts.

    Values are counted once; shapes are computed per distinct value (a million failing cells
    of a few values cost a few regex replacements, not a million).
    """
    if column not in frame.columns or not rows:
        return (), ()
    counted = (
        frame.lazy()
        .filter(pl.col(ROW).is_in(rows))
        .group_by(pl.col(column).fill_null("").alias("v"))
        .len()
        .collect()
    )
    shapes = counted.group_by(shape(pl.col("v")).alias("v")).agg(pl.col("len").sum())
    top: list[tuple[tuple[str, int], ...]] = []
    for table in (counted, shapes):
        first = table.sort(["len", "v"], descending=[True, False]).head(TOP)
        top.append(tuple((str(v), int(n)) for v, n in first.iter_rows()))
    return top[0], top[1]


def with_examples(finding: Finding, frame: pl.DataFrame) -> Finding:
    """The finding with the values of its first rows as examples (for findings made elsewhere)."""
    if finding.examples or not finding.columns or not finding.rows:
        return finding
    values = values_at(frame, finding.columns[0], finding.rows[:EXAMPLES])
    top_values, top_shapes = summary(frame, finding.columns[0], finding.rows)
    return dataclasses.replace(
        finding, examples=tuple(values), top_values=top_values, top_shapes=top_shapes
    )


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
    picked = _picked(frame, present[0], ordered) if present else pl.Series([], dtype=pl.String)
    first = picked.head(EXAMPLES).to_list()
    # a kind that suggests or hints is asked per distinct value / with every value; the others
    # cost nothing per failing row (a million failing cells stay in polars)
    suggests = type(kind).suggest is not RuleKind.suggest
    distinct = picked.unique(maintain_order=True).to_list() if suggests else []
    fixes = {value: kind.suggest(rule, value) for value in distinct}
    suggestions = list(dict.fromkeys(f for f in fixes.values() if f is not None))
    per_row = tuple(fixes.get(v) or "" for v in first)
    hints = type(kind).hint is not RuleKind.hint
    hint = kind.hint(rule, picked.to_list()) if hints and len(picked) else None
    share = f"{len(ordered) / frame.height:.1%}" if frame.height else "0%"
    message = f"{rule.description} {len(ordered)} row(s) fail ({share} of {frame.height})."
    top_values, top_shapes = summary(frame, present[0], ordered) if present else ((), ())
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        engine=engine,
        top_values=top_values,
        top_shapes=top_shapes,
        message=message + (f" {hint}" if hint else ""),
        columns=columns,
        rows=ordered,
        examples=tuple(first),
        failed_rows=len(ordered),
        location=rule.location.short(),
        suggestion=" | ".join(suggestions[:SUGGESTIONS]) or None,
        suggestions=per_row if any(per_row) else (),
        fixes=tuple((v, f) for v, f in fixes.items() if f is not None),
    )


def crashed(rule: Rule, engine: Engine, problem: str) -> Finding:
    """An engine could not run a rule: that is an error of its own, never a pass."""
    return Finding(
        rule=rule.id,
        severity=Severity.ERROR,
        engine=engine,
        message=f"{engine.value} could not run this rule ({problem}); the rule's result is unknown",
        columns=rule.columns,
        location=rule.location.short(),
    )
