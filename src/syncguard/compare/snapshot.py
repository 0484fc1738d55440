"""Snapshots: what next week's comparison needs of an export, with no raw personal data.

Identity columns become keyed digests (HMAC-SHA256 with a key derived from the project's secret,
one per identity, cut to 8 bytes), stable across versions, so students can be matched week to
week. They are computed in polars by the ``polars-hash`` plugin (a standard HMAC: Python's
``hmac`` gives the same bytes); snapshots of format 1, from before, used a keyed BLAKE2b per
value in Python, and a run compared with one makes its identities that way once more. Other
columns become a seeded polars hash, enough to tell "same" from "changed"; polars promises that
hash only within one version, so the version is stored and field-level changes are skipped
across an upgrade. Values that are not personal and drive warnings (school year, disabled) are
kept as they are when they are one of the importer's accepted values.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl
import polars_hash  # noqa: F401  (registers the "chash" expression namespace)

from syncguard.importer import (
    CLEAR,
    DATE_FORMAT,
    END_DATE,
    IDENTITY_COLUMNS,
    LABELS,
    NAME_COLUMNS,
    SCHOOL_YEARS,
    START_DATE,
)
from syncguard.intake.reader import ROW

IDENTITIES = dict(zip(IDENTITY_COLUMNS, ("username", "email", "auth", "card"), strict=True))
"""Identity column -> short name; the snapshot column is ``<short>_h`` (keyed digest)."""
NAME = "name"
"""The short name of the name fingerprint ``name_h``: a keyed digest of the normalised
first_name and last_name, made like the identities' (not an identity: students are not matched
on it, but it tells one person from another). Snapshots made before it lack the column: a
missing ``name_h`` is unknown, never different."""
DATES = {START_DATE: "start_date", END_DATE: "end_date"}
"""Date column -> snapshot column: the date itself (``pl.Date``; null where blank or not
yyyy-mm-dd). Dates are not personal (the contract's data classes show them unmasked), so a
snapshot may keep them: the end date the importer has stored is what a returning alumnus's
blank end date leaves in place."""
FORMAT = 2
"""How identities are keyed: 1 keyed BLAKE2b bytes (until 2026-11), 2 HMAC-SHA256 in polars
(its first 8 bytes as an unsigned integer), with 32-bit field hashes."""
FORMATS = (1, FORMAT)
"""The formats a snapshot can be compared in."""
DIGEST_BYTES = 8
FIELD = "f:"
"""Prefix of a per-field hash column (``f:<column>``), with ``f:<column>:blank`` beside it."""

SNAPSHOT_COLUMNS = frozenset(
    {*(f"{short}_h" for short in IDENTITIES.values()), "row", "school_year", "disabled"}
    | {"labels", "labels_blank", FIELD, f"{NAME}_h", *DATES.values()}
)
"""What a snapshot can hold (``FIELD`` stands for every per-field hash); checks name theirs."""


ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
"""A date as the importer takes it (yyyy-mm-dd, digits padded)."""

PARQUET = b"PAR1"
"""How a parquet file starts and ends."""


def _schema_problem(schema: pl.Schema, format: int) -> str | None:
    """What in a stored snapshot's columns a comparison cannot use, or None."""
    identity: pl.DataType = pl.UInt64() if format == FORMAT else pl.Binary()
    field: pl.DataType = pl.UInt32() if format == FORMAT else pl.UInt64()
    if "row" not in schema or not schema["row"].is_integer():
        return "its column row is missing or not whole numbers"
    for short in IDENTITIES.values():
        if f"{short}_h" not in schema or schema[f"{short}_h"] != identity:
            return f"column {short}_h is missing or not {identity}"
    wanted: dict[str, pl.DataType] = {
        f"{NAME}_h": identity,
        **{column: pl.Date() for column in DATES.values()},
        "school_year": pl.String(),
        "disabled": pl.String(),
        "labels_blank": pl.Boolean(),
        "labels": pl.List(pl.UInt64),
    }
    for name, dtype in schema.items():
        if name.startswith(FIELD):
            want = pl.Boolean() if name.endswith(":blank") else field
        elif name in wanted:
            want = wanted[name]
        else:
            continue
        if dtype != want:
            return f"its column {name} is {dtype}, not {want}"
    return None


def key_id(key: bytes) -> str:
    """A public fingerprint of a secret: tells whether two snapshots can be compared."""
    return hashlib.blake2b(key, digest_size=8, person=b"syncguard-kid").hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """A hashed export: one row per usable record, plus how it was keyed."""

    frame: pl.DataFrame
    key_id: str
    polars_version: str
    format: int = FORMAT

    def to_bytes(self) -> bytes:
        """Parquet bytes for the history store."""
        buffer = io.BytesIO()
        self.frame.write_parquet(buffer, compression="zstd")
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, key: str, version: str, format: int = FORMAT) -> Snapshot:
        """A snapshot read back from the history store.

        Raises:
            ValueError: the bytes are not a whole parquet file (a truncated snapshot), or its
                columns are not of its format's types (a damaged snapshot).
        """
        if len(data) < 12 or data[:4] != PARQUET or data[-4:] != PARQUET:
            raise ValueError(f"{len(data)} bytes that are not a whole parquet file")
        if int.from_bytes(data[-8:-4], "little") > len(data) - 12:
            raise ValueError("a parquet file cut short")
        try:
            frame = pl.read_parquet(io.BytesIO(data))
        except pl.exceptions.PanicException as exc:  # a BaseException: polars gave up on it
            raise ValueError(f"polars cannot read it ({exc})") from None
        problem = _schema_problem(frame.schema, format)
        if problem is not None:
            raise ValueError(problem)
        return cls(frame, key, version, format)


