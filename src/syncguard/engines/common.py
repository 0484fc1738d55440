"""What both engines share: turning failing row numbers into a Finding, and engine crashes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import polars as pl

from syncguard.intake.reader import ROW
from syncguard.masking import shape
from syncguard.model import ColumnSummary, Engine, Finding, Severity
from syncguard.suite.model import Rule
from syncguard.suite.registry import RuleKind, kinds

TOP = 5
"""Values (and shapes) listed in a finding's summary."""
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


def summary(
    frame: pl.DataFrame, column: str, rows: tuple[int, ...]
) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
    """The most frequent failing values and shapes of a column at the rows, with counts.

    Each row is counted once, so no count exceeds the number of rows. Values are counted in
    polars; a shape (:func:`syncguard.masking.shape`) is worked out once per distinct value.
    """
    if column not in frame.columns or not rows:
        return (), ()
    counted = (
        frame.lazy()
        .filter(pl.col(ROW).is_in(rows))
        .group_by(pl.col(column).cast(pl.String).fill_null("").alias("v"))
        .len()
        .collect()
    )
    shapes = (
        counted.with_columns(
            pl.Series("v", [shape(v) for v in counted.get_column("v").to_list()], dtype=pl.String)
        )
        .group_by("v")
        .agg(pl.col("len").sum())
    )
    return _top(counted), _top(shapes)


def _top(table: pl.DataFrame) -> tuple[tuple[str, int], ...]:
    first = table.sort(["len", "v"], descending=[True, False]).head(TOP)
    return tuple((str(v), int(n)) for v, n in first.iter_rows())


def summarized(finding: Finding, frame: pl.DataFrame) -> Finding:
    """The finding with its summary counted again over its own rows (after rows were merged
    from several columns or taken away): one column's, or each column's for several.

    A finding over several columns counts each column over the rows it failed in that column
    (``parts``), or over all its rows for a check relating the columns; its ``top_values`` and
    ``top_shapes`` are then the most frequent entries of all columns, none summed across them.
    """
    if not finding.rows or not finding.columns:
        return finding
    kept = set(finding.rows)
    pieces = tuple((c, tuple(r for r in rows if r in kept)) for c, rows in finding.parts) or tuple(
        (c, finding.rows) for c in finding.columns
    )
    if len(pieces) == 1:
        column, rows = pieces[0]
        values, shapes = summary(frame, column, rows)
        return dataclasses.replace(finding, top_values=values, top_shapes=shapes, summaries=())
    each = tuple(ColumnSummary(c, *summary(frame, c, rows)) for c, rows in pieces)
    return dataclasses.replace(
        finding,
        top_values=_most(s.top_values for s in each),
        top_shapes=_most(s.top_shapes for s in each),
        summaries=each,
    )


def _most(tops: Iterable[tuple[tuple[str, int], ...]]) -> tuple[tuple[str, int], ...]:
    every = [entry for top in tops for entry in top]
    return tuple(sorted(every, key=lambda e: (-e[1], e[0]))[:TOP])


def cells_at(
    frame: pl.DataFrame, columns: Sequence[str], rows: tuple[int, ...]
) -> tuple[tuple[str, ...], ...]:
    """Per row (in row order), the cell of every column ("" for blank or a missing column);
    empty for fewer than two columns (a finding of one column has its examples)."""
    if len(columns) < 2 or not rows:
        return ()
    each = [values_at(frame, c, rows) if c in frame.columns else [""] * len(rows) for c in columns]
    return tuple(zip(*each, strict=True))


def with_examples(finding: Finding, frame: pl.DataFrame) -> Finding:
    """The finding with the values of its first rows as examples (for findings made elsewhere)."""
    if finding.examples or not finding.columns or not finding.rows:
        return finding
    first = finding.rows[:EXAMPLES]
    values = values_at(frame, finding.columns[0], first)
    return summarized(
        dataclasses.replace(
            finding,
            examples=tuple(values),
            cells=cells_at(frame, finding.columns, first[: len(values)]),
        ),
        frame,
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
    found = Finding(
        rule=rule.id,
        severity=rule.severity,
        engine=engine,
        message=message + (f" {hint}" if hint else ""),
        columns=columns,
        rows=ordered,
        examples=tuple(first),
        failed_rows=len(ordered),
        location=rule.location.short(),
        suggestion=" | ".join(suggestions[:SUGGESTIONS]) or None,
        suggestions=per_row if any(per_row) else (),
        fixes=tuple((v, f) for v, f in fixes.items() if f is not None),
        cells=cells_at(frame, columns, ordered[: len(first)]) if present else (),
    )
    return summarized(found, frame)


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
