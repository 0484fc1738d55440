"""Reads rule YAML into a checked Suite; every problem is reported at its ``path:line:col``."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from syncguard.errors import RuleFileError, RuleProblem, SourceLocation
from syncguard.masking import DataClass
from syncguard.model import Basis, BasisKind, Consequence, Severity, default_severity
from syncguard.suite.contract import digest, rule_files
from syncguard.suite.kinds._sql import SqlProblem
from syncguard.suite.kinds.expression import Expression, compile_sql
from syncguard.suite.model import Override, Rule, Suite
from syncguard.suite.registry import kinds, load_checks
from syncguard.suite.settings import SETTINGS, resolved, toml_lines
from syncguard.suite.yamlnodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    ValueProblem,
    compose,
    loc,
    mapping_items,
    to_python,
)
from syncguard.trust import require_trusted

PRACTICE_CONSEQUENCES = frozenset(
    {Consequence.STORED_WRONG, Consequence.COSMETIC, Consequence.SECURITY_RISK}
)
"""The consequences a kind's default may give a rule with a practice basis as they are."""
RULE_KEYS = (
    "id",
    "kind",
    "column",
    "columns",
    "severity",
    "description",
    "title",
    "basis",
    "fix",
    "consequence",
    "explains",
    "mostly",
    "params",
    "enabled_if",
)
OVERRIDE_KEYS = ("id", "severity", "enabled", "reason")
TOP_KEYS = ("suite", "version", "headers", "checks", "rules", "overrides")
RULE_ID = re.compile(r"^[a-z0-9_:.\-]+$")
REFERENCE = re.compile(r"^\$\{(\w+)\}$")
ALL_COLUMNS = "*"


def _is_null(node: Node) -> bool:
    """Whether a YAML value is written as null (``~``, ``null`` or nothing)."""
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"


@dataclass
class _Draft:
    """A rule read from YAML whose parameters wait for the settings of every file."""

    rule: Rule
    path: Path
    kind_node: Node
    params_node: Node | None
    params: dict[str, Any]
    enabled_if: tuple[Node, str] | None


def load_suite(
    path: Path, overrides: dict[str, Any] | None = None, extend: Sequence[Path] = ()
) -> Suite:
    """Parse and check the suite at ``path`` (file or folder), extended by ``extend``.

    Each of ``extend`` (a project's own rule files or folders) may add rules and overrides.
    ``overrides`` are the settings (the ``[settings]`` of the project's syncguard.toml,
    ``--email-domain`` and ``--as-of`` on the command line); a setting not given keeps its
    default (:data:`~syncguard.suite.settings.SETTINGS`). A rule file holds no settings: a
    ``settings:`` block is a problem that says where they go.

    Every rule folder and file (and every check module they load) must be this user's or
    root's and writable by no one else (:func:`syncguard.trust.require_trusted`).

    Raises:
        RuleFileError: with every problem of every file, each at its line and column.
        UsageError: a rule folder, rule file or check module that someone else could change.
    """
    parser = _SuiteParser()
    contract: list[Path] = []
    for layer, where in enumerate([path, *extend]):
        try:
            require_trusted(where, "rule folder" if where.is_dir() else "rule file")
            files = rule_files(where)
            for file in files:
                require_trusted(file, "rule file")
        except (OSError, ValueError) as exc:  # an unreadable folder; ValueError: a NUL
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            place = SourceLocation(where, 1, 1)
            raise RuleFileError([RuleProblem(place, f"cannot read the rules ({reason})")]) from None
        if not files and layer == 0:
            place = SourceLocation(where, 1, 1)
            raise RuleFileError([RuleProblem(place, "no rule files (*.yaml) in this folder")])
        parser.layer = layer
        for file in files:
            parser.parse_file(file)
        if layer == 0:
            contract = files
    suite = parser.finish(path, overrides or {})  # every file read: regular and not too big
    return replace(suite, contract=path, contract_sha256=digest(contract, parser.check_folders))


