"""``syncguard suggest``: draft the institution's settings from a good export."""

from __future__ import annotations

import argparse

from syncguard.commands._common import (
    EXIT_PASSED,
    Command,
    Parents,
    _catalogue,
    _guard,
    _Parser,
    _path,
    _project,
    _Streams,
    _Subparsers,
)
from syncguard.display import printable
from syncguard.errors import UsageError


def add_parser(sub: _Subparsers[_Parser], parents: Parents) -> None:
    """Declare the command, its options and its help."""
    suggest = sub.add_parser(
        "suggest",
        parents=[parents.suite],
        help="draft the institution's settings (domains, campuses, courses...) from a good export",
    )
    suggest.add_argument("export", type=_path, metavar="EXPORT.csv", help="a known-good export")
    suggest.add_argument(
        "--out",
        type=_path,
        metavar="FILE.toml",
        help="write the draft (TOML: a [settings] table for syncguard.toml) here",
    )
    suggest.add_argument("--force", action="store_true", help="replace FILE.toml if it exists")


def run(args: argparse.Namespace, io: _Streams) -> int:
    """Draft the settings an institution must review, from an export it trusts (TOML)."""
    from syncguard.intake import read_export
    from syncguard.output.base import write_atomic
    from syncguard.output.guard import Output
    from syncguard.suggest import draft

    if args.out is not None and args.out.suffix.lower() in (".yaml", ".yml"):
        raise UsageError(
            f"{args.out}: suggest writes TOML, a [settings] table for the project's "
            "syncguard.toml (a rule file holds no settings), so give --out a .toml name, "
            "such as settings-draft.toml"
        )
    project = _project(args)
    catalogue = _catalogue(args, project)
    if args.out is not None:
        _guard(args, project, catalogue.suite).check(args.out, "--out", Output.NEW)
    export = read_export(args.export, catalogue.contract())
    text = draft(export, args.export.name, catalogue.masking)
    if args.out is None:
        print(text, end="", file=io.out)
        return EXIT_PASSED
    try:
        write_atomic(args.out, text)
    except OSError as exc:
        raise UsageError(f"{args.out}: cannot write ({exc.strerror})") from None
    print(
        f"wrote {printable(args.out)}: review it, then paste its [settings] table into the "
        "project's syncguard.toml",
        file=io.out,
    )
    return EXIT_PASSED


COMMAND = Command("suggest", add_parser, run)
