"""Hostile or unlucky command lines: nothing the user did not name is overwritten or lost."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, CliRun, findings_by_rule

VALID = FIXTURES / "intake" / "valid.csv"


def _plain(run_cli: Callable[..., CliRun], *argv: str | Path) -> CliRun:
    return run_cli(*argv, want_json=False)


@pytest.mark.parametrize("target", ["export", "history", "key", "wal"])
def test_json_never_overwrites_the_export_or_the_history(
    run_cli: Callable[..., CliRun], tmp_path: Path, target: str
) -> None:
    export = tmp_path / "export.csv"
    shutil.copy(VALID, export)
    reports = tmp_path / "reports"
    assert _plain(run_cli, "check", export, "--report-dir", reports, "-q").code == 0
    paths = {
        "export": export,
        "history": reports / "history.sqlite",
        "key": reports / "history.key",
        "wal": reports / "history.sqlite-wal",
    }
    victim = paths[target]
    if not victim.exists():
        victim.write_bytes(b"journal")
    before = victim.read_bytes()
    run = _plain(run_cli, "check", export, "--report-dir", reports, "--json", victim, "-q")
    assert run.code == 3, run.err
    assert "--json would overwrite" in run.err and len(run.err.strip().splitlines()) == 1
    assert victim.read_bytes() == before


@pytest.mark.parametrize("kind", ["device", "symlink", "folder"])
def test_json_refuses_what_is_not_a_regular_file(
    run_cli: Callable[..., CliRun], tmp_path: Path, kind: str
) -> None:
    if kind == "device":
        target = Path("/dev/null")
    elif kind == "symlink":
        target = tmp_path / "link.json"
        (tmp_path / "elsewhere.txt").write_text("keep me", encoding="utf-8")
        target.symlink_to(tmp_path / "elsewhere.txt")
    else:
        target = tmp_path / "folder.json"
        target.mkdir()
    run = _plain(run_cli, "check", VALID, "--report-dir", tmp_path / "r", "--json", target, "-q")
    assert run.code == 3 and "--json would write into" in run.err
    if kind == "symlink":
        assert (tmp_path / "elsewhere.txt").read_text(encoding="utf-8") == "keep me"
    if kind == "device":
        assert Path("/dev/null").is_char_device()


def test_json_to_standard_output(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    run = _plain(run_cli, "check", VALID, "--report-dir", tmp_path / "r", "--json", "-", "-q")
    assert run.code == 0
    document = json.loads(run.out)
    assert document["outcome"] == "passed"
    assert "PASSED:" in run.err  # the summary moved out of the way


def test_a_long_export_name_gets_a_short_run_folder(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    export = tmp_path / ("é" * 120 + ".csv")  # 240 bytes of name
    shutil.copy(VALID, export)
    run = _plain(run_cli, "check", export, "--report-dir", tmp_path / "r", "-q")
    assert run.code == 0, run.err
    (folder,) = [p for p in (tmp_path / "r").iterdir() if p.is_dir()]
    assert len(folder.name.encode()) <= 160 and "~" in folder.name


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--email-domain", "@@..."], "is not an email domain"),
        (["--email-domain", "a.eu,b.eu"], "repeat --email-domain"),
        (["--email-domain", "uni .eu"], "is not an email domain"),
        (["--history", "sqlite:///:memory:"], "in-memory history keeps nothing"),
        (["--history", ":memory:"], "in-memory history keeps nothing"),
        (["--baseline", "yesterday"], "is not a baseline"),
    ],
)
def test_option_values_are_checked_before_anything_runs(
    run_cli: Callable[..., CliRun], argv: list[str], words: str
) -> None:
    run = _plain(run_cli, "check", VALID, *argv)
    assert run.code == 3 and words in run.err
    assert len(run.err.strip().splitlines()) == 1


@pytest.mark.parametrize("domain", ["uni.eu", "@student.uni-example.eu", "UNI.AC.UK."])
def test_good_domains_pass(run_cli: Callable[..., CliRun], tmp_path: Path, domain: str) -> None:
    run = _plain(
        run_cli,
        "check",
        VALID,
        "--email-domain",
        domain,
        "--no-history",
        "-q",
        "--report-dir",
        tmp_path / "r",
    )
    assert run.code in (0, 1), run.err


def test_a_project_kind_that_exits_is_an_error_finding(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    checks = tmp_path / "checks"
    checks.mkdir()
    for module in (ROOT / "checks").glob("*.py"):  # the same files: registered once
        (checks / module.name).symlink_to(module)
    (checks / "rogue.py").write_text(
        '"""A project kind that ends the process when it runs."""\n'
        "import sys\n"
        "from syncguard.suite.registry import Example, PanderaKind, register\n\n\n"
        "@register\n"
        "class Rogue(PanderaKind):\n"
        '    name = "rogue_exit"\n'
        '    summary = "exits"\n'
        '    example = Example(columns=("first_name",), passing=(), failing=())\n\n'
        "    def passes(self, rule, value):\n"
        "        sys.exit(0)\n",
        encoding="utf-8",
    )
    (rules / "local.yaml").write_text(
        "rules:\n  - id: first_name.rogue\n    kind: rogue_exit\n    column: first_name\n"
        "    description: d.\n    basis: 'practice: a test'\n",
        encoding="utf-8",
    )
    run = run_cli("check", VALID, "--rules", rules, "--no-history")
    assert run.code == 1, run.err
    assert run.json is not None
    found = findings_by_rule(run.json)
    assert "sys.exit(0)" in found["first_name.rogue"]["message"]
    assert found["first_name.rogue"]["severity"] == "error"
    # the other rules still ran: a planted defect elsewhere is still found
    assert run.json["accounting"]["rows_read"] == 4


def test_no_output_is_left_half_written_on_a_full_disk(
    run_cli: Callable[..., CliRun], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from syncguard.output import base

    real = os.replace

    def full(src: str, dst: str) -> None:
        if str(dst).endswith("report.html"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        real(src, dst)

    monkeypatch.setattr(base.os, "replace", full)
    run = _plain(run_cli, "check", VALID, "--report-dir", tmp_path / "r", "-q")
    assert run.code == 2  # not a mistake of the command line: the disk is full
    assert "report.html: cannot write results: the disk is full" in run.err
    assert "No space left on device" in run.err and "[Errno" not in run.err
    assert not list((tmp_path / "r").rglob("*.tmp")) and not list((tmp_path / "r").rglob(".*"))


@pytest.mark.parametrize("body", ["import sys\nsys.exit(0)\n", "raise RuntimeError('boom')\n"])
def test_a_check_module_that_fails_to_load_is_an_error_finding(
    run_cli: Callable[..., CliRun], tmp_path: Path, body: str
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    checks = tmp_path / "checks"
    checks.mkdir()
    for module in (ROOT / "checks").glob("*.py"):
        (checks / module.name).symlink_to(module)
    (checks / "broken.py").write_text('"""A module that fails."""\n' + body, encoding="utf-8")
    (rules / "local.yaml").write_text(
        "rules:\n  - id: first_name.broken\n    kind: broken_kind\n    column: first_name\n"
        "    description: d.\n    basis: 'practice: a test'\n",
        encoding="utf-8",
    )
    run = run_cli("check", VALID, "--rules", rules, "--no-history")
    assert run.code == 1, run.err
    assert run.json is not None
    finding = findings_by_rule(run.json)["project.check_module"]
    assert "broken.py" in finding["message"] and "first_name.broken" in finding["message"]
    assert run.json["accounting"]["rows_read"] == 4  # the other rules ran
    linted = _plain(run_cli, "rules", "--rules", rules)
    assert linted.code == 3 and "broken.py" in linted.err
