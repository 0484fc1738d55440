"""Trust: a project file, rule files and check modules someone else could change are refused."""

from __future__ import annotations

import grp
import io
import json
import os
import pwd
import shutil
from pathlib import Path

import pytest

from syncguard.cli import main
from syncguard.defaults import default_rules
from syncguard.output.schema import validate
from syncguard.suite.contract import origin, packaged
from syncguard.suite.loader import load_suite
from tests.conftest import FIXTURES, ROOT

VALID = FIXTURES / "intake" / "valid.csv"
NOBODY = 65534
"""Another user's id (``nobody``); only root can hand a file to it."""

MARKER = "ran"
CHECK_MODULE = f"from pathlib import Path\nPath(__file__).with_name({MARKER!r}).write_text('x')\n"
"""A check module that leaves a file next to itself when it is imported."""

HEADERS = "email_address,username,first_name,last_name,primary_education:end_date,school_year_name"
SWAPPED = (
    "suite: handshake_student_sync_eu\nversion: '2026.11.1'\n"
    f"headers: [{HEADERS.replace(',', ', ')}]\nrules: []\n"
)
"""An empty contract with the real suite name: what a hostile project swaps in."""


def _run(cwd: Path, monkeypatch: pytest.MonkeyPatch, *argv: str | Path) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _project(root: Path, contract: str = "packaged") -> Path:
    """``root/shared``: a project with its rules and a check module, and ``work/`` below it."""
    shared = root / "shared"
    (shared / "rules").mkdir(parents=True)
    (shared / "checks").mkdir()
    (shared / "work").mkdir()
    (shared / "syncguard.toml").write_text(
        f'[project]\ncontract = "{contract}"\nrules = "rules"\nreport_dir = "reports"\n',
        encoding="utf-8",
    )
    (shared / "rules" / "local.yaml").write_text("checks: ../checks\nrules: []\n", "utf-8")
    (shared / "checks" / "marker.py").write_text(CHECK_MODULE, encoding="utf-8")
    for path in (shared, *shared.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)  # whatever the umask of the machine
    return shared


def _foreign_group() -> int:
    """A group this process may give a file to that is not the user's own private group."""
    if os.geteuid() == 0:
        return NOBODY
    user = pwd.getpwuid(os.geteuid())
    for gid in os.getgroups():
        group = grp.getgrgid(gid)
        if not (gid == user.pw_gid and group.gr_name == user.pw_name and not group.gr_mem):
            return gid
    pytest.skip("this user belongs to no group other than its private one")


def _hand_over(path: Path, uid: int = -1, gid: int = -1) -> None:
    try:
        os.chown(path, uid, gid, follow_symlinks=False)
    except PermissionError:
        pytest.skip("only root can hand a file to another user or group")


def _spoil(shared: Path, target: str, how: str) -> Path:
    """Make ``target`` (below ``shared``; '.' is shared itself) changeable by someone else."""
    path = shared / target
    if how == "foreign owner":
        _hand_over(path, uid=NOBODY)
    elif how == "foreign group":
        _hand_over(path, gid=_foreign_group())
        path.chmod(0o775 if path.is_dir() else 0o664)
    elif how == "world-writable":
        path.chmod(0o777 if path.is_dir() else 0o666)
    elif how == "sticky world-writable":  # fine for a folder above, never for a rule folder
        path.chmod(0o1777)
    elif how == "cache":  # Python would run bytecode from here instead of the source
        path.mkdir()
        path.chmod(0o777)
    return path


SPOILED = [
    ("syncguard.toml", "foreign owner", "project file is owned by nobody (uid 65534)"),
    ("syncguard.toml", "world-writable", "project file can be written by every user"),
    ("syncguard.toml", "foreign group", "project file can be written by its group"),
    (".", "world-writable", "above this project file can be written by"),
    (".", "foreign owner", "above this project file is owned by nobody"),
    ("rules", "world-writable", "rule folder can be written by every user"),
    ("rules", "sticky world-writable", "rule folder can be written by every user (mode 1777)"),
    ("rules/local.yaml", "foreign owner", "rule file is owned by nobody"),
    ("rules/local.yaml", "foreign group", "rule file can be written by its group"),
    ("checks", "world-writable", "checks folder can be written by every user"),
    ("checks/marker.py", "foreign owner", "check module is owned by nobody"),
    ("checks/marker.py", "world-writable", "check module can be written by every user"),
    ("checks/__pycache__", "cache", "bytecode cache of a check module can be written"),
]


