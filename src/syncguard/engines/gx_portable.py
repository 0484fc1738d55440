"""A Great Expectations suite a GE team runs as is: built-in expectations on the export's columns.

``gx_engine.compile_suite`` writes the suite syncguard itself runs: some of its expectations are
syncguard's own, and some read columns syncguard derives before validating (trimmed usernames,
valid dates). :func:`portable_suite` writes another suite, for a team that has only Great
Expectations: every rule that GE's built-in expectations can express on the export's own
columns, read as text (see :data:`READING`), and the list of the other rules with the reason.

Per-row kinds are re-expressed as Python regular expressions (GE's pandas engine applies them
with ``Series.str.contains``, i.e. ``re.search``; a regex Python could backtrack on for an
exponential time is left out, see :mod:`~syncguard.engines.backtracking`), written to give each
row the verdict syncguard
gives it: blank cells are null and skipped (the importer leaves the stored value unchanged), a
cell of only spaces is skipped by a format, ``**CLEAR**`` too unless the rule forbids it, and
whitespace is Rust's (polars') ``\\s``, not Python's.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from syncguard.engines.backtracking import exponential_reason
from syncguard.importer import BOOLEANS, CLEAR, LIST_SEPARATOR
from syncguard.model import Severity
from syncguard.suite.kinds.email import ADDRESS, accepted_domains
from syncguard.suite.kinds.excel_mangled_id import SCIENTIFIC
from syncguard.suite.kinds.formula_injection import IS_FORMULA, PHONE
from syncguard.suite.kinds.formula_start import RISKY
from syncguard.suite.kinds.stray_whitespace import ODD_SPACE
from syncguard.suite.model import Rule, Suite

READ_CSV: dict[str, Any] = {
    "sep": ",",
    "quotechar": '"',
    "dtype": "str",
    "keep_default_na": False,
    "na_values": [""],
    "skip_blank_lines": False,
    "index_col": False,
    "encoding": "utf-8-sig",
}
"""``pandas.read_csv``'s options that read the export as syncguard does: every cell text as
written, only an empty cell null, and a blank line kept as a row (pandas skips blank lines by
default, and every row after one would then get another number than syncguard gives it)."""
FIRST_ROW = 2
"""The spreadsheet row of the first record (the header is row 1)."""

READING = (
    "pd.read_csv(path, "
    + ", ".join(f"{name}={value!r}" for name, value in READ_CSV.items())
    + f").rename(index=lambda i: i + {FIRST_ROW})"
    '.pipe(lambda df: df[~df.fillna("").apply(lambda c: c.str.strip()).eq("").all(axis=1)])'
)
"""How to read the export for the suite (a Python expression of ``pd`` and ``path``): the rows
numbered as spreadsheet rows, then the blank rows (every cell empty or spaces) dropped, as
syncguard drops them (``intake.blank_rows`` reports them)."""

READING_NOTES = (
    "Every column is text, exactly as written: only an empty cell is null (a blank cell tells "
    "the importer to leave the stored value unchanged, and the format expectations skip "
    "nulls); 'NA', 'null', '0042' and cells of spaces stay as written. The file is UTF-8 "
    "(with or without a BOM) and comma-separated. Blank lines are kept while reading, so the "
    "index is the spreadsheet row syncguard reports (header = row 1, a record with line breaks "
    "in a quoted cell is one row) and GE's unexpected_index_list names the same rows; then "
    "rows with no value in any cell (empty or only spaces) are dropped, as syncguard drops "
    "them."
)
GATE = (
    "syncguard's gate fails only on errors. GE's validation fails on any failed expectation: "
    "to gate as syncguard does, fail on the failed expectations whose meta.severity is "
    "'error' (their GE severity is 'critical'); those of severity 'warning' are reported only."
)
ABSENT_COLUMNS = (
    "Only the columns of the ExpectColumnToExist expectations are required. Before validating "
    "an export that lacks other columns, drop the expectations whose meta 'columns' are not all "
    "in the frame (syncguard skips such rules; GE would report an error for each)."
)
MOSTLY = (
    "GE counts 'mostly' among the non-null cells of the column (and of the row_condition's "
    "rows); syncguard counts the failing rows among all rows."
)

WHITESPACE_CHARS = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""What polars' ``\\s`` and ``strip_chars()`` take for whitespace (Unicode White_Space), as the
body of a character class."""
WHITESPACE = r"[^\S\x1c-\x1f]"
"""The same, as a class written short: Python's ``\\s`` but U+001C..U+001F (which Python
counts as whitespace and polars does not)."""
NOT_WHITESPACE = r"[\S\x1c-\x1f]"
"""Polars' ``\\S``, in Python."""

