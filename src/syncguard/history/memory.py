"""The memory of a suite's uploads as the history stores it: updated from a run's snapshot.

The store calls :func:`updated` inside the transaction that records (or accepts) a run the
importer took; the memory's frame is ``compare.memory``'s.
"""

from __future__ import annotations

import polars as pl

from syncguard.compare import memory
from syncguard.compare.snapshot import FORMAT as SNAPSHOT_FORMAT
from syncguard.compare.snapshot import Snapshot
from syncguard.history.store import StoredMemory, StoredSnapshot


def updated(old: StoredMemory | None, snapshot: StoredSnapshot, run_id: int) -> StoredMemory | None:
    """The memory once the importer took the run of ``snapshot`` (None: leave it as it is).

    A snapshot keyed the old way (format 1) or one that cannot be read adds nothing, and a
    memory written by a newer syncguard is left alone. A memory made with another key (the
    history's key was lost or replaced) or damaged cannot be merged with: it starts again from
    this run, which the importer took (a run that passed its checks, which failed closed while
    the memory could not be used, or one a person accepted).
    """
    if snapshot.format != SNAPSHOT_FORMAT or (old is not None and old.format > memory.FORMAT):
        return None
    try:
        frame = Snapshot.from_bytes(
            snapshot.data, snapshot.key_id, snapshot.polars_version, snapshot.format
        ).frame
    except (ValueError, OSError, pl.exceptions.PolarsError):
        return None
    before = None
    if old is not None and old.key_id == snapshot.key_id and old.format == memory.FORMAT:
        try:
            before = memory.from_bytes(old.data)
        except ValueError:
            before = None
    remembered = memory.remember(before, frame, run_id)
    newest = remembered.get_column("run").max() if remembered.height else None
    return StoredMemory(
        key_id=snapshot.key_id,
        format=memory.FORMAT,
        rows=remembered.height,
        run_id=int(newest) if isinstance(newest, int) else run_id,
        data=memory.to_bytes(remembered),
    )
