"""syncguard: data-quality gate for the Handshake student sync export (EU format)."""

from __future__ import annotations

__version__ = "0.1.0"
