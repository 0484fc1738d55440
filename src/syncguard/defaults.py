"""Where the default suite lives: packaged in the wheel, or ``rules/`` of a source checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def default_rules() -> Path:
    """The default rule folder (the Handshake EU contract)."""
    packaged = Path(str(resources.files("syncguard"))) / "_default_suite" / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"
