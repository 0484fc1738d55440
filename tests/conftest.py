"""Shared test helpers: the CLI run in-process, fixture paths, the default suite."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from syncguard.cli import main
from syncguard.defaults import default_rules
from syncguard.suite.loader import load_suite
from syncguard.suite.model import Suite

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_DATA = ROOT / "sample_data"
CORPUS = FIXTURES / "frictionless"
SPEC = FIXTURES / "spec" / "student_sync_eu_columns.txt"

HEADER = "email_address,username,first_name,last_name,primary_education:end_date,school_year_name"


@dataclass
class CliRun:
    """What one in-process run of the CLI produced."""

    code: int
    out: str
    err: str
    json: dict[str, Any] | None


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., CliRun]:
    """Run ``syncguard`` in-process (GE is imported once per worker, not per run)."""

    def run(*argv: str | Path, want_json: bool = True) -> CliRun:
        args = [str(a) for a in argv]
        json_path = tmp_path / "results.json"
        if want_json and args and args[0] == "check":
            args += ["--json", str(json_path), "--report-dir", str(tmp_path / "reports"), "-q"]
        elif args and args[0] in ("check", "fix") and not {"--report-dir", "--config"} & set(args):
            args += ["--report-dir", str(tmp_path / "reports")]  # never the clone's reports/
        out, err = io.StringIO(), io.StringIO()
        code = main(args, out=out, err=err)
        doc = json.loads(json_path.read_text(encoding="utf-8")) if json_path.exists() else None
        if json_path.exists():
            json_path.unlink()
        return CliRun(code, out.getvalue(), err.getvalue(), doc)

    return run


def _generated() -> set[Path]:
    """What runs leave in the clone: files under reports/, histories and keys anywhere."""
    reports = {p for p in (ROOT / "reports").rglob("*") if p.name not in ("README.md", ".gitkeep")}
    stores = {
        p
        for pattern in ("*.sqlite", "*.sqlite-*", "*.key")
        for p in ROOT.rglob(pattern)
        if not {".git", ".nox", ".venv", "node_modules"} & set(p.relative_to(ROOT).parts)
    }
    return reports | stores


@pytest.fixture(scope="session", autouse=True)
def _clone_stays_clean() -> Iterator[None]:
    """Tests write only into temporary folders: after them, nothing new is in the clone."""
    before = _generated()
    yield
    new = sorted(str(p.relative_to(ROOT)) for p in _generated() - before)
    assert not new, f"the tests left files in the clone: {new[:10]}"


@pytest.fixture(scope="session")
def suite() -> Suite:
    """The built-in suite."""
    return load_suite(default_rules())


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write an export from lines (joined with CRLF) and return its path."""

    def write(*lines: str, header: str = HEADER, name: str = "export.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(("\r\n".join([header, *lines]) + "\r\n").encode("utf-8"))
        return path

    return write


def findings_by_rule(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The findings of a results document keyed by rule id (one per rule id expected)."""
    return {f["rule"]: f for f in doc["findings"]}


def write_settings(folder: Path, contract: Path | None = None, **settings: Any) -> Path:
    """A syncguard.toml in ``folder`` with these ``[settings]`` (their one home), for
    ``--config``; its contract is ``contract`` (a rule folder), else the packaged one."""
    from syncguard.suite.settings import toml_lines, toml_string

    project = ["[project]", f"contract = {toml_string(str(contract))}"] if contract else []
    path = folder / "syncguard.toml"
    path.write_text("\n".join([*project, "[settings]", *toml_lines(settings), ""]), "utf-8")
    return path