BLANK = rf"{WHITESPACE}*"
"""A cell of only whitespace (a blank cell, which format rules do not judge)."""

_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
DATE = (
    r"(?:[0-9]{4}-(?:"
    r"(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|"  # months of 31 days
    r"(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|"  # months of 30 days
    r"02-(?:0[1-9]|1[0-9]|2[0-8])"  # February
    r")|" + _LEAP_YEAR + r"-02-29)"
)
"""A real calendar date written yyyy-mm-dd (proleptic Gregorian, years 0000 to 9999), as
polars' ``str.to_date("%Y-%m-%d")`` accepts it."""

_FLAGS_SAME_IN_PYTHON = frozenset("is")


class NotPortable(Exception):
    """A rule built-in Great Expectations cannot express on the export's own columns."""


@dataclass(frozen=True)
class _Expectation:
    """One GE expectation of a rule, as data: its class, arguments and the columns it reads."""

    type: str
    kwargs: dict[str, Any]
    columns: tuple[str, ...]
    row_condition: tuple[str, str, Any] | None = None
    """(column, "in" or "!=", value): the rows the expectation applies to."""
    note: str = ""


def portable_suite(suite: Suite) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The rules GE's built-in expectations can express, as GE's JSON, and the others with why.

    The suite runs on the export read as :data:`READING` says (its ``meta.reading`` says it
    too, with the ``read_csv`` options), with no syncguard installed. Each expectation's
    ``meta`` names the rule (``rule``, ``severity``: the project's, after its overrides,
    ``source``, ``kind``) and the export columns it reads (``columns``); ``note`` says where it
    differs from syncguard. A rule with several columns gets one expectation per column.
    ``meta.gate`` says how to gate on errors only, as syncguard does.

    Returns:
        The ``ExpectationSuite`` as GE's JSON dict (``to_json_dict()``), and (rule id, reason)
        for every rule left out, in suite order.
    """
    import great_expectations as gx

    gx.get_context(mode="ephemeral")  # GE builds suites only with an active data context
    built: list[Any] = []
    left_out: list[tuple[str, str]] = []
    for rule in suite.rules:
        try:
            expectations = _translate(rule)
        except NotPortable as exc:
            left_out.append((rule.id, str(exc)))
            continue
        built.extend(_build(rule, e) for e in expectations)
    expectation_suite = gx.ExpectationSuite(
        name=f"{suite.name}.portable",
        meta={
            "syncguard": {"suite": suite.name, "suite_version": suite.version},
            "reading": {
                "pandas": READING,
                "read_csv": READ_CSV,
                "first_row": FIRST_ROW,
                "notes": READING_NOTES,
            },
            "gate": GATE,
            "absent_columns": ABSENT_COLUMNS,
            "mostly": MOSTLY,
            "regex": "Python re, as GE's pandas engine applies it (Series.str.contains)",
            "not_compiled": [{"rule": r, "why": why} for r, why in left_out],
        },
    )
    for expectation in built:
        expectation_suite.add_expectation(expectation)
    document: dict[str, Any] = expectation_suite.to_json_dict()
    return document, left_out


def _build(rule: Rule, spec: _Expectation) -> Any:
    import great_expectations.expectations as builtin
    from great_expectations.expectations.row_conditions import Column

    meta: dict[str, Any] = {
        "rule": rule.id,
        "severity": rule.severity.value,
        "source": rule.location.short(),
        "kind": rule.kind,
        "columns": list(spec.columns),
    }
    if spec.note:
        meta["note"] = spec.note
    kwargs: dict[str, Any] = {**spec.kwargs, "meta": meta}
    if spec.row_condition is not None:
        column, op, value = spec.row_condition
        condition = Column(column)
        kwargs["row_condition"] = condition.is_in(value) if op == "in" else condition != value
    if rule.mostly is not None and spec.type != "ExpectColumnToExist":
        kwargs["mostly"] = rule.mostly
    expectation = getattr(builtin, spec.type)(**kwargs)
    expectation.severity = "warning" if rule.severity is Severity.WARNING else "critical"
    return expectation


def _translate(rule: Rule) -> list[_Expectation]:
    translate = _TRANSLATIONS.get(rule.kind)
    if translate is None:
        raise NotPortable(
            f"kind '{rule.kind}' has no translation to GE's built-in expectations (a project "
            "kind is Python code)"
        )
    return translate(rule)


def _per_column(
    rule: Rule, name: str, make: Callable[[str], dict[str, Any]], note: str = ""
) -> list[_Expectation]:
    """One expectation per column of the rule (a kind checks each of its columns alike)."""
    return [_Expectation(name, {"column": c, **make(c)}, (c,), note=note) for c in rule.columns]


def _matching(rule: Rule, regex: str, note: str = "") -> list[_Expectation]:
    regex = _checked(regex)
    return _per_column(rule, "ExpectColumnValuesToMatchRegex", lambda _: {"regex": regex}, note)


def _not_matching(rule: Rule, regex: str, note: str = "") -> list[_Expectation]:
    regex = _checked(regex)
    return _per_column(rule, "ExpectColumnValuesToNotMatchRegex", lambda _: {"regex": regex}, note)


def _format(body: str, allow_clear: object) -> str:
    """A whole-value regex: the body, or a cell syncguard's formats skip (spaces, CLEAR)."""
    skipped = [BLANK] if allow_clear is False else [BLANK, re.escape(CLEAR)]
    return r"\A(?:" + "|".join([*skipped, f"(?:{body})"]) + r")\Z"


