"""The engines that run compiled rules: Pandera on polars, Great Expectations on pandas.

``backends()`` lists them; a new engine is one module with a :class:`~.base.Backend` and one
entry in that list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syncguard.engines.base import Backend, rules_for
from syncguard.model import Engine, Finding

if TYPE_CHECKING:  # this package is imported first thing by a check: keep it light
    import polars as pl

    from syncguard.suite.model import Suite


def backends() -> tuple[Backend, ...]:
    """Every validation backend, in order: those that run here, then those that run elsewhere.

    Results are asked for in this order, so a backend in another process works while the ones
    here do (asking it first would wait for it idly).
    """
    from syncguard.engines.gx_engine import GxBackend
    from syncguard.engines.pandera_engine import PanderaBackend

    return (PanderaBackend(), GxBackend())


def validate(frame: pl.DataFrame, suite: Suite, engine: Engine | None = None) -> list[Finding]:
    """Run the suite's rules on a frame with every backend (or only ``engine``'s)."""
    started = [
        backend.start(frame, rules, suite.name)
        for backend in backends()
        if (engine is None or backend.engine is engine)
        and (rules := rules_for(backend, suite.rules))
    ]
    return [finding for pending in started for finding in pending.result()]
