"""YAML read as nodes, so every rule and key keeps its 1-based ``line:col`` for error messages."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    Event,
    NodeEvent,
    ScalarEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from syncguard.errors import RuleProblem, SourceLocation

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "ValueProblem",
    "compose",
    "loc",
    "to_python",
]

MAX_BYTES = 1024 * 1024
"""The largest rule file read (the built-in suite is about 25 KB)."""
MAX_DEPTH = 100
"""The deepest nesting of lists and mappings a rule file may have (the built-in suite: 4)."""
MAX_LISTED = 20
"""At most this many anchors, aliases and tags are reported per file."""

# The tags a rule file may spell out: those that build plain values (``!!str 123``). Any other
# (``!!python/object``, ``!!binary``, ``!!set``, ``!custom``) is refused before anything is built.
PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
) | {"!"}
# What YAML counts as a line break (as PyYAML's reader does), to place reader errors.
_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_KIND_OF_FILE = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def loc(path: Path, node: Node) -> SourceLocation:
    """The 1-based position where a node starts."""
    return SourceLocation(path, node.start_mark.line + 1, node.start_mark.column + 1)


def compose(path: Path) -> Node | list[RuleProblem]:
    """Parse a YAML file into its node tree, or the problems that stop it being read.

    Hostile input is refused before it can cost much: a file over :data:`MAX_BYTES` or that is
    not a regular file (a pipe, ``/dev/zero``) is not read; anchors and aliases (``&a`` /
    ``*a``, the "billion laughs"), tags other than plain ones, and nesting deeper than
    :data:`MAX_DEPTH` are refused event by event as the parser produces them, so the composer
    never receives an alias to expand nor recurses past that depth. Duplicate keys and keys that
    are lists or mappings are refused after composing.
    """
    text = _read_text(path)
    if isinstance(text, RuleProblem):
        return [text]
    try:
        loader = _RuleLoader(path, text)
    except yaml.reader.ReaderError as exc:  # a control character (a binary file)
        return [_reader_problem(path, text, exc)]
    try:
        node = loader.get_single_node()
    except _Refused:
        loader.drain()
        return loader.problems
    except yaml.MarkedYAMLError as exc:
        return [_yaml_problem(path, exc)]
    except yaml.YAMLError as exc:
        return [RuleProblem(SourceLocation(path, 1, 1), f"not valid YAML: {exc}")]
    finally:
        loader.dispose()
    if node is None:
        empty = "the file is empty" if not text else "the file holds no YAML (only comments?)"
        return [RuleProblem(SourceLocation(path, 1, 1), empty)]
    problems = _key_problems(path, node)
    return problems or node


def _read_text(path: Path) -> str | RuleProblem:
    """The text of a rule file: a regular file, at most :data:`MAX_BYTES`, UTF-8."""
    start = SourceLocation(path, 1, 1)
    data = b""
    try:
        info = os.stat(path)
        if _not_regular(info.st_mode) is None and info.st_size <= MAX_BYTES:
            # O_NONBLOCK: should the file be swapped for a FIFO after the stat, opening it does
            # not wait for a writer (the fstat below then refuses it)
            flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
            with open(os.open(path, flags), "rb") as handle:
                info = os.fstat(handle.fileno())
                data = handle.read(MAX_BYTES + 1) if stat.S_ISREG(info.st_mode) else b""
    except (OSError, ValueError) as exc:  # ValueError: a path with a NUL character
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return RuleProblem(start, f"cannot read the file ({reason})")
    what = _not_regular(info.st_mode)
    if what is not None:
        return RuleProblem(
            start, f"this is {what}, not a regular file; give a rule file or a folder of *.yaml"
        )
    if info.st_size > MAX_BYTES or len(data) > MAX_BYTES:
        size = f"{info.st_size:,}" if info.st_size > MAX_BYTES else f"more than {MAX_BYTES:,}"
        return RuleProblem(
            start,
            f"the file is too large ({size} bytes); rule files may be at most 1 MiB "
            f"({MAX_BYTES:,} bytes): split it into several files in one folder",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return RuleProblem(start, "rule files must be UTF-8 text; this one is UTF-16")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8")  # all good up to the first bad byte
        where = _position(path, before, len(before))
        byte = data[exc.start]
        return RuleProblem(where, f"rule files must be UTF-8 text (byte 0x{byte:02x} is not)")
    # a UTF-8 byte order mark is allowed; dropped so the columns of line 1 stay right
    return text.removeprefix("\ufeff")


def _not_regular(mode: int) -> str | None:
    """What a path is when it is not a regular file (``"a folder"``), else None."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KIND_OF_FILE if test(mode)), "not a file")


class _Refused(Exception):
    """An event a rule file may not hold (details in the loader's ``problems``)."""


