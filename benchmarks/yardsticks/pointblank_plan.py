"""Yardstick: the Handshake student sync spec as a Pointblank user would write it.

``python benchmarks/yardsticks/pointblank_plan.py EXPORT.csv [TODAY]``: reads the export with
polars (all columns text), builds a validation plan of built-in validation steps only (with
polars expressions where a step takes one), interrogates it and prints one line per step over
its threshold. Exit 0 when no step reaches the error threshold, 1 otherwise. No syncguard code.

What built-in steps cannot say, a Pointblank user approximates (noted at each rule):
``new_students_only`` (needs last week's export) is a plain not-null check; uniqueness counts
blanks as equal (rows_distinct), which the clean exports never hold in identity columns.
"""

from __future__ import annotations

import sys

import pointblank as pb
import polars as pl

PE = "primary_education:"
WARN = pb.Thresholds(warning=1)  # a warning-only rule: any failing row warns

EDUCATION_LEVELS = [
    "Certificate", "Undergraduate", "Postgraduate", "Doctorate", "Postdoctoral Researcher",
    "Non-Degree Seeking", "Secondary Education", "Further Education",
]  # fmt: skip
SCHOOL_YEARS = [
    "Foundation year", "Bachelor 1st year or equivalent", "Bachelor 2nd year or equivalent",
    "Bachelor 3rd year or equivalent", "Bachelor 4th year or equivalent",
    "Master 1st year or equivalent", "Master 2nd year or equivalent", "Doctorate",
    "Postdoctoral Researcher", "Masters of Business Administration", "Alumni",
    "Certificate Program", "Further education", "Placement", "Gap Year",
]  # fmt: skip

# The institution's domain, as the user knows it (subdomains such as student. included).
EMAIL = r"^[^@\s]+@([A-Za-z0-9-]+\.)*uni-example\.eu$"
PHONE = r"^\+?[0-9]+$"
SCIENTIFIC = r"^-?[0-9]+([.,][0-9]+)?[eE][+-]?[0-9]+$"
FORMULA = (  # = anything, or + - @ before a function call, DDE, cell reference or calculation
    r"^[\t\r]*(=\s*\S|[+\-@]+\s*([A-Za-z_][A-Za-z0-9_.]*\s*\(|[A-Za-z0-9_]+\s*\||"
    r"\$?[A-Za-z]{1,3}\$?[0-9]+|\(?[0-9.,]+\)?\s*[-+*/^&<>=]))"
)
FORMULA_START = r"^[=\-@\t\r]|^\+[^0-9]"  # a phone's leading + is fine
STRAY_SPACE = r"^\s|\s$|[\u00a0\u2007\u202f\u200b\ufeff\t\r\n]"
LONG_ITEM = r"[^;]{256,}"  # the 255-character limit is per ;-separated item
NUMERIC_LABEL = r"(^|;)\s*[0-9]+\s*(;|$)"


def is_date(column: str) -> pl.Expr:
    """A real date written yyyy-mm-dd (a blank leaves the stored value: passes)."""
    value = pl.col(column)
    return value.is_null() | value.str.to_date("%Y-%m-%d", strict=False).is_not_null()


def not_inside(part: str, whole: str) -> pl.Expr:
    """``part`` does not occur in ``whole``, ignoring case (blanks pass)."""
    inside = (
        pl.col(whole).str.to_lowercase().str.contains(pl.col(part).str.to_lowercase(), literal=True)
    )
    return inside.is_null() | ~inside


def as_dates(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(PE + "start_date", PE + "end_date").str.to_date("%Y-%m-%d", strict=False)
    )


