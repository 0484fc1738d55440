"""docs/scheduling.md stays true: the workflow files parse, keep the history between runs and
publish the reports, their commands run, and the cron line runs under cron's environment."""

from __future__ import annotations

import io
import json
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import yaml

import syncguard
from syncguard.cli import main
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "scheduling.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.+?)```", DOC, re.S)
YAML = [yaml.safe_load(t) for lang, t in BLOCKS if lang == "yaml"]
(GITHUB,) = [y for y in YAML if "jobs" in y]
(GITLAB,) = [y["syncguard"] for y in YAML if "syncguard" in y]
(CRON,) = [t for lang, t in BLOCKS if lang == "cron"]
VENV = "/srv/syncguard/.venv/bin/"
"""Where the documented cron line and systemd unit find syncguard."""
KEY = "0123456789abcdef" * 4
"""A history key as the CI secret holds it (64 hex characters)."""
WEEK_1 = ("sample_data/weekly/2026-11-15.csv", "2026-11-15")
"""The week before the documented command's export (it passes, so it becomes the baseline)."""


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


def _argv(command: str, tmp_path: Path) -> list[str]:
    """A documented command's arguments, with its paths made real (sample data, tmp_path)."""
    argv = shlex.split(command.replace('"$GITHUB_STEP_SUMMARY"', str(tmp_path / "summary.md")))
    argv = [str(ROOT / a) if a.startswith("sample_data/") else a for a in argv]
    if argv[0].startswith("/data/"):
        argv[0] = str(ROOT / "sample_data" / "weekly" / "2026-11-29.csv")
    return argv


