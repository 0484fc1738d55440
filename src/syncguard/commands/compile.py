"""``syncguard compile``: write the Great Expectations suite compiled from the rules."""

from __future__ import annotations

import argparse
import json

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
    _write_error,
)
from syncguard.display import printable
from syncguard.errors import UsageError


def add_parser(sub: _Subparsers[_Parser], parents: Parents) -> None:
    """Declare the command, its options and its help."""
    compile_ = sub.add_parser(
        "compile",
        parents=[parents.suite],
        help="write the Great Expectations suite compiled from the rules (GE's JSON)",
    )
    compile_.add_argument("--out", type=_path, required=True, metavar="DIR", help="output folder")
    compile_.add_argument(
        "--force",
        action="store_true",
        help="replace a file in DIR that syncguard did not write (never a rule file or history)",
    )


def run(args: argparse.Namespace, io: _Streams) -> int:
    from syncguard.engines.gx_engine import compile_suite
    from syncguard.engines.gx_portable import portable_suite
    from syncguard.output.base import write_atomic
    from syncguard.output.guard import Output

    if args.out.exists() and not args.out.is_dir():
        raise UsageError(
            f"{printable(args.out)}: compile --out needs a folder (it writes two files into "
            "it), and this is a file; give a folder, new or existing"
        )
    project = _project(args)
    suite = _catalogue(args, project).suite
    target = args.out / f"{suite.name}.json"
    portable_target = args.out / f"{suite.name}.portable.json"
    guard = _guard(args, project, suite)
    for path in (target, portable_target):
        guard.check(path, "--out", Output.COMPILED_SUITE)
    document = compile_suite(suite).to_json_dict()
    portable, left_out = portable_suite(suite)
    try:
        write_atomic(target, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        write_atomic(portable_target, json.dumps(portable, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise _write_error(exc, "the compiled suite", "choose another --out") from None
    count = len(portable["expectations"])
    print(
        f"wrote {count} expectation(s) to {printable(portable_target)}: Great Expectations' "
        "own, on the export's own columns, for a team that runs GE as it is (how to read the "
        "export is in its meta.reading)",
        file=io.out,
    )
    for rule_id, why in left_out:
        print(f"  not in the portable suite: {rule_id}: {why}", file=io.out)
    print(
        f"wrote {len(document['expectations'])} expectation(s) to {printable(target)}: the "
        "suite syncguard itself runs (derived columns and syncguard's own expectations: load it "
        "after 'import syncguard.engines.gx_expectations')",
        file=io.out,
    )
    return EXIT_PASSED


COMMAND = Command("compile", add_parser, run)
