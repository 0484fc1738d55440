"""The per-project secret that keys snapshot hashes; kept beside, never inside, the history."""

from __future__ import annotations

import errno
import os
import secrets
import stat
import time
from pathlib import Path

KEY_BYTES = 32
_EMPTY_WAIT_S = 0.5
"""How long an empty key is given to be filled (by an older syncguard creating it in place)."""


def key_path(history: Path) -> Path:
    """Where the secret of a history file lives: ``history.sqlite`` -> ``history.key``."""
    return history.with_suffix(".key")


def load_or_create(path: Path) -> bytes:
    """The secret at ``path``, created (readable by its owner only) on first use.

    The secret is written whole to a private temporary file in the same folder and then
    linked into place, so a key file is either complete or absent, and a symbolic link at
    ``path`` is never followed. Two runs starting at once both end with the same secret: the
    link is exclusive and the loser reads the winner's file.

    Raises:
        OSError: the secret cannot be created or read, is damaged, is a symbolic link or not
            a regular file, or other users may read or write it; the message says what to do.
    """
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _create(path)
    except OSError as exc:
        raise OSError(
            f"{path}: cannot create the history secret ({exc.strerror or exc}); make room on "
            f"the disk or make {path.parent} a writable folder, then run again"
        ) from None
    return _read(path)


def _create(path: Path) -> None:
    """Write a new secret to a private temporary file, then link it to ``path``.

    When ``path`` exists already (another run linked its secret first), nothing is
    overwritten: that secret is the one to use. No temporary file is left behind.
    """
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    handle = os.open(temp, flags, 0o600)
    try:
        try:
            os.fchmod(handle, 0o600)  # whatever the umask
            _write_all(handle, secrets.token_bytes(KEY_BYTES).hex().encode("ascii"))
            os.fsync(handle)
        finally:
            os.close(handle)
        try:
            os.link(temp, path, follow_symlinks=False)  # never replaces, never follows `path`
        except FileExistsError:
            return  # another run was first: its secret is the one to use
    finally:
        temp.unlink(missing_ok=True)
    _fsync_folder(path.parent)


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(handle)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise  # some file systems cannot sync a folder; the key is in place regardless
    finally:
        os.close(handle)


def _read(path: Path) -> bytes:
    """The secret in an existing key file, after checking the file may be trusted.

    Raises:
        FileNotFoundError: there is no key file yet.
        OSError: the file cannot be read or must not be used (the message says why).
    """
    deadline = time.monotonic() + _EMPTY_WAIT_S
    while True:
        text = _read_private(path).strip()
        if text or time.monotonic() >= deadline:
            break
        time.sleep(0.01)  # an older syncguard may be between creating and filling it
    if len(text) == KEY_BYTES * 2:
        try:
            return bytes.fromhex(text.decode("ascii"))
        except ValueError:
            pass
    raise OSError(
        f"{path}: the history secret is damaged; restore it, or delete it to start a new one "
        "(last week's snapshot can then not be compared)"
    )


def _read_private(path: Path) -> bytes:
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        handle = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno == errno.ELOOP and path.is_symlink():
            raise OSError(
                f"{path}: the history secret is a symbolic link, which is not followed; "
                f"replace it by the key file itself and run 'chmod 600 {path}'"
            ) from None
        raise OSError(
            f"{path}: cannot read the history secret ({exc.strerror or exc}); make it readable "
            f"by this user only ('chmod 600 {path}') and run again"
        ) from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(
                f"{path}: the history secret is not a regular file; replace it by the key file "
                f"itself and run 'chmod 600 {path}'"
            )
        if info.st_mode & 0o077:
            raise OSError(
                f"{path}: the history secret may be read or changed by other users (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); run 'chmod 600 {path}' and run again"
            )
        chunks = []
        while chunk := os.read(handle, 4096):
            chunks.append(chunk)
            if sum(map(len, chunks)) > 4096:
                break  # far longer than any key: damaged, no need to read it all
        return b"".join(chunks)
    finally:
        os.close(handle)
