"""Drafts an institution's settings from a known-good export, for the analyst to review.

The spec leaves some things to the institution: its email domains, campuses, colleges,
courses, labels, plausible date ranges, and how many students a full export holds. From an
export the institution trusts, ``syncguard suggest`` writes them as commented YAML; nothing is
applied until a person copies it into the project. Only values that identify no one are
listed (the names of campuses, colleges, courses and labels, domains, dates, counts).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import polars as pl

from syncguard.importer import EMAIL, LABELS, LIST_SEPARATOR
from syncguard.intake import Export
from syncguard.intake.domains import infer_domain

LISTS = (
    ("campus_names", "campus_name", False),
    ("college_names", "primary_education:college_names", True),
    ("major_names", "primary_education:major_names", True),
)
"""(setting, column, is a ;-list) for the allow-lists the spec leaves to the institution."""
DATES = ("primary_education:start_date", "primary_education:end_date")
MOST = 200
"""Values listed per allow-list at most (a longer list is cut, and says so)."""


def _values(frame: pl.DataFrame, column: str, is_list: bool) -> list[tuple[str, int]]:
    if column not in frame.columns:
        return []
    value = pl.col(column).str.strip_chars()
    items = value.str.split(LIST_SEPARATOR).explode().str.strip_chars() if is_list else value
    counted = (
        frame.select(items.alias("v"))
        .filter(pl.col("v").is_not_null() & (pl.col("v") != "") & (pl.col("v") != "**CLEAR**"))
        .group_by("v")
        .len()
        .sort(["len", "v"], descending=[True, False])
    )
    return [(str(v), int(n)) for v, n in counted.iter_rows()]


def _quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escaping is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def draft(export: Export, name: str) -> str:
    """The commented YAML draft of the institution's settings seen in ``export``."""
    frame = export.frame
    lines = [
        f"# Drafted by 'syncguard suggest' from {name} ({export.rows_read} rows).",
        "# Review every line before copying it into your project's rules/ or syncguard.toml:",
        "# nothing here is applied until you do.",
        "settings:",
    ]
    if EMAIL in frame.columns:
        inference = infer_domain(frame.get_column(EMAIL))
        if inference.domain is not None:
            lines += [f"  # {inference.reason}", f"  email_domains: [{_quote(inference.domain)}]"]
        else:
            lines += [f"  # no email domain is clear: {inference.reason}", "  # email_domains: []"]
    for setting, column, is_list in LISTS:
        values = _values(frame, column, is_list)
        if not values:
            lines.append(f"  # {setting}: []   ({column} is empty or absent)")
            continue
        shown = values[:MOST]
        cut = f", the {MOST} most frequent listed" if len(values) > MOST else ""
        lines.append(f"  # {len(values)} distinct value(s) in {column}{cut}; rows per value:")
        lines.append(f"  {setting}:")
        lines += [f"    - {_quote(v)}   # {n}" for v, n in shown]
    labels = _values(frame, LABELS, True)
    if labels:
        lines.append(
            f"# {len(labels)} system label(s) in use (the spec advises groups of "
            "students, not numbers); review them:"
        )
        lines += [f"#   - {_quote(v)}   # {n} student(s)" for v, n in labels[:MOST]]
    for column in DATES:
        if column in frame.columns:
            dates = frame.select(
                pl.col(column).str.to_date("%Y-%m-%d", strict=False).alias("d")
            ).drop_nulls()
            if dates.height:
                low, high = str(dates["d"].min()), str(dates["d"].max())
                lines.append(f"# {column}: from {low} to {high} ({dates.height} valid dates)")
    lines.append(
        f"# a full export held {export.rows_read} students: with 'upload: full', a later export "
        "with more than max_row_drop fewer rows fails the gate"
    )
    return "\n".join(lines) + "\n"


def suggested_columns() -> Sequence[str]:
    """The columns the draft reads (none of them personal)."""
    return (EMAIL, LABELS, *(c for _, c, _ in LISTS), *DATES)