@pytest.mark.parametrize("command", sorted(set(COMMANDS)))
def test_the_commands_run(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = _argv(command, tmp_path)
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", *argv, "--report-dir", str(tmp_path / "r")], out=out, err=err)
    assert code in (0, 1), err.getvalue()


# --- the CI jobs keep the history and its key, and publish what they made ---------------------


def _github_steps() -> list[dict[str, Any]]:
    (job,) = GITHUB["jobs"].values()
    steps: list[dict[str, Any]] = job["steps"]
    return steps


def _step(steps: list[dict[str, Any]], test: str) -> tuple[int, dict[str, Any]]:
    (found,) = [(i, s) for i, s in enumerate(steps) if test in json.dumps(s)]
    return found


def test_the_github_job_keeps_the_history_and_publishes_the_reports() -> None:
    steps = _github_steps()
    check_at, check = _step(steps, "syncguard check ")
    assert "--junit junit.xml" in check["run"] and "--github" in check["run"]
    restore_at, restore = _step(steps, "gh run download")
    assert restore_at < check_at
    assert "--name syncguard-history" in restore["run"]
    assert "secrets.SYNCGUARD_HISTORY_KEY" in json.dumps(restore["env"])
    assert "reports/history.key" in restore["run"]
    keep_at, keep = _step(steps, '"name": "syncguard-history"')
    assert keep_at > check_at and keep["if"] == "always()"
    assert keep["uses"].startswith("actions/upload-artifact@")
    assert keep["with"]["path"] == "reports/history.sqlite"  # never the key beside it
    upload_at, upload = _step(steps, '"name": "syncguard-reports"')
    assert upload_at > check_at and upload["if"] == "always()"
    assert upload["with"]["path"].split() == ["reports/", "!reports/history.key"]
    publish_at, publish = _step(steps, "junit-report")
    assert publish_at > check_at and publish["if"] == "always()"
    assert publish["with"]["report_paths"] == "junit.xml"
    assert GITHUB["permissions"]["actions"] == "read"  # to fetch an earlier run's history
    assert GITHUB["permissions"]["checks"] == "write"  # to publish junit.xml
    assert GITHUB["concurrency"]  # runs that share one history never overlap


def test_the_gitlab_job_keeps_the_history_and_publishes_the_reports() -> None:
    script = GITLAB["script"]
    (check,) = [line for line in script if "syncguard check " in line]
    (key,) = [line for line in script if "history.key" in line]
    assert script.index(key) < script.index(check) and "--junit junit.xml" in check
    assert GITLAB["cache"]["paths"] == ["reports/history.sqlite"]
    assert GITLAB["cache"]["when"] == "always" and GITLAB["cache"]["key"]
    artifacts = GITLAB["artifacts"]
    assert artifacts["when"] == "always" and artifacts["paths"] == ["reports/"]
    assert artifacts["exclude"] == ["reports/history.key"]
    assert artifacts["reports"]["junit"] == "junit.xml"
    assert GITLAB["resource_group"]  # runs that share one history never overlap


def _key_line(system: str) -> tuple[str, dict[str, str], list[str]]:
    """The documented line that writes the key, the secret as the CI system hands it over,
    and the paths the job keeps for the next run."""
    if system == "github":
        _, restore = _step(_github_steps(), "gh run download")
        (line,) = [x for x in restore["run"].splitlines() if "> reports/history.key" in x]
        (name,) = [n for n, v in restore["env"].items() if "SYNCGUARD_HISTORY_KEY" in v]
        _, keep = _step(_github_steps(), '"name": "syncguard-history"')
        return line, {name: KEY}, keep["with"]["path"].split()
    (line,) = [x for x in GITLAB["script"] if "install" in x and "history.key" in x]
    return line, {"SYNCGUARD_HISTORY_KEY": "secret.key"}, GITLAB["cache"]["paths"]


def _week(checkout: Path, system: str, export: str, as_of: str) -> dict[str, Any]:
    """One scheduled job in a fresh checkout: the key written as documented, then the
    documented check (of ``export``), the results as JSON."""
    line, env, _ = _key_line(system)
    (checkout / "secret.key").write_text(KEY + "\n", encoding="utf-8")  # GitLab's File variable
    subprocess.run(
        ["sh", "-c", line], cwd=checkout, env={"PATH": "/usr/bin:/bin", **env}, check=True
    )
    assert (checkout / "reports" / "history.key").stat().st_mode & 0o777 == 0o600
    (command,) = [
        c for c in COMMANDS if "--junit" in c and ("--github" in c) is (system == "github")
    ]
    argv = _argv(command, checkout)
    argv[argv.index("--as-of") + 1] = as_of
    argv[0] = str(ROOT / export)
    results = checkout / "results.json"
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", *argv, "--json", str(results)], out=out, err=err)
    assert code in (0, 1), err.getvalue()
    document: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    return document


@pytest.mark.parametrize("system", ["github", "gitlab"])
def test_a_fresh_checkout_compares_with_last_week(
    system: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "week1", tmp_path / "week2"
    for checkout in (first, second):
        (checkout / "reports").mkdir(parents=True)
    monkeypatch.chdir(first)
    assert _week(first, system, *WEEK_1)["outcome"] == "passed"
    _, _, kept = _key_line(system)
    for path in kept:  # what the cache or artifact carries to the next run, and nothing else
        shutil.copy2(first / path, second / path)
    monkeypatch.chdir(second)
    document = _week(second, system, "sample_data/weekly/2026-11-29.csv", "2026-11-29")
    baseline = (document.get("comparison") or {}).get("baseline") or {}
    assert baseline.get("run") == 1, document.get("notes")
    assert baseline.get("export") == "2026-11-15.csv"
    assert (second / "junit.xml").exists()


# --- cron: its PATH has no virtual environment ------------------------------------------------


def _cron_command() -> str:
    (line,) = [x for x in CRON.splitlines() if x.strip() and not x.startswith("#")]
    return line.split(None, 5)[5]  # after minute, hour, day, month, weekday


def test_the_cron_line_names_syncguard_by_its_absolute_path() -> None:
    command = _cron_command()
    words = shlex.split(command)
    assert words[words.index("check") - 1] == VENV + "syncguard"
    ini = "\n".join(t for lang, t in BLOCKS if lang == "ini")
    assert f"ExecStart={VENV}syncguard check " in ini


def test_the_cron_line_runs_under_crons_environment(tmp_path: Path) -> None:
    scripts = Path(sysconfig.get_path("scripts"))
    if not (scripts / "syncguard").exists():
        pytest.skip(f"syncguard is not installed beside {sys.executable} (pip install -e .)")
    project, data = tmp_path / "project", tmp_path / "data"
    assert main(["init", str(project)], out=io.StringIO(), err=io.StringIO()) == 0
    data.mkdir()
    shutil.copy(ROOT / "sample_data" / "weekly" / "2026-11-15.csv", data / "students.csv")
    log = tmp_path / "syncguard.log"
    command = (
        _cron_command()
        .replace(VENV, f"{scripts}/")  # the venv of this test run
        .replace("/srv/syncguard", str(project))
        .replace("/data/exports/students.csv", str(data / "students.csv"))
        .replace("/var/log/syncguard.log", str(log))
    )
    env = ["PATH=/usr/bin:/bin"]  # all cron gives a job (and which syncguard copy to import)
    env += [f"PYTHONPATH={p}" for p in [str(ROOT / "src")] if (ROOT / "src").is_dir()]
    done = subprocess.run(
        ["env", "-i", *env, "sh", "-c", command],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    text = log.read_text(encoding="utf-8")
    assert done.returncode == 0, (done.stderr, text)  # the clean week passes
    assert "not found" not in text and "PASSED" in text
    assert (project / "reports" / "history.sqlite").exists()  # the project's own history


def test_the_airflow_task_runs(tmp_path: Path) -> None:
    (python,) = [t for lang, t in BLOCKS if lang == "python"]
    assert "syncguard.check(Path(path)" in python
    done = syncguard.check(
        ROOT / "sample_data" / "clean.csv", report_dir=tmp_path, as_of="2026-11-29"
    )
    assert done.result.outcome is syncguard.Outcome.PASSED
