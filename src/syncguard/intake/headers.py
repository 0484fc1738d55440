"""Header-row checks: required, unknown (with the nearest known header), case, duplicate, blank."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from syncguard.errors import UnusableExportError
from syncguard.model import Engine, Finding, Severity


@dataclass(frozen=True)
class HeaderContract:
    """What the suite says about row 1: every header it knows, and which must be there."""

    known: tuple[str, ...]
    required: tuple[str, ...]


def _finding(
    rule: str, severity: Severity, message: str, column: str, hint: str | None = None
) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        engine=Engine.INTAKE,
        message=message,
        columns=(column,),
        rows=(1,),
        suggestion=hint,
    )


def _canonical(header: str) -> str:
    return header.replace("\u00a0", " ").strip().lower()


def nearest(header: str, known: Sequence[str]) -> str | None:
    """The known header a typo most likely meant, if any is close enough."""
    canon = _canonical(header)
    for name in known:
        if name == canon:
            return name
    close = difflib.get_close_matches(canon, list(known), n=1, cutoff=0.8)
    return close[0] if close else None


def column_names(header: Sequence[str]) -> list[str]:
    """Frame column names: the header, with blank and repeated ones made unique and visible."""
    names: list[str] = []
    for index, name in enumerate(header, start=1):
        if name.strip() == "":
            names.append(f"(blank header, column {index})")
        elif name in names:
            names.append(f"{name} (repeated, column {index})")
        else:
            names.append(name)
    return names


def check_header(path: Path, header: Sequence[str], contract: HeaderContract) -> list[Finding]:
    """Findings about row 1; a missing required header stops intake (exit 2)."""
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(header, start=1):
        if name.strip() == "":
            findings.append(
                _finding(
                    "intake.blank_header",
                    Severity.ERROR,
                    f"column {index} has a blank header, so the importer cannot use it; "
                    "name it or delete the column",
                    f"(blank header, column {index})",
                )
            )
            continue
        if name in seen:
            findings.append(
                _finding(
                    "intake.duplicate_header",
                    Severity.ERROR,
                    f"header '{name}' appears again in column {index} (first in column "
                    f"{seen[name]}); keep one column of that name",
                    name,
                )
            )
            continue
        seen[name] = index
        if name in contract.known:
            continue
        guess = nearest(name, contract.known)
        if guess is not None and _canonical(name) == guess:
            what = "lowercase" if name.strip() == name else "without surrounding spaces"
            findings.append(
                _finding(
                    "intake.header_case",
                    Severity.ERROR,
                    f"header '{name}' (column {index}) must be written {what} as '{guess}'; "
                    "the importer matches headers exactly and ignores this column",
                    name,
                    guess,
                )
            )
        elif guess is not None:
            findings.append(
                _finding(
                    "intake.unknown_header",
                    Severity.ERROR,
                    f"unknown header '{name}' (column {index}) is silently ignored by the "
                    "importer; "
                    f"did you mean '{guess}'?",
                    name,
                    guess,
                )
            )
        else:
            findings.append(
                _finding(
                    "intake.unknown_header",
                    Severity.WARNING,
                    f"unknown header '{name}' (column {index}) is silently ignored by the "
                    "importer; "
                    "remove it or rename it to a supported header",
                    name,
                )
            )
    missing = [r for r in contract.required if r not in seen]
    if missing and not any(nearest(h, contract.known) for h in header if h.strip()):
        raise UnusableExportError(
            path,
            f"none of the {len(header)} cell(s) of row 1 is a student sync header, so this is "
            "not a student sync export or row 1 is not its header row",
            "put the header row (email_address, username, first_name, ...) on row 1",
            row=1,
        )
    if missing:
        parts = []
        for name in missing:
            near = [h for h in header if h.strip() and nearest(h, [name]) == name]
            parts.append(f"'{name}'" + (f" (found '{near[0]}' instead)" if near else ""))
        noun = "header" if len(missing) == 1 else "headers"
        raise UnusableExportError(
            path,
            f"required {noun} {', '.join(parts)} {'is' if len(missing) == 1 else 'are'} missing",
            "add or rename the column(s) exactly as the importer spells them (lowercase)",
            row=1,
        )
    return findings
