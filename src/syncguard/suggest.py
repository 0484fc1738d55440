"""Drafts an institution's settings from a known-good export, for the analyst to review.

The spec leaves some things to the institution: its email domains, campuses, colleges,
courses, labels, plausible date ranges, and how many students a full export holds. From an
export the institution trusts, ``syncguard suggest`` writes them as a commented ``[settings]``
table of TOML, for the project's ``syncguard.toml`` (the one home of settings); nothing is
applied until a person pastes it there. Only values of public columns are listed
(the names of campuses, colleges and courses, the institution's domain, dates, counts): a
column the rule files declare personal or special-category (system labels, gender) is only
counted, and a value that looks like a spreadsheet formula is left out, never drafted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from syncguard.defaults import default_rules
from syncguard.importer import CLEAR, EMAIL, LABELS, LIST_SEPARATOR
from syncguard.intake import Export
from syncguard.intake.domains import NAMED_FROM, infer_domain
from syncguard.masking import DataClass
from syncguard.suite.loader import load_suite
from syncguard.suite.settings import toml_string

LISTS = (
    ("campus_names", "campus_name", False),
    ("college_names", "primary_education:college_names", True),
    ("major_names", "primary_education:major_names", True),
)
"""(setting, column, is a ;-list) for the allow-lists the spec leaves to the institution."""
DATES = ("primary_education:start_date", "primary_education:end_date")
MOST = 200
"""Values listed per allow-list at most (a longer list is cut, and says so)."""
FORMULA_LIKE = r"^[\s\p{Cc}\p{Cf}]*[=+\-@]"
"""A value a spreadsheet may run as a formula: ``= + - @`` first, after any blank or invisible
character (OWASP CSV injection); such a value is never drafted into an allow-list."""


@dataclass(frozen=True)
class _Counted:
    """The distinct values of a column with their row counts, and those left out."""

    values: list[tuple[str, int]]
    """(value, rows) of every value that may be drafted, most frequent first."""
    formulas: int
    """Distinct values left out because they look like a formula."""
    formula_rows: int
    """Rows holding such a value."""


def _counted(frame: pl.DataFrame, column: str, is_list: bool) -> _Counted:
    raw = pl.col(column).str.split(LIST_SEPARATOR).explode() if is_list else pl.col(column)
    counted = (
        frame.select(raw.alias("raw"))
        .with_columns(
            pl.col("raw").str.strip_chars().alias("v"),
            pl.col("raw").str.contains(FORMULA_LIKE).alias("formula"),
        )
        .filter(pl.col("v").is_not_null() & (pl.col("v") != "") & (pl.col("v") != CLEAR))
        .group_by("v")
        .agg(pl.len().alias("len"), pl.col("formula").any())
        .sort(["len", "v"], descending=[True, False])
    )
    kept = counted.filter(~pl.col("formula"))
    left_out = counted.filter(pl.col("formula"))
    return _Counted(
        [(str(v), int(n)) for v, n in kept.select("v", "len").iter_rows()],
        left_out.height,
        int(left_out.get_column("len").sum()),
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _allow_list(frame: pl.DataFrame, setting: str, column: str, is_list: bool) -> list[str]:
    counted = _counted(frame, column, is_list) if column in frame.columns else None
    if counted is None or not (counted.values or counted.formulas):
        return [f"# {setting} = []   ({column} is empty or absent)"]
    lines = []
    if counted.formulas:
        lines.append(
            f"# left out: {_plural(counted.formulas, 'value')} in {column} "
            f"({_plural(counted.formula_rows, 'row')}) that look like a formula "
            "(= + - @ first): a spreadsheet would run them; correct them in the record system"
        )
    values = counted.values
    if not values:
        return [*lines, f"# {setting} = []   (no other value in {column})"]
    cut = f", the {MOST} most frequent listed" if len(values) > MOST else ""
    lines.append(f"# {len(values)} distinct value(s) in {column}{cut}; rows per value:")
    lines.append(f"{setting} = [")
    lines += [f"  {toml_string(v)},   # {n}" for v, n in values[:MOST]]
    return [*lines, "]"]


def _kind(data_class: DataClass) -> str:
    return "special-category" if data_class is DataClass.SPECIAL else data_class.value


def _hidden_list(setting: str, column: str, data_class: DataClass) -> list[str]:
    return [
        f"# {setting} = []   ({column} is declared {_kind(data_class)} in the rule files, so "
        "its values are not listed here; type the accepted names yourself)"
    ]


def _labels(frame: pl.DataFrame, data_class: DataClass) -> list[str]:
    counted = _counted(frame, LABELS, True)
    labels = counted.values
    distinct = len(labels) + counted.formulas
    if not distinct:
        return []
    if data_class is DataClass.PUBLIC:
        lines = [
            f"# {distinct} system label(s) in use (the spec advises groups of students, not "
            "numbers); review them:"
        ]
        lines += [f"#   {toml_string(v)}   ({n} student(s))" for v, n in labels[:MOST]]
        if counted.formulas:
            lines.append(
                f"#   ({_plural(counted.formulas, 'label')} that look like a formula left out)"
            )
        return lines
    cell = pl.col(LABELS).str.strip_chars()
    students = frame.select((cell.is_not_null() & ~cell.is_in(["", CLEAR])).sum()).item()
    single = sum(1 for _, n in labels if n == 1)
    return [
        f"# {distinct} distinct system label(s) in use on {students} student(s); labels are "
        f"{_kind(data_class)} data, so none is shown here: type the real label names from "
        "Handshake's label list when a rule needs them.",
        f"# {_plural(single, 'label')} held by a single student (the spec advises labels for "
        "groups of students, not one student or a number).",
    ]


def _email_domain(frame: pl.DataFrame) -> list[str]:
    inference = infer_domain(frame.get_column(EMAIL))
    if inference.domain is None:
        return [f"# no email domain is clear: {inference.reason}", "# email_domains = []"]
    if round(inference.share * inference.addresses) < NAMED_FROM:
        return [
            f"# no email domain is clear: the most common domain holds fewer than {NAMED_FROM}"
            " addresses, too few to tell an institution's from a person's; set email_domains",
            "# email_domains = []",
        ]
    if inference.domain.startswith(("=", "+", "-", "@")):
        return [
            "# left out: the most common domain looks like a formula (= + - @ first); "
            "set email_domains",
            "# email_domains = []",
        ]
    return [f"# {inference.reason}", f"email_domains = [{toml_string(inference.domain)}]"]


def packaged_classes() -> Mapping[str, DataClass]:
    """The data class of each column as the packaged contract declares it."""
    return load_suite(default_rules()).data_classes


def draft(export: Export, name: str, classes: Mapping[str, DataClass] | None = None) -> str:
    """The commented TOML draft of the institution's settings seen in ``export``: a
    ``[settings]`` table to paste into the project's syncguard.toml.

    ``classes`` gives each column's data class (the catalogue's masking; the packaged
    contract's when None): values of a column that is not public are counted, never shown.
    """
    classes = packaged_classes() if classes is None else classes

    def data_class(column: str) -> DataClass:
        return classes.get(column, DataClass.PERSONAL)

    frame = export.frame
    lines = [
        f"# Drafted by 'syncguard suggest' from {toml_string(name)} ({export.rows_read} rows).",
        "# Review every line, then paste the [settings] table below into your project's",
        "# syncguard.toml (into its [settings] table when it has one; 'syncguard init' makes",
        "# the file): nothing here is applied until you do. Settings live there only.",
        "[settings]",
    ]
    if EMAIL in frame.columns:
        lines += _email_domain(frame)
    for setting, column, is_list in LISTS:
        if column in frame.columns and data_class(column) is not DataClass.PUBLIC:
            lines += _hidden_list(setting, column, data_class(column))
        else:
            lines += _allow_list(frame, setting, column, is_list)
    if LABELS in frame.columns:
        lines += _labels(frame, data_class(LABELS))
    for column in DATES:
        if column in frame.columns and data_class(column) is DataClass.PUBLIC:
            dates = frame.select(
                pl.col(column).str.to_date("%Y-%m-%d", strict=False).alias("d")
            ).drop_nulls()
            if dates.height:
                low, high = str(dates["d"].min()), str(dates["d"].max())
                lines.append(f"# {column}: from {low} to {high} ({dates.height} valid dates)")
    lines.append(
        f'# a full export held {export.rows_read} students: with upload = "full", a later export '
        "with more than max_row_drop fewer rows fails the gate"
    )
    return "\n".join(lines) + "\n"


def suggested_columns() -> Sequence[str]:
    """The columns the draft reads (their values are shown only when the column is public)."""
    return (EMAIL, LABELS, *(c for _, c, _ in LISTS), *DATES)
