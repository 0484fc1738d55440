"""Snapshots: what next week's comparison needs of an export, with no raw personal data.

Identity columns become keyed BLAKE2b digests (a MAC with the project's secret), stable across
versions, so students can be matched week to week. Other columns become a seeded polars hash,
enough to tell "same" from "changed"; polars promises that hash only within one version, so the
version is stored and field-level changes are skipped across an upgrade. Values that are not
personal and drive warnings (school year, disabled) are kept as they are when they are one of
the importer's accepted values.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from syncguard.importer import CLEAR, IDENTITY_COLUMNS, LABELS, SCHOOL_YEARS
from syncguard.intake.reader import ROW

IDENTITIES = dict(zip(IDENTITY_COLUMNS, ("username", "email", "auth", "card"), strict=True))
"""Identity column -> short name; the snapshot column is ``<short>_h`` (keyed digest)."""
FIELD = "f:"
"""Prefix of a per-field hash column (``f:<column>``), with ``f:<column>:blank`` beside it."""

SNAPSHOT_COLUMNS = frozenset(
    {*(f"{short}_h" for short in IDENTITIES.values()), "row", "school_year", "disabled"}
    | {"labels", "labels_blank", FIELD}
)
"""What a snapshot can hold (``FIELD`` stands for every per-field hash); checks name theirs."""


def key_id(key: bytes) -> str:
    """A public fingerprint of a secret: tells whether two snapshots can be compared."""
    return hashlib.blake2b(key, digest_size=8, person=b"syncguard-kid").hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """A hashed export: one row per usable record, plus how it was keyed."""

    frame: pl.DataFrame
    key_id: str
    polars_version: str

    def to_bytes(self) -> bytes:
        """Parquet bytes for the history store."""
        buffer = io.BytesIO()
        self.frame.write_parquet(buffer, compression="zstd")
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, key: str, version: str) -> Snapshot:
        """A snapshot read back from the history store."""
        return cls(pl.read_parquet(io.BytesIO(data)), key, version)


def _mac(values: Iterable[str | None], key: bytes, person: bytes) -> list[bytes | None]:
    """Keyed BLAKE2b (8 bytes) of each value; the keyed state is set up once and copied."""
    keyed = hashlib.blake2b(key=key, digest_size=8, person=person)
    out: list[bytes | None] = []
    append = out.append
    for value in values:
        if value is None:
            append(None)
        else:
            mac = keyed.copy()
            mac.update(value.encode())
            append(mac.digest())
    return out


def _normal(column: str) -> pl.Expr:
    """The identity as the importer compares it: trimmed (emails also lowercased), blank = null."""
    value = pl.col(column).str.strip_chars()
    value = value.str.to_lowercase() if column == "email_address" else value
    return pl.when((value != "") & (value != CLEAR)).then(value)


def field_seed(key: bytes) -> int:
    """The polars hash seed derived from the secret (so field hashes are keyed too)."""
    digest = hashlib.blake2b(key, digest_size=8, person=b"syncguard-fld").digest()
    return int.from_bytes(digest) >> 1


def make_snapshot(frame: pl.DataFrame, key: bytes, known: Sequence[str] | None = None) -> Snapshot:
    """Hash an export's usable records (``frame`` from intake) into a snapshot.

    Only the ``known`` headers (all columns when None) get a per-field hash: a column the
    importer ignores is nothing to compare, and its name is text from the file.
    """
    seed = field_seed(key)
    columns: dict[str, pl.Series] = {"row": frame.get_column(ROW)}
    for column, short in IDENTITIES.items():
        values = frame.get_column(column) if column in frame.columns else None
        hashed = _mac(
            frame.select(_normal(column)).to_series().to_list() if values is not None else [],
            key,
            short.encode(),
        )
        if values is None:
            hashed = [None] * frame.height
        columns[f"{short}_h"] = pl.Series(f"{short}_h", hashed, dtype=pl.Binary)
    out = pl.DataFrame(columns)
    extras: list[pl.Expr] = []
    if "school_year_name" in frame.columns:
        year = pl.col("school_year_name")
        extras.append(pl.when(year.is_in(SCHOOL_YEARS)).then(year).alias("school_year"))
    if "disabled" in frame.columns:
        flag = pl.col("disabled")
        extras.append(pl.when(flag.is_in(("TRUE", "FALSE"))).then(flag).alias("disabled"))
    if LABELS in frame.columns:
        labels = pl.col(LABELS)
        blank = labels.is_null() | (labels.str.strip_chars() == "")
        items = labels.str.split(";").list.eval(
            pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != "").hash(seed)
        )
        extras += [blank.alias("labels_blank"), items.alias("labels")]
    fields = [
        c
        for c in frame.columns
        if c != ROW and c not in IDENTITIES and c != LABELS and (known is None or c in known)
    ]
    extras += [pl.col(c).hash(seed).alias(f"{FIELD}{c}") for c in fields]
    extras += [pl.col(c).is_null().alias(f"{FIELD}{c}:blank") for c in fields]
    if extras:
        out = pl.concat([out, frame.select(extras)], how="horizontal")
    return Snapshot(out, key_id(key), pl.__version__)
