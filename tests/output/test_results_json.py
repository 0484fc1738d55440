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
    assert doc["schema_version"] == 1
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
