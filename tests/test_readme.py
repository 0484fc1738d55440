"""The README's two commands are the ones that work: CI runs the test command, the demo runs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = re.findall(r"```sh\n(.+?)\n```", README)
INSTALL = "python3 -m pip install . && "


def test_readme_has_the_two_commands() -> None:
    assert len(COMMANDS) == 2
    demo, tests = COMMANDS
    assert demo.startswith(INSTALL) and "sample_data/" in demo
    assert tests.startswith("python3 -m pip install -e '.[test]' && python3 -m pytest")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert COMMANDS[1] in ci.splitlines()


def test_the_demo_command_writes_reports_history_and_trend(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    bin_dir = Path(sys.executable).parent  # where pip put the console script `syncguard`
    assert (bin_dir / "syncguard").is_file()
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        ["bash", "-c", COMMANDS[0].removeprefix(INSTALL)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    reports = tmp_path / "reports"
    runs = sorted(p for p in reports.iterdir() if p.is_dir())
    assert [p.name.split("-", 1)[1] for p in runs] == ["2026-11-15", "2026-11-22", "2026-11-29"]
    for run in runs:
        assert {p.name for p in run.iterdir()} == {
            "results.json",
            "report.html",
            "failing_rows.csv",
        }
    assert (reports / "index.html").is_file() and (reports / "history.sqlite").is_file()
    assert "3 run(s) in reports/history.sqlite" in done.stdout
    assert done.stdout.count("FAILED: ") == 2 and done.stdout.count("PASSED: ") == 1
    # the counts the README states for the second week are the ones the demo prints
    said = re.search(r"second week fails the gate \((\d+) errors and (\d+) warnings", README)
    assert said is not None
    assert f"2026-11-22.csv: {said[1]} error(s), {said[2]} warning(s)" in done.stdout
