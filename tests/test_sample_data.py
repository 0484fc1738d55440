"""Realistic exports: a clean one has no finding, each planted defect is found at its rows.

Runs on the committed 300-row samples and on a generated 10,000-row export (same generator).
"""

from __future__ import annotations

import importlib.util
import io
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from syncguard.cli import main
from tests.conftest import SAMPLE_DATA, CliRun

AS_OF = "2026-11-29"  # the generator's "today": end dates are judged against it

# planted defect -> the rules that must find it (and nothing else on clean rows)
DETECTED_BY: dict[str, tuple[str, ...]] = {
    "duplicate_username": ("username.unique",),
    "duplicate_email": ("email_address.unique",),
    "blank_first_name": ("first_name.not_blank",),
    "blank_email": ("email_address.not_blank",),
    "invalid_school_year": ("school_year_name.allowed",),
    "invalid_education_level": ("education_level_name.allowed",),
    "bad_date_format": ("start_date.format", "end_date.format"),
    "impossible_date": ("start_date.format", "end_date.format"),
    "end_before_start": ("dates.end_after_start",),
    "bad_boolean": ("currently_attending.boolean", "disabled.boolean"),
    "long_course": ("major_names.item_length",),
    "username_in_email": ("username.not_in_email",),
    "bad_phone": ("mobile_number.format",),
    "formula_injection": ("cells.no_formula",),
    "stray_whitespace": ("cells.no_stray_whitespace",),
    "excel_mangled_id": ("ids.not_scientific", "card_id.not_scientific"),
    "alumni_attending": ("alumni.not_attending",),
    "foreign_email_domain": ("email_address.format",),
    "blank_labels": ("system_label_names.not_blank",),
}
# No rule is about <script> in a name: that one tests that reports escape what they show.
NOT_A_RULE = {"script_in_name"}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate", SAMPLE_DATA / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check(path: Path, tmp: Path) -> tuple[int, dict[str, Any]]:
    target = tmp / "results.json"
    argv = ["check", str(path), "--json", str(target), "--report-dir", str(tmp), "--as-of", AS_OF]
    argv.append("--no-history")  # each export on its own: the comparison has tests of its own
    code = main(argv, out=io.StringIO(), err=io.StringIO())
    return code, json.loads(target.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=["sample-300", "generated-10k"])
def exports(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "sample-300":
        clean, defective = SAMPLE_DATA / "clean.csv", SAMPLE_DATA / "defective.csv"
        planted = json.loads((SAMPLE_DATA / "defective_planted.json").read_text("utf-8"))
    else:
        gen = _generator()
        header, rows = gen.generate_rows(10_000, seed=11)
        clean, defective = tmp / "clean.csv", tmp / "defective.csv"
        gen.write_csv(clean, header, rows)
        bad_rows, planted = gen.plant_defects(header, rows, seed=11)
        gen.write_csv(defective, header, bad_rows)
    return _check(clean, tmp), _check(defective, tmp), planted


def test_clean_export_has_no_finding(exports: Any) -> None:
    (code, doc), _, _ = exports
    assert code == 0
    assert doc["findings"] == []
    acc = doc["accounting"]
    assert acc["rows_clean"] == acc["rows_read"] and acc["rows_with_errors"] == 0


def test_every_defect_has_a_rule() -> None:
    planted = json.loads((SAMPLE_DATA / "defective_planted.json").read_text("utf-8"))
    assert set(planted) == set(DETECTED_BY) | NOT_A_RULE


@pytest.mark.parametrize("defect", sorted(DETECTED_BY))
def test_planted_defect_is_found_at_its_rows(exports: Any, defect: str) -> None:
    _, (code, doc), planted = exports
    assert code == 1
    found = {r for f in doc["findings"] if f["rule"] in DETECTED_BY[defect] for r in f["rows"]}
    assert set(planted[defect]) <= found


def test_no_finding_outside_the_planted_rows(exports: Any) -> None:
    _, (_, doc), planted = exports
    all_planted = {r for rows in planted.values() for r in rows}
    stray = {(f["rule"], r) for f in doc["findings"] for r in f["rows"] if r not in all_planted}
    assert stray == set()


def test_readme_demo_sample_is_the_defective_one(run_cli: Callable[..., CliRun]) -> None:
    run = run_cli("check", SAMPLE_DATA / "defective.csv", "--as-of", AS_OF)
    assert run.code == 1
    assert run.json is not None and run.json["outcome"] == "failed"


def test_a_damaged_week_is_damaged_as_planned() -> None:
    gen = _generator()
    header, rows = gen.generate_rows(2_000, seed=5)
    damaged, planted = gen.damage_week(header, rows, seed=5)
    assert (damaged, planted) == gen.damage_week(header, rows, seed=5)  # by seed
    assert damaged[: len(rows)] != rows and rows == gen.generate_rows(2_000, seed=5)[1]
    cells = [(d.row, d.column) for d in planted]
    assert len(cells) == len(set(cells))  # each cell damaged once
    assert 0.02 <= len(cells) / (len(damaged) * len(header)) <= 0.05
    assert {d.kind for d in planted} == {kind for kind, _ in gen.DAMAGES}
    for d in planted:
        value = damaged[d.row - 2][d.column]
        if d.kind != "duplicated_student":
            assert value != rows[d.row - 2][d.column], d
    copies = [d.row for d in planted if d.kind == "duplicated_student"]
    assert min(copies) == len(rows) + 2  # appended: no other row moves
    seen = {(r["username"], r["email_address"]) for r in rows}
    assert all(
        (damaged[r - 2]["username"], damaged[r - 2]["email_address"]) in seen for r in copies
    )
