"""The memory of every identifier the importer took: whose person each username and SSO
``auth_identifier`` was, and when it was last uploaded.

A student who drops out of the sync keeps their account (DESIGN, "Domain facts"), so the
importer still knows a username weeks after last week's export stopped holding it. The
history keeps the same memory: one entry per identifier of every run the importer took (a run
of every check that passed, or one accepted with ``syncguard accept``), with the keyed digests
of the person it belonged to (as in a snapshot: keyed HMACs, never values), the end date the
importer stores (a date is not personal) and the run it was last seen in. A blank cell leaves
the stored value, so an entry keeps its earlier digests and end date where the newer row was
blank, as the importer's account does.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum

import polars as pl

from syncguard.compare.snapshot import PARQUET

FORMAT = 1
"""How a memory is written (its columns): a newer syncguard's memory is not read, nor replaced."""


class Kind(IntEnum):
    """Which identifier an entry remembers."""

    USERNAME = 0
    AUTH = 1


KEYS = {Kind.USERNAME: "username_h", Kind.AUTH: "auth_h"}
"""Each kind of entry and the snapshot column of its identifier."""
PERSON = ("username_h", "email_h", "auth_h", "card_h", "name_h")
"""The fingerprint of the person an identifier belonged to (keyed digests; an entry's own
identifier is its ``id_h``, its column here is null)."""
VALUES: dict[str, pl.DataType] = {
    **{column: pl.UInt64() for column in PERSON},
    "end_date": pl.Date(),
    "school_year": pl.String(),
}
"""What an entry keeps besides its identifier and run (null: never given, or blank)."""
SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.UInt8(),
    "id_h": pl.UInt64(),
    **VALUES,
    "run": pl.Int64(),
}
"""The memory's columns."""


@dataclass(frozen=True)
class Memory:
    """The memory a run compares with: its entries, and the date of each run they name."""

    frame: pl.DataFrame
    dates: Mapping[int, str] = field(default_factory=dict)
    """Run number -> the date it counted as today (for messages: "last uploaded in run #3 of
    2026-11-15")."""

    def entries(self, kind: Kind) -> pl.DataFrame:
        """The entries of one kind, their identifier in its snapshot column (``username_h`` or
        ``auth_h``), every other column suffixed ``_mem``."""
        key = KEYS[kind]
        rest = [c for c in SCHEMA if c not in ("kind", "id_h")]
        return self.frame.filter(pl.col("kind") == int(kind)).select(
            pl.col("id_h").alias(key), *(pl.col(c).alias(f"{c}_mem") for c in rest)
        )

    def when(self, run: int) -> str:
        """``run #3 of 2026-11-15`` (without the date when the run is no longer listed)."""
        date = self.dates.get(run)
        return f"run #{run} of {date}" if date else f"run #{run}"


def entries(snapshot: pl.DataFrame, run: int) -> pl.DataFrame:
    """The entries of one run's snapshot: each username and auth_identifier it holds once (a
    repeated one was skipped by the importer), with its person's fingerprint."""
    have = set(snapshot.columns)
    parts = []
    for kind, key in KEYS.items():
        if key not in have:
            continue
        # the identifier itself is id_h: its own column stays null (a null costs no space)
        values = [
            (pl.col(c) if c in have and c != key else pl.lit(None)).cast(dtype).alias(c)
            for c, dtype in VALUES.items()
        ]
        known = pl.col(key).is_not_null()
        parts.append(
            snapshot.filter(known & pl.col(key).is_unique()).select(
                pl.lit(int(kind), dtype=pl.UInt8).alias("kind"),
                pl.col(key).alias("id_h"),
                *values,
                pl.lit(run, dtype=pl.Int64).alias("run"),
            )
        )
    return pl.concat(parts) if parts else pl.DataFrame(schema=SCHEMA)


def remember(old: pl.DataFrame | None, snapshot: pl.DataFrame, run: int) -> pl.DataFrame:
    """The memory once ``run`` (whose snapshot is given) was taken by the importer.

    An identifier seen in both keeps the newer run's values, and the older one's where the
    newer was blank (the importer's "a blank leaves the stored value"); the order is the runs'
    (accepting an older run later does not undo a newer one).
    """
    new = entries(snapshot, run)
    if old is None or old.is_empty():
        return new
    parts = []
    for kind in Kind:  # one kind at a time: joins on one UInt64 column
        before = old.filter(pl.col("kind") == int(kind))
        now = new.filter(pl.col("kind") == int(kind))
        both = now.join(before.drop("kind"), on="id_h", how="left", suffix="_old")
        newer = pl.col("run_old").is_null() | (pl.col("run") >= pl.col("run_old"))
        merged = [
            pl.when(newer)
            .then(pl.coalesce(c, f"{c}_old"))
            .otherwise(pl.coalesce(f"{c}_old", c))
            .alias(c)
            for c in VALUES
        ]
        run_of = pl.max_horizontal("run", "run_old").alias("run")
        parts += [
            before.join(now.select("id_h"), on="id_h", how="anti"),  # not in this run
            both.select("kind", "id_h", *merged, run_of),
        ]
    return pl.concat(parts)


def to_bytes(frame: pl.DataFrame) -> bytes:
    """Parquet bytes for the history store."""
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd")
    return buffer.getvalue()


def from_bytes(data: bytes) -> pl.DataFrame:
    """A memory read back from the history store.

    Raises:
        ValueError: the bytes are not a whole parquet file, or not a memory's columns.
    """
    if len(data) < 12 or data[:4] != PARQUET or data[-4:] != PARQUET:
        raise ValueError(f"{len(data)} bytes that are not a whole parquet file")
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except pl.exceptions.PanicException as exc:  # a BaseException: polars gave up on it
        raise ValueError(f"polars cannot read it ({exc})") from None
    except pl.exceptions.PolarsError as exc:
        raise ValueError(f"polars cannot read it ({type(exc).__name__})") from None
    if dict(frame.schema) != SCHEMA:
        raise ValueError("its columns are not a memory's")
    return frame
