"""The results JSON contract: keys, masking, and atomic writing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syncguard.output.results_json import results_json, write_json
from tests.output.test_html_report import _result


def test_contract_keys_and_masking() -> None:
    doc = results_json(_result("Nováková"))
    assert set(doc) >= {
        "schema_version",
        "suite",
        "export",
        "outcome",
        "counts",
        "findings",
        "accounting",
    }
    assert doc["schema_version"] == 2
    assert set(doc["export"]) == {"path", "sha256", "rows", "bytes", "encoding", "delimiter"}
    (finding,) = doc["findings"]
    assert set(finding) >= {
        "rule",
        "severity",
        "engine",
        "column",
        "message",
        "failed_rows",
        "rows",
        "examples",
    }
    assert finding["examples"] == ["Aaaaaaaa"]
    assert doc["counts"] == {"error": 1, "warning": 0}
    assert doc["accounting"] == {"rows_read": 10, "rows_clean": 9, "rows_with_errors": 1}


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "out" / "results.json"
    write_json(target, {"a": "é"})
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": "é"}
    assert [p.name for p in target.parent.iterdir()] == ["results.json"]


def test_a_crash_while_writing_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    target = tmp_path / "report.html"
    write_json(target, {"run": 1})

    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_json(target, {"run": 2})
    assert json.loads(target.read_text(encoding="utf-8")) == {"run": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_the_plan_groups_and_fix_are_written_and_conform() -> None:
    """The plan's categories (adding up to the rows read), the duplicate groups (never their
    value), and what fix repairs: of the run and of each finding it mends."""
    import dataclasses

    from syncguard.model import Repairable
    from syncguard.output.schema import validate
    from tests.output.test_html_report import _planned

    result = _planned()
    fixed = Repairable(2, 0, {result.findings[0].key: 2})
    doc = results_json(dataclasses.replace(result, repairable=fixed))
    assert validate(doc) == []
    plan = doc["comparison"]["plan"]
    assert (plan["rows_read"], plan["updated"], plan["unchanged"], plan["skipped"]) == (10, 2, 5, 2)
    assert plan["rows"]["skipped"] == [3, 9] and plan["rows"]["vanished"] == [12]
    assert plan["reasons"]["skipped"] == {"username.unique": [3, 9]}
    assert plan["updated_by_column"] == {"last_name": 2}
    assert plan["rejected_by_column"] == {"mobile_number": 1}
    (group,) = doc["duplicate_groups"]
    assert group == {
        "label": "D1",
        "rule": "username.unique",
        "column": "username",
        "rows": [3, 9],
        "compared": True,
        "keep": [3],
        "check": [9],
        "summary": "D1 (username): rows 3, 9; row 3 is the baseline's student: keep it; row 9 "
        "new or changed: check",
    }
    assert doc["fix"] == {"cells": 2, "file_changes": 0}
    assert doc["findings"][0]["fix_repairs"] == 2
    assert "fix_repairs" not in results_json(result)["findings"][0]