def identity_key(key: bytes, short: str) -> str:
    """The HMAC key of one identity column: derived from the secret, written in hex."""
    return hashlib.blake2b(key, digest_size=32, person=short.encode()).hexdigest()


def hmac_digest(value: pl.Expr, key: bytes, short: str) -> pl.Expr:
    """HMAC-SHA256 of each value (UTF-8) under the identity's key: its first 8 bytes as an
    unsigned big-endian integer (joins on integers are fast); null stays null."""
    mac: pl.Expr = value.chash.hmac_sha256(key=identity_key(key, short))  # type: ignore[attr-defined]
    return mac.str.slice(0, 2 * DIGEST_BYTES).str.to_integer(base=16, dtype=pl.UInt64)


def _legacy_mac(values: Iterable[str | None], key: bytes, person: bytes) -> list[bytes | None]:
    """Format 1: keyed BLAKE2b (8 bytes) of each value, in Python (slow: only to compare with a
    snapshot made before format 2)."""
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


def _name(frame: pl.DataFrame) -> pl.Expr:
    """The person's name as one text: first and last name, each trimmed, its spaces collapsed,
    lowercased and in Unicode NFC (so case, spacing and how an accent is typed do not count);
    null when either is blank, ``**CLEAR**`` or absent (unknown, not comparable)."""
    if not set(NAME_COLUMNS) <= set(frame.columns):
        return pl.lit(None, dtype=pl.String)
    parts = [
        pl.col(c).str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase()
        for c in NAME_COLUMNS
    ]
    known = [(pl.col(c).str.strip_chars() != "") & (pl.col(c) != CLEAR) for c in NAME_COLUMNS]
    text = pl.concat_str(parts, separator="\x1f").str.normalize("NFC")
    return pl.when(pl.all_horizontal(known)).then(text)


def _identities(frame: pl.DataFrame, key: bytes, format: int) -> pl.DataFrame:
    """The row numbers and the keyed digest of each identity (null where blank or absent), and
    (format 2) of the name."""
    if format == FORMAT:
        digests = [
            (hmac_digest(_normal(column), key, short) if column in frame.columns else pl.lit(None))
            .cast(pl.UInt64)
            .alias(f"{short}_h")
            for column, short in IDENTITIES.items()
        ]
        name = hmac_digest(_name(frame), key, NAME).cast(pl.UInt64).alias(f"{NAME}_h")
        return frame.select(pl.col(ROW).alias("row"), *digests, name)
    columns: dict[str, pl.Series] = {"row": frame.get_column(ROW)}
    for column, short in IDENTITIES.items():
        if column in frame.columns:
            values = frame.select(_normal(column)).to_series().to_list()
            hashed = _legacy_mac(values, key, short.encode())
        else:
            hashed = [None] * frame.height
        columns[f"{short}_h"] = pl.Series(f"{short}_h", hashed, dtype=pl.Binary)
    return pl.DataFrame(columns)


def _field_hash(value: pl.Expr, seed: int, format: int) -> pl.Expr:
    """A field's seeded hash: 64 bits in format 1, 32 in format 2 (it only tells "same" from
    "changed": a change goes unseen with odds of 1 in 4 billion, and the snapshot is half)."""
    hashed = value.hash(seed)
    return hashed if format == 1 else (hashed & 0xFFFFFFFF).cast(pl.UInt32)


def make_snapshot(
    frame: pl.DataFrame, key: bytes, known: Sequence[str] | None = None, format: int = FORMAT
) -> Snapshot:
    """Hash an export's usable records (``frame`` from intake) into a snapshot.

    Only the ``known`` headers (all columns when None) get a per-field hash: a column the
    importer ignores is nothing to compare, and its name is text from the file. ``format`` 1
    keys the identities as snapshots made before format 2 did (to compare with one of those).
    """
    seed = field_seed(key)
    out = _identities(frame, key, format)
    extras: list[pl.Expr] = []
    if "school_year_name" in frame.columns:
        year = pl.col("school_year_name")
        extras.append(pl.when(year.is_in(SCHOOL_YEARS)).then(year).alias("school_year"))
    if "disabled" in frame.columns:
        flag = pl.col("disabled")
        extras.append(pl.when(flag.is_in(("TRUE", "FALSE"))).then(flag).alias("disabled"))
    for column, short in DATES.items():
        if column in frame.columns:
            text = pl.col(column).str.strip_chars()
            value = text.str.to_date(DATE_FORMAT, strict=False)
            extras.append(pl.when(text.str.contains(ISO_DATE)).then(value).alias(short))
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
    extras += [_field_hash(pl.col(c), seed, format).alias(f"{FIELD}{c}") for c in fields]
    extras += [pl.col(c).is_null().alias(f"{FIELD}{c}:blank") for c in fields]
    if extras:
        out = pl.concat([out, frame.select(extras)], how="horizontal")
    return Snapshot(out, key_id(key), pl.__version__, format)
