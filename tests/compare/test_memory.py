"""The memory of uploads and the same-person test, on frames of digests built here."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from syncguard.compare.identity import FINGERPRINTS, SamePerson
from syncguard.compare.memory import SCHEMA, Kind, Memory, from_bytes, remember, to_bytes
from syncguard.suite.settings import FINGERPRINT_NAMES, SETTINGS, resolved


def _snapshot(*rows: dict[str, Any]) -> pl.DataFrame:
    columns = ("row", "username_h", "email_h", "auth_h", "card_h", "name_h")
    data = {c: [r.get(c) for r in rows] for c in columns}
    frame = pl.DataFrame(data, schema={c: pl.UInt64 for c in columns})
    return frame.with_columns(
        pl.Series("end_date", [r.get("end_date") for r in rows], dtype=pl.Date)
    )


def _entry(memory: pl.DataFrame, kind: Kind, identifier: int) -> dict[str, Any]:
    found = memory.filter((pl.col("kind") == int(kind)) & (pl.col("id_h") == identifier))
    assert found.height == 1
    return found.row(0, named=True)


def test_a_blank_keeps_the_stored_value_and_the_newest_run_wins() -> None:
    week1 = _snapshot({"row": 2, "username_h": 1, "email_h": 10, "auth_h": 20, "card_h": 30})
    week1 = week1.with_columns(pl.lit(date(2025, 6, 30)).alias("end_date"))
    week3 = _snapshot({"row": 2, "username_h": 1, "email_h": 11, "auth_h": None, "card_h": 31})
    memory = remember(remember(None, week1, 1), week3, 3)
    entry = _entry(memory, Kind.USERNAME, 1)
    # the new email and card, the SSO id and end date of before (blank: left as they were)
    assert (entry["email_h"], entry["auth_h"], entry["card_h"]) == (11, 20, 31)
    assert (entry["end_date"], entry["run"]) == (date(2025, 6, 30), 3)
    assert _entry(memory, Kind.AUTH, 20)["run"] == 1  # the SSO id was last uploaded in run 1
    # accepting an older run afterwards does not undo the newer one
    older = _snapshot({"row": 2, "username_h": 1, "email_h": 12})
    assert _entry(remember(memory, older, 2), Kind.USERNAME, 1)["email_h"] == 11


def test_a_repeated_identifier_is_not_remembered() -> None:
    """The importer skips rows that repeat a username: neither row was uploaded."""
    snap = _snapshot(
        {"row": 2, "username_h": 1, "auth_h": 20},
        {"row": 3, "username_h": 1, "auth_h": 21},
    )
    memory = remember(None, snap, 1)
    assert memory.filter(pl.col("kind") == int(Kind.USERNAME)).is_empty()
    assert sorted(memory.filter(pl.col("kind") == int(Kind.AUTH))["id_h"]) == [20, 21]


def test_the_memory_round_trips_and_refuses_other_bytes() -> None:
    memory = remember(None, _snapshot({"row": 2, "username_h": 1, "email_h": 10}), 1)
    assert from_bytes(to_bytes(memory)).equals(memory)
    assert dict(memory.schema) == SCHEMA
    with pytest.raises(ValueError, match="parquet"):
        from_bytes(b"\x00\x11")
    with pytest.raises(ValueError, match="columns"):
        from_bytes(to_bytes(memory.drop("run")))
    assert Memory(memory, {1: "2026-11-15"}).when(1) == "run #1 of 2026-11-15"


@pytest.mark.parametrize(
    ("now", "before", "min_differing", "another"),
    [
        ((10, 20, 30, 40), (11, 21, 31, 41), 2, True),  # all four differ
        ((10, 20, None, None), (11, 21, 31, 41), 2, True),  # two comparable, both differ
        ((10, None, None, None), (11, 21, 31, 41), 2, False),  # one differs: too little
        ((10, 20, 30, 40), (11, 21, 31, 40), 2, False),  # the name agrees: the same person
        ((10, 20, None, None), (11, 21, 31, 41), 3, False),  # the threshold is a setting
        ((None, None, None, None), (11, 21, 31, 41), 1, False),  # nothing known
    ],
)
def test_the_same_person_test(
    now: tuple[int | None, ...],
    before: tuple[int | None, ...],
    min_differing: int,
    another: bool,
) -> None:
    names = ("email_h", "auth_h", "card_h", "name_h")
    frame = pl.DataFrame(
        {
            "username_h": [1],
            "username_h_prev": [1],
            **{c: [v] for c, v in zip(names, now, strict=True)},
            **{f"{c}_prev": [v] for c, v in zip(names, before, strict=True)},
        },
        schema={c: pl.UInt64 for c in ("username_h", "username_h_prev", *names)}
        | {f"{c}_prev": pl.UInt64 for c in names},
    )
    test = SamePerson(min_differing=min_differing)
    assert frame.select(test.another("username_h", "_prev")).item() is another


def test_the_test_is_made_of_the_settings() -> None:
    assert tuple(FINGERPRINTS) == FINGERPRINT_NAMES
    defaults = SamePerson.of(resolved({}))
    assert defaults == SamePerson()
    assert SETTINGS["takeover_min_differing"].default == defaults.min_differing
    tuned = SamePerson.of({"takeover_min_differing": 3, "same_person_fingerprints": ["name"]})
    assert (tuned.min_differing, tuned.fingerprints) == (3, ("name_h",))
