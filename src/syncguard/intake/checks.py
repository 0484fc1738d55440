"""The intake checks: every finding intake can report, declared once with its basis and fix.

Intake builds its findings from these entries (``CHECK.finding(...)``); an institution tunes
their severity or switches them off in a rule file (``overrides:``), like any YAML rule.
"""

from __future__ import annotations

import functools

from syncguard.importer import MAX_IMPORT_BYTES
from syncguard.model import BasisKind, Check, Consequence, Engine, Severity, Source, declare

_check = functools.partial(declare, Source.INTAKE, Engine.INTAKE)
"""An intake check: ``_check(id, title, severity, description, basis, fix, message)``."""

E, W = Severity.ERROR, Severity.WARNING
SPEC, IMPORTER, PRACTICE = BasisKind.SPEC, BasisKind.IMPORTER, BasisKind.PRACTICE

UNUSABLE = _check(
    "intake.unusable",
    "Export can be read at all",
    E,
    "The file is a comma-delimited UTF-8 CSV with the student sync header row on row 1 and at "
    "least one student row; otherwise nothing else can be checked.",
    (IMPORTER, "files are UTF-8 CSV with the header on row 1; headers are case-sensitive"),
    "Export the file again as 'CSV UTF-8 (comma delimited)' with the header row first.",
    "{message}",
    tunable=False,
    consequence=Consequence.FILE_REJECTED,
)
BOM = _check(
    "intake.bom",
    "No UTF-8 byte order mark",
    W,
    "The file starts with a UTF-8 byte order mark, which some readers take as part of the first "
    "header.",
    (PRACTICE, "the importer asks for UTF-8; a BOM is legal UTF-8 but glues onto the first header"),
    "Save as UTF-8 without BOM.",
    "the file starts with a UTF-8 byte order mark (BOM); it was removed before reading, but save "
    "as UTF-8 without BOM to be safe with the importer",
    consequence=Consequence.COSMETIC,
)
FILE_SIZE = _check(
    "intake.file_size",
    "File under 50 MB",
    E,
    "The importer takes files under 50 MB.",
    (IMPORTER, "files must be under 50 MB"),
    "Split the export into several files of under 50 MB.",
    "the file is {megabytes:.1f} MB; the importer takes files under "
    f"{MAX_IMPORT_BYTES // 1_000_000} MB, so split it into several files",
    consequence=Consequence.FILE_REJECTED,
)
BLANK_HEADER = _check(
    "intake.blank_header",
    "Every column with values has a header",
    E,
    "A column with values but a blank header cannot be imported: its values are lost.",
    (IMPORTER, "unknown or misspelled headers are silently ignored, so the column's data is lost"),
    "Name the column with its supported header, or delete it.",
    "{where} a blank header, so the importer cannot use {it}; name or delete {it}",
    consequence=Consequence.FIELD_REJECTED,
)
EMPTY_COLUMN = _check(
    "intake.empty_column",
    "No empty columns without a header",
    W,
    "A column with neither a header nor any value (Excel leaves such) is ignored.",
    (PRACTICE, "harmless to the importer, but a sign the sheet was edited by hand"),
    "Delete the empty column.",
    "{where} no header and no value (Excel leaves such columns); delete {it}",
    consequence=Consequence.COSMETIC,
)
DUPLICATE_HEADER = _check(
    "intake.duplicate_header",
    "Each header once",
    W,
    "Two columns carry the same header; which of them the importer keeps is not documented, "
    "so one column's values may not be imported.",
    (
        PRACTICE,
        "the importer's help pages do not say what happens to a repeated header: check that "
        "no data is lost (a repeated header next to a missing required one is refused)",
    ),
    "Keep one column of that name; if the second was meant to be another field, rename it.",
    "{repeated}; keep one column of {which}",
    consequence=Consequence.FIELD_REJECTED,
)
HEADER_CASE = _check(
    "intake.header_case",
    "Headers spelled exactly (lowercase, no spaces)",
    E,
    "A supported header in another case or with surrounding spaces is not recognised.",
    (IMPORTER, "headers are case-sensitive and unknown headers are silently ignored"),
    "Rename the header exactly as the importer spells it.",
    "header '{name}' (column {index}) must be written {what} as '{guess}'; the importer matches "
    "headers exactly and ignores this column",
    consequence=Consequence.FIELD_REJECTED,
)
UNKNOWN_HEADER = _check(
    "intake.unknown_header",
    "No misspelled headers",
    E,
    "A header that looks like a typo of a supported one: the importer silently ignores the "
    "whole column.",
    (IMPORTER, "unknown or misspelled headers are silently ignored, so a typo drops a column"),
    "Rename the header to the supported one it was meant to be.",
    "unknown header '{name}' (column {index}) is silently ignored by the importer; did you mean "
    "'{guess}'?",
    consequence=Consequence.FIELD_REJECTED,
)
EXTRA_HEADER = _check(
    "intake.extra_header",
    "No columns the importer ignores",
    W,
    "A header that is not a supported one and looks like no supported one: its column is "
    "ignored by the importer.",
    (IMPORTER, "unknown headers are silently ignored"),
    "Remove the column, or rename it to a supported header if its data should be imported.",
    "{ignored} silently ignored by the importer; {fix}",
    consequence=Consequence.COSMETIC,
)
HEADER_ROW = _check(
    "intake.header_row",
    "Row 1 holds only headers",
    E,
    "A cell of row 1 cannot be a header: it is too long or holds a line break, a control "
    "character, an '@', ',', ';', a quote or a run of spaces. Most often a quote in row 1 is "
    "never closed, so the students' records below it were read into the header row. Such cells "
    "are never shown (they may hold personal data); a label with their column stands in.",
    (
        IMPORTER,
        "files are CSV with the header on row 1; a broken quote merges the lines after it into "
        "the header row, and the columns after it are lost",
    ),
    'Fix row 1 so it holds only the headers: close or remove the stray quote (").',
    "{message}",
    consequence=Consequence.FILE_REJECTED,
)
QUOTING = _check(
    "intake.quoting",
    "Quotes closed and doubled",
    E,
    "A quote that is never closed, or stands inside a quoted cell without being doubled, "
    "shifts the following cells or rows.",
    (IMPORTER, "files are CSV: a broken quote merges the cells or lines after it into one cell"),
    'Close the quote (") or double it ("") inside a quoted cell.',
    "{message}",
    consequence=Consequence.STORED_WRONG,
)
RAGGED_ROWS = _check(
    "intake.ragged_rows",
    "Every row has the header's number of cells",
    E,
    "A row with more or fewer cells than the header puts its values in the wrong columns.",
    (IMPORTER, "files are CSV read by header: a cell out of place lands in another field"),
    "Fix the commas or quotes in the row so it has one cell per header.",
    "{count} row(s) do not have the header's {width} cells ({detail}), so their values would "
    "land in the wrong columns; these rows were not checked further. Fix the commas or quotes "
    "in them",
    consequence=Consequence.STORED_WRONG,
)
BLANK_ROWS = _check(
    "intake.blank_rows",
    "No blank rows",
    E,
    "A blank row is a student without email_address, username or first_name.",
    (IMPORTER, "a new student needs a value in every required column"),
    "Delete the blank rows.",
    "{count} blank row(s) ({listing}): the importer rejects a row without email_address, "
    "username and first_name; delete them",
    consequence=Consequence.ROW_SKIPPED,
)
TRAILING_CELLS = _check(
    "intake.trailing_cells",
    "No empty cells past the last header",
    W,
    "Rows end with empty cells beyond the header's columns (Excel's trailing commas).",
    (PRACTICE, "the extra cells are empty, so nothing is lost, but other readers may stumble"),
    "Remove the trailing commas (delete the empty columns right of the data in Excel).",
    "{count} row(s) end with empty cells beyond the header's {width} columns (rows {listing}); "
    "they were read without them, but remove the trailing commas",
    consequence=Consequence.COSMETIC,
)

EMAIL_DOMAIN = _check(
    "intake.email_domain",
    "Institution email domain known",
    E,
    "No email domain is configured and none can be told from the export: no domain holds a "
    "clear majority of the addresses, or the most common one is a personal mail provider.",
    (
        SPEC,
        '"As a security measure, the institution domain must belong to your institution." '
        "Without knowing the institution's domain, addresses cannot be checked against it",
    ),
    "Set email_domains in the [settings] of syncguard.toml, or pass --email-domain.",
    "the institution's email domain cannot be inferred from the export: {reason}; set "
    "email_domains in the [settings] of syncguard.toml or pass --email-domain",
    consequence=Consequence.NOT_CHECKED,
)

CHECKS: tuple[Check, ...] = (
    UNUSABLE,
    FILE_SIZE,
    BOM,
    HEADER_ROW,
    BLANK_HEADER,
    EMPTY_COLUMN,
    DUPLICATE_HEADER,
    HEADER_CASE,
    UNKNOWN_HEADER,
    EXTRA_HEADER,
    QUOTING,
    RAGGED_ROWS,
    BLANK_ROWS,
    TRAILING_CELLS,
    EMAIL_DOMAIN,
)
"""Every intake check, in the order intake runs them."""
