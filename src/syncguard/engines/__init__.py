"""The engines that run compiled rules: Pandera on polars, Great Expectations on pandas.

``backends()`` lists them; a new engine is one module with a :class:`~.base.Backend` and one
entry in that list.
"""

from __future__ import annotations

import polars as pl

from syncguard.engines.base import Backend, rules_for
from syncguard.model import Engine, Finding
from syncguard.suite.model import Suite


def backends() -> tuple[Backend, ...]:
    """Every validation backend, in the order they run."""
    from syncguard.engines.gx_engine import GxBackend
    from syncguard.engines.pandera_engine import PanderaBackend

    return (PanderaBackend(), GxBackend())


def validate(frame: pl.DataFrame, suite: Suite, engine: Engine | None = None) -> list[Finding]:
    """Run the suite's rules on a frame with every backend (or only ``engine``'s)."""
    findings: list[Finding] = []
    for backend in backends():
        if engine is not None and backend.engine is not engine:
            continue
        rules = rules_for(backend, suite.rules)
        if rules:
            findings.extend(backend.run(frame, rules, suite.name))
    return findings