def plan(frame: pl.DataFrame, today: str) -> pb.Validate:
    """The spec's rules as validation steps (one step per column where a rule spans many)."""
    required = ["email_address", "username", "first_name", "last_name", PE + "end_date",
                "school_year_name"]  # fmt: skip
    past = pl.col(PE + "end_date") < today
    return (
        pb.Validate(
            data=frame,
            tbl_name="handshake_student_sync",
            label="Handshake student sync (EU)",
            thresholds=pb.Thresholds(warning=1, error=1),
        )
        .col_exists(columns=required)
        # values a (new) student needs; a blank label list wipes the student's labels (warning)
        .col_vals_not_null(columns=required)
        .col_vals_not_null(columns="system_label_names", thresholds=WARN)
        .col_vals_regex(
            columns="system_label_names",
            pattern=NUMERIC_LABEL,
            inverse=True,
            na_pass=True,
            thresholds=WARN,
        )
        # identities
        .rows_distinct(columns_subset="username")
        .rows_distinct(
            columns_subset="email_address",
            pre=lambda df: df.with_columns(
                pl.col("email_address").str.strip_chars().str.to_lowercase()
            ),
        )
        .rows_distinct(columns_subset="auth_identifier")
        .rows_distinct(columns_subset="card_id")
        .col_vals_expr(expr=not_inside("username", "email_address"))
        .col_vals_expr(expr=not_inside("username", "card_id"))
        .col_vals_regex(
            columns=["username", "card_id", "auth_identifier", "mobile_number"],
            pattern=SCIENTIFIC,
            inverse=True,
            na_pass=True,
        )
        # formats
        .col_vals_regex(columns="email_address", pattern=EMAIL, na_pass=True)
        .col_vals_regex(
            columns="assigned_to_email_address", pattern=EMAIL, na_pass=True, thresholds=WARN
        )
        .col_vals_regex(columns="mobile_number", pattern=PHONE, na_pass=True)
        .col_vals_expr(expr=is_date(PE + "start_date"))
        .col_vals_expr(expr=is_date(PE + "end_date"))
        .col_vals_in_set(
            columns=[PE + "currently_attending", "disabled"], set=["TRUE", "FALSE", None]
        )
        # accepted values
        .col_vals_in_set(columns=PE + "education_level_name", set=[*EDUCATION_LEVELS, None])
        .col_vals_in_set(columns="school_year_name", set=[*SCHOOL_YEARS, None])
        # lists: 255 characters per item
        .col_vals_regex(columns=PE + "major_names", pattern=LONG_ITEM, inverse=True, na_pass=True)
        .col_vals_regex(
            columns=[PE + "minor_names", PE + "college_names"],
            pattern=LONG_ITEM,
            inverse=True,
            na_pass=True,
            thresholds=WARN,
        )
        # across columns
        .col_vals_ge(
            columns=PE + "end_date", value=pb.col(PE + "start_date"), na_pass=True, pre=as_dates
        )
        .col_vals_not_in_set(
            columns=PE + "currently_attending",
            set=["TRUE"],
            thresholds=WARN,
            pre=lambda df: df.filter(pl.col("school_year_name") == "Alumni"),
        )
        .col_vals_not_in_set(
            columns=PE + "currently_attending",
            set=["TRUE"],
            thresholds=WARN,
            pre=lambda df: df.filter(past),
        )
        .col_vals_in_set(
            columns="school_year_name",
            set=["Alumni"],
            thresholds=WARN,
            pre=lambda df: df.filter(past),
        )
        # every column: no formulas; warnings for formula-like starts and stray whitespace
        .col_vals_regex(columns=frame.columns, pattern=FORMULA, inverse=True, na_pass=True)
        .col_vals_regex(
            columns=frame.columns,
            pattern=FORMULA_START,
            inverse=True,
            na_pass=True,
            thresholds=WARN,
        )
        .col_vals_regex(
            columns=frame.columns,
            pattern=STRAY_SPACE,
            inverse=True,
            na_pass=True,
            thresholds=WARN,
        )
        .interrogate()
    )


def main(argv: list[str]) -> int:
    path, today = argv[0], (argv[1] if len(argv) > 1 else "2026-11-29")
    frame = pl.read_csv(path, infer_schema=False)
    validation = plan(frame, today)
    errors, warnings = validation.error(), validation.warning()
    for step in validation.validation_info:
        if errors[step.i] or warnings[step.i] or step.eval_error:
            level = "error" if errors[step.i] else "warning"
            what = f"step {step.i} {step.assertion_type} {step.column}"
            print(f"{level}: {what}: {step.n_failed} failed")
    failed = sum(bool(e) for e in errors.values())
    print(
        f"{len(validation.validation_info)} steps, {failed} over the error threshold",
        file=sys.stderr,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
