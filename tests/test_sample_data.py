"""Sample exports: the clean one has no finding; each planted defect is found at its rows."""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from syncguard.cli import main
from tests.conftest import SAMPLE_DATA, CliRun, findings_by_rule

PLANTED = json.loads((SAMPLE_DATA / "defective_planted.json").read_text(encoding="utf-8"))

# planted defect -> the rule that must find exactly those rows
DETECTED_BY = {
    "duplicate_username": "username.unique",
    "duplicate_email": "email_address.unique",
    "blank_first_name": "first_name.not_blank",
    "blank_email": "email_address.not_blank",
}


def test_clean_sample_has_no_finding(run_cli: Callable[..., CliRun]) -> None:
    run = run_cli("check", SAMPLE_DATA / "clean.csv")
    assert run.code == 0
    assert run.json is not None
    assert run.json["findings"] == []
    assert run.json["accounting"] == {"rows_read": 300, "rows_clean": 300, "rows_with_errors": 0}


@pytest.fixture(scope="module")
def defective() -> dict[str, dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "r.json"
        argv = ["check", str(SAMPLE_DATA / "defective.csv"), "--json", str(target)]
        code = main([*argv, "--report-dir", tmp], out=io.StringIO(), err=io.StringIO())
        assert code == 1
        return findings_by_rule(json.loads(target.read_text(encoding="utf-8")))


@pytest.mark.parametrize(("defect", "rule"), sorted(DETECTED_BY.items()))
def test_planted_defect_is_found_at_its_rows(
    defective: dict[str, dict[str, object]], defect: str, rule: str
) -> None:
    assert defective[rule]["rows"] == PLANTED[defect]
