"""Institution settings: the values rules refer to as ``${name}`` (email domains, SSO, lists).

Their defaults are the :data:`SETTINGS` below; an institution changes them in one place, the
``[settings]`` table of its project's ``syncguard.toml`` (and the command line changes
``email_domains`` and ``today`` for one run). A rule file holds rules, never settings.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

FINGERPRINT_NAMES = ("username", "email_address", "auth_identifier", "card_id", "name")
"""What the same-person test may compare (``compare.identity.FINGERPRINTS`` maps each to its
snapshot column)."""


@dataclass(frozen=True)
class Setting:
    """One setting an institution may give, with its type and default."""

    name: str
    types: tuple[type, ...]
    default: Any
    doc: str
    choices: tuple[str, ...] = ()
    """The values a text setting (or each item of a list setting) may take (empty: any)."""
    bounds: tuple[int, int] | None = None
    """The least and greatest value of a whole-number setting."""


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting(
            "email_domains",
            (list,),
            [],
            "institution email domains (subdomains included); empty: the export's most "
            "common domain is taken as the institution's",
        ),
        Setting(
            "sso", (bool,), False, "true when students log in by SSO (auth_identifier required)"
        ),
        Setting("campus_names", (list,), [], "accepted campus names; empty: any"),
        Setting("college_names", (list,), [], "accepted college names; empty: any"),
        Setting("major_names", (list,), [], "accepted course names; empty: any"),
        Setting("today", (str,), "", "the date the run counts as today (yyyy-mm-dd); empty: today"),
        Setting(
            "max_row_drop",
            (float, int),
            0.10,
            "the share of last week's rows that may be missing before the gate fails",
        ),
        Setting(
            "email_change_share",
            (float, int),
            0.10,
            "from this share of changed emails on, the importer updates none (warning)",
        ),
        Setting(
            "sync",
            (str,),
            "automatic",
            "automatic: files go up by a scheduled sync, which cannot change username or "
            "auth_identifier (such a change is an error); manual: uploaded by hand, where the "
            "job can be marked 'this job changes identifier data' (such a change is a warning)",
            ("automatic", "manual"),
        ),
        Setting(
            "takeover_min_differing",
            (int,),
            2,
            "the same-person test: a row whose username (or auth_identifier) the importer knows "
            "is another person, taking over that student's account, when none of the "
            "fingerprints in same_person_fingerprints agrees and at least this many differ "
            "(a blank is unknown, never a difference)",
            bounds=(1, len(FINGERPRINT_NAMES) - 1),
        ),
        Setting(
            "same_person_fingerprints",
            (list,),
            list(FINGERPRINT_NAMES),
            "what the same-person test compares (keyed digests: username, email_address, "
            "auth_identifier, card_id, name = first and last name); the identifier a row is "
            "matched on never counts",
            FINGERPRINT_NAMES,
        ),
        Setting(
            "upload",
            (str,),
            "full",
            "full: every export holds all students, so a drop of more than max_row_drop is an "
            "error; changes: exports hold just the changes, so missing students are no finding",
            ("full", "changes"),
        ),
    )
}


def resolved(values: dict[str, Any]) -> dict[str, Any]:
    """Every setting, with defaults for those not given and ``today`` filled in."""
    out = {name: values.get(name, s.default) for name, s in SETTINGS.items()}
    if not out["today"]:
        out["today"] = date.today().isoformat()
    return out


def setting_problem(key: str, given: Any) -> str | None:
    """What is wrong with a value for a setting (None when it is fine)."""
    setting = SETTINGS[key]
    numeric = float in setting.types
    allowed = " or ".join(f"'{c}'" for c in setting.choices)
    listed = list in setting.types
    if listed and setting.choices and isinstance(given, list):
        unknown = [v for v in given if v not in setting.choices]
        if unknown or not given:
            what = f"got '{unknown[0]}'" if unknown else "got none"
            return f"setting '{key}' must list one or more of {allowed}, {what}"
    elif setting.choices and not listed and given not in setting.choices:
        return f"setting '{key}' must be {allowed}, got '{given}'"
    if setting.bounds is not None and isinstance(given, int) and not isinstance(given, bool):
        low, high = setting.bounds
        if not low <= given <= high:
            return f"setting '{key}' must be a whole number from {low} to {high}, got {given}"
    if (
        not isinstance(given, setting.types)
        or (isinstance(given, bool) and bool not in setting.types)
        or (isinstance(given, list) and not all(isinstance(v, str) for v in given))
        or (numeric and isinstance(given, int | float) and not 0 <= given <= 1)
    ):
        shape = (
            "a share from 0 to 1"
            if numeric
            else "a list of texts"
            if list in setting.types
            else "a whole number from {} to {}".format(*setting.bounds)
            if setting.bounds is not None
            else (" or ".join(t.__name__ for t in setting.types))
        )
        return f"setting '{key}' must be {shape}"
    return None


_ESCAPED = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
"""Unicode categories written as escapes in a TOML text: controls, invisible format
characters (bidi overrides, zero-width), line and paragraph separators, unassigned."""


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def toml_string(text: str) -> str:
    """A TOML basic string of ``text``, every control, invisible or line-breaking character
    escaped, so no text can reach a terminal or break a line (JSON's escapes are TOML's)."""
    quoted = json.dumps(text, ensure_ascii=False)
    return "".join(_escape(c) if unicodedata.category(c) in _ESCAPED else c for c in quoted)


def toml_value(value: Any) -> str | None:
    """``value`` written as a TOML value (None: TOML has no null, leave the key out).

    A date (YAML reads ``2026-11-29`` unquoted as one) is written as the text the settings
    take; a mapping becomes an inline table.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date | datetime):
        return toml_string(value.isoformat())
    if isinstance(value, Mapping):
        pairs = [(k, toml_value(v)) for k, v in value.items()]
        return "{" + ", ".join(f"{toml_key(str(k))} = {v}" for k, v in pairs if v) + "}"
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return "[" + ", ".join(v for v in map(toml_value, value) if v is not None) + "]"
    return toml_string(str(value))


def toml_key(key: str) -> str:
    """A TOML key: bare when it can be, else quoted."""
    bare = key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key)
    return key if bare else toml_string(key)


def toml_lines(values: Mapping[str, Any]) -> list[str]:
    """``key = value`` lines of a ``[settings]`` table (a null value is left out)."""
    lines = []
    for key, value in values.items():
        written = toml_value(value)
        if written is not None:
            lines.append(f"{toml_key(key)} = {written}")
    return lines
