"""The PII sweep: planted personal values appear in no output byte while masking is on.

Every personal column of an export holds a marker value (with a trailing space, so every
column fails a rule and its value is an example), plus an unknown column and header. The
check runs twice against one history (so snapshots and the comparison are written), then the
history is listed; every byte syncguard wrote or printed is searched for the markers. So are
``suggest``'s draft and ``fix``'s printed lines, change log and check report (not the repaired
export itself, which is the student data). ``compile`` reads no export, so it has none to leak.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliRun

PERSONAL = {
    "email_address": "zqxmailbox@zqx-private-domain.de",
    "username": "ZQXUSER771",
    "first_name": "Zqxfirstname",
    "last_name": "Zqxlastname",
    "middle_name": "Zqxmiddlename",
    "preferred_name": "Zqxpreferred",
    "auth_identifier": "zqxauthident",
    "card_id": "ZQXCARD9921",
    "mobile_number": "+49151998877",
    "gender": "Zqxgenderval",
    "system_label_names": "Zqxlabelone;Zqxlabeltwo",
    "assigned_to_email_address": "zqxadvisor@zqx-staff-domain.de",
    "hometown_location_attributes:name": "Zqxhometown",
    "zqx_internal_notes": "Zqxnotesvalue",
}
OTHER = {
    "primary_education:end_date": "2027-06-30",
    "school_year_name": "Alumni",
}
HEADER_MARKER = "zqx_internal_notes"
MORE = (
    ("zqxfreemail@gmail.com", "(0471) 55-66-77"),
    ("zqxlookalike@unl.eu", "+32 4715 566 778"),
)
MORE_MARKERS = ["zqxfreemail", "zqxlookalike", "(0471) 55", "55-66-77", "+32 4715", "4715 566"]
SHOWN = ["aaaaaaaaaaa@gmail.com", "@unl.eu (look-alike of uni.eu)", "(9999) 99-99-99"]
"""What the steward sees of them instead: the defect (and a domain that identifies no one)."""


def _export(path: Path, twist: str) -> Path:
    header = [*PERSONAL, *OTHER]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerow([*(f"{v}{twist} " for v in PERSONAL.values()), *OTHER.values()])
    blanks = [""] * 5
    other = ["other@uni.eu", "S2", "Eva", "Kis", "", "", "u2", "42", "+4915100", *blanks]
    writer.writerow([*other, *OTHER.values()])
    # shown by design: a free-mail provider's domain, a look-alike of the institution's; never
    # the person: the local part, the digits of a phone written with brackets
    for email, phone in MORE:
        writer.writerow(
            [email, "S3", "Eva", "Kis", "", "", "u3", "43", phone, *blanks, *OTHER.values()]
        )
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _markers() -> list[str]:
    found = []
    for value in PERSONAL.values():
        for part in value.replace("@", ";").split(";"):
            found.append(part.removeprefix("+"))
    return [m for m in found if len(m) >= 8] + MORE_MARKERS


def test_no_personal_value_leaves_syncguard(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    printed = []
    for week, twist in (("w1", ""), ("w2", "x")):  # week 2 changes every value a little
        export = _export(tmp_path / f"{week}.csv", twist)
        ci = ("--junit", tmp_path / f"{week}.xml", "--summary-md", tmp_path / f"{week}.md")
        run = run_cli("check", export, "--email-domain", "uni.eu", "--as-of", "2026-11-29", *ci)
        assert run.code in (0, 1), run.err
        printed += [run.out, run.err]
        printed += [tmp_path.joinpath(f"{week}.{x}").read_text("utf-8") for x in ("xml", "md")]
    listing = run_cli("history", "--history", reports / "history.sqlite", want_json=False)
    printed += [listing.out, listing.err]
    written = {p: p.read_bytes() for p in reports.rglob("*") if p.is_file()}
    names = {p.name for p in written}
    assert {"results.json", "report.html", "failing_rows.csv", "history.sqlite"} <= names
    markers = _markers()
    assert len(markers) >= 14
    leaks = [
        (str(path.relative_to(tmp_path)), marker)
        for path, data in written.items()
        for marker in markers
        if marker.encode() in data
    ]
    leaks += [("output", m) for text in printed for m in markers if m in text]
    assert not leaks, leaks
    report = next(d for p, d in written.items() if p.name == "report.html").decode()
    assert [s for s in SHOWN if s not in report] == []
    # the unknown header is shown to the steward, but the history keeps only a keyed hash of it
    history = [d for p, d in written.items() if p.name.startswith("history.sqlite")]
    assert not any(HEADER_MARKER.encode() in d for d in history)


def _leaks(written: dict[Path, bytes], printed: list[str]) -> list[tuple[str, str]]:
    markers = _markers()
    found = [(str(p), m) for p, data in written.items() for m in markers if m.encode() in data]
    return found + [("output", m) for text in printed for m in markers if m in text]


def test_no_personal_value_leaves_suggest_or_fix(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    # no --email-domain: the domain is inferred, and its reason names no private domain
    export = _export(tmp_path / "w1.csv", "")
    draft = tmp_path / "draft.toml"
    printed = []
    for argv in (("suggest", export), ("suggest", export, "--out", draft)):
        run = run_cli(*argv, want_json=False)
        assert run.code == 0, run.err
        printed += [run.out, run.err]
    fixed = tmp_path / "fixed" / "fixed.csv"
    fixed.parent.mkdir()
    reports = tmp_path / "fix-reports"
    run = run_cli("fix", export, "--out", fixed, "--report-dir", reports, want_json=False)
    assert run.code in (0, 1), run.err
    printed += [run.out, run.err]
    changes = fixed.with_name("fixed.changes.csv")
    assert changes.is_file() and "repair.whitespace" in changes.read_text(encoding="utf-8")
    written = {p: p.read_bytes() for p in [draft, changes, *reports.rglob("*")] if p.is_file()}
    assert {"draft.toml", "fixed.changes.csv", "report.html", "failing_rows.csv"} <= {
        p.name for p in written
    }
    assert not _leaks(written, printed), _leaks(written, printed)
