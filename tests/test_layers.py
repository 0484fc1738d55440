"""The layers stay layers: import-linter's contracts (pyproject.toml) hold for the package."""

from __future__ import annotations

import os

import pytest
from importlinter.cli import lint_imports

from tests.conftest import ROOT


def test_import_contracts_are_kept(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    status = lint_imports(config_filename=os.fspath(ROOT / "pyproject.toml"), no_cache=True)
    out = capsys.readouterr().out
    assert "BROKEN" not in out
    assert out.count("KEPT") == 5
    assert status == 0, out
