"""Every output path goes through one guard: nothing a run reads or keeps is written over.

Each output option (``check --json/--junit/--summary-md``, ``fix --out`` and its change log,
``suggest --out``, ``compile --out``) is tried on each protected file (the export,
``--previous``, the project file, a rule file, every history with its key and journals,
another run's files, the report folder's pages, a dangling link): exit 3, one sentence, the
file untouched, even with ``--force``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from syncguard.cli import main
from tests.conftest import FIXTURES

VALID = FIXTURES / "intake" / "valid.csv"
SUITE = "handshake_student_sync_eu"
OLD_RUN = "20260101T000000000000Z-old"
KEEP = b"keep me\n"
CONFIG = '[project]\nrules = "rules"\nreport_dir = "reports"\nhistory = "hist/{history}"\n'


@dataclass
class Ran:
    code: int
    out: str
    err: str


def _main(cwd: Path, *argv: str | Path) -> Ran:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        out, err = io.StringIO(), io.StringIO()
        code = main([str(a) for a in argv], out=out, err=err)
    finally:
        os.chdir(old)
    return Ran(code, out.getvalue(), err.getvalue())


@dataclass
class Scene:
    """A project folder: its config, rules, configured history, reports with an old run."""

    root: Path
    export: Path
    config: Path
    extra: list[str]
    """Options the role needs (``--previous``, ``--history``)."""

    def args(self, command: str) -> list[str | Path]:
        common: list[str | Path] = ["--config", self.config]
        return [*common, *self.extra] if command == "check" else common


def _scene(
    tmp_path: Path, export: str = "export.csv", config: str = "syncguard.toml", history: str = "h"
) -> Scene:
    root = tmp_path / "p"
    (root / "rules").mkdir(parents=True)
    (root / "hist").mkdir()
    (root / "rules" / "local.yaml").write_text("rules: []\noverrides: []\n", encoding="utf-8")
    config_path = root / config
    config_path.write_text(CONFIG.format(history=history), encoding="utf-8")
    export_path = root / export
    shutil.copy(VALID, export_path)
    run = root / "reports" / OLD_RUN
    run.mkdir(parents=True)
    return Scene(root, export_path, config_path, [])


@dataclass(frozen=True)
class Option:
    """An output option: the command, the file name it must write (None: any), its argv."""

    command: str
    fixed: str | None
    argv: Callable[[Path, Scene], list[str | Path]]


OPTIONS = {
    "check --json": Option("check", None, lambda t, s: ["check", s.export, "--json", t]),
    "check --junit": Option("check", None, lambda t, s: ["check", s.export, "--junit", t]),
    "check --summary-md": Option(
        "check", None, lambda t, s: ["check", s.export, "--summary-md", t]
    ),
    "fix --out": Option("fix", None, lambda t, s: ["fix", s.export, "--out", t]),
    "fix change log": Option(
        "fix",
        "fixed.changes.csv",
        lambda t, s: ["fix", s.export, "--out", t.with_name("fixed.csv")],
    ),
    "suggest --out": Option("suggest", None, lambda t, s: ["suggest", s.export, "--out", t]),
    "compile --out": Option(
        "compile", f"{SUITE}.json", lambda t, s: ["compile", "--out", t.parent]
    ),
}
OPTION_NAME = {
    "check --json": "--json",
    "check --junit": "--junit",
    "check --summary-md": "--summary-md",
    "fix --out": "--out",
    "fix change log": "--out",
    "suggest --out": "--out",
    "compile --out": "--out",
}


def _victim(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(KEEP)
    return path


Role = Callable[[Path, str | None, str], tuple[Scene, Path] | None]


def _export(tmp: Path, name: str | None, command: str) -> tuple[Scene, Path] | None:
    if command == "compile":
        return None  # compile reads no export
    scene = _scene(tmp, export=name or "export.csv")
    return scene, scene.export


def _hard_link(tmp: Path, name: str | None, command: str) -> tuple[Scene, Path] | None:
    if command == "compile":
        return None
    scene = _scene(tmp)
    link = scene.root / "out" / (name or "link.csv")
    link.parent.mkdir()
    os.link(scene.export, link)
    return scene, link


def _previous(tmp: Path, name: str | None, command: str) -> tuple[Scene, Path] | None:
    if command != "check":
        return None
    scene = _scene(tmp)
    previous = scene.root / (name or "previous.csv")
    shutil.copy(VALID, previous)
    scene.extra = ["--previous", str(previous)]
    return scene, previous


def _config(tmp: Path, name: str | None, command: str) -> tuple[Scene, Path] | None:
    scene = _scene(tmp, config=name or "syncguard.toml")
    return scene, scene.config


def _rule_file(tmp: Path, name: str | None, command: str) -> tuple[Scene, Path] | None:
    if name is not None:
        return None  # a rule file is *.yaml
    scene = _scene(tmp)
    return scene, scene.root / "rules" / "local.yaml"


def _history(tmp: Path, name: str | None, command: str) -> tuple[Scene, Path] | None:
    scene = _scene(tmp, history=name or "h.sqlite")
    return scene, _victim(scene.root / "hist" / (name or "h.sqlite"))


def _beside_history(suffix: str) -> Role:
    def role(tmp: Path, name: str | None, command: str) -> tuple[Scene, Path] | None:
        if name is not None:
            return None
        scene = _scene(tmp, history="h.sqlite")
        target = scene.root / "hist" / ("h.key" if suffix == ".key" else f"h.sqlite{suffix}")
        return scene, _victim(target)

    return role


def _given_history(tmp: Path, name: str | None, command: str) -> tuple[Scene, Path] | None:
    if command != "check":
        return None
    scene = _scene(tmp)
    history = _victim(tmp / "elsewhere" / (name or "given.sqlite"))
    scene.extra = ["--history", str(history)]
    return scene, history


def _in_reports(relative: str) -> Role:
    def role(tmp: Path, name: str | None, command: str) -> tuple[Scene, Path] | None:
        if name is not None and not relative.endswith("/"):
            return None
        scene = _scene(tmp)
        file = relative + (name or "results.json") if relative.endswith("/") else relative
        return scene, _victim(scene.root / "reports" / file)

    return role


def _dangling_link(tmp: Path, name: str | None, command: str) -> tuple[Scene, Path] | None:
    scene = _scene(tmp)
    link = scene.root / "out" / (name or "out.json")
    link.parent.mkdir()
    link.symlink_to(scene.root / "nowhere")
    return scene, link


ROLES: dict[str, Role] = {
    "the export": _export,
    "a hard link to the export": _hard_link,
    "--previous": _previous,
    "the project file": _config,
    "a rule file": _rule_file,
    "the project's history": _history,
    "its key": _beside_history(".key"),
    "its -wal": _beside_history("-wal"),
    "its -journal": _beside_history("-journal"),
    "--history": _given_history,
    "the report folder's default history": _in_reports("history.sqlite"),
    "another run's file": _in_reports(f"{OLD_RUN}/"),
    "index.html": _in_reports("index.html"),
    "latest.json": _in_reports("latest.json"),
    "a dangling link": _dangling_link,
}


def _applies(option: str, role: str) -> bool:
    """Whether the option can be pointed at the role's file (its name, its command)."""
    spec = OPTIONS[option]
    if spec.command != "check" and role in ("--previous", "--history"):
        return False
    if spec.command == "compile" and role in ("the export", "a hard link to the export"):
        return False
    fixed_names = {
        "a rule file",
        "its key",
        "its -wal",
        "its -journal",
        "the report folder's default history",
        "index.html",
        "latest.json",
    }
    return spec.fixed is None or role not in fixed_names


