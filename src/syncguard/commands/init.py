"""``syncguard init``: make an institution project (syncguard.toml, rules/local.yaml)."""

from __future__ import annotations

import argparse
from pathlib import Path

from syncguard.commands._common import (
    EXIT_PASSED,
    Command,
    Parents,
    _Parser,
    _path,
    _Streams,
    _Subparsers,
)
from syncguard.display import printable


def add_parser(sub: _Subparsers[_Parser], parents: Parents) -> None:
    """Declare the command, its options and its help."""
    init = sub.add_parser(
        "init",
        parents=[parents.common],
        help="make an institution project here: syncguard.toml and rules/local.yaml",
    )
    init.add_argument("folder", nargs="?", type=_path, default=Path("."), metavar="DIR")


def run(args: argparse.Namespace, io: _Streams) -> int:
    from syncguard.project import init

    for path in init(args.folder):
        print(f"wrote {printable(path)}", file=io.out)
    print(
        "edit syncguard.toml (email domains, SSO, sync and upload modes) and rules/local.yaml, "
        "then run 'syncguard rules' here to check them",
        file=io.out,
    )
    return EXIT_PASSED


COMMAND = Command("init", add_parser, run)
