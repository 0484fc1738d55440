"""The README's two commands are the ones that work: CI runs the test command, the demo runs."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = re.findall(r"```sh\n(.+?)\n```", README)


def test_readme_has_the_two_commands() -> None:
    assert len(COMMANDS) == 2
    demo, tests = COMMANDS
    assert demo.startswith("python3 -m pip install . && syncguard check sample_data/")
    assert tests.startswith("python3 -m pip install -e '.[test]' && python3 -m pytest")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert COMMANDS[1] in ci.splitlines()


def test_the_demo_command_writes_results_and_report(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    check = COMMANDS[0].split(" && ", 1)[1]
    argv = ["python3", "-m", "syncguard", *shlex.split(check)[1:]]
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert done.returncode == 1, done.stderr  # the defective sample fails the gate, as it should
    assert (tmp_path / "reports" / "defective.json").is_file()
    (run_dir,) = [p for p in (tmp_path / "reports").iterdir() if p.is_dir()]
    assert (run_dir / "report.html").is_file()
    assert f"report:  reports/{run_dir.name}/report.html" in done.stdout