CASES = [(o, r) for o in OPTIONS for r in ROLES if _applies(o, r)]


@pytest.mark.parametrize(("option", "role"), CASES, ids=[f"{o}-onto-{r}" for o, r in CASES])
def test_no_output_writes_onto_a_protected_file(tmp_path: Path, option: str, role: str) -> None:
    spec = OPTIONS[option]
    made = ROLES[role](tmp_path, spec.fixed, spec.command)
    assert made is not None
    scene, target = made
    before = None if target.is_symlink() else target.read_bytes()
    force = [] if spec.command == "init" else ["--force"]
    run = _main(scene.root, *spec.argv(target, scene), *scene.args(spec.command), *force)
    assert run.code == 3, (run.code, run.out, run.err)
    assert len(run.err.strip().splitlines()) == 1, run.err
    named = [target] + ([target.with_name("fixed.csv")] if option == "fix change log" else [])
    assert any(f"{n}: " in run.err for n in named) and OPTION_NAME[option] in run.err, run.err
    if before is None:
        assert target.is_symlink() and not (scene.root / "nowhere").exists()
    else:
        assert target.read_bytes() == before
    assert not list((scene.root / "reports").glob("2*-export")), "nothing ran"


def test_a_run_folder_is_known_by_its_name() -> None:
    from datetime import UTC, datetime

    from syncguard.output.guard import RUN_FOLDER
    from syncguard.pipeline import ReportLayout

    folder = ReportLayout.default(Path("r")).run_dir(Path("x.csv"), datetime.now(UTC))
    assert RUN_FOLDER.match(folder.name) and RUN_FOLDER.match(OLD_RUN)


