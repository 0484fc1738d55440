"""The importer's facts in one place: its limits, literals, listed values and identity columns.

Each constant says where it comes from: the field spec (the "Student Sync for Europe" help page)
or the importer's public help pages (see docs/design.md, "Domain facts"). Rules and checks refer
to these; a value here is never repeated elsewhere in Python (the YAML contract may name the same
values, and a test keeps the two equal).
"""

from __future__ import annotations

MAX_IMPORT_BYTES = 50 * 1000 * 1000
"""Help pages: files must be under 50 MB."""

CLEAR = "**CLEAR**"
"""Help pages: the literal that clears a non-boolean field (a blank cell leaves it unchanged)."""

BOOLEANS = ("TRUE", "FALSE")
"""Spec: "For Boolean Values please sync in either TRUE or FALSE (note all caps)"."""

SCHOOL_YEARS = (
    "Foundation year",
    "Bachelor 1st year or equivalent",
    "Bachelor 2nd year or equivalent",
    "Bachelor 3rd year or equivalent",
    "Bachelor 4th year or equivalent",
    "Master 1st year or equivalent",
    "Master 2nd year or equivalent",
    "Doctorate",
    "Postdoctoral Researcher",
    "Masters of Business Administration",
    "Alumni",
    "Certificate Program",
    "Further education",
    "Placement",
    "Gap Year",
)
"""Spec: "School Year Values" (the accepted values of ``school_year_name``)."""

ORDERED_SCHOOL_YEARS = SCHOOL_YEARS[:9]
"""The school years that follow one another (Foundation year .. Postdoctoral Researcher)."""

EDUCATION_LEVELS = (
    "Certificate",
    "Undergraduate",
    "Postgraduate",
    "Doctorate",
    "Postdoctoral Researcher",
    "Non-Degree Seeking",
    "Secondary Education",
    "Further Education",
)
"""Spec: "Education Level Name Values"."""

IDENTITY_COLUMNS = ("username", "email_address", "auth_identifier", "card_id")
"""Help pages: rows that repeat one of these are skipped; students are matched on them."""

USERNAME = "username"
"""Spec: the anchor students are matched on."""
EMAIL = "email_address"
"""Help pages: the fallback match when the username changed."""
NAME_COLUMNS = ("first_name", "last_name")
"""Spec: the student's names (a person's name, not an identifier: names change)."""
START_DATE = "primary_education:start_date"
"""Spec: when the student first enrolled (yyyy-mm-dd)."""
END_DATE = "primary_education:end_date"
"""Spec: when the student is expected to graduate (yyyy-mm-dd). Help pages: a returning alumnus
needs a new start date and end date; an end date before the start date makes the row fail."""
DATE_FORMAT = "%Y-%m-%d"
"""Spec: dates "in the format yyyy-mm-dd"."""
LABELS = "system_label_names"
"""Spec: a blank cell in this column removes all of a student's system labels."""
LIST_SEPARATOR = ";"
"""Spec: list columns (courses, colleges, labels) separate items with semicolons."""
