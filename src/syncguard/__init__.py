"""syncguard: data-quality gate for the Handshake student sync export (EU format)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from syncguard._version import __version__
from syncguard.model import Outcome, RunResult, Severity

if TYPE_CHECKING:
    from syncguard.pipeline import Completed

__all__ = ["Outcome", "RunResult", "Severity", "__version__", "check"]


def check(*args: Any, **kwargs: Any) -> Completed:
    """Check an export (see :func:`syncguard.api.check`); imports the engines on first use."""
    from syncguard.api import check as run_check

    return run_check(*args, **kwargs)