def test_every_option_meets_every_protected_file_it_can_name() -> None:
    assert {o for o, _ in CASES} == set(OPTIONS)
    assert {r for _, r in CASES} == set(ROLES)
    assert len(CASES) >= 70


FOREIGN = {
    "check --json": b'{"mine": true}\n',
    "check --junit": b'<?xml version="1.0"?>\n<testsuites name="pytest"></testsuites>\n',
    "fix --out": b"mine\n",
    "fix change log": b"mine\n",
    "suggest --out": b"mine: true\n",
    "compile --out": b'{"name": "mine", "expectations": []}\n',
}


@pytest.mark.parametrize("option", list(FOREIGN))
def test_a_file_syncguard_did_not_write_is_replaced_only_with_force(
    tmp_path: Path, option: str
) -> None:
    spec = OPTIONS[option]
    scene = _scene(tmp_path)
    target = _victim(scene.root / "out" / (spec.fixed or "out.file"))
    target.write_bytes(FOREIGN[option])
    argv = [*spec.argv(target, scene), *scene.args(spec.command)]
    refused = _main(scene.root, *argv)
    assert refused.code == 3 and "--force" in refused.err, refused.err
    assert str(target) in refused.err and len(refused.err.strip().splitlines()) == 1
    assert target.read_bytes() == FOREIGN[option]
    forced = _main(scene.root, *argv, "--force")
    assert forced.code in (0, 1), forced.err
    assert target.read_bytes() != FOREIGN[option]


@pytest.mark.parametrize("option", ["check --json", "check --junit", "compile --out"])
def test_syncguard_replaces_what_it_wrote_itself(tmp_path: Path, option: str) -> None:
    spec = OPTIONS[option]
    scene = _scene(tmp_path)
    target = scene.root / "out" / (spec.fixed or "out.file")
    argv = [*spec.argv(target, scene), *scene.args(spec.command)]
    assert _main(scene.root, *argv).code in (0, 1)
    first = target.read_bytes()
    again = _main(scene.root, *argv)
    assert again.code in (0, 1), again.err
    assert target.is_file() and first[:20] == target.read_bytes()[:20]


def test_the_summary_is_appended_to_any_regular_file(tmp_path: Path) -> None:
    scene = _scene(tmp_path)
    summary = _victim(scene.root / "summary.md")
    run = _main(scene.root, "check", scene.export, "--summary-md", summary, *scene.args("check"))
    assert run.code == 0, run.err
    text = summary.read_bytes()
    assert text.startswith(KEEP) and b"PASSED" in text


def test_two_outputs_never_write_one_file(tmp_path: Path) -> None:
    scene = _scene(tmp_path)
    out = scene.root / "out.xml"
    run = _main(
        scene.root, "check", scene.export, "--json", out, "--junit", out, *scene.args("check")
    )
    assert run.code == 3 and "--junit would overwrite what --json writes" in run.err
    assert json.loads(out.read_bytes())["outcome"] == "invalid"  # the --json of a run not run


