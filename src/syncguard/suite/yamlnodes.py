"""YAML read as nodes, so every rule and key keeps its 1-based ``line:col`` for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from syncguard.errors import RuleProblem, SourceLocation

__all__ = [
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "ValueProblem",
    "compose",
    "loc",
    "to_python",
]


def loc(path: Path, node: Node) -> SourceLocation:
    """The 1-based position where a node starts."""
    return SourceLocation(path, node.start_mark.line + 1, node.start_mark.column + 1)


def compose(path: Path) -> Node | RuleProblem:
    """Parse a YAML file into its node tree, or the problem that stops it being read."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return RuleProblem(SourceLocation(path, 1, 1), "rule files must be UTF-8 text")
    except OSError as exc:
        return RuleProblem(SourceLocation(path, 1, 1), f"cannot read the file ({exc.strerror})")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return RuleProblem(SourceLocation(path, line, col), f"not valid YAML: {exc.problem}")
    except yaml.YAMLError as exc:
        return RuleProblem(SourceLocation(path, 1, 1), f"not valid YAML: {exc}")
    if node is None:
        return RuleProblem(SourceLocation(path, 1, 1), "the file is empty")
    return node


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
