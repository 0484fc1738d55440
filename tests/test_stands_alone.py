"""The repository stands alone: tests and docs read nothing outside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

OUTSIDE = re.compile(r"\.\./shared|ROOT\.parent|parents\[\d\]\.parent")
FOLDERS = ("tests", "benchmarks", "sample_data", "src", "rules", "checks", "docs")
TEXT_FILES = [
    *sorted(
        p
        for folder in FOLDERS
        for p in (ROOT / folder).rglob("*")
        if p.suffix in (".py", ".md", ".yaml", ".toml") and "fixtures" not in p.parts
    ),
    ROOT / "README.md",
    ROOT / "noxfile.py",
    ROOT / "pyproject.toml",
]


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_path_leaves_the_repository(path: Path) -> None:
    if path == Path(__file__):
        return
    hits = [
        f"{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if OUTSIDE.search(line)
    ]
    assert not hits, f"{path} points outside the repository: {hits}"
