"""The subcommands, one module each (its parser setup and its handler), in ``--help`` order.

A module imports at its top only what every command may (no data library, no Great
Expectations); its handler imports the rest when it runs.
"""

from __future__ import annotations

from syncguard.commands import (
    accept,
    check,
    compile,
    explain,
    fix,
    history,
    init,
    rules,
    schema,
    suggest,
)
from syncguard.commands._common import Command

COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        check.COMMAND,
        rules.COMMAND,
        history.COMMAND,
        fix.COMMAND,
        suggest.COMMAND,
        schema.COMMAND,
        init.COMMAND,
        explain.COMMAND,
        accept.COMMAND,
        compile.COMMAND,
    )
}
"""Each subcommand by name, as git's table of builtins: ``cli`` declares and runs them."""
