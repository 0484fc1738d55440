"""Intake: export bytes -> a polars frame of text columns, plus findings about the file itself."""

from __future__ import annotations

from syncguard.intake.reader import Export, read_export

__all__ = ["Export", "read_export"]
