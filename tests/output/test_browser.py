"""A real browser opens a rendered report: the verdict shows, export values stay text."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import CliRun

CHROMIUM = shutil.which("chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (CI installs it: see .ci/run)",
)
SCRIPT = "<script>alert(1)</script>"


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None, "chromium is missing: apt-get install chromium"
    profile = tmp_path / "profile"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def report(run_cli: Callable[..., CliRun], write_csv: Callable[..., Path], tmp_path: Path) -> Path:
    path = write_csv(
        f"jana.novak@student.uni-example.eu,S1000001,Jana,{SCRIPT} ,2027-06-30,Alumni",
        "jana.novak@student.uni-example.eu,S1000002,Eva,Berg,2027-06-30,Alumni",
    )
    run = run_cli("check", path, "--show-values", "--no-history")
    assert run.code == 1
    (run_dir,) = [p for p in (tmp_path / "reports").iterdir() if p.is_dir()]
    return run_dir / "report.html"


def test_the_verdict_is_visible_in_a_screenshot(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    done = _chromium(tmp_path, "--window-size=1200,900", f"--screenshot={shot}", report.as_uri())
    assert shot.is_file(), done.stderr
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 900)
    banner = image.crop((40, 30, 1160, 110))
    reddish = sum(
        1 for r, g, b in banner.get_flattened_data() if r > 240 and 225 < g < 245 and 225 < b < 245
    )
    assert reddish > 20_000, "the red 'failed' banner is not at the top of the page"


def test_export_values_are_text_not_markup(report: Path, tmp_path: Path) -> None:
    done = _chromium(tmp_path, "--dump-dom", report.as_uri())
    dom = done.stdout
    assert "✗ FAILED: do not upload this file" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # shown as text, escaped
    assert "<script>" not in dom  # never as an element
