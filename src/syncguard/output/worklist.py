"""The worklist: every failing row with all its problems and how to fix each, in row order.

A steward fixes students, not rules: the report lists the first rows, the failing-rows CSV all
of them, in the same shape (row, severity, check, column, value, did you mean, fix, whether
``syncguard fix`` repairs the cell, the row's duplicate group). Values are
shown by their column's data class (personal and special ones masked) and formula-like cells
in the CSV are prefixed with ``'`` so Excel does not run them. Thousands of checks failing on
every row would multiply into millions of lines: each output lists a row's most harmful
problems up to its limit, and :func:`cut` says what that leaves out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import polars as pl

from syncguard.intake.reader import ROW
from syncguard.masking import Masker
from syncguard.model import Finding
from syncguard.output.base import CELLS, Limits, RunOutput
from syncguard.repair import mends

COLUMNS = (
    "row",
    "severity",
    "check",
    "title",
    "column",
    "value",
    "did_you_mean",
    "fix",
    "fix_repairs",
    "duplicate_group",
)
"""The worklist's columns; ``fix_repairs`` is ``yes`` where ``syncguard fix`` changes the cell
(the check's dry run of fix) and so mends the line's problem (:func:`~syncguard.repair.mends`),
else ``no``; ``duplicate_group``, on a line of a ``unique`` rule,
names the row's duplicate group, the other rows in it and which to keep or check (never the
value). New columns come last, so older readers of the CSV keep working."""
FORMULA_START = r"^[=+\-@\t\r]"
_APART = "\x1f"
"""Between the columns of a check relating several (never in a header: intake refuses it)."""
MORE = "more"
"""With ``per_row``: on a row's last line, how many of its problems were left out."""


def _skeleton(findings: Sequence[Finding]) -> pl.DataFrame:
    """One line per failing row and piece of a finding: ``row`` and ``key`` (the piece's place
    in finding order, so sorting by row then key puts a row's most harmful problem first)."""
    pieces = [rows for f in findings for _, rows in f.pieces]
    rows = pl.Series("row", list(chain.from_iterable(pieces)), dtype=pl.UInt32)
    keys = pl.Series("key", range(len(pieces)), dtype=pl.Int64)
    keys = keys.repeat_by(pl.Series([len(r) for r in pieces], dtype=pl.UInt32)).explode()
    return pl.DataFrame([rows, keys.drop_nulls()]).sort("row", "key")


def worklist(
    run: RunOutput, limit: int | None = None, per_row: int | None = None, most: int | None = None
) -> pl.DataFrame:
    """One line per failing row and problem, sorted by row then by harm (finding order).

    ``limit`` keeps only the first rows (all their problems): the report shows a page of them.
    ``per_row`` keeps each row's first problems, and adds the column :data:`MORE`: on a row's
    last line kept, how many of its problems were left out (0 elsewhere). ``most`` keeps the
    first lines. Values are read and masked only for the lines kept.
    """
    frame, masker = run.frame, run.masker
    table = _skeleton(run.result.findings)
    if limit is not None:
        table = table.filter(pl.col("row").is_in(_first_rows(run, limit)))
    if per_row is not None:
        n, of = pl.int_range(pl.len()).over("row"), pl.len().over("row")
        table = table.with_columns(
            pl.when(n == per_row - 1).then(of - per_row).otherwise(0).clip(0).alias(MORE)
        ).filter(n < per_row)
    if most is not None:
        table = table.head(most)
    pieces = _described(run)
    table = table.join(pieces, on="key", how="left", maintain_order="left")
    meant = {order: dict(f.fixes) for order, f in enumerate(run.result.findings) if f.fixes}
    used = table.select("sources", "fixes").unique(maintain_order=True)
    values = [
        _values(frame, table, sources, fixes, meant.get(fixes, {}), masker)
        for sources, fixes in used.iter_rows()
        if any(s in frame.columns for s in sources.split(_APART))
    ]
    shown = (
        pl.concat(values)
        if values
        else pl.DataFrame(
            schema={"row": pl.UInt32, "sources": pl.String, "fixes": pl.Int64}
        ).with_columns(pl.lit("").alias("value"), pl.lit("").alias("did_you_mean"))
    )
    table = table.join(shown, on=["row", "sources", "fixes"], how="left", maintain_order="left")
    table = table.join(_repaired(run), on=["row", "source"], how="left", maintain_order="left")
    mended = [c.id for c in run.result.checks if mends(c.id, c.kind)]
    table = table.with_columns(  # a cell fix only tidies (a trimmed duplicate) is not repaired
        pl.when(pl.col("check").is_in(mended)).then(pl.col("fix_repairs")).alias("fix_repairs")
    )
    table = table.join(_grouped(run), on=["row", "check"], how="left", maintain_order="left")
    table = table.with_columns(
        pl.col("value", "did_you_mean", "duplicate_group").fill_null(""),
        pl.col("fix_repairs").fill_null("no"),
    )
    return table.select(*COLUMNS, *([MORE] if per_row is not None else []))


