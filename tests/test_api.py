"""The Python API is the command line's twin: same project, same verdict, masked, typed, tidy."""

from __future__ import annotations

import inspect
import io
import json
import os
import re
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest

import syncguard
from syncguard import errors, workers
from syncguard.cli import main
from tests.conftest import FIXTURES, ROOT
from tests.test_pii_sweep import _export, _markers

VALID = FIXTURES / "intake" / "valid.csv"
DOC = ROOT / "docs" / "api.md"
LOCAL_RULE = (
    "rules:\n  - id: username.our_prefix\n    kind: pattern\n    column: username\n"
    '    params: {regex: "X[0-9]+"}\n    severity: error\n    description: d.\n'
    "    basis: 'practice: our usernames start with X'\n"
)
"""A project rule every username of ``valid.csv`` fails (they start with S)."""


def _project(root: Path, rules: str = LOCAL_RULE) -> Path:
    """A project in ``root`` with its own rules (files only this user can change)."""
    (root / "rules").mkdir(parents=True)
    (root / "syncguard.toml").write_text(
        '[project]\nrules = "rules"\nreport_dir = "reports"\n', encoding="utf-8"
    )
    (root / "rules" / "local.yaml").write_text(rules, encoding="utf-8")
    for path in (root, *root.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return root / "syncguard.toml"


def _cli(cwd: Path, monkeypatch: pytest.MonkeyPatch, *argv: str | Path) -> tuple[int, str]:
    monkeypatch.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, err.getvalue()


@pytest.mark.parametrize("how", ["found from the working folder", "config="])
def test_the_project_decides_as_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    config = _project(tmp_path / "project")
    work = tmp_path / "project" / "exports" if how.startswith("found") else tmp_path
    work.mkdir(exist_ok=True)
    code, err = _cli(work, monkeypatch, "check", VALID, "-q", "--config", config)
    assert code == 1, err  # the project's rule fails the file on the command line ...
    given = {"config": config} if how == "config=" else {}
    checked = syncguard.check(VALID, **given)  # ... and from Python, from the same folder
    assert checked.result.outcome is syncguard.Outcome.FAILED
    assert "username.our_prefix" in {f.rule for f in checked.result.findings}
    assert checked.outcome is syncguard.Outcome.FAILED and not checked.passed
    assert checked.result.config == str(config)
    assert checked.run_dir.parent == tmp_path / "project" / "reports"  # the project's folder


def test_a_project_file_others_could_change_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _project(tmp_path)
    config.chmod(0o666)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(syncguard.UsageError, match="can be written by every user"):
        syncguard.check(VALID)
    assert not (tmp_path / "reports").exists()


def test_values_are_masked_unless_asked_for(tmp_path: Path) -> None:
    export = _export(tmp_path / "w1.csv", "")
    common = {"email_domains": ["uni.eu"], "as_of": "2026-11-29"}
    checked = syncguard.check(export, report_dir=tmp_path / "r", **common)
    findings = checked.result.findings
    assert any(f.examples for f in findings)  # there are values to show: shown masked
    text = "\n".join([repr(checked), str(checked), *map(repr, findings)])
    assert not [m for m in _markers() if m in text]
    raw = syncguard.check(export, report_dir=tmp_path / "raw", show_values=True, **common)
    shown = "\n".join(map(repr, raw.result.findings))
    assert [m for m in _markers() if m in shown]  # the control: the values were there


class _PathLike:
    """An os.PathLike that is not a Path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __fspath__(self) -> str:
        return os.fspath(self.path)


@pytest.mark.parametrize("kind", [str, _PathLike], ids=["str", "PathLike"])
def test_paths_may_be_strings_or_path_likes(tmp_path: Path, kind: type) -> None:
    config = _project(tmp_path / "project", "rules: []\n")
    checked = syncguard.check(
        kind(VALID),
        config=kind(config),
        rules=kind(ROOT / "rules"),
        report_dir=kind(tmp_path / "r"),
        history=kind(tmp_path / "h.sqlite"),
        previous=kind(VALID),
        as_of="2026-11-29",
    )
    assert checked.outcome is syncguard.Outcome.PASSED
    assert checked.run_dir.parent == tmp_path / "r" and (tmp_path / "h.sqlite").is_file()
    assert checked.result.comparison is not None  # --previous was read
    history = f"sqlite:///{tmp_path / 'h.sqlite'}"
    again = syncguard.check(str(VALID), report_dir=str(tmp_path), history=history, baseline=1)
    assert again.result.comparison is not None and again.result.comparison.baseline.run == 1


def test_the_signature_is_typed_and_documented() -> None:
    signature = inspect.signature(syncguard.check)
    kinds = {p.kind for p in signature.parameters.values()}
    assert not kinds & {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}
    first, *rest = signature.parameters.values()
    assert first.name == "export" and all(p.kind is p.KEYWORD_ONLY for p in rest)
    for name in ("config", "rules", "email_domains", "as_of", "report_dir", "history"):
        assert name in signature.parameters
    for name in ("no_history", "previous", "baseline", "show_values"):
        assert name in signature.parameters
    hints = typing.get_type_hints(syncguard.check)
    assert set(hints) == {*signature.parameters, "return"}
    assert hints["return"] is syncguard.Checked
    doc = inspect.getdoc(syncguard.check) or ""
    for section in ("Args:", "Returns:", "Raises:"):
        assert section in doc
    assert all(f"    {p}:" in doc for p in signature.parameters)


EXPORTED = ["SyncguardError", "UsageError", "UnusableExportError", "RuleFileError", "OutputError"]


@pytest.mark.parametrize("name", EXPORTED)
def test_the_errors_are_exported(name: str) -> None:
    assert name in syncguard.__all__
    assert getattr(syncguard, name) is getattr(errors, name)
    assert issubclass(getattr(syncguard, name), syncguard.SyncguardError)


@pytest.mark.parametrize(
    ("given", "error", "words"),
    [
        ({"config": "no/such/syncguard.toml"}, "UsageError", "no such project file; check config="),
        ({"rules": "no/such/rules"}, "UsageError", "no such rule file or folder; check rules="),
        ({"rules": "{bad}"}, "RuleFileError", "bad.yaml:2:1: not valid YAML"),
        ({"previous": "{binary}"}, "UnusableExportError", "(the previous export)"),
        ({"email_domains": ["a.eu,b.eu"]}, "UsageError", "several domains"),
        ({"as_of": "29.11.2026"}, "UsageError", "yyyy-mm-dd"),
        ({"baseline": "best"}, "UsageError", "last-passed, last, or a run number"),
        ({"history": "x.sqlite", "no_history": True}, "UsageError", "not both"),
        ({"history": ":memory:"}, "UsageError", "keeps nothing between runs"),
        ({"report_dir": ""}, "UsageError", "empty"),
    ],
)
def test_mistakes_are_raised_as_the_exported_errors_and_nothing_is_printed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    given: dict[str, object],
    error: str,
    words: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text("rules: [oops\n", encoding="utf-8")
    (tmp_path / "binary.csv").write_bytes(b"\x00\x01\x02" * 100)
    paths = {"{bad}": str(tmp_path / "bad.yaml"), "{binary}": str(tmp_path / "binary.csv")}
    given = {k: paths.get(v, v) if isinstance(v, str) else v for k, v in given.items()}
    with pytest.raises(getattr(syncguard, error)) as raised:
        syncguard.check(VALID, **{"report_dir": tmp_path / "r", **given})
    assert words in str(raised.value)
    assert capfd.readouterr() == ("", "")


def _children() -> list[str]:
    """The command lines of this process's child processes (from /proc)."""
    found = []
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                found.append(Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " "))
            except OSError:
                continue  # it ended meanwhile
    return found


