"""Header-row checks: required, unknown (with the nearest known header), case, duplicate, blank."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from syncguard.errors import UnusableExportError
from syncguard.intake import checks
from syncguard.model import Finding, Severity


@dataclass(frozen=True)
class RequiredHeader:
    """A header that must be on row 1, the rule that says so, and how bad its absence is.

    Missing with severity ``error``, the export is unusable (exit 2); with ``warning``, it is a
    warning finding of that rule and the run goes on.
    """

    column: str
    rule: str
    severity: Severity = Severity.ERROR
    location: str | None = None


@dataclass(frozen=True)
class HeaderContract:
    """What the suite says about row 1: every header it knows, and which must be there."""

    known: tuple[str, ...]
    required: tuple[RequiredHeader, ...]


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
    """Findings about row 1; a missing required header of severity error stops intake (exit 2)."""
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(header, start=1):
        if name.strip() == "":
            blank = f"(blank header, column {index})"
            findings.append(checks.BLANK_HEADER.finding(columns=(blank,), index=index, rows=(1,)))
            continue
        if name in seen:
            findings.append(
                checks.DUPLICATE_HEADER.finding(
                    columns=(name,), name=name, index=index, first=seen[name], rows=(1,)
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
                checks.HEADER_CASE.finding(
                    columns=(name,),
                    suggestion=guess,
                    name=name,
                    index=index,
                    what=what,
                    guess=guess,
                    rows=(1,),
                )
            )
        elif guess is not None:
            findings.append(
                checks.UNKNOWN_HEADER.finding(
                    columns=(name,),
                    suggestion=guess,
                    name=name,
                    index=index,
                    guess=guess,
                    rows=(1,),
                )
            )
        else:
            findings.append(
                checks.EXTRA_HEADER.finding(columns=(name,), name=name, index=index, rows=(1,))
            )
    missing = [r for r in contract.required if r.column not in seen]
    if missing and not any(nearest(h, contract.known) for h in header if h.strip()):
        raise UnusableExportError(
            path,
            f"none of the {len(header)} cell(s) of row 1 is a student sync header, so this is "
            "not a student sync export or row 1 is not its header row",
            "put the header row (email_address, username, first_name, ...) on row 1",
            row=1,
        )
    blocking = [r for r in missing if r.severity is Severity.ERROR]
    if blocking:
        parts = [f"'{r.column}'{_found_instead(header, r.column)}" for r in blocking]
        noun = "header" if len(blocking) == 1 else "headers"
        raise UnusableExportError(
            path,
            f"required {noun} {', '.join(parts)} {'is' if len(blocking) == 1 else 'are'} missing",
            "add or rename the column(s) exactly as the importer spells them (lowercase)",
            row=1,
        )
    for r in missing:
        findings.append(
            Finding(
                rule=r.rule,
                severity=r.severity,
                engine=checks.UNUSABLE.engine,
                message=f"required header '{r.column}'{_found_instead(header, r.column)} is "
                "missing; add the column exactly as the importer spells it (lowercase)",
                columns=(r.column,),
                rows=(1,),
                location=r.location,
            )
        )
    return findings


def _found_instead(header: Sequence[str], column: str) -> str:
    near = [h for h in header if h.strip() and nearest(h, [column]) == column]
    return f" (found '{near[0]}' instead)" if near else ""