# --- the kinds, one function each ---------------------------------------------------------


def _required_header(rule: Rule) -> list[_Expectation]:
    return [_Expectation("ExpectColumnToExist", {"column": c}, ()) for c in rule.columns]


def _not_blank(rule: Rule) -> list[_Expectation]:
    note = ""
    if rule.params.get("new_students_only"):
        note = (
            "syncguard judges only students missing from last week's accepted export; with no "
            "baseline here, every row is judged"
        )
    elif rule.params.get("stored_values_only"):
        note = (
            "syncguard judges only students whose value last week's accepted export held; with "
            "no baseline here, every row is judged"
        )
    blank = r"\A(?:" + BLANK + r")\Z"
    return [
        *_per_column(rule, "ExpectColumnValuesToNotBeNull", lambda _: {}, note),
        *_not_matching(rule, blank, note),
    ]


def _not_cleared(rule: Rule) -> list[_Expectation]:
    return _per_column(rule, "ExpectColumnValuesToNotBeInSet", lambda _: {"value_set": [CLEAR]})


def _pattern(rule: Rule) -> list[_Expectation]:
    body = python_regex(f"^(?:{rule.params['regex']})$")
    return _matching(rule, _format(body, rule.params.get("allow_clear")))


def _date(rule: Rule) -> list[_Expectation]:
    return _matching(rule, _format(DATE, rule.params.get("allow_clear")))


def _phone(rule: Rule) -> list[_Expectation]:
    return _matching(rule, _format(r"\+?[0-9]+", rule.params.get("allow_clear")))


def _email(rule: Rule) -> list[_Expectation]:
    # the address, with any spaces around it (stray_whitespace reports those)
    address, space = python_regex(ADDRESS), python_regex(r"\s*")
    domains = accepted_domains(rule)
    note = ""
    if domains:
        # the domain or a subdomain of it, in any case (syntax makes the address ASCII)
        either = "|".join(_any_case(d) for d in domains)
        body = rf"{space}(?={address}{space}\Z)[^@]*@(?:[^@]*\.)?(?:{either}){space}"
    else:
        body = rf"{space}{address}{space}"
        note = (
            "no institution domain was configured, so only the form is checked (syncguard "
            "infers the domain from the export): compile with email_domains set"
        )
    return _matching(rule, _format(body, rule.params.get("allow_clear")), note)


def _any_case(text: str) -> str:
    """A regex matching the text in any ASCII case (``(?i)`` would fold Unicode too: ſ, K)."""
    return "".join(
        f"[{c.lower()}{c.upper()}]" if c.isascii() and c.isalpha() else re.escape(c) for c in text
    )


def _boolean(rule: Rule) -> list[_Expectation]:
    return _per_column(rule, "ExpectColumnValuesToBeInSet", lambda _: {"value_set": [*BOOLEANS]})


def _excel_mangled_id(rule: Rule) -> list[_Expectation]:
    return _not_matching(rule, python_regex(SCIENTIFIC))


