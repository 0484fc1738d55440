"""One CLI shape: every command takes -q and --progress, no command is its usage, and history
and accept find the history where check recorded it."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from syncguard.cli import COMMANDS, build_parser, main
from syncguard.history.store import History
from tests.conftest import SAMPLE_DATA, CliRun

ARGS = {
    "check": ["export.csv"],
    "rules": [],
    "compile": ["--out", "out"],
    "history": [],
    "accept": ["1"],
    "explain": ["email_address.format"],
    "init": [],
    "suggest": ["export.csv"],
    "fix": ["export.csv", "--out", "fixed.csv"],
    "schema": [],
}
"""Each command with the arguments it requires."""
FAILING = SAMPLE_DATA / "defective.csv"


def _main(*argv: str | Path) -> CliRun:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return CliRun(code, out.getvalue(), err.getvalue(), None)


def test_every_command_is_listed() -> None:
    assert set(ARGS) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(ARGS))
@pytest.mark.parametrize("flags", [["-q"], ["--quiet"], ["--progress"], ["-q", "--progress"]])
def test_every_command_accepts_quiet_and_progress(command: str, flags: list[str]) -> None:
    args = build_parser().parse_args([command, *ARGS[command], *flags])
    assert args.command == command
    assert args.quiet is ("-q" in flags or "--quiet" in flags)
    assert args.progress is ("--progress" in flags)


@pytest.mark.parametrize("argv", [["schema"], ["explain", "email_address.format"]])
def test_a_command_without_stages_ignores_them(argv: list[str]) -> None:
    plain = _main(*argv)
    flagged = _main(*argv, "-q", "--progress")
    assert plain.code == flagged.code == 0
    assert (flagged.out, flagged.err) == (plain.out, plain.err)


@pytest.mark.parametrize("how", ["empty list", "sys.argv"])
def test_no_arguments_print_the_usage_to_stderr_and_exit_3(
    how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, err = io.StringIO(), io.StringIO()
    if how == "sys.argv":
        monkeypatch.setattr("sys.argv", ["syncguard"])
        code = main(None, out=out, err=err)
    else:
        code = main([], out=out, err=err)
    assert code == 3
    assert out.getvalue() == ""
    text = err.getvalue()
    assert text.startswith("usage: syncguard")
    assert all(name in text for name in COMMANDS)
    assert text.splitlines()[-1].startswith("syncguard: no command given")


def _recorded(run_cli: Callable[..., CliRun], *argv: str | Path) -> None:
    done = run_cli("check", FAILING, "--as-of", "2026-11-29", *argv, want_json=False)
    assert done.code == 1, done.err


def test_history_and_accept_follow_report_dir(
    run_cli: Callable[..., CliRun], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no project here: ./reports would be the default
    reports = tmp_path / "elsewhere"
    _recorded(run_cli, "--report-dir", reports)
    listed = _main("history", "--report-dir", reports, "--json")
    assert listed.code == 0, listed.err
    (run,) = json.loads(listed.out)
    assert run["outcome"] == "failed"
    assert "no syncguard.toml found" not in listed.err  # the folder was named: no guess
    accepted = _main("accept", str(run["id"]), "--report-dir", reports)
    assert accepted.code == 0, accepted.err
    (run,) = json.loads(_main("history", "--report-dir", reports, "--json").out)
    assert run["accepted"] is True
    missing = _main("history")  # ./reports has no history: said, with how to name one
    assert missing.code == 3 and "--report-dir" in missing.err


def test_history_follows_the_project_and_report_dir_overrides_it(
    run_cli: Callable[..., CliRun], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    assert _main("init", project).code == 0
    monkeypatch.chdir(project)
    _recorded(run_cli, "--config", project / "syncguard.toml")  # into the project's reports
    (run,) = json.loads(_main("history", "--json").out)
    assert run["outcome"] == "failed"
    _recorded(run_cli, "--report-dir", tmp_path / "other")
    assert len(json.loads(_main("history", "--json").out)) == 1
    assert len(json.loads(_main("history", "--report-dir", tmp_path / "other", "--json").out)) == 1
    assert not (project / "other").exists() and (tmp_path / "other" / "history.sqlite").exists()


def test_an_empty_history_is_no_runs_yet(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with History(path):
        pass  # made, with no run
    assert path.exists() and os.path.getsize(path) > 0
    text = _main("history", "--history", path)
    assert text.code == 0, text.err
    assert text.out.startswith("no runs yet in ") and "syncguard check" in text.out
    by_dir = _main("history", "--report-dir", tmp_path, "--suite", "x")
    assert by_dir.code == 0 and by_dir.out.startswith("no runs of suite x yet in ")
    as_json = _main("history", "--history", path, "--json")
    assert as_json.code == 0 and json.loads(as_json.out) == []
