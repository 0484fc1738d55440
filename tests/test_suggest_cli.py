"""`syncguard suggest`: a draft of the institution's settings, a TOML [settings] table for
syncguard.toml (their one home), never applied."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from syncguard.project import load
from syncguard.suite.settings import setting_problem
from tests.conftest import SAMPLE_DATA, CliRun


def _settings(text: str) -> dict[str, Any]:
    """The draft read as TOML: ``{"settings": {...}}``."""
    return tomllib.loads(text)


def test_the_draft_is_toml_of_valid_settings(run_cli: Callable[..., CliRun]) -> None:
    run = run_cli("suggest", SAMPLE_DATA / "clean.csv", want_json=False)
    assert run.code == 0, run.err
    assert set(_settings(run.out)) == {"settings"}
    settings = _settings(run.out)["settings"]
    assert settings["email_domains"] == ["uni-example.eu"]
    assert settings["campus_names"] == ["Main", "Riverside", "City"]
    assert all(setting_problem(k, v) is None for k, v in settings.items())
    assert "a full export held 300 students" in run.out
    for personal in ("jana.novak", "S1000001", "Nováková"):  # nothing that identifies anyone
        assert personal not in run.out


def test_the_draft_pasted_into_syncguard_toml_is_the_project_s_settings(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    out = tmp_path / "draft.toml"
    run = run_cli("suggest", SAMPLE_DATA / "clean.csv", "--out", out, want_json=False)
    assert run.code == 0, run.err
    assert "paste its [settings] table into the project's syncguard.toml" in run.out
    config = tmp_path / "syncguard.toml"
    config.write_text(out.read_text(encoding="utf-8"), encoding="utf-8")
    project = load(config)
    assert project.settings["campus_names"] == ["Main", "Riverside", "City"]
    rules = run_cli("rules", "--json", "--config", config, want_json=False)
    assert rules.code == 0, rules.err


@pytest.mark.parametrize("name", ["draft.yaml", "settings.YML"])
def test_a_yaml_draft_file_is_refused(
    run_cli: Callable[..., CliRun], tmp_path: Path, name: str
) -> None:
    run = run_cli("suggest", SAMPLE_DATA / "clean.csv", "--out", tmp_path / name, want_json=False)
    assert run.code == 3
    assert "suggest writes TOML" in run.err and "give --out a .toml name" in run.err
    assert len(run.err.strip().splitlines()) == 1
    assert not (tmp_path / name).exists()


def test_the_draft_file_is_never_overwritten(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    out = tmp_path / "draft.toml"
    first = run_cli("suggest", SAMPLE_DATA / "clean.csv", "--out", out, want_json=False)
    assert first.code == 0 and out.is_file()
    again = run_cli("suggest", SAMPLE_DATA / "clean.csv", "--out", out, want_json=False)
    assert again.code == 3 and "never overwrites" in again.err


SUGGEST_HEADER = (
    "email_address,username,first_name,last_name,gender,system_label_names,campus_name,"
    "primary_education:college_names,primary_education:major_names,"
    "primary_education:end_date,school_year_name"
)
TAIL = ",2027-06-30,Alumni"


def _suggest(run_cli: Callable[..., CliRun], path: Path) -> CliRun:
    run = run_cli("suggest", path, want_json=False)
    assert run.code == 0, run.err
    return run


def test_special_category_labels_and_gender_are_never_shown(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    rows = [
        f"s{i}@uni.eu,S{i},Ann,Lee,Zqxgender,{labels},Main,Law,Law{TAIL}"
        for i, labels in enumerate(
            ["Zqxdisability;Full-time", "Zqxdisability", "Full-time", "Zqxsinglelabel", ""]
        )
    ]
    run = _suggest(run_cli, write_csv(*rows, header=SUGGEST_HEADER))
    for special in ("Zqxdisability", "Full-time", "Zqxsinglelabel", "Zqxgender"):
        assert special not in run.out
    assert "3 distinct system label(s) in use on 4 student(s)" in run.out
    assert "special-category data, so none is shown here" in run.out
    assert "type the real label names from Handshake's label list" in run.out
    assert "1 label held by a single student" in run.out
    assert _settings(run.out)["settings"]["campus_names"] == ["Main"]


FORMULAS = [
    '=HYPERLINK("http://zqx.example/x")',
    "+SUM(A1)",
    "-2+3",
    "@zqxcmd",
    " =1+1",
    "\u00a0=zqx",
    "\u200b@zqx",
    "\t=zqx",
    "-",
]


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize(
    ("setting", "column", "place"),
    [
        ("campus_names", "campus_name", 6),
        ("major_names", "primary_education:major_names", 8),
    ],
)
def test_a_formula_like_value_is_left_out_of_the_allow_list(
    run_cli: Callable[..., CliRun],
    write_csv: Callable[..., Path],
    formula: str,
    setting: str,
    column: str,
    place: int,
) -> None:
    cells = ["s1@uni.eu", "S1", "Ann", "Lee", "", "", "Main", "Law", "Law", "2027-06-30", "Alumni"]
    cells[place] = '"' + formula.replace('"', '""') + '"'
    other = ["s2@uni.eu", "S2", "Bo", "Kim", "", "", "Main", "Law", "Law", "2027-06-30", "Alumni"]
    run = _suggest(run_cli, write_csv(",".join(cells), ",".join(other), header=SUGGEST_HEADER))
    assert _settings(run.out)["settings"][setting] == [other[place]]
    assert f"left out: 1 value in {column} (1 row) that look like a formula" in run.out
    assert "zqx" not in run.out and "SUM" not in run.out and "2+3" not in run.out
    assert '"-"' not in run.out


def test_only_formulas_leave_an_empty_allow_list(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    rows = [f"s{i}@uni.eu,S{i},Ann,Lee,,,=zqx{i},Law,Law{TAIL}" for i in range(3)]
    run = _suggest(run_cli, write_csv(*rows, header=SUGGEST_HEADER))
    assert "left out: 3 values in campus_name (3 rows)" in run.out
    assert "# campus_names = []   (no other value in campus_name)" in run.out
    assert "zqx" not in run.out


def test_a_private_email_domain_is_never_named(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    # one address at a family's own domain, one at the university: a tie of one each
    rows = [
        f"jana@zqx-novak.de,S1,Jana,Novak,,,Main,Law,Law{TAIL}",
        f"b@uni.eu,S2,Bo,Kim,,,Main,Law,Law{TAIL}",
    ]
    run = _suggest(run_cli, write_csv(*rows, header=SUGGEST_HEADER))
    assert "zqx-novak" not in run.out and "uni.eu" not in run.out
    assert "no domain has a clear majority: aaa.aa and aaa-aaaaa.aa have 1 address each" in run.out
    # two addresses at one private domain are a clear majority, but too few to name it
    run = _suggest(
        run_cli, write_csv(*rows[:1], rows[0].replace("jana@", "petr@"), header=SUGGEST_HEADER)
    )
    assert "zqx-novak" not in run.out
    assert "# email_domains = []" in run.out and "too few to tell" in run.out


def test_a_column_the_rules_declare_personal_is_counted_not_listed(
    tmp_path: Path, write_csv: Callable[..., Path]
) -> None:
    from syncguard.catalogue import build
    from syncguard.defaults import default_rules
    from syncguard.intake import read_export
    from syncguard.masking import DataClass
    from syncguard.suggest import draft, packaged_classes
    from syncguard.suite.loader import load_suite

    rows = [f"s{i}@uni.eu,S{i},Ann,Lee,,,Zqxcampus,Law,Law{TAIL}" for i in range(3)]
    export = read_export(
        write_csv(*rows, header=SUGGEST_HEADER), build(load_suite(default_rules())).contract()
    )
    classes = {**packaged_classes(), "campus_name": DataClass.PERSONAL}
    text = draft(export, "export.csv", classes)
    assert "Zqxcampus" not in text
    assert "campus_name is declared personal in the rule files" in text
    assert _settings(text)["settings"]["college_names"] == ["Law"]
    # a column with no declared class at all is personal too
    assert "Zqxcampus" not in draft(export, "export.csv", {})


def test_invisible_and_line_breaking_characters_are_escaped_in_the_draft(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    campus = "Main\u202e\u2028x\x85\u200b"
    rows = [f"s{i}@uni.eu,S{i},Ann,Lee,,,{campus},Law,Law{TAIL}" for i in range(2)]
    run = _suggest(run_cli, write_csv(*rows, header=SUGGEST_HEADER, name="we\nek.csv"))
    assert not any(c in run.out for c in "\u202e\u2028\x85\u200b")
    assert '"Main\\u202e\\u2028x\\u0085\\u200b"' in run.out
    assert 'from "we\\nek.csv"' in run.out  # the file name cannot start a TOML line
    assert _settings(run.out)["settings"]["campus_names"] == [campus]


def test_a_formula_like_email_domain_is_not_drafted(
    run_cli: Callable[..., CliRun], write_csv: Callable[..., Path]
) -> None:
    rows = [f"s{i}@-cmd.eu,S{i},Ann,Lee,,,Main,Law,Law{TAIL}" for i in range(5)]
    run = _suggest(run_cli, write_csv(*rows, header=SUGGEST_HEADER))
    assert _settings(run.out)["settings"].get("email_domains") is None
    assert "left out: the most common domain looks like a formula" in run.out