def _formula_injection(rule: Rule) -> list[_Expectation]:
    # a formula, unless a phone number (nothing runs in +49-171-1234567)
    return _not_matching(rule, rf"\A(?!{python_regex(PHONE)})" + python_regex(IS_FORMULA))


def _formula_start(rule: Rule) -> list[_Expectation]:
    # risky start, unless a phone number or a real formula (formula_injection reports those)
    regex = rf"\A(?!{python_regex(PHONE)})(?!{python_regex(IS_FORMULA)})" + python_regex(RISKY)
    return _not_matching(rule, regex)


def _stray_whitespace(rule: Rule) -> list[_Expectation]:
    return _not_matching(rule, python_regex(rf"^\s|\s$|{ODD_SPACE}"))


def _label_not_numeric(rule: Rule) -> list[_Expectation]:
    # checks/label_not_numeric.py: no ;-separated item is [+-]digits[.,digits] within spaces
    number = rf"{WHITESPACE}*[+\-]?[0-9]+(?:[.,][0-9]+)?{WHITESPACE}*"
    return _not_matching(rule, rf"(?:\A|;){number}(?:;|\Z)")


def _allowed_values(rule: Rule) -> list[_Expectation]:
    values = [str(v) for v in rule.params["values"]]
    if rule.params.get("allow_clear", True):
        values.append(CLEAR)
    separator = rule.params.get("separator")
    if separator is None:
        return _per_column(rule, "ExpectColumnValuesToBeInSet", lambda _: {"value_set": values})
    separator = str(separator)
    if len(separator) != 1:
        raise NotPortable(
            f"its separator {separator!r} has several characters: a regex over the items "
            "would not split lists the way syncguard does"
        )
    if any(separator in v for v in values):
        raise NotPortable(
            f"an allowed value contains the separator {separator!r}: a regex cannot tell an "
            "item from a list"
        )
    item = "(?:" + "|".join(re.escape(v) for v in values) + ")"
    sep = re.escape(separator)
    return _matching(rule, rf"\A{item}(?:{sep}{item})*\Z")


def _item_length(rule: Rule) -> list[_Expectation]:
    separator = str(rule.params.get("separator", LIST_SEPARATOR))
    longest = int(rule.params["max_length"])
    # an item longer than max_length is a run of more than max_length non-separators
    return _not_matching(rule, f"[^{re.escape(separator)}]{{{longest + 1},}}")


def _unique(rule: Rule) -> list[_Expectation]:
    if rule.params.get("strip") or rule.params.get("ignore_case"):
        steps = (("strip", "trimmed"), ("ignore_case", "lowercased"))
        how = " and ".join(word for param, word in steps if rule.params.get(param))
        raise NotPortable(
            f"it compares the values {how}; GE's uniqueness compares them exactly as written, "
            "so it would need a derived column"
        )
    return [
        _Expectation(
            "ExpectColumnValuesToBeUnique",
            {"column": rule.column},
            (rule.column,),
            row_condition=(rule.column, "!=", CLEAR),  # CLEAR is no identity
        )
    ]


def _conditional(rule: Rule) -> list[_Expectation]:
    if "when_before" in rule.params:
        raise NotPortable(
            "it compares with the run's date ('today'), which a stored suite would freeze, and "
            "GE's row_condition on the raw text cannot skip malformed dates as syncguard does"
        )
    first, second = rule.columns
    if "then_in" in rule.params:
        name, values = "ExpectColumnValuesToBeInSet", rule.params["then_in"]
    else:
        name, values = "ExpectColumnValuesToNotBeInSet", rule.params["then_not_in"]
    return [
        _Expectation(
            name,
            {"column": second, "value_set": [str(v) for v in values]},
            (first, second),
            row_condition=(first, "in", [str(v) for v in rule.params["when_in"]]),
        )
    ]


def _date_order(rule: Rule) -> list[_Expectation]:
    raise NotPortable(
        "GE's pair comparison reads the raw text and would fail rows syncguard skips: a "
        "**CLEAR**, spaces-only or malformed date (no built-in row_condition selects valid dates)"
    )


def _independent(rule: Rule) -> list[_Expectation]:
    raise NotPortable(
        "no built-in expectation looks for one column's value inside another's (ignoring case)"
    )


def _compare_columns(rule: Rule) -> list[_Expectation]:
    raise NotPortable(
        "GE's pair expectations cannot skip blank or **CLEAR** cells, compare as dates or "
        "numbers, or ignore case as syncguard does"
    )


