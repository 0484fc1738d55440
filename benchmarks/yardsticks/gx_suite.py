"""Yardstick: the Handshake student sync spec as a Great Expectations 1.x user would write it.

``python benchmarks/yardsticks/gx_suite.py EXPORT.csv [TODAY]``: reads the export with pandas
(all columns text), builds an expectation suite of built-in expectations only, validates it on
an ephemeral context and prints one line per failed expectation. Exit 0 when every expectation
passes, 1 otherwise. No syncguard code.

What built-ins cannot say, a GX user leaves out or approximates (noted at each rule):
``new_students_only`` (needs last week's export) is a plain not-null check; uniqueness is
compared as written (no ignoring case or spaces); "username not inside email/card_id" has no
built-in expectation and is left out.
"""

from __future__ import annotations

import sys

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.expectations.metadata_types import FailureSeverity
from great_expectations.expectations.row_conditions import Column

PE = "primary_education:"
WARNING = FailureSeverity.WARNING

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


def expectations(columns: list[str], today: str) -> list[gxe.Expectation]:
    """The spec's rules, one built-in expectation each (per column where the rule spans many)."""
    required = ["email_address", "username", "first_name", "last_name", PE + "end_date",
                "school_year_name"]  # fmt: skip
    out: list[gxe.Expectation] = [gxe.ExpectColumnToExist(column=c) for c in required]
    # values a (new) student needs; a blank label list wipes the student's labels (warning)
    out += [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in required]
    out.append(gxe.ExpectColumnValuesToNotBeNull(column="system_label_names", severity=WARNING))
    out.append(
        gxe.ExpectColumnValuesToNotMatchRegex(
            column="system_label_names", regex=NUMERIC_LABEL, severity=WARNING
        )
    )
    # identities
    for column in ("username", "email_address", "auth_identifier", "card_id"):
        out.append(gxe.ExpectColumnValuesToBeUnique(column=column))
    for column in ("username", "card_id", "auth_identifier", "mobile_number"):
        out.append(gxe.ExpectColumnValuesToNotMatchRegex(column=column, regex=SCIENTIFIC))
    # formats
    out.append(gxe.ExpectColumnValuesToMatchRegex(column="email_address", regex=EMAIL))
    out.append(
        gxe.ExpectColumnValuesToMatchRegex(
            column="assigned_to_email_address", regex=EMAIL, severity=WARNING
        )
    )
    out.append(gxe.ExpectColumnValuesToMatchRegex(column="mobile_number", regex=PHONE))
    for column in (PE + "start_date", PE + "end_date"):
        out.append(
            gxe.ExpectColumnValuesToMatchStrftimeFormat(column=column, strftime_format="%Y-%m-%d")
        )
    for column in (PE + "currently_attending", "disabled"):
        out.append(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=["TRUE", "FALSE"]))
    # accepted values
    out.append(
        gxe.ExpectColumnValuesToBeInSet(
            column=PE + "education_level_name", value_set=EDUCATION_LEVELS
        )
    )
    out.append(gxe.ExpectColumnValuesToBeInSet(column="school_year_name", value_set=SCHOOL_YEARS))
    # lists: 255 characters per item
    out.append(gxe.ExpectColumnValuesToNotMatchRegex(column=PE + "major_names", regex=LONG_ITEM))
    for column in (PE + "minor_names", PE + "college_names"):
        out.append(
            gxe.ExpectColumnValuesToNotMatchRegex(column=column, regex=LONG_ITEM, severity=WARNING)
        )
    # across columns (yyyy-mm-dd strings compare as dates)
    out.append(
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=PE + "end_date",
            column_B=PE + "start_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        )
    )
    past = Column(PE + "end_date") < today
    out += [
        gxe.ExpectColumnValuesToNotBeInSet(
            column=PE + "currently_attending",
            value_set=["TRUE"],
            row_condition=Column("school_year_name") == "Alumni",
            severity=WARNING,
        ),
        gxe.ExpectColumnValuesToNotBeInSet(
            column=PE + "currently_attending", value_set=["TRUE"], row_condition=past,
            severity=WARNING,
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="school_year_name", value_set=["Alumni"], row_condition=past, severity=WARNING
        ),
    ]  # fmt: skip
    # every column: no formulas; warnings for formula-like starts and stray whitespace
    for column in columns:
        out.append(gxe.ExpectColumnValuesToNotMatchRegex(column=column, regex=FORMULA))
        out.append(
            gxe.ExpectColumnValuesToNotMatchRegex(
                column=column, regex=FORMULA_START, severity=WARNING
            )
        )
        out.append(
            gxe.ExpectColumnValuesToNotMatchRegex(
                column=column, regex=STRAY_SPACE, severity=WARNING
            )
        )
    return out


def main(argv: list[str]) -> int:
    path, today = argv[0], (argv[1] if len(argv) > 1 else "2026-11-29")
    frame = pd.read_csv(path, dtype=str)
    context = gx.get_context(mode="ephemeral")
    asset = context.data_sources.add_pandas("sync").add_dataframe_asset("export")
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
        batch_parameters={"dataframe": frame}
    )
    suite = context.suites.add(gx.ExpectationSuite(name="handshake_student_sync_eu"))
    for expectation in expectations(list(frame.columns), today):
        suite.add_expectation(expectation)
    result = batch.validate(suite)
    failed = [r for r in result.results if not r.success]
    for r in failed:
        config = r.expectation_config
        print(f"{config.severity}: {config.type} {config.kwargs.get('column', '')}: {r.result}")
    print(f"{len(result.results)} expectations, {len(failed)} failed", file=sys.stderr)
    return 0 if not failed else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