@pytest.mark.parametrize("page", ["index.html", "latest.html", "latest.json", "link"])
def test_a_report_folder_with_pages_syncguard_did_not_write_is_refused(
    tmp_path: Path, page: str
) -> None:
    scene = _scene(tmp_path)
    reports = scene.root / "reports"
    elsewhere = _victim(tmp_path / "elsewhere.html")
    target = reports / ("latest.html" if page == "link" else page)
    if page == "link":
        target.symlink_to(elsewhere)
    else:
        _victim(target)
    run = _main(scene.root, "check", scene.export, *scene.args("check"))
    assert run.code == 3 and str(target) in run.err and "--report-dir" in run.err, run.err
    assert len(run.err.strip().splitlines()) == 1
    assert page == "link" or target.read_bytes() == KEEP
    assert elsewhere.read_bytes() == KEEP
    forced = _main(scene.root, "check", scene.export, *scene.args("check"), "--force")
    assert forced.code == 0, forced.err
    assert elsewhere.read_bytes() == KEEP  # a link is replaced, never written through
    assert not target.is_symlink() and target.read_bytes() != KEEP


def test_the_python_api_refuses_a_foreign_report_folder_too(tmp_path: Path) -> None:
    import syncguard
    from syncguard.errors import UsageError

    _victim(tmp_path / "r" / "index.html")
    with pytest.raises(UsageError, match=r"index\.html: is not a page syncguard wrote"):
        syncguard.check(VALID, report_dir=tmp_path / "r")
    assert (tmp_path / "r" / "index.html").read_bytes() == KEEP


def test_pages_of_an_older_syncguard_are_its_own(tmp_path: Path) -> None:
    scene = _scene(tmp_path)
    reports = scene.root / "reports"
    (reports / "index.html").write_text(
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>syncguard: all runs</title>\n",
        encoding="utf-8",
    )
    (reports / "latest.html").write_text(
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n<meta http-equiv='
        '"refresh" content="0; url=x/report.html">\n<title>syncguard: the latest run</title>',
        encoding="utf-8",
    )
    assert _main(scene.root, "check", scene.export, *scene.args("check")).code == 0
    again = _main(scene.root, "check", scene.export, *scene.args("check"))  # its own pages now
    assert again.code == 0, again.err
    for page in ("index.html", "latest.html", "report.html"):
        found = next(reports.rglob(page)).read_text(encoding="utf-8")
        assert '<meta name="generator" content="syncguard">' in found


@pytest.mark.parametrize("where", ["foreign", "another run"])
def test_a_run_that_checked_nothing_leaves_a_foreign_json_alone(tmp_path: Path, where: str) -> None:
    scene = _scene(tmp_path)
    if where == "foreign":
        target = scene.root / "mine.json"
        target.write_bytes(b'{"mine": true}\n')
    else:  # an earlier run's own results document: it belongs to that run
        target = scene.root / "reports" / OLD_RUN / "results.json"
        target.write_bytes(b'{\n  "schema_version": 1,\n  "suite": "x"\n}\n')
    before = target.read_bytes()
    run = _main(
        scene.root, "check", scene.export, "--json", target, "--rules", tmp_path / "no_such"
    )
    assert run.code == 3 and "no such rule file" in run.err
    assert target.read_bytes() == before


# --- init ------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["syncguard.toml", "rules/local.yaml"])
def test_init_never_writes_through_a_dangling_link(tmp_path: Path, which: str) -> None:
    folder = tmp_path / "new"
    (folder / "rules").mkdir(parents=True)
    (folder / which).symlink_to(tmp_path / "nowhere")
    run = _main(tmp_path, "init", folder)
    assert run.code == 3 and "never overwrites" in run.err and str(folder / which) in run.err
    assert not (tmp_path / "nowhere").exists()
    assert sorted(p.name for p in folder.rglob("*")) == sorted(["rules", Path(which).name])