def _described(run: RunOutput) -> pl.DataFrame:
    """Per piece (``key``): what the worklist says of it, and where its values come from."""
    names = ("key", "severity", "check", "title", "column", "fix", "source", "sources", "fixes")
    records: dict[str, list[object]] = {k: [] for k in names}
    key = 0
    for order, f in enumerate(run.result.findings):
        entry = run.check(f.rule)
        for column, _ in f.pieces:
            records["key"].append(key)
            records["severity"].append(f.severity.value)
            records["check"].append(f.rule)
            records["title"].append(entry.title if entry is not None else f.rule)
            label = ", ".join(f.columns) if len(f.columns) > 1 and not f.parts else column
            records["column"].append(label)
            records["fix"].append(entry.fix if entry is not None else "")
            records["source"].append(column)
            # a check relating several columns shows every cell of the row
            related = f.cells and len(f.columns) > 1 and not f.parts
            records["sources"].append(_APART.join(f.columns) if related else column)
            records["fixes"].append(order if f.fixes else -1)  # whose "did you mean" applies
            key += 1
    schema = {"key": pl.Int64, "fixes": pl.Int64} | {
        k: pl.String for k in ("severity", "check", "title", "column", "fix", "source", "sources")
    }
    return pl.DataFrame(records, schema=schema)


def _values(
    frame: pl.DataFrame,
    table: pl.DataFrame,
    sources: str,
    fixes: int,
    meant: dict[str, str],
    masker: Masker,
) -> pl.DataFrame:
    """The shown value and "did you mean" of the lines reading ``sources`` (one column, or
    several joined by :data:`_APART`: their cells are shown joined by
    :data:`~syncguard.output.base.CELLS`) whose finding is ``fixes`` (-1: a finding without a
    "did you mean")."""
    rows = table.filter((pl.col("sources") == sources) & (pl.col("fixes") == fixes)).select("row")
    columns = sources.split(_APART)
    raw = frame.select(
        pl.col(ROW).alias("row"),
        *(
            (pl.col(c) if c in frame.columns else pl.lit("")).cast(pl.String).alias(f"raw{i}")
            for i, c in enumerate(columns)
        ),
    ).join(rows.unique(), on="row", how="semi")
    suggestion = (
        pl.col("raw0").replace_strict(meant, default="", return_dtype=pl.String)
        if meant
        else pl.lit("")
    )
    each = [masker.series(raw.get_column(f"raw{i}"), c) for i, c in enumerate(columns)]
    shown = (
        each[0]
        if len(each) == 1
        else pl.DataFrame(each).select(pl.concat_str(pl.all(), separator=CELLS)).to_series()
    )
    return raw.select(
        "row",
        shown.alias("value"),
        suggestion.alias("did_you_mean"),
        pl.lit(sources).alias("sources"),
        pl.lit(fixes, dtype=pl.Int64).alias("fixes"),
    )


def _repaired(run: RunOutput) -> pl.DataFrame:
    """The cells ``syncguard fix`` changes (``row``, ``source``), each with ``fix_repairs`` yes.

    The dry run names a cell by its column's place in the header row, as the frame's columns
    are (a repeated or blank header is one too).
    """
    names = [c for c in run.frame.columns if c != ROW]
    cells = sorted(run.repairs.cells) if run.repairs is not None else []
    kept = [(row, names[index]) for row, index in cells if index < len(names)]
    return pl.DataFrame(
        {
            "row": [row for row, _ in kept],
            "source": [name for _, name in kept],
            "fix_repairs": ["yes"] * len(kept),
        },
        schema={"row": pl.UInt32, "source": pl.String, "fix_repairs": pl.String},
    )


def _grouped(run: RunOutput) -> pl.DataFrame:
    """Per row of a duplicate group and its rule (``check``): what the group means for the row
    (:meth:`~syncguard.model.DuplicateGroup.advice`)."""
    lines = [(row, g.rule, g.advice(row)) for g in run.result.duplicates for row in g.rows]
    return pl.DataFrame(
        {
            "row": [row for row, _, _ in lines],
            "check": [rule for _, rule, _ in lines],
            "duplicate_group": [text for _, _, text in lines],
        },
        schema={"row": pl.UInt32, "check": pl.String, "duplicate_group": pl.String},
    )


def _first_rows(run: RunOutput, limit: int) -> list[int]:
    rows: set[int] = set()
    for f in run.result.findings:
        rows.update(f.rows[:limit])
    return sorted(rows)[:limit]


@dataclass(frozen=True)
class Cut:
    """What the failing-rows CSV leaves out under its limits (usually nothing)."""

    lines: int
    """Problem lines of the whole worklist (one per failing row and problem)."""
    kept: int
    """Problem lines the CSV holds."""
    rows_cut: int
    """Rows with more problems than the CSV lists per row."""
    per_row: int
    at_most: int
    stopped: bool
    """Whether the file stops at ``at_most`` lines (else only rows' problems were cut)."""

    @property
    def left_out(self) -> int:
        """Problem lines the CSV does not hold."""
        return self.lines - self.kept


def cut(findings: Sequence[Finding], limits: Limits) -> Cut:
    """What :data:`Limits` leave out of the failing-rows CSV of these findings."""
    per_row = limits.csv_problems_per_row
    counts = _skeleton(findings).group_by("row").len().get_column("len")
    lines = int(counts.sum())
    listed = int(counts.clip(upper_bound=per_row).sum())
    rows_cut = int((counts > per_row).sum())
    at_most = limits.csv_lines
    return Cut(lines, min(listed, at_most), rows_cut, per_row, at_most, listed > at_most)


def cut_json(left: Cut) -> dict[str, int | bool]:
    """What the failing-rows CSV left out, as the results JSON and the report say it."""
    return {
        "problem_lines": left.lines,
        "listed": left.kept,
        "left_out": left.left_out,
        "rows_cut": left.rows_cut,
        "problems_per_row": left.per_row,
        "at_most": left.at_most,
    }


def excel_safe(value: pl.Expr) -> pl.Expr:
    """Prefix ``'`` to a cell that Excel would run as a formula (OWASP CSV injection advice)."""
    return pl.when(value.str.contains(FORMULA_START)).then(pl.lit("'") + value).otherwise(value)
