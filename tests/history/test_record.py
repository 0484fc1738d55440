"""From a run's findings to what the history keeps: students per check, rows with warnings."""

from __future__ import annotations

import pytest

from syncguard.history.record import check_counts, merged_counts
from syncguard.model import CheckCount, Engine, Finding, RuleCount, Severity, account

E, W = Severity.ERROR, Severity.WARNING


def _finding(
    rule: str, rows: tuple[int, ...], severity: Severity = E, failed: int | None = None
) -> Finding:
    return Finding(rule, severity, Engine.PANDERA, "m", ("c",), rows, failed_rows=failed)


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        # one finding: its rows
        ([_finding("a", (2, 3, 5))], [CheckCount("a", E, 3)]),
        # two findings of one check (two columns) on a shared row: the row counts once
        ([_finding("a", (2, 3)), _finding("a", (3, 4))], [CheckCount("a", E, 3)]),
        # a finding about the whole file (no rows) counts none
        ([_finding("intake.bom", (), failed=0)], [CheckCount("intake.bom", E, 0)]),
        # a finding that does not list all its rows adds its count
        ([_finding("a", (2,)), _finding("a", (1,), failed=40)], [CheckCount("a", E, 41)]),
        # checks apart; a check graded both ways is counted at its worst
        (
            [_finding("a", (2,), W), _finding("b", (2,)), _finding("a", (9,))],
            [CheckCount("a", E, 2), CheckCount("b", E, 1)],
        ),
    ],
)
def test_each_check_counts_its_students_once(
    findings: list[Finding], expected: list[CheckCount]
) -> None:
    assert check_counts(findings) == expected


def test_per_column_counts_add_up_per_check() -> None:
    counts = [RuleCount("a", "x", W, 2), RuleCount("a", "y", E, 3), RuleCount("b", "", W, 0)]
    assert merged_counts(counts) == [CheckCount("a", E, 5), CheckCount("b", W, 0)]


def test_rows_with_warnings_are_counted_apart_from_rows_with_errors() -> None:
    findings = [_finding("a", (2, 3)), _finding("b", (3, 4, 99), W), _finding("c", (4,), W)]
    counted = account(range(2, 10), findings)
    assert (counted.rows_with_errors, counted.rows_with_warnings, counted.rows_clean) == (2, 2, 6)
