"""The declarative suite: rules parsed from YAML, their kinds, and the registry of kinds."""

from __future__ import annotations

from syncguard.suite.model import Rule, Suite

__all__ = ["Rule", "Suite"]
