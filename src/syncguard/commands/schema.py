"""``syncguard schema``: print the JSON Schema of results.json."""

from __future__ import annotations

import argparse
import json

from syncguard.commands._common import (
    EXIT_PASSED,
    Command,
    Parents,
    _Parser,
    _Streams,
    _Subparsers,
)


def add_parser(sub: _Subparsers[_Parser], parents: Parents) -> None:
    """Declare the command, its options and its help."""
    sub.add_parser("schema", parents=[parents.common], help="print the JSON Schema of results.json")


def run(args: argparse.Namespace, io: _Streams) -> int:
    from syncguard.output.schema import schema

    print(json.dumps(schema(), indent=2), file=io.out)
    return EXIT_PASSED


COMMAND = Command("schema", add_parser, run)
