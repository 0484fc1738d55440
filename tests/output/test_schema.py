"""The results JSON Schema: real documents conform, and it catches a renamed key or a bad enum."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest

from syncguard.model import BaselineMode, Engine, Outcome, PlanCategory, Severity, Status
from syncguard.output.results_json import SCHEMA_VERSION, results_json
from syncguard.output.schema import SCHEMA_PATH, schema, validate
from tests.conftest import SAMPLE_DATA, CliRun
from tests.output.test_html_report import _result

WEEKLY = SAMPLE_DATA / "weekly"


def _valid(run: CliRun) -> dict[str, Any]:
    assert run.json is not None, run.err
    assert validate(run.json) == []
    return run.json


def _document() -> dict[str, Any]:
    """A failed run's document built in memory, its finding with a status."""
    result = _result("Nováková")
    result = dataclasses.replace(result, status={result.findings[0].key: Status.NEW})
    return results_json(result)


def test_the_schema_is_a_valid_draft_2020_12_schema_in_the_package() -> None:
    document = schema()
    jsonschema.Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["properties"]["schema_version"] == {"const": SCHEMA_VERSION}
    assert SCHEMA_PATH.name == "results.schema.json"
    assert Path(str(SCHEMA_PATH)).parent.name == "output"  # inside the package syncguard.output
    assert schema() is not schema()  # callers get their own copy


def test_the_schema_enums_are_the_models() -> None:
    defs = schema()["$defs"]
    assert defs["severity"]["enum"] == [s.value for s in Severity]
    assert defs["engine"]["enum"] == [e.value for e in Engine]
    assert schema()["properties"]["outcome"]["enum"] == [o.value for o in Outcome]
    statuses = defs["finding"]["properties"]["status"]["enum"]
    assert statuses == [s.value for s in Status if s is not Status.RESOLVED]
    modes = defs["comparison"]["properties"]["baseline"]["properties"]["mode"]["enum"]
    assert modes == [m.value for m in BaselineMode]
    plan = defs["comparison"]["properties"]["plan"]
    categories = [c.value for c in PlanCategory]
    assert plan["properties"]["reasons"]["propertyNames"]["enum"] == categories
    assert set(categories) <= set(plan["required"])


def test_the_three_weekly_samples_conform(run_cli: Callable[..., CliRun]) -> None:
    weekly_docs = [
        _valid(run_cli("check", WEEKLY / f"{week}.csv", "--as-of", week))
        for week in ("2026-11-15", "2026-11-22", "2026-11-29")
    ]
    first, second, third = weekly_docs
    assert [d["outcome"] for d in weekly_docs] == ["passed", "failed", "failed"]
    assert first["comparison"] is None and second["comparison"] is not None
    found = [f for d in weekly_docs for f in d["findings"]]
    optional = {"columns", "location", "summary", "status", "also", "previous_rows", "fix_repairs"}
    assert optional <= {key for f in found for key in f}  # the optional keys were exercised
    assert second["duplicate_groups"] and second["fix"]["cells"] > 0
    assert second["comparison"]["plan"]["reasons"]
    assert third["resolved"]


def test_an_unusable_run_conforms(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    doc = _valid(run_cli("check", empty))
    assert doc["outcome"] == "unusable" and doc["email_domains"] is None


def test_a_no_history_run_conforms(run_cli: Callable[..., CliRun]) -> None:
    doc = _valid(
        run_cli("check", WEEKLY / "2026-11-22.csv", "--no-history", "--as-of", "2026-11-22")
    )
    assert doc["comparison"] is None
    assert all("status" not in f for f in doc["findings"])


def test_a_previous_run_conforms(run_cli: Callable[..., CliRun]) -> None:
    doc = _valid(
        run_cli(
            "check",
            WEEKLY / "2026-11-29.csv",
            "--previous",
            WEEKLY / "2026-11-22.csv",
            "--as-of",
            "2026-11-29",
        )
    )
    assert doc["comparison"]["baseline"]["mode"] == "file"


def test_an_in_memory_result_conforms() -> None:
    assert validate(_document()) == []


def test_a_renamed_key_is_caught() -> None:
    doc = _document()
    doc["findings"][0]["failed_row"] = doc["findings"][0].pop("failed_rows")
    problems = validate(doc)
    assert "/findings/0: 'failed_rows' is a required property" in problems
    assert any(p.startswith("/findings/0: Additional properties") for p in problems)
    doc = _document()
    doc["accounting"]["rows_errors"] = doc["accounting"].pop("rows_with_errors")
    assert len(validate(doc)) == 2
    doc = _document()
    doc["outcomes"] = doc.pop("outcome")
    assert validate(doc) == ["/: 'outcome' is a required property"]


@pytest.mark.parametrize(
    ("where", "value", "problem"),
    [
        (("outcome",), "ok", "/outcome: 'ok' is not one of ['passed', 'failed', 'partial'"),
        (("findings", 0, "severity"), "fatal", "/findings/0/severity: 'fatal' is not one of"),
        (("findings", 0, "engine"), "sql", "/findings/0/engine: 'sql' is not one of"),
        (("findings", 0, "status"), "resolved", "/findings/0/status: 'resolved' is not one of"),
        (("findings", 0, "rows", 0), 0, "/findings/0/rows/0: 0 is less than the minimum of 1"),
        (("findings", 0, "failed_rows"), -1, "/findings/0/failed_rows: -1 is less than"),
        (("findings", 0, "failed_rows"), 1.5, "/findings/0/failed_rows: 1.5 is not of type"),
        (("schema_version",), 1, "/schema_version: 2 was expected"),
    ],
)
def test_a_bad_value_is_caught(where: tuple[str | int, ...], value: Any, problem: str) -> None:
    doc = _document()
    parent: Any = doc
    for step in where[:-1]:
        parent = parent[step]
    parent[where[-1]] = value
    problems = validate(doc)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_a_new_top_level_key_is_allowed_but_not_inside_a_finding() -> None:
    doc = _document()
    doc["future"] = {"anything": True}
    assert validate(doc) == []
    doc["findings"][0]["future"] = 1
    assert len(validate(doc)) == 1