class _SuiteParser:
    def __init__(self) -> None:
        self.problems: list[RuleProblem] = []
        self.name: str | None = None
        self.version: str | None = None
        self.headers: list[str] = []
        self.drafts: list[_Draft] = []
        self.layer = 0
        """Rule folders load in layers (the contract, then a project's own rules)."""
        self.ids: dict[str, SourceLocation] = {}
        self.files: list[Path] = []
        self.named_columns: list[tuple[SourceLocation, str]] = []
        self.overrides: list[Override] = []
        self.check_failures: list[RuleProblem] = []
        self.data_classes: dict[str, DataClass] = {}
        self.skipped: list[str] = []
        self.check_folders: list[Path] = []
        """The check folders the contract (layer 0) loads, for its digest."""

    def problem(self, path: Path, node: Node, message: str) -> None:
        self.problems.append(RuleProblem(loc(path, node), message))

    def parse_file(self, path: Path) -> None:
        self.files.append(path)
        root = compose(path)
        if isinstance(root, list):
            self.problems.extend(root)
            return
        if not isinstance(root, MappingNode):
            self.problem(path, root, "expected a mapping with keys " + ", ".join(TOP_KEYS))
            return
        items = mapping_items(root)
        for key, _, value in items:  # project kinds first: the rules below may use them
            if key == "checks":
                self.parse_checks(path, value)
        for key, knode, value in items:
            if key == "checks":
                continue
            if key in ("suite", "version"):
                text = self.scalar_text(path, value, key)
                if text is not None:
                    setattr(self, "name" if key == "suite" else "version", text)
            elif key == "headers":
                self.parse_headers(path, value)
            elif key == "rules":
                self.parse_rules(path, value)
            elif key == "settings":
                self.misplaced_settings(path, knode, value)
            elif key == "overrides":
                self.parse_overrides(path, value)
            else:
                self.unknown_key(path, knode, key, TOP_KEYS)

    def scalar_text(self, path: Path, node: Node, what: str) -> str | None:
        if not isinstance(node, ScalarNode) or str(node.value).strip() == "":
            self.problem(path, node, f"'{what}' must be a non-empty text")
            return None
        return str(node.value)

    def unknown_key(self, path: Path, node: Node, key: str, known: tuple[str, ...]) -> None:
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        self.problem(path, node, f"unknown key '{key}'; {hint}known keys: {', '.join(known)}")

    def parse_headers(self, path: Path, node: Node) -> None:
        if not isinstance(node, SequenceNode):
            self.problem(path, node, "'headers' must be a list of column headers")
            return
        for item in node.value:
            target = item
            if isinstance(item, MappingNode):  # {name: gender, personal: special}
                target = self.parse_header_class(path, item)
                if target is None:
                    continue
            text = self.scalar_text(path, target, "headers item")
            if text is None:
                continue
            if text in self.headers:
                self.problem(path, item, f"header '{text}' is listed twice")
            else:
                self.headers.append(text)

    def parse_header_class(self, path: Path, node: MappingNode) -> Node | None:
        """A header given as ``{name: ..., personal: true|false|special}``: its data class."""
        fields = {key: (knode, value) for key, knode, value in mapping_items(node)}
        for key, (knode, _) in fields.items():
            if key not in ("name", "personal"):
                self.unknown_key(path, knode, key, ("name", "personal"))
        if "name" not in fields:
            self.problem(path, node, "a header given as a mapping needs its 'name'")
            return None
        name_node = fields["name"][1]
        if "personal" in fields:
            value_node = fields["personal"][1]
            value = value_node.value if isinstance(value_node, ScalarNode) else None
            classes = {"true": DataClass.PERSONAL, "false": DataClass.PUBLIC}
            classes["special"] = DataClass.SPECIAL
            chosen = classes.get(str(value).lower()) if value is not None else None
            if chosen is None:
                self.problem(
                    path, value_node, "'personal' must be true, false or special (gender, labels)"
                )
            elif isinstance(name_node, ScalarNode):
                self.data_classes[str(name_node.value)] = chosen
        return name_node

    def parse_checks(self, path: Path, node: Node) -> None:
        folder = self.scalar_text(path, node, "checks")
        if folder is None:
            return
        try:
            where = (path.parent / folder).resolve()
            found = where.is_dir()
        except (OSError, ValueError, RuntimeError):  # a NUL in the text, a symlink loop
            where, found = path.parent / folder, False
        if not found:
            self.problem(path, node, f"checks folder '{folder}' not found (looked in {where})")
            return
        if self.layer == 0:
            self.check_folders.append(where)
        try:
            messages = load_checks(where)
        except OSError as exc:  # a folder that cannot be listed
            messages = [f"cannot read the checks folder {where} ({exc.strerror})"]
        for message in messages:
            # a module that fails to load is the run's problem, not the rule file's: the rules
            # go on without its kinds, and the failure is reported as an error finding
            self.check_failures.append(RuleProblem(loc(path, node), message))

    def misplaced_settings(self, path: Path, knode: Node, node: Node) -> None:
        """A ``settings:`` block: refused, with what it held written as TOML to move."""
        held: dict[str, Any] = {}
        left_out: list[str] = []
        for key, _, value in mapping_items(node) if isinstance(node, MappingNode) else ():
            try:
                given = to_python(value) if key in SETTINGS else None
            except ValueProblem:
                given = None
            if key not in SETTINGS or (given is None and not _is_null(value)):
                left_out.append(key)
            else:
                held[key] = given
        lines = toml_lines(held)
        move = (
            "paste these lines into it: " + ", ".join(f"`{line}`" for line in lines)
            if lines
            else "this block holds no setting to move"
        )
        if left_out:
            move += f" (left out, not settings or not readable: {', '.join(left_out)})"
        self.problem(
            path,
            knode,
            "settings do not belong in a rule file: they go in the [settings] table of the "
            "project's syncguard.toml ('syncguard init' makes one), so delete this block; " + move,
        )

    def parse_overrides(self, path: Path, node: Node) -> None:
        if not isinstance(node, SequenceNode):
            self.problem(path, node, "'overrides' must be a list of {id, severity, enabled}")
            return
        for item in node.value:
            if not isinstance(item, MappingNode):
                self.problem(
                    path,
                    item,
                    "an override must be a mapping with keys id, severity, enabled, reason",
                )
                continue
            before = len(self.problems)
            fields: dict[str, tuple[Node, Any]] = {}
            for key, knode, value in mapping_items(item):
                if key not in OVERRIDE_KEYS:
                    self.unknown_key(path, knode, key, OVERRIDE_KEYS)
                    continue
                try:
                    fields[key] = (value, to_python(value))
                except ValueProblem as exc:
                    self.problem(path, value, str(exc))
            check_id = fields.get("id", (item, None))[1]
            if not isinstance(check_id, str) or not RULE_ID.match(check_id):
                self.problem(
                    path,
                    fields.get("id", (item,))[0],
                    "an override needs the 'id' of a check (see 'syncguard rules')",
                )
            severity = self.severity(path, fields) if "severity" in fields else None
            enabled = fields.get("enabled", (item, True))[1]
            if not isinstance(enabled, bool):
                self.problem(path, fields["enabled"][0], "'enabled' must be true or false")
            reason = fields.get("reason", (item, ""))[1]
            if not isinstance(reason, str):
                self.problem(path, fields["reason"][0], "'reason' must be a text")
            elif enabled is False and not reason.strip():
                self.problem(
                    path,
                    item,
                    "switching a check off needs a 'reason' (say why, for "
                    "whoever reads the rules next)",
                )
            if "severity" not in fields and "enabled" not in fields:
                self.problem(path, item, "an override sets 'severity' or 'enabled'")
            if len(self.problems) > before:
                continue
            self.overrides.append(
                Override(str(check_id), loc(path, item), severity, bool(enabled), str(reason))
            )

    def parse_rules(self, path: Path, node: Node) -> None:
        if not isinstance(node, SequenceNode):
            self.problem(path, node, "'rules' must be a list of rules")
            return
        for item in node.value:
            draft = self.parse_rule(path, item)
            if draft is not None:
                self.drafts.append(draft)

    def parse_rule(self, path: Path, node: Node) -> _Draft | None:
        if not isinstance(node, MappingNode):
            self.problem(path, node, "a rule must be a mapping with keys " + ", ".join(RULE_KEYS))
            return None
        before = len(self.problems)
        fields: dict[str, tuple[Node, Any]] = {}
        for key, knode, value in mapping_items(node):
            if key not in RULE_KEYS:
                self.unknown_key(path, knode, key, RULE_KEYS)
                continue
            try:
                fields[key] = (value, to_python(value))
            except ValueProblem as exc:
                self.problem(path, value, str(exc))
        for required in ("id", "kind", "description", "basis"):
            if required not in fields:
                self.problem(path, node, f"rule is missing '{required}'")
        basis = self.basis(path, fields)
        texts = {}
        for key in ("title", "fix"):
            value = fields.get(key, (node, ""))[1]
            if not isinstance(value, str):
                self.problem(path, fields[key][0], f"'{key}' must be a text")
            texts[key] = str(value)
        rule_id = self.rule_id(path, fields)
        kind = self.kind(path, fields)
        columns = self.columns(path, node, fields, kind)
        severity = self.severity(path, fields, basis)
        consequence = self.consequence(path, node, fields, kind, basis)
        explains = self.explains(path, fields)
        mostly = self.mostly(path, fields)
        enabled_if = self.enabled_if(path, fields)
        description = fields.get("description", (node, ""))[1]
        if "description" in fields and (not isinstance(description, str) or not description):
            self.problem(path, fields["description"][0], "'description' must be one sentence")
        params_node, params = fields.get("params", (None, {}))
        if params_node is not None and not isinstance(params, dict):
            self.problem(path, params_node, "'params' must be a mapping")
        if rule_id is None or kind is None or not isinstance(params, dict):
            return None
        if len(self.problems) > before:
            # keep checking its parameters, so a missing description does not hide a bad
            # regex; the suite is refused anyway, with every problem
            description = description if isinstance(description, str) else ""
        rule = Rule(
            id=rule_id,
            kind=kind,
            columns=columns,
            severity=severity,
            description=str(description),
            location=loc(path, node),
            mostly=mostly,
            title=texts["title"] or rule_id,
            basis=basis or Basis(BasisKind.PRACTICE, ""),
            fix=texts["fix"],
            severity_given="severity" in fields,
            consequence=consequence,
            explains=explains,
        )
        return _Draft(rule, path, fields["kind"][0], params_node, dict(params), enabled_if)

    def enabled_if(
        self, path: Path, fields: dict[str, tuple[Node, Any]]
    ) -> tuple[Node, str] | None:
        if "enabled_if" not in fields:
            return None
        node, value = fields["enabled_if"]
        if not isinstance(value, str) or value not in SETTINGS:
            known = ", ".join(SETTINGS)
            self.problem(path, node, f"'enabled_if' must name a setting ({known})")
            return None
        return node, value

    def rule_id(self, path: Path, fields: dict[str, tuple[Node, Any]]) -> str | None:
        if "id" not in fields:
            return None
        node, value = fields["id"]
        if not isinstance(value, str) or not RULE_ID.match(value):
            self.problem(path, node, "'id' must be lowercase letters, digits and _ : . -")
            return None
        if value in self.ids:
            self.problem(path, node, f"rule id '{value}' is already used at {self.ids[value]}")
            return None
        self.ids[value] = loc(path, node)
        return value

    def kind(self, path: Path, fields: dict[str, tuple[Node, Any]]) -> str | None:
        if "kind" not in fields:
            return None
        node, value = fields["kind"]
        known = sorted(kinds())
        if value not in known:
            if self.check_failures:  # perhaps a kind of the module that failed to load
                self.skipped.append(f"{fields['id'][1] if 'id' in fields else '?'} ({value})")
                return None
            close = difflib.get_close_matches(str(value), known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            self.problem(
                path, node, f"unknown kind '{value}'; {hint}known kinds: {', '.join(known)}"
            )
            return None
        return str(value)

    def columns(
        self, path: Path, node: Node, fields: dict[str, tuple[Node, Any]], kind: str | None
    ) -> tuple[str, ...]:
        if "column" in fields and "columns" in fields:
            self.problem(path, fields["columns"][0], "give 'column' or 'columns', not both")
            return ()
        if "column" in fields:
            cnode, value = fields["column"]
            names = [value]
        elif "columns" in fields:
            cnode, value = fields["columns"]
            names = value if isinstance(value, list) else [value]
        else:
            cnode, names = node, []
        if not all(isinstance(n, str) and n for n in names):
            self.problem(path, cnode, "column names must be non-empty texts")
            return ()
        items = cnode.value if isinstance(cnode, SequenceNode) else [cnode] * len(names)
        for item, name in zip(items, names, strict=False):
            self.named_columns.append((loc(path, item), name))
        if names == [ALL_COLUMNS]:
            if kind is not None and kinds()[kind].max_columns is not None:
                self.problem(path, cnode, f"kind '{kind}' cannot check every column ('*')")
            return (ALL_COLUMNS,)
        if kind is not None:
            spec = kinds()[kind]
            low, high = spec.min_columns, spec.max_columns
            if len(names) < low or (high is not None and len(names) > high):
                want = (
                    str(low)
                    if low == high
                    else f"{low} or more"
                    if high is None
                    else f"{low}-{high}"
                )
                self.problem(path, cnode, f"kind '{kind}' takes {want} column(s), got {len(names)}")
        return tuple(names)

    def basis(self, path: Path, fields: dict[str, tuple[Node, Any]]) -> Basis | None:
        if "basis" not in fields:
            return None
        node, value = fields["basis"]
        if isinstance(value, str):
            try:
                return Basis.parse(value)
            except ValueError:
                pass
        kinds_ = ", ".join(f"'{k.value}: ...'" for k in BasisKind)
        self.problem(
            path,
            node,
            f"'basis' must say what the rule rests on, one of {kinds_} (the spec sentence, the "
            "importer fact, or why it is good practice)",
        )
        return None

    def consequence(
        self,
        path: Path,
        node: Node,
        fields: dict[str, tuple[Node, Any]],
        kind: str | None,
        basis: Basis | None,
    ) -> Consequence:
        """What the import does with a failing row: given, else the kind's, else the basis's
        (security: a security risk; practice: cosmetic). A practice rule rests on no importer
        fact, so of a kind whose default says the importer refuses or skips it takes
        ``stored_wrong``: the importer takes the value as written. A spec or importer rule of a
        kind that declares none must say it: its verdict rests on what the importer does."""
        allowed = ", ".join(c.value for c in Consequence)
        if "consequence" in fields:
            cnode, value = fields["consequence"]
            try:
                return Consequence(value)
            except ValueError:
                self.problem(path, cnode, f"'consequence' must be one of {allowed}, got {value!r}")
                return Consequence.COSMETIC
        known = kinds()
        declared = known[kind].consequence if kind is not None and kind in known else None
        practice = basis is not None and basis.kind is BasisKind.PRACTICE
        if declared is not None and practice and declared not in PRACTICE_CONSEQUENCES:
            # good practice, not an importer fact: the importer takes the value as written
            return Consequence.STORED_WRONG
        if declared is not None:
            return declared
        if kind is None or basis is None or basis.kind is BasisKind.PRACTICE:
            return Consequence.COSMETIC  # (an unknown kind or basis is a problem of its own)
        if basis.kind is BasisKind.SECURITY:
            return Consequence.SECURITY_RISK
        self.problem(
            path,
            node,
            f"a rule of kind '{kind}' whose basis is {basis.kind.value} must say what the import "
            f"does with a failing row: add 'consequence:', one of {allowed}",
        )
        return Consequence.COSMETIC

    def explains(self, path: Path, fields: dict[str, tuple[Node, Any]]) -> tuple[str, ...]:
        """The checks whose findings on the same cells this rule's findings explain."""
        if "explains" not in fields:
            return ()
        node, value = fields["explains"]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.problem(path, node, "'explains' must be a list of check ids")
            return ()
        return tuple(dict.fromkeys(value))

    def severity(
        self, path: Path, fields: dict[str, tuple[Node, Any]], basis: Basis | None = None
    ) -> Severity:
        """The rule's severity; without one, the default of its basis (practice warns)."""
        if "severity" not in fields:
            return default_severity(basis.kind if basis is not None else BasisKind.SPEC)
        node, value = fields["severity"]
        try:
            return Severity(value)
        except ValueError:
            allowed = ", ".join(s.value for s in Severity)
            self.problem(path, node, f"severity must be one of {allowed}, got '{value}'")
            return Severity.ERROR

    def mostly(self, path: Path, fields: dict[str, tuple[Node, Any]]) -> float | None:
        if "mostly" not in fields:
            return None
        node, value = fields["mostly"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            self.problem(path, node, "'mostly' must be a fraction above 0 and at most 1")
            return None
        return float(value)

    def resolve_params(
        self, draft: _Draft, settings: dict[str, Any], enabled: bool
    ) -> dict[str, Any]:
        """Substitute ``${setting}`` references, then check names and types of parameters.

        The kind's own value checks run only for an enabled rule (a disabled allow-list may be
        empty).
        """
        path, pnode, kind = draft.path, draft.params_node, draft.rule.kind
        spec = kinds()[kind]
        declared = {p.name: p for p in spec.params}
        keynodes: dict[str, tuple[Node, Node]] = (
            {str(k.value): (k, v) for k, v in pnode.value} if isinstance(pnode, MappingNode) else {}
        )
        anchor = pnode if pnode is not None else draft.kind_node
        before = len(self.problems)
        out: dict[str, Any] = {}
        for name, given in draft.params.items():
            key_node, value_node = keynodes.get(str(name), (anchor, anchor))
            value = given
            ref = REFERENCE.match(given) if isinstance(given, str) else None
            if ref is not None:
                if ref.group(1) not in settings:
                    known = ", ".join(SETTINGS)
                    self.problem(
                        path,
                        value_node,
                        f"unknown setting '${{{ref.group(1)}}}'; settings: {known}",
                    )
                    continue
                value = settings[ref.group(1)]
            if name not in declared:
                known = ", ".join(declared) or "none"
                self.problem(
                    path, key_node, f"kind '{kind}' has no parameter '{name}'; it takes: {known}"
                )
                continue
            types = declared[name].types
            if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
                names = " or ".join(t.__name__ for t in types)
                self.problem(path, value_node, f"parameter '{name}' must be {names}")
                continue
            out[name] = value
        for p in spec.params:
            if p.required and p.name not in draft.params:
                self.problem(path, anchor, f"kind '{kind}' needs parameter '{p.name}'")
        if enabled and len(self.problems) == before:
            for message in spec.check_params(out):
                self.problem(path, anchor, message)
        if enabled and len(self.problems) == before and kind == Expression.name:
            sql_node = keynodes.get("sql", (anchor, anchor))[1]
            self.check_sql_columns(draft, str(out["sql"]), sql_node)
        return out

    def check_sql_columns(self, draft: _Draft, sql: str, node: Node) -> None:
        """Every column the SQL of an expression rule reads is a header the rule lists.

        Found now, not when every check would fail on it. (A kind with a generic "columns my
        parameters read" hook in the registry would make this independent of the kind.)
        """
        try:
            _, read = compile_sql(sql)
        except SqlProblem as exc:  # check_params compiled it already: not expected here
            self.problem(draft.path, node, str(exc))
            return
        listed = draft.rule.columns
        if listed == (ALL_COLUMNS,):
            listed = tuple(self.headers)
        known = sorted(self.headers)
        for column in read:
            if column in listed:  # a listed column not in headers is reported where listed
                continue
            if known and column not in known:
                close = difflib.get_close_matches(column, known, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.problem(
                    draft.path,
                    node,
                    f"the SQL reads column '{column}', which is not in 'headers'{hint}",
                )
            else:
                self.problem(
                    draft.path,
                    node,
                    f"the SQL reads column '{column}', which 'columns' does not list; add it "
                    "to 'columns' (list every column the SQL reads)",
                )

    def finish(self, path: Path, overrides: dict[str, Any]) -> Suite:
        first = self.files[0] if self.files else path
        settings = resolved(overrides)
        rules: list[Rule] = []
        for draft in self.drafts:
            enabled = draft.enabled_if is None or bool(settings[draft.enabled_if[1]])
            params = self.resolve_params(draft, settings, enabled)
            if not enabled:
                continue
            columns = draft.rule.columns
            if columns == (ALL_COLUMNS,):
                columns = tuple(self.headers)
            rules.append(replace(draft.rule, columns=columns, params=params))
        if self.name is None and not any(p.location.path == first for p in self.problems):
            self.problems.append(RuleProblem(SourceLocation(first, 1, 1), "no 'suite' name given"))
        if not self.headers and not self.problems:
            self.problems.append(
                RuleProblem(SourceLocation(first, 1, 1), "no 'headers' list of known columns")
            )
        known = sorted(self.headers)
        for where, column in self.named_columns:
            if known and column not in known and column != ALL_COLUMNS:
                close = difflib.get_close_matches(column, known, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.problems.append(
                    RuleProblem(where, f"unknown column '{column}' (not in 'headers'){hint}")
                )
        if self.problems:
            raise RuleFileError(self.problems)
        return Suite(
            name=self.name or "suite",
            version=self.version or "0",
            known_headers=tuple(self.headers),
            rules=tuple(rules),
            settings=settings,
            sources=tuple(self.files),
            overrides=tuple(self.overrides),
            check_failures=tuple(self.check_failures),
            skipped_rules=tuple(self.skipped),
            data_classes=dict(self.data_classes),
        )
