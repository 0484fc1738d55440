"""A long synthetic history for the trend index: weekly runs, some unusable, some accepted."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from syncguard.model import CheckCount, Outcome, PastRun, Severity, Trend

RULES = (
    ("email_address.format", Severity.ERROR),
    ("username.unique", Severity.ERROR),
    ("cells.no_stray_whitespace", Severity.WARNING),
    ("education_level_name.allowed", Severity.ERROR),
)
UNUSABLE_EVERY = 17
"""Runs 17, 34, 51: the export could not be read."""
PASSED_EVERY = 7
"""Runs 7, 14, 21, ...: no rule failed."""
ACCEPTED_EVERY = 11
"""Runs 11, 22, 33, ...: failed, but accepted (uploaded anyway)."""


def weekly_trend(n: int, reports: Path) -> Trend:
    """``n`` weekly runs from 2025-06-08 (oldest first), each with a report file under reports.

    Counts cycle through 0, 1, 3, 12 and 1,500 failed rows; rows grow from about 41,000. The
    students with errors (warnings) are the sum of the error (warning) checks' counts.
    """
    runs, counts = [], {}
    for i in range(1, n + 1):
        day = date(2025, 6, 1) + timedelta(days=7 * i)
        unusable = i % UNUSABLE_EVERY == 0
        if unusable:
            found = [CheckCount("intake.unusable", Severity.ERROR, 0)]
        else:
            found = [
                CheckCount(rule, severity, (0, 1, 3, 12, 1500)[(i + k) % 5])
                for k, (rule, severity) in enumerate(RULES)
            ]
            found = [c for c in found if c.failed_rows and i % PASSED_EVERY]
        errors = sum(1 for c in found if c.severity is Severity.ERROR)
        outcome = Outcome.UNUSABLE if unusable else Outcome.FAILED if errors else Outcome.PASSED
        rows = 0 if unusable else 41_000 + 120 * i
        bad = sum(c.failed_rows for c in found if c.severity is Severity.ERROR)
        warned = sum(c.failed_rows for c in found if c.severity is Severity.WARNING)
        report = reports / f"run{i}" / "report.html"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(f"<!doctype html><title>run {i}</title>", encoding="utf-8")
        runs.append(
            PastRun(
                i,
                f"{day}T07:30:00+00:00",
                "handshake_student_sync_eu",
                "2026.11.1",
                f"student_sync_{day}.csv",
                "0" * 64,
                rows,
                outcome,
                errors,
                len(found) - errors,
                rows - bad,
                bad,
                str(report),
                accepted=i % ACCEPTED_EVERY == 0 and outcome is Outcome.FAILED,
                as_of=str(day),
                baseline=i - 1 if i > 1 else None,
                rows_with_warnings=warned,
            )
        )
        counts[i] = tuple(found)
    return Trend(tuple(runs), counts)