def _expression(rule: Rule) -> list[_Expectation]:
    raise NotPortable("its condition is Polars SQL, which no built-in expectation evaluates")


_TRANSLATIONS: dict[str, Callable[[Rule], list[_Expectation]]] = {
    "required_header": _required_header,
    "not_blank": _not_blank,
    "not_cleared": _not_cleared,
    "pattern": _pattern,
    "date": _date,
    "phone": _phone,
    "email": _email,
    "boolean": _boolean,
    "excel_mangled_id": _excel_mangled_id,
    "formula_injection": _formula_injection,
    "formula_start": _formula_start,
    "stray_whitespace": _stray_whitespace,
    "label_not_numeric": _label_not_numeric,
    "allowed_values": _allowed_values,
    "item_length": _item_length,
    "unique": _unique,
    "conditional": _conditional,
    "date_order": _date_order,
    "independent": _independent,
    "compare_columns": _compare_columns,
    "expression": _expression,
}
"""How each kind translates (or why it cannot): a kind not named here is left out."""


# --- polars (Rust) regular expressions in Python's dialect ---------------------------------


def python_regex(regex: str) -> str:
    """A polars (Rust ``regex`` crate) expression rewritten so Python's ``re`` reads it alike.

    ``$`` becomes ``\\Z`` (Python's ``$`` also matches before a final newline), ``\\s`` and
    ``\\S`` become Rust's whitespace class, ``\\z`` becomes ``\\Z``, capturing groups become
    non-capturing (pandas warns about groups; Rust has no backreferences), and invisible or
    non-ASCII-space characters are written as escapes so the JSON shows them.

    Raises:
        NotPortable: the expression uses Rust syntax Python reads otherwise (nested classes,
            class set operations, flags other than ``i`` and ``s``) or cannot compile.
    """
    out: list[str] = []
    i, n = 0, len(regex)
    in_class = False
    while i < n:
        c = regex[i]
        if c == "\\" and i + 1 < n:
            out.append(_escape(regex[i + 1], in_class))
            i += 2
            continue
        if in_class:
            if c == "[" or regex.startswith(("&&", "--", "~~"), i):
                raise NotPortable(f"its regex {regex!r} uses a nested class or set operation")
            if c == "]":
                in_class = False
            out.append(_visible(c))
            i += 1
            continue
        if c == "[":
            start = i + 2 if regex.startswith("[^", i) else i + 1
            # a ] first in a class is a literal, in both dialects
            end = start + 1 if regex.startswith("]", start) else start
            out.append(regex[i:start] + ("\\]" if end > start else ""))
            in_class, i = True, end
            continue
        if c == "$":
            out.append(r"\Z")
        elif c == "(":
            out.append(_group(regex, i))
        else:
            out.append(_visible(c))
        i += 1
    return _checked("".join(out))


def _escape(c: str, in_class: bool) -> str:
    if c == "s":
        return WHITESPACE_CHARS if in_class else WHITESPACE
    if c == "S":
        if in_class:
            raise NotPortable(r"its regex uses \S inside a class")
        return NOT_WHITESPACE
    if c == "z":
        return r"\Z"
    if not c.isprintable() or not c.isascii():
        return _visible(c)
    return "\\" + c


def _group(regex: str, i: int) -> str:
    """An opening parenthesis: a capture becomes non-capturing; flags must mean the same."""
    if not regex.startswith("(?", i):
        return "(?:"
    match = re.match(r"\(\?([A-Za-z-]*)[:)]", regex[i:])
    if match and set(match.group(1)) - {"-"} - _FLAGS_SAME_IN_PYTHON:
        raise NotPortable(f"its regex {regex!r} uses flags Python reads otherwise")
    return "("


def _visible(c: str) -> str:
    """A literal character, as an escape when it is invisible (tabs, non-breaking spaces)."""
    if c.isprintable():
        return c
    code = ord(c)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _checked(regex: str) -> str:
    """The regex, if Python compiles it without a warning and matches it without exponential
    backtracking (else NotPortable: GE would hang on a long failing cell)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            re.compile(regex)
    except (re.error, Warning) as exc:
        raise NotPortable(f"its regex cannot be read by Python's re ({exc})") from None
    unsafe = exponential_reason(regex)
    if unsafe is not None:
        raise NotPortable(f"its regex is not safe in Python's re, which GE runs: {unsafe}")
    return regex
