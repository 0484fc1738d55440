"""docs/scheduling.md stays true: the workflow files parse and their commands run."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pytest
import yaml

import syncguard
from syncguard.cli import main
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "scheduling.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.+?)```", DOC, re.S)


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def _commands() -> list[str]:
    lines = []
    for lang, text in BLOCKS:
        if lang == "yaml":
            lines += _strings(yaml.safe_load(text))
        elif lang in ("cron", "ini"):
            lines += text.splitlines()
    found = [
        " ".join(line.split("syncguard check ", 1)[1].split(">>")[0].split())
        for line in lines
        if "syncguard check " in line
    ]
    return [c for c in found if c]


COMMANDS = _commands()


@pytest.mark.parametrize("text", [t for lang, t in BLOCKS if lang == "yaml"])
def test_workflow_files_parse(text: str) -> None:
    assert yaml.safe_load(text)


def test_every_scheduler_has_a_command() -> None:
    assert len(COMMANDS) >= 4


@pytest.mark.parametrize("command", sorted(set(COMMANDS)))
def test_the_commands_run(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = shlex.split(command.replace('"$GITHUB_STEP_SUMMARY"', str(tmp_path / "summary.md")))
    argv = [str(ROOT / a) if a.startswith("sample_data/") else a for a in argv]
    if argv[0].startswith("/data/"):
        argv[0] = str(ROOT / "sample_data" / "weekly" / "2026-11-29.csv")
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", *argv, "--report-dir", str(tmp_path / "r")], out=out, err=err)
    assert code in (0, 1), err.getvalue()


def test_the_airflow_task_runs(tmp_path: Path) -> None:
    (python,) = [t for lang, t in BLOCKS if lang == "python"]
    assert "syncguard.check(Path(path)" in python
    done = syncguard.check(
        ROOT / "sample_data" / "clean.csv", report_dir=tmp_path, as_of="2026-11-29"
    )
    assert done.result.outcome is syncguard.Outcome.PASSED
