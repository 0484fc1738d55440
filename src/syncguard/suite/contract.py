"""Whether a suite's contract is the one packaged with syncguard: same files, same bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from syncguard.defaults import default_rules
from syncguard.model import ContractOrigin
from syncguard.suite.model import Suite


def rule_files(path: Path) -> list[Path]:
    """The YAML files a ``--rules`` argument names: the file itself, or a folder's *.yaml."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
    return [path]


def digest(files: Iterable[Path], check_folders: Iterable[Path]) -> str:
    """SHA-256 of rule files and the ``*.py`` of check folders, by name and content.

    Names, not paths: a clone's unchanged ``rules/`` and ``checks/`` give the packaged digest.
    """
    entries = [("rule", f.name, f) for f in files]
    for folder in check_folders:
        entries += [("check", m.name, m) for m in folder.glob("*.py")]
    whole = hashlib.sha256()
    for kind, name, path in sorted(entries):
        whole.update(f"{kind}\0{name}\0".encode(errors="surrogateescape"))
        try:
            regular = path.is_file()  # never a pipe or a device (/dev/zero never ends)
            whole.update(hashlib.sha256(path.read_bytes()).digest() if regular else b"not a file")
        except OSError:  # unreadable: not the packaged file, whatever it holds
            whole.update(b"unreadable")
    return whole.hexdigest()


@lru_cache(maxsize=1)
def packaged() -> tuple[str, str, str]:
    """The packaged contract's suite name, version and :func:`digest`.

    Its files are read as the plain YAML they are (installed with syncguard, so trusted), by
    libyaml when present: a few milliseconds, where the loader's checked parse takes 0.2 s.
    """
    folder = default_rules()
    files = rule_files(folder)
    top: dict[str, str] = {}
    checks = []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for file in files:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=loader)
        if not isinstance(data, dict):
            continue
        for key in ("suite", "version"):
            if key in data:
                top.setdefault(key, str(data[key]))
        if isinstance(data.get("checks"), str):
            checks.append((file.parent / data["checks"]).resolve())
    return top.get("suite", "suite"), top.get("version", "0"), digest(files, checks)


def origin(suite: Suite) -> ContractOrigin | None:
    """Where the suite's contract came from; None for a suite built in code.

    The packaged folder itself is the packaged contract without hashing it again (in a source
    checkout that is its ``rules/``, as this syncguard would package it).
    """
    if suite.contract is None:
        return None
    path, sha256 = str(suite.contract), suite.contract_sha256
    if _same(suite.contract, default_rules()):
        return ContractOrigin(path, sha256, True, suite.name, suite.version)
    name, version, packaged_sha256 = packaged()
    return ContractOrigin(path, sha256, sha256 == packaged_sha256, name, version)


def _same(one: Path, other: Path) -> bool:
    try:
        return one.resolve() == other.resolve()
    except (OSError, RuntimeError, ValueError):
        return False
