"""The per-project secret that keys snapshot hashes; kept beside, never inside, the history."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

KEY_BYTES = 32


def key_path(history: Path) -> Path:
    """Where the secret of a history file lives: ``history.sqlite`` -> ``history.key``."""
    return history.with_suffix(".key")


def load_or_create(path: Path) -> bytes:
    """The secret at ``path``, created (readable by its owner only) on first use.

    Two runs starting at once both end with the same secret: creation is exclusive and the
    loser reads the winner's file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_bytes(secrets.token_bytes(KEY_BYTES).hex().encode())
        os.chmod(temp, 0o600)
        os.close(handle)
        os.replace(temp, path)
    for _ in range(200):
        text = path.read_bytes().strip()
        if len(text) == KEY_BYTES * 2:
            try:
                return bytes.fromhex(text.decode("ascii"))
            except ValueError:
                break
        time.sleep(0.01)  # the creator is between creating and filling the file
    raise OSError(
        f"{path}: the history secret is damaged; restore it, or delete it to start a new one "
        "(last week's snapshot can then not be compared)"
    )
