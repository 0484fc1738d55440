"""``syncguard explain``: explain one check."""

from __future__ import annotations

import argparse

from syncguard.commands._common import (
    EXIT_PASSED,
    Command,
    Parents,
    _catalogue,
    _Parser,
    _Streams,
    _Subparsers,
)
from syncguard.display import printable
from syncguard.errors import UsageError


def add_parser(sub: _Subparsers[_Parser], parents: Parents) -> None:
    """Declare the command, its options and its help."""
    explain = sub.add_parser(
        "explain",
        parents=[parents.suite],
        help="explain one check: what it checks, its basis, parameters, examples and fix",
    )
    explain.add_argument("check", metavar="CHECK_ID", help="the id of a check ('syncguard rules')")


def run(args: argparse.Namespace, io: _Streams) -> int:
    import difflib

    from syncguard.suite.registry import kinds

    if not args.check.strip():
        raise UsageError("explain needs a check id (it is empty); see 'syncguard rules' for them")
    catalogue = _catalogue(args)
    checks = {c.id: c for c in (*catalogue.checks, *(c for c, _ in catalogue.disabled))}
    check = checks.get(args.check)
    if check is None:
        close = difflib.get_close_matches(args.check, list(checks), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else "; see 'syncguard rules'"
        raise UsageError(f"{args.check}: no check has this id{hint}")
    tuned = {t.check.id: t for t in catalogue.tunings}.get(check.id)
    lines = [f"{check.id}: {check.title}"]
    if tuned is not None and not tuned.enabled:
        why = f": {tuned.reason}" if tuned.reason else ""
        where = printable(f"{tuned.location}{why}")
        lines.append(f"  SWITCHED OFF at {where}; it does not run in checks")
    severity = check.severity_label
    if tuned is not None and tuned.enabled:
        severity += f" (re-graded from {tuned.declared.value} at {tuned.location})"
    lines += [
        f"  {check.description}",
        f"  severity: {severity}    source: {check.source.value}    engine: {check.engine.value}",
        f"  basis ({check.basis.kind.value}): {check.basis.text}",
        f"  at import: {check.consequence.plain}",
    ]
    if check.explains:
        lines.append(
            f"  explains: {', '.join(check.explains)} (their findings on the same cells are "
            "this one's)"
        )
    if check.columns:
        lines.append(f"  columns: {', '.join(check.columns)}")
    for name, value in sorted(check.params.items()):
        lines.append(f"  parameter {name}: {value}")
    if check.kind is not None:
        kind = kinds()[check.kind]
        lines.append(f"  kind {kind.name}: {kind.summary}")
        example = kind.example
        if example.failing:
            lines.append(f"  fails, e.g.:  {', '.join(repr(v) for v in example.failing[0])}")
        if example.passing:
            lines.append(f"  passes, e.g.: {', '.join(repr(v) for v in example.passing[0])}")
    lines.append(f"  fix: {check.fix or '(not given)'}")
    if check.location:
        lines.append(f"  declared at {check.location}")
    print("\n".join(lines), file=io.out)
    return EXIT_PASSED


COMMAND = Command("explain", add_parser, run)