@pytest.mark.parametrize(("target", "how", "words"), SPOILED)
def test_a_project_someone_else_could_change_stops_the_run_before_its_module_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, how: str, words: str
) -> None:
    shared = _project(tmp_path)
    spoiled = _spoil(shared, target, how)
    code, out, err = _run(shared / "work", monkeypatch, "check", VALID, "-q", "--no-history")
    assert code == 3, err
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""
    assert words in err, err
    assert str(spoiled) in err  # the file or folder at fault, by name
    fix = "sudo chown" if how == "foreign owner" else "chmod go-w"
    assert f"`{fix} " in err and "otherwise do not use it" in err
    assert not (shared / "checks" / MARKER).exists()  # its Python never ran
    assert not (shared / "reports").exists()


def test_the_same_project_when_only_this_user_can_change_it_runs_its_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control of the test above: unspoiled, the check module is imported."""
    shared = _project(tmp_path)
    code, _, err = _run(shared / "work", monkeypatch, "check", VALID, "-q", "--no-history")
    assert code in (0, 1), err
    assert (shared / "checks" / MARKER).exists()


COMMANDS = [
    ("check", str(VALID), "--no-history"),
    ("rules",),
    ("explain", "username.unique"),
    ("fix", str(VALID), "--out", "{tmp}/fixed.csv"),
    ("history",),
    ("accept", "1"),
    ("suggest", str(VALID)),
    ("compile", "--out", "{tmp}/compiled"),
]


@pytest.mark.parametrize("given", [False, True], ids=["found", "--config"])
@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_every_command_that_loads_a_project_refuses_a_foreign_project_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...], given: bool
) -> None:
    shared = _project(tmp_path)
    config = _spoil(shared, "syncguard.toml", "world-writable")
    argv = [a.format(tmp=tmp_path) for a in command]
    if given:  # naming the file does not make it trustworthy
        argv += ["--config", str(config)]
    code, out, err = _run(shared / "work", monkeypatch, *argv)
    assert code == 3 and out == "", err
    assert err.startswith(f"syncguard: {config}: this project file can be written by every user")
    assert "pass that file with --config" in err
    assert not (tmp_path / "fixed.csv").exists() and not (tmp_path / "compiled").exists()


@pytest.mark.parametrize(
    "how",
    ["a sticky shared folder (/tmp)", "the user's private group", "a link from a safe folder"],
)
def test_what_no_one_else_can_change_is_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    shared = _project(tmp_path)
    cwd = shared / "work"
    if how.startswith("a sticky"):  # others may add files there, never replace ours
        _spoil(shared, ".", "sticky world-writable")
    elif how.startswith("the user's"):  # umask 002 systems: files writable by a group of one
        user = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(user.pw_gid)
        if group.gr_name != user.pw_name or set(group.gr_mem) - {user.pw_name}:
            pytest.skip("this user has no private group")
        for path in (shared, *shared.rglob("*")):
            os.chown(path, -1, user.pw_gid)
            path.chmod(0o775 if path.is_dir() else 0o664)
    link = tmp_path / "link"
    link.symlink_to(shared, target_is_directory=True)
    config = ["--config", link / "syncguard.toml"] if how.startswith("a link") else []
    code, _, err = _run(cwd, monkeypatch, "check", VALID, "-q", "--no-history", *config)
    assert code in (0, 1), err
    assert (shared / "checks" / MARKER).exists()


def test_a_link_into_a_folder_others_can_write_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = _project(tmp_path)
    _spoil(shared, ".", "world-writable")
    link = tmp_path / "link"
    link.symlink_to(shared, target_is_directory=True)
    code, _, err = _run(tmp_path, monkeypatch, "rules", "--config", link / "syncguard.toml")
    assert code == 3 and f"the folder {shared} above this project file" in err, err


def _contract(root: Path, edit: str = "") -> Path:
    """A copy of the packaged contract (rules and checks), one rule file edited when asked."""
    rules, checks = root / "rules", root / "checks"
    shutil.copytree(default_rules(), rules)
    shutil.copytree(default_rules().parent / "checks", checks, ignore=shutil.ignore_patterns("__*"))
    if edit == "rule file":
        target = rules / "handshake_student_sync_eu.yaml"
        target.write_text(target.read_text("utf-8") + "# changed\n", "utf-8")
    elif edit == "check module":
        (checks / "extra.py").write_text("# not packaged\n", encoding="utf-8")
    return rules


@pytest.mark.parametrize(
    ("edit", "is_packaged"),
    [("", True), ("rule file", False), ("check module", False)],
    ids=["unchanged copy", "a rule file changed", "a check module added"],
)
def test_a_contract_is_the_packaged_one_when_its_files_are_the_same(
    tmp_path: Path, edit: str, is_packaged: bool
) -> None:
    """A clone with unchanged rules is not flagged, wherever it lies; a changed one is."""
    # the packaged check modules first: in this process, the copy's then fails to register the
    # same kinds again (a check failure, harmless here) instead of taking them from the original
    load_suite(default_rules())
    suite = load_suite(_contract(tmp_path, edit))
    found = origin(suite)
    assert found is not None and found.packaged is is_packaged
    name, version, _ = packaged()
    assert (name, version) == ("handshake_student_sync_eu", suite.version)
    if is_packaged:
        assert found.note is None
    else:
        assert found.note == f"contract: {tmp_path / 'rules'}, not the packaged {name} {version}"


def test_this_repository_as_a_project_is_the_packaged_contract(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = _run(ROOT, monkeypatch, "rules")
    assert code == 0, err
    assert "not the packaged" not in out


@pytest.mark.parametrize("where", ["project contract", "--rules"])
def test_a_swapped_contract_says_so_in_the_verdict_json_and_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    shared = _project(tmp_path, contract="c<b>")  # a name the report must escape
    contract = shared / "c<b>"
    contract.mkdir(mode=0o755)
    (contract / "contract.yaml").write_text(SWAPPED, encoding="utf-8")
    extra = ["--rules", str(contract)] if where == "--rules" else []
    json_path = tmp_path / "out.json"
    code, out, err = _run(
        shared / "work", monkeypatch, "check", VALID, "--no-history", "--json", json_path, *extra
    )
    assert code in (0, 1), err
    note = f"contract: {contract}, not the packaged handshake_student_sync_eu 2026.11.1"
    (verdict,) = [line for line in out.splitlines() if line.startswith(("PASSED", "FAILED"))]
    assert verdict.endswith(f"; {note}")
    document = json.loads(json_path.read_text(encoding="utf-8"))
    assert validate(document) == []
    assert document["contract"]["packaged"] is False and document["contract"]["note"] == note
    (run_dir,) = [p for p in (shared / "reports").iterdir() if p.is_dir()]
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert note.replace("<", "&lt;").replace(">", "&gt;") in page and "c<b>" not in page
    code, out, _ = _run(shared / "work", monkeypatch, "rules", *extra)
    assert code == 0 and out.splitlines()[0].endswith(f"; {note}")


def test_the_packaged_contract_says_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = _project(tmp_path)
    json_path = tmp_path / "out.json"
    code, out, err = _run(
        shared / "work", monkeypatch, "check", VALID, "--no-history", "--json", json_path
    )
    assert code in (0, 1), err
    assert "not the packaged" not in out
    document = json.loads(json_path.read_text(encoding="utf-8"))
    assert document["contract"]["packaged"] is True and document["contract"]["note"] is None
    assert validate(document) == []
