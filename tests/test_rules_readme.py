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


CONSEQUENCES = GUIDE.split("## What the import does", 1)[1].split("\n## ", 1)[0]
EXPLAINS = GUIDE.split("## One cause, one finding", 1)[1].split("\n## ", 1)[0]


def test_the_guide_lists_every_consequence_in_its_words() -> None:
    from syncguard.model import Consequence

    rows = re.findall(r"^\| `(\w+)` \| (.+) \|$", CONSEQUENCES, re.M)
    assert [name for name, _ in rows] == [c.value for c in Consequence]  # worst first
    for name, words in rows:
        assert Consequence(name).plain.endswith(words)


def test_the_guide_says_each_kinds_consequence() -> None:
    from syncguard.suite.registry import kinds

    listed = CONSEQUENCES.split("takes its kind's (", 1)[1].split(")", 1)[0]
    said: dict[str, str] = {}
    for group in listed.split(";"):
        names, value = group.rsplit(":", 1)
        for name in re.findall(r"`(\w+)`", names):
            said[name] = value.strip(" `")
    declared = {n: k.consequence.value for n, k in kinds().items() if k.consequence is not None}
    assert said == declared


def test_the_guides_explains_example_is_the_contracts_rule() -> None:
    (example,) = re.findall(r"```yaml\n(.+?)```", EXPLAINS, re.S)
    contract = (ROOT / "rules" / "handshake_student_sync_eu.yaml").read_text(encoding="utf-8")
    assert example in contract
