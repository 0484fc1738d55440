"""The analysts' guide (rules/README.md): its worked example runs and reports what it says."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

from tests.conftest import HEADER, ROOT, CliRun

GUIDE = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
EXAMPLE = GUIDE.split("## Worked example", 1)[1]
RULE = re.findall(r"```yaml\n(.+?)```", EXAMPLE, re.S)[0]
OUTPUT = re.findall(r"```text\n(.+?)```", EXAMPLE, re.S)[0].strip()


def test_worked_example_runs_as_documented(
    run_cli: Callable[..., CliRun], tmp_path: Path, write_csv: Callable[..., Path]
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (tmp_path / "checks").symlink_to(ROOT / "checks")  # the same kinds, not a second copy
    (rules / "local.yaml").write_text("rules:\n" + RULE, encoding="utf-8")
    listed = run_cli("rules", "--rules", rules, want_json=False)
    assert "card_id.ten_digits" in listed.out
    export = write_csv(
        "jana.novak@student.uni-example.eu,S1000001,Jana,Nováková,2027-06-30,Alumni,0471924865",
        "eva.berg@student.uni-example.eu,S1000002,Eva,Berg,2027-06-30,Alumni,12345",
        header=HEADER + ",card_id",
    )
    run = run_cli("check", export, "--rules", rules)
    assert OUTPUT in run.out
    assert run.code == 0  # a warning does not fail the gate
