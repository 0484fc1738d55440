"""`syncguard suggest`: a draft of the institution's settings, valid YAML, never applied."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from syncguard.suite.settings import setting_problem
from tests.conftest import SAMPLE_DATA, CliRun


def test_the_draft_is_yaml_of_valid_settings(run_cli: Callable[..., CliRun]) -> None:
    run = run_cli("suggest", SAMPLE_DATA / "clean.csv", want_json=False)
    assert run.code == 0, run.err
    settings = yaml.safe_load(run.out)["settings"]
    assert settings["email_domains"] == ["uni-example.eu"]
    assert settings["campus_names"] == ["Main", "Riverside", "City"]
    assert all(setting_problem(k, v) is None for k, v in settings.items())
    assert "a full export held 300 students" in run.out
    for personal in ("jana.novak", "S1000001", "Nováková"):  # nothing that identifies anyone
        assert personal not in run.out


def test_the_draft_file_is_never_overwritten(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    out = tmp_path / "draft.yaml"
    first = run_cli("suggest", SAMPLE_DATA / "clean.csv", "--out", out, want_json=False)
    assert first.code == 0 and out.is_file()
    again = run_cli("suggest", SAMPLE_DATA / "clean.csv", "--out", out, want_json=False)
    assert again.code == 3 and "never overwrites" in again.err
