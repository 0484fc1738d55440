"""Every malformed CSV of the frictionless corpus ends in a clear message, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CORPUS, CliRun

FILES = (
    sorted(p for p in CORPUS.glob("*") if p.suffix in (".csv", ".tsv", ".txt"))
    if CORPUS.is_dir()
    else []
)


def test_the_corpus_is_there() -> None:
    assert len(FILES) > 90, f"expected the frictionless corpus at {CORPUS}"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file_ends_cleanly(run_cli: Callable[..., CliRun], path: Path) -> None:
    run = run_cli("check", path)
    assert run.code in (0, 1, 2)
    assert "Traceback" not in run.err and "internal error" not in run.err
    if run.code == 2:
        (line,) = run.err.strip().splitlines()
        assert str(path) in line
        assert line.endswith(".")
    else:
        assert run.json is not None
        acc = run.json["accounting"]
        assert acc["rows_read"] == acc["rows_clean"] + acc["rows_with_errors"]