class _RuleLoader(yaml.SafeLoader):
    """The safe loader, vetting each event as the parser hands it to the composer.

    The parser is a state machine (no recursion, however deep the text nests); the composer
    recurses once per level and turns an alias into a shared reference to the anchored node,
    which later code would expand. So an alias, an anchor, a non-plain tag or a level past
    :data:`MAX_DEPTH` raises :class:`_Refused` before the composer receives the event.
    """

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.problems: list[RuleProblem] = []
        self.depth = 0
        self.draining = False
        self.too_deep = False
        super().__init__(text)

    def get_event(self) -> Event:
        """The next event; raises :class:`_Refused` when a rule file may not hold it."""
        event: Event = super().get_event()  # type: ignore[no-untyped-call]  # untyped in stubs
        before = len(self.problems)
        self.vet(event)
        if len(self.problems) > before and not self.draining:
            raise _Refused
        return event

    def vet(self, event: Event) -> None:
        """Note the problems of one event: too deep, an anchor or alias, a tag."""
        if isinstance(event, CollectionEndEvent):
            self.depth -= 1
        elif isinstance(event, CollectionStartEvent):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                self.too_deep = True
                self.add(event, f"nested more than {MAX_DEPTH} levels deep; flatten the file")
        refused = "rule files may not use YAML anchors/aliases (&name / *name)"
        if isinstance(event, AliasEvent):
            self.add(event, f"{refused}: found '*{event.anchor}'; write the value out")
        elif isinstance(event, NodeEvent) and event.anchor is not None:
            self.add(event, f"{refused}: found '&{event.anchor}'; write the value out")
        tag = event.tag if isinstance(event, ScalarEvent | CollectionStartEvent) else None
        if tag is not None and tag not in PLAIN_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!", 1)
            self.add(
                event,
                f"cannot read this value (rule files may not use YAML tags such as '{shown}'); "
                "write the plain value",
            )

    def add(self, event: Event, message: str) -> None:
        """Record a problem at the event's position."""
        mark = event.start_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        self.problems.append(RuleProblem(SourceLocation(self.path, line, column), message))

    def drain(self) -> None:
        """After a refusal, read on for more refusals (nothing more is composed).

        Stops at the end, at a YAML error (reported too), when nested too deep, or once
        :data:`MAX_LISTED` problems are known (then says that more may follow).
        """
        self.draining = True
        try:
            while not self.too_deep and len(self.problems) < MAX_LISTED and self.check_event():
                self.get_event()
            if len(self.problems) >= MAX_LISTED and self.check_event():
                self.problems.append(
                    RuleProblem(
                        self.problems[-1].location,
                        f"only the first {MAX_LISTED} problems of this file are listed",
                    )
                )
        except yaml.MarkedYAMLError as exc:
            self.problems.append(_yaml_problem(self.path, exc))


def _reader_problem(path: Path, text: str, exc: yaml.reader.ReaderError) -> RuleProblem:
    """A character YAML does not allow (a control character, as in a binary file)."""
    return RuleProblem(
        _position(path, text, int(exc.position)),
        f"rule files must be text: found U+{int(exc.character):04X}, a character YAML does "
        "not allow (a control character: is this a binary file?)",
    )


def _position(path: Path, text: str, index: int) -> SourceLocation:
    """The 1-based line and column of ``text[index]``, counting line breaks as YAML does."""
    breaks = list(_BREAK.finditer(text, 0, index))
    line_start = breaks[-1].end() if breaks else 0
    return SourceLocation(path, len(breaks) + 1, index - line_start + 1)


def _yaml_problem(path: Path, exc: yaml.MarkedYAMLError) -> RuleProblem:
    """A YAML syntax error, at its position, with a hint where one helps."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or exc.context or "cannot be parsed"
    if (exc.context or "").startswith("expected a single document"):
        problem = "a rule file holds one YAML document, but a second one starts here ('---')"
    elif "'\\t'" in problem:
        problem += " (indent with spaces: YAML does not allow tabs for indentation)"
    return RuleProblem(SourceLocation(path, line, col), f"not valid YAML: {problem}")


def _key_problems(path: Path, root: Node) -> list[RuleProblem]:
    """Keys given twice in one mapping, and keys that are not plain text (walked, not recursed)."""
    problems = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            seen: dict[str, Node] = {}
            for key, value in node.value:
                stack.append(value)
                if not isinstance(key, ScalarNode):
                    problems.append(
                        RuleProblem(loc(path, key), "a key must be a text, not a list or mapping")
                    )
                elif str(key.value) in seen:
                    first = loc(path, seen[str(key.value)])
                    problems.append(
                        RuleProblem(
                            loc(path, key),
                            f"key '{key.value}' is given twice in this mapping (first at line "
                            f"{first.line}, column {first.column}); keep one",
                        )
                    )
                else:
                    seen[str(key.value)] = key
    return problems


class ValueProblem(Exception):
    """A node whose value cannot be built (an unknown or unsafe tag such as ``!custom``)."""


def to_python(node: Node) -> Any:
    """The plain Python value of a node (safe types only).

    Raises:
        ValueProblem: the node has a tag that safe YAML does not build.
    """
    try:
        return SafeConstructor().construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValueProblem(f"cannot read this value ({problem})") from None


def mapping_items(node: MappingNode) -> list[tuple[str, Node, Node]]:
    """(key text, key node, value node) for each entry of a mapping node."""
    return [(str(k.value), k, v) for k, v in node.value]