@pytest.fixture
def no_workers() -> Iterator[None]:
    """No worker process runs before the test (one shared by earlier tests is ended)."""
    workers.close_all()
    yield
    workers.close_all()


@pytest.mark.usefixtures("no_workers")
@pytest.mark.parametrize("ending", ["returns", "raises"])
def test_no_worker_process_is_left_running(tmp_path: Path, ending: str) -> None:
    worker = workers.GREAT_EXPECTATIONS.module
    if ending == "returns":
        checked = syncguard.check(VALID, report_dir=tmp_path / "r")
        assert checked.result.outcome is syncguard.Outcome.PASSED
    else:  # the previous export is read once the worker runs
        (tmp_path / "binary.csv").write_bytes(b"\x00\x01\x02" * 100)
        with pytest.raises(errors.UnusableExportError):
            syncguard.check(VALID, report_dir=tmp_path / "r", previous=tmp_path / "binary.csv")
    assert not [c for c in _children() if worker in c]
    assert workers.workers() == []


def test_a_worker_started_by_someone_else_is_left_to_them(tmp_path: Path) -> None:
    workers.preload(workers.GREAT_EXPECTATIONS)  # e.g. the command line run in this process
    before = [w for w in workers.workers() if w.alive]  # earlier tests here may have left some
    assert before
    syncguard.check(VALID, report_dir=tmp_path / "r")
    assert all(w.alive for w in before)
    assert [w for w in workers.workers() if w.alive] == before  # its own worker is gone


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.+?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_documented_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/api.md's task, run as Airflow would run it (the project is the one it names)."""
    example, airflow = _python_blocks()[:2]
    project = tmp_path / "srv" / "syncguard"
    code, err = _cli(tmp_path, monkeypatch, "init", project)
    assert code == 0, err
    monkeypatch.chdir(tmp_path / "srv")  # an orchestrator's working folder is anyone's guess
    namespace: dict[str, typing.Any] = {}
    exec(compile(example.replace("/srv/syncguard", str(project)), str(DOC), "exec"), namespace)
    run_dir = Path(namespace["check_export"](str(ROOT / "sample_data" / "clean.csv"), "2026-11-29"))
    assert run_dir.parent == project / "reports" and (run_dir / "report.html").is_file()
    planted = _export(tmp_path / "planted.csv", "")
    with pytest.raises(RuntimeError) as failed:
        namespace["check_export"](str(planted), "2026-11-29")
    assert "report.html" in str(failed.value)
    assert not [m for m in _markers() if m in str(failed.value)]
    assert "check_export" in airflow and "@task" in airflow
    compile(airflow, str(DOC), "exec")  # Airflow itself is not installed here: it parses
    latest = json.loads((project / "reports" / "latest.json").read_text(encoding="utf-8"))
    assert latest["export"]["path"] == str(planted)