def test_init_makes_both_files_or_neither(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "new"
    folder.mkdir()
    real = os.open

    def second_fails(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        if str(path).endswith("local.yaml"):
            raise OSError(28, "No space left on device", str(path))
        return real(path, flags, mode)

    monkeypatch.setattr(os, "open", second_fails)
    run = _main(tmp_path, "init", folder)
    monkeypatch.undo()
    assert run.code == 3 and "cannot make a project here" in run.err
    assert list(folder.iterdir()) == []  # the first file and the rules folder are gone
    assert _main(tmp_path, "init", folder).code == 0  # and init works afterwards


def test_init_creates_its_files_exclusively(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that appears between the look and the write is not written over (O_EXCL)."""
    folder = tmp_path / "new"
    folder.mkdir()
    real = os.open

    def racing(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        if str(path).endswith("syncguard.toml") and flags & os.O_CREAT:
            Path(path).write_bytes(KEEP)  # someone else's file, made just now
        return real(path, flags, mode)

    monkeypatch.setattr(os, "open", racing)
    run = _main(tmp_path, "init", folder)
    monkeypatch.undo()
    assert run.code == 3 and "never overwrites" in run.err
    assert (folder / "syncguard.toml").read_bytes() == KEEP
    assert not (folder / "rules" / "local.yaml").exists()


# --- modes ------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("show_values", [True, False], ids=["show-values", "masked"])
def test_outputs_with_raw_values_are_private(tmp_path: Path, show_values: bool) -> None:
    scene = _scene(tmp_path)
    out = scene.root / "out"
    out.mkdir()
    flags = ["--show-values"] if show_values else []
    run = _main(
        scene.root,
        "check",
        scene.export,
        "--json",
        out / "r.json",
        "--junit",
        out / "j.xml",
        "--summary-md",
        out / "s.md",
        *scene.args("check"),
        *flags,
    )
    assert run.code == 0, run.err
    (folder,) = (scene.root / "reports").glob("*-export")
    files = [
        out / "r.json",
        out / "j.xml",
        out / "s.md",
        *(folder / n for n in ("results.json", "report.html", "failing_rows.csv")),
        *(scene.root / "reports" / n for n in ("latest.html", "latest.json")),
    ]
    umask = os.umask(0)
    os.umask(umask)
    expected = 0o600 if show_values else 0o666 & ~umask
    assert {f.name: oct(_mode(f)) for f in files} == {f.name: oct(expected) for f in files}


def test_a_replaced_file_keeps_its_mode_and_raw_values_never_widen_it(tmp_path: Path) -> None:
    scene = _scene(tmp_path)
    target = scene.root / "r.json"
    argv = ["check", scene.export, "--json", target, *scene.args("check")]
    assert _main(scene.root, *argv).code == 0
    target.chmod(0o640)
    assert _main(scene.root, *argv).code == 0
    assert _mode(target) == 0o640  # kept, not reset to 0644
    assert _main(scene.root, *argv, "--show-values").code == 0
    assert _mode(target) == 0o600  # raw values: nobody else may read them


# --- latest.* -----------------------------------------------------------------------------


def test_latest_follows_recorded_runs_only(tmp_path: Path) -> None:
    scene = _scene(tmp_path)
    reports = scene.root / "reports"
    assert _main(scene.root, "check", scene.export, *scene.args("check")).code == 0
    pages = {n: (reports / n).read_bytes() for n in ("latest.html", "latest.json")}
    other = scene.root / "other.csv"
    shutil.copy(VALID, other)
    unrecorded = _main(scene.root, "check", other, "--no-history", *scene.args("check"))
    assert unrecorded.code == 0 and "latest:" not in unrecorded.out
    fixed = scene.root / "fixed.csv"
    trial = _main(scene.root, "fix", other, "--out", fixed, "--no-history", *scene.args("fix"))
    assert trial.code == 0, trial.err
    assert len(list(reports.glob("*-other"))) + len(list(reports.glob("*-fixed"))) == 2
    assert {n: (reports / n).read_bytes() for n in pages} == pages
    assert "export" in json.loads(pages["latest.json"])["export"]["path"]
    # fix's check of FIXED.csv is recorded like any check: latest.* follow it
    recorded = _main(scene.root, "fix", other, "--out", fixed, "--force", *scene.args("fix"))
    assert recorded.code == 0, recorded.err
    assert "fixed" in json.loads((reports / "latest.json").read_text())["export"]["path"]
    assert "-fixed/report.html" in (reports / "latest.html").read_text(encoding="utf-8")
