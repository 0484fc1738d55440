"""Which files syncguard acts on: only those that no one but this user or root can change."""

from __future__ import annotations

import os
import shlex
import stat
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from syncguard.defaults import default_rules
from syncguard.errors import UsageError

OTHERWISE = "otherwise do not use it"
"""What to do with a file of someone else's (the caller may say more, e.g. --config)."""


@dataclass(frozen=True)
class _Suspect:
    """The first file or folder on a path that someone else could change."""

    item: Path
    uid: int
    gid: int
    mode: int
    writable: int
    """The write bits (group, others) that let someone else change it; 0: a foreign owner."""


def require_trusted(path: Path, what: str, otherwise: str = OTHERWISE) -> None:
    """Refuse ``path`` unless this user or root owns it and every folder above it, and no one
    else (group or others) can write them, as git's ``safe.directory`` does.

    A project file, a rule file or a check module decides what a run checks and a check module
    runs as Python with this user's rights: a file that another user could have written (one in
    a shared parent folder such as ``/tmp``) is refused, not obeyed. Symbolic links are followed
    and both the path as given and the real one are checked. A folder above the file may be
    writable by others when it is sticky (``/tmp``: no one can replace another's entry there),
    and by the group when that group is this user's own private group (umask 002 systems).
    The suite packaged with syncguard is trusted as installed; a path that does not exist is
    left to whoever reads it.

    Raises:
        UsageError: one sentence naming the file, the owner or mode at fault and the fix.
    """
    if sys.platform == "win32":  # no POSIX owners and modes: nothing to compare with
        return
    if _installed(path):
        return
    suspect = _suspect(path)
    if suspect is None:
        return
    login = _login(os.geteuid())
    item = shlex.quote(str(suspect.item))
    subject = _subject(path, suspect.item, what)
    if not suspect.writable:
        owner = _user_name(suspect.uid)
        raise UsageError(
            f"{path}: {subject} is owned by {owner}, not by you or root, so {owner} "
            f"could change what syncguard runs; if you trust it, have it handed to you "
            f"(`sudo chown {login} {item}`), {otherwise}"
        )
    raise UsageError(
        f"{path}: {subject} can be written by {_writers(suspect)} (mode "
        f"{stat.S_IMODE(suspect.mode):04o}), so they could change what syncguard runs; run "
        f"`chmod go-w {item}` if you trust it, {otherwise}"
    )


def _installed(path: Path) -> bool:
    """Whether a path lies in the contract packaged with syncguard (its rules and checks)."""
    real = _real(path)
    return real is not None and any(real.is_relative_to(root) for root in _packaged_roots())


@lru_cache(maxsize=1)
def _packaged_roots() -> tuple[Path, Path]:
    rules = default_rules().resolve()
    return rules, rules.parent / "checks"


def _real(path: Path) -> Path | None:
    """The path with every link resolved (None: a link loop or a NUL; the reader says so)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def _suspect(path: Path) -> _Suspect | None:
    me = os.geteuid()
    real = _real(path)
    starts = [Path(os.path.abspath(path)), *([real] if real is not None else [])]
    checked: set[Path] = set()
    for start in starts:
        for depth, item in enumerate((start, *start.parents)):
            if item in checked:
                continue
            checked.add(item)
            try:
                info = os.lstat(item)
            except (OSError, ValueError):  # missing, or a NUL: the reader says so
                continue
            if info.st_uid not in (me, 0):
                return _Suspect(item, info.st_uid, info.st_gid, info.st_mode, 0)
            if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
                continue  # a link (its target is checked on the real path), or a device or a
                # pipe, which no reader reads (/dev/zero: "not a regular file")
            writable = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            if depth > 0 and stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX:
                writable = 0  # sticky (/tmp): others may add entries, never replace ours
            if writable & stat.S_IWGRP and _own_private_group(info.st_gid, me):
                writable &= ~stat.S_IWGRP
            if writable:
                return _Suspect(item, info.st_uid, info.st_gid, info.st_mode, writable)
    return None


def _subject(path: Path, item: Path, what: str) -> str:
    """The file itself, a folder above it, or where it links to, in words."""
    if item == Path(os.path.abspath(path)):
        return f"this {what}"
    if item.is_dir() and item != _real(path):
        return f"the folder {item} above this {what}"
    return f"{item}, where this {what} links to,"


def _writers(suspect: _Suspect) -> str:
    import grp

    whom = []
    if suspect.writable & stat.S_IWGRP:
        try:
            whom.append(f"its group {grp.getgrgid(suspect.gid).gr_name}")
        except KeyError:
            whom.append(f"its group (gid {suspect.gid})")
    if suspect.writable & stat.S_IWOTH:
        whom.append("every user")
    return " and ".join(whom)


def _user_name(uid: int) -> str:
    """A user by name when the system knows it (``nobody (uid 65534)``), else by number."""
    import pwd

    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def _login(uid: int) -> str:
    """A user's login name for a command line (the number when the system knows no name)."""
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _own_private_group(gid: int, uid: int) -> bool:
    """Whether a group is the user's private one (named after the user, no other member)."""
    import grp
    import pwd

    try:
        user, group = pwd.getpwuid(uid), grp.getgrgid(gid)
    except KeyError:
        return False
    private = gid == user.pw_gid and group.gr_name == user.pw_name
    return private and set(group.gr_mem) <= {user.pw_name}
