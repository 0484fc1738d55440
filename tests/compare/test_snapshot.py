"""Snapshots: identities keyed as a standard HMAC (vectorised), and last format's snapshots still
compare after the upgrade."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from syncguard import pipeline
from syncguard.compare.snapshot import FORMAT, IDENTITIES, identity_key, make_snapshot
from syncguard.history.store import History
from tests.compare.test_changes import BASE, _with, _write
from tests.conftest import CliRun, findings_by_rule

KEY = bytes(range(32))
ROW = "__row__"


def _python_hmac(column: str, value: str) -> int:
    """What Python's own ``hmac`` says the digest is (the importer's normalisation first)."""
    normal = value.strip().lower() if column == "email_address" else value.strip()
    key = identity_key(KEY, IDENTITIES[column])
    digest = hmac.new(key.encode(), normal.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


@pytest.mark.parametrize("column", list(IDENTITIES))
@pytest.mark.parametrize(
    "value",
    ["S1000001", "  Zoë.Nováková@Uni.example.EU ", "ünï", "x" * 300, "a,b;c", "名前", "0"],
)
def test_identities_are_python_hmac_sha256_of_the_normal_value(column: str, value: str) -> None:
    frame = pl.DataFrame({column: [value], ROW: pl.Series([2], dtype=pl.UInt32)})
    snapshot = make_snapshot(frame, KEY)
    assert snapshot.format == FORMAT
    assert snapshot.frame.item(0, f"{IDENTITIES[column]}_h") == _python_hmac(column, value)


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_a_blank_identity_has_no_digest(blank: str | None) -> None:
    frame = pl.DataFrame(
        {"username": [blank, "S1"], ROW: pl.Series([2, 3], dtype=pl.UInt32)},
        schema={"username": pl.String, ROW: pl.UInt32},
    )
    digests = make_snapshot(frame, KEY).frame.get_column("username_h").to_list()
    assert digests[0] is None and digests[1] == _python_hmac("username", "S1")


def test_each_identity_has_its_own_key_and_the_secret_matters() -> None:
    frame = pl.DataFrame({c: ["same"] for c in IDENTITIES} | {ROW: pl.Series([2], dtype=pl.UInt32)})
    row = make_snapshot(frame, KEY).frame.row(0, named=True)
    digests = [row[f"{short}_h"] for short in IDENTITIES.values()]
    assert len(set(digests)) == len(digests)
    other = make_snapshot(frame, b"another secret of 32 bytes......").frame.row(0, named=True)
    assert all(other[f"{s}_h"] != row[f"{s}_h"] for s in IDENTITIES.values())


def test_format_1_is_the_old_keyed_blake2b() -> None:
    frame = pl.DataFrame({"username": [" S1 "], ROW: pl.Series([2], dtype=pl.UInt32)})
    old = hashlib.blake2b(key=KEY, digest_size=8, person=b"username")
    old.update(b"S1")
    snapshot = make_snapshot(frame, KEY, format=1)
    assert snapshot.format == 1 and snapshot.frame.item(0, "username_h") == old.digest()


def _formats(history: Path) -> list[int]:
    with History(history) as store:
        return [int(r[0]) for r in store.conn.execute("SELECT format FROM snapshots")]


def test_a_week_after_the_upgrade_compares_with_the_old_format(
    tmp_path: Path, run_cli: Callable[..., CliRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Last week's snapshot was made before format 2: the students still match, none is
    reported as vanished or renamed, a real change is still found, and this week's snapshot is
    stored in the new format."""
    history = tmp_path / "reports" / "history.sqlite"
    args: list[Any] = ["--as-of", "2026-11-29", "--history", history]
    real = pipeline.make_snapshot

    def old_format(frame: pl.DataFrame, key: bytes, known: Any = None, format: int = 1) -> Any:
        return real(frame, key, known, 1)

    monkeypatch.setattr(pipeline, "make_snapshot", old_format)
    first = run_cli("check", _write(tmp_path / "week1.csv", BASE), *args)
    assert first.code == 0, first.err
    monkeypatch.undo()
    assert _formats(history) == [1]

    same = run_cli("check", _write(tmp_path / "week2.csv", BASE), *args)
    assert same.code == 0 and same.json is not None, same.err
    plan = same.json["comparison"]["plan"]
    assert (plan["unchanged"], plan["created"], plan["vanished"]) == (len(BASE), 0, 0)
    assert _formats(history) == [1, FORMAT]

    renamed = _with(3, username="S9999999")
    changed = run_cli("check", _write(tmp_path / "week3.csv", renamed), *args, "--baseline", "1")
    assert changed.json is not None
    assert findings_by_rule(changed.json)["compare.username_changed"]["rows"] == [5]
