"""An institution's project: init, discovery from the working folder, rules that extend."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from syncguard.cli import main
from tests.conftest import FIXTURES, ROOT

VALID = FIXTURES / "intake" / "valid.csv"


def _run(cwd: Path, monkeypatch: pytest.MonkeyPatch, *argv: str | Path) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_init_makes_a_project_and_never_overwrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _run(tmp_path, monkeypatch, "init")
    assert code == 0 and "wrote" in out
    assert (tmp_path / "syncguard.toml").is_file() and (tmp_path / "rules" / "local.yaml").is_file()
    before = (tmp_path / "syncguard.toml").read_bytes()
    code, _, err = _run(tmp_path, monkeypatch, "init")
    assert code == 3 and "exists already" in err
    assert (tmp_path / "syncguard.toml").read_bytes() == before
    code, out, err = _run(tmp_path, monkeypatch, "rules")  # the fresh project lints clean
    assert code == 0, err


def test_a_project_is_found_from_a_subfolder_and_extends_the_contract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(tmp_path, monkeypatch, "init")
    (tmp_path / "rules" / "local.yaml").write_text(
        "rules:\n  - id: card_id.ten_digits\n    kind: pattern\n    column: card_id\n"
        '    params: {regex: "[0-9]{10}"}\n    severity: warning\n    description: d.\n'
        "    basis: 'practice: our card readers'\n"
        "overrides:\n  - id: intake.bom\n    severity: error\n",
        encoding="utf-8",
    )
    config = tmp_path / "syncguard.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "email_domains = []", 'email_domains = ["x.eu"]'
        ),
        encoding="utf-8",
    )
    deep = tmp_path / "exports" / "2026"
    deep.mkdir(parents=True)
    code, out, _ = _run(deep, monkeypatch, "rules", "--json")
    checks = {c["id"]: c for c in json.loads(out)["checks"]}
    assert "card_id.ten_digits" in checks and "username.unique" in checks  # both layers
    assert checks["intake.bom"]["severity"] == "error"
    code, out, err = _run(deep, monkeypatch, "check", FIXTURES / "intake" / "bom.csv", "-q")
    assert code == 1, err  # the project made the BOM an error
    assert out.splitlines()[0].startswith("syncguard ") and str(config) in out.splitlines()[0]
    (run_dir,) = [p for p in (tmp_path / "reports").iterdir() if p.is_dir()]  # project's dir
    document = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    assert document["sources"]["config"] == str(config)
    assert any(f.endswith("local.yaml") for f in document["sources"]["rule_files"])
    domain = [f for f in document["findings"] if f["rule"] == "email_address.format"]
    assert domain and "x.eu" in domain[0]["message"]  # the project's email domain was used


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[settings]\nsync = 'sometimes'\n", "'automatic' or 'manual'"),
        ("[settings]\nmax_row_drop = 3\n", "a share from 0 to 1"),
        ("[settings]\nemail_domains = 'uni.eu'\n", "'email_domains' must be a list of texts"),
        ("[settings]\nsso = 'maybe'\n", "setting 'sso' must be bool"),
        ("[settings]\ntakeover_min_differing = 0\n", "a whole number from 1 to 4, got 0"),
        ("[settings]\ntakeover_min_differing = 5\n", "a whole number from 1 to 4, got 5"),
        ("[settings]\ntakeover_min_differing = 2.5\n", "must be a whole number from 1 to 4"),
        ("[settings]\ntakeover_min_differing = true\n", "must be a whole number from 1 to 4"),
        ("[settings]\nsame_person_fingerprints = ['nickname']\n", "got 'nickname'"),
        ("[settings]\nsame_person_fingerprints = []\n", "one or more of 'username' or"),
        ("[settings]\nsame_person_fingerprints = 'name'\n", "must be a list of texts"),
        ("[settings]\ncolour = 'red'\n", "unknown key 'colour' in [settings]"),
        ("[project]\nrulez = 'rules'\n", "unknown key 'rulez'"),
        ("[stuff]\n", "unknown section [stuff]"),
        ("[project\n", "not valid TOML"),
        ("[project]\nrules = 'nowhere'\n", "does not exist"),
    ],
)
def test_a_wrong_project_file_exits_3_with_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, words: str
) -> None:
    (tmp_path / "syncguard.toml").write_text(text, encoding="utf-8")
    code, _, err = _run(tmp_path, monkeypatch, "rules")
    assert code == 3 and words in err and len(err.strip().splitlines()) == 1


def test_the_clone_uses_its_own_rules_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _run(
        ROOT / "tests",
        monkeypatch,
        "check",
        VALID,
        "--no-history",
        "-q",
        "--report-dir",
        tmp_path,
    )
    assert code == 0, err
    first = out.splitlines()[0]
    assert str(ROOT / "rules" / "handshake_student_sync_eu.yaml") in first
    assert f"config {ROOT / 'syncguard.toml'}" in first


def test_without_a_project_the_packaged_contract_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _run(tmp_path, monkeypatch, "check", VALID, "--no-history", "-q")
    assert code == 0, err
    assert "no syncguard.toml" in out.splitlines()[0]
    assert (tmp_path / "reports").is_dir()


def test_the_init_template_offers_every_setting() -> None:
    """syncguard.toml is the one home of settings: the template names each of them."""
    from syncguard.project import TEMPLATE
    from syncguard.suite.settings import SETTINGS

    for name in SETTINGS:
        assert f"\n{name} = " in TEMPLATE or f"\n# {name} = " in TEMPLATE, name


def test_a_settings_block_in_a_project_rule_file_exits_3_and_says_where_it_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It once lost silently to syncguard.toml (the project said sso = false, the rule file
    true, and the run took false without a word)."""
    _run(tmp_path, monkeypatch, "init")
    local = tmp_path / "rules" / "local.yaml"
    local.write_text(local.read_text("utf-8") + "settings:\n  sso: true\n", encoding="utf-8")
    code, out, err = _run(tmp_path, monkeypatch, "check", VALID, "--no-history", "-q")
    assert code == 3 and not out
    line = next(x for x in err.splitlines() if "settings do not belong" in x)
    assert line.startswith(f"{local}:")
    assert "[settings] table of the project's syncguard.toml" in line
    assert "`sso = true`" in line
