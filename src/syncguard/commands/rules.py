"""``syncguard rules``: list every check and check the rule files."""

from __future__ import annotations

import argparse
import json

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
from syncguard.errors import RuleFileError


def add_parser(sub: _Subparsers[_Parser], parents: Parents) -> None:
    """Declare the command, its options and its help."""
    rules = sub.add_parser(
        "rules",
        parents=[parents.suite],
        help="list every check (YAML rules, intake, comparison) and check the rule files",
    )
    rules.add_argument("--json", action="store_true", help="the catalogue as JSON on stdout")


def run(args: argparse.Namespace, io: _Streams) -> int:
    from syncguard.model import Source

    catalogue = _catalogue(args)
    suite = catalogue.suite
    if suite.check_failures:  # linting: a module that cannot load is a problem to fix now
        raise RuleFileError(list(suite.check_failures))
    tuned = {t.check.id for t in catalogue.tunings if t.enabled}
    if args.json:
        document = {
            "suite": suite.name,
            "suite_version": suite.version,
            "checks": [
                {
                    "id": c.id,
                    "title": c.title,
                    "source": c.source.value,
                    "engine": c.engine.value,
                    "kind": c.kind,
                    "severity": c.severity.value,
                    "severity_from": (
                        "override" if c.id in tuned else "basis" if c.defaulted else "rule"
                    ),
                    "enabled": enabled,
                    "columns": list(c.columns),
                    "description": c.description,
                    "basis": {"kind": c.basis.kind.value, "text": c.basis.text},
                    "consequence": c.consequence.value,
                    "explains": list(c.explains),
                    "fix": c.fix,
                    "location": c.location,
                    **({"disabled_because": o.reason} if o is not None else {}),
                }
                for c, enabled, o in [
                    *((c, True, None) for c in catalogue.checks),
                    *((c, False, o) for c, o in catalogue.disabled),
                ]
            ],
        }
        print(json.dumps(document, indent=2, ensure_ascii=False), file=io.out)
        return EXIT_PASSED
    from syncguard.suite.contract import origin

    contract = origin(suite)
    print(
        f"{suite.name} {suite.version}: {len(catalogue.checks)} check(s) "
        f"({len(suite.rules)} from rule files), {len(catalogue.disabled)} switched off"
        + (f"; {contract.note}" if contract is not None and contract.note else ""),
        file=io.out,
    )
    regraded = {t.check.id: t for t in catalogue.tunings if t.enabled}
    severities = {
        c.id: c.severity_label
        + (
            f" (was {regraded[c.id].declared.value}: {printable(regraded[c.id].location)})"
            if c.id in regraded
            else ""
        )
        for c in catalogue.checks
    }
    width = max((len(label) for label in severities.values()), default=7)
    for source in Source:
        entries = [c for c in catalogue.checks if c.source is source]
        print(f"{source.value} ({len(entries)}):", file=io.out)
        for c in entries:
            print(
                f"  {c.id:40} {c.engine.value:18} {severities[c.id]:{width}} "
                f"{c.basis.kind.value:9} {c.consequence.value:18} " + ", ".join(c.columns),
                file=io.out,
            )
    for c, o in catalogue.disabled:
        print(f"  off: {c.id} ({printable(o.reason)}; {printable(str(o.location))})", file=io.out)
    return EXIT_PASSED


COMMAND = Command("rules", add_parser, run)
