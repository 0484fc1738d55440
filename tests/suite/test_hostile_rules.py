"""Hostile rule files (bombs, huge, deep, devices, binary) are refused cleanly at their line:col."""

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from syncguard.errors import RuleFileError, RuleProblem
from syncguard.suite import yamlnodes
from syncguard.suite.loader import load_suite
from tests.conftest import CliRun

HEAD = """suite: t
version: "1"
headers: [email_address, username, primary_education:major_names]
rules:
"""
RULE = """  - id: a
    kind: unique
    column: username
    description: d.
    basis: 'practice: a test'
"""
ALIASES = "rule files may not use YAML anchors/aliases (&name / *name)"
# A billion-laughs bomb of 342 bytes: each line holds nine of the line above, 9**9 "lol"s in all.
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{b}: &{b} [{','.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)


def _problems(path: Path) -> list[RuleProblem]:
    """The problems loading ``path`` reports (it must not load, nor raise anything else)."""
    with pytest.raises(RuleFileError) as caught:
        load_suite(path)
    problems = caught.value.problems
    for problem in problems:
        assert problem.location.line >= 1 and problem.location.column >= 1
        assert problem.message
    return problems


def _lines(path: Path) -> list[str]:
    """``line:col: message`` of each problem (without the path)."""
    return [f"{p.location.line}:{p.location.column}: {p.message}" for p in _problems(path)]


def _write(tmp_path: Path, text: str | bytes, name: str = "x.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


# --- 1. anchors and aliases ---------------------------------------------------------------


def test_alias_bomb_is_refused_before_it_is_expanded(tmp_path: Path) -> None:
    assert len(BOMB.encode()) < 600
    path = _write(tmp_path, BOMB)
    started = time.perf_counter()
    lines = _lines(path)
    assert time.perf_counter() - started < 5
    assert lines[0] == f"1:4: {ALIASES}: found '&a'; write the value out"
    assert lines[1] == f"2:4: {ALIASES}: found '&b'; write the value out"
    # the nine '*a' of line 2 are one problem, at its first place, naming the others
    assert lines[2] == (
        f"2:8: {ALIASES}: found '*a'; write the value out (the same at 8 more places: "
        "2:11, 2:14, 2:17, 2:20, 2:23 and 3 more)"
    )
    assert len(lines) == len(set(lines))
    # the first 20 problems are read, then a note says that more follow
    assert lines[-1].endswith(
        f"only the first {yamlnodes.MAX_LISTED} problems of this file are listed"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an anchor alone, in an otherwise good file
        (
            HEAD.replace("headers: [", "headers: &h [") + RULE,
            f"3:10: {ALIASES}: found '&h'; write the value out",
        ),
        # an alias whose anchor is not there (the composer would call it undefined)
        (HEAD + RULE.replace("column: username", "column: *u"), f"7:13: {ALIASES}: found '*u'"),
        # a merge key needs an alias: refused at the alias
        (HEAD + RULE + "    <<: *base\n", f"10:9: {ALIASES}: found '*base'"),
    ],
)
def test_anchors_and_aliases_are_refused_at_their_position(
    tmp_path: Path, text: str, expected: str
) -> None:
    lines = _lines(_write(tmp_path, text))
    assert len(lines) == 1
    assert lines[0].startswith(expected)


# --- 2. size and kind of file -------------------------------------------------------------


def test_a_file_over_one_mib_is_refused_at_1_1(tmp_path: Path) -> None:
    text = HEAD + RULE
    path = _write(tmp_path, text + "#" * (yamlnodes.MAX_BYTES + 1 - len(text)))
    assert _lines(path) == [
        "1:1: the file is too large (1,048,577 bytes); rule files may be at most 1 MiB "
        "(1,048,576 bytes): split it into several files in one folder"
    ]


def test_a_file_of_exactly_one_mib_loads(tmp_path: Path) -> None:
    text = HEAD + RULE
    path = _write(tmp_path, text + "#" * (yamlnodes.MAX_BYTES - len(text)))
    assert load_suite(path).rule("a").location.line == 5


class _Growing:
    """``os`` for yamlnodes, with stat saying 0 bytes (as for a file still being written)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def stat(self, path: Path) -> SimpleNamespace:
        return SimpleNamespace(st_mode=os.stat(path).st_mode, st_size=0)

    def fstat(self, fd: int) -> SimpleNamespace:
        return SimpleNamespace(st_mode=os.fstat(fd).st_mode, st_size=0)


def test_no_more_than_the_cap_is_read_whatever_the_size_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, b"#" * (3 * yamlnodes.MAX_BYTES))
    reads: list[int] = []

    class Handle:
        """The file object yamlnodes opens, counting what is read."""

        def __init__(self, fd: int, mode: str) -> None:
            self.inner = os.fdopen(fd, mode)

        def __enter__(self) -> Handle:
            return self

        def __exit__(self, *exc: object) -> None:
            self.inner.close()

        def fileno(self) -> int:
            return self.inner.fileno()

        def read(self, size: int = -1) -> bytes:
            reads.append(size)
            data: bytes = self.inner.read(size)
            return data

    monkeypatch.setattr(yamlnodes, "os", _Growing())
    monkeypatch.setattr(yamlnodes, "open", Handle, raising=False)
    assert _lines(path) == [
        "1:1: the file is too large (more than 1,048,576 bytes); rule files may be at most 1 MiB "
        "(1,048,576 bytes): split it into several files in one folder"
    ]
    assert reads == [yamlnodes.MAX_BYTES + 1]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_dev_zero_is_refused_not_read(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    assert _lines(Path("/dev/zero")) == [
        "1:1: this is a character device, not a regular file; give a rule file or a folder "
        "of *.yaml"
    ]
    run = run_cli("rules", "--rules", "/dev/zero")
    assert run.code != 0
    assert "/dev/zero:1:1: this is a character device, not a regular file" in run.err
    assert "Traceback" not in run.err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.message for p in _problems(fifo)] == [
        "this is a named pipe (FIFO), not a regular file; give a rule file or a folder of *.yaml"
    ]


def test_a_folder_still_loads_its_yaml_files_and_names_odd_entries(tmp_path: Path) -> None:
    _write(tmp_path, HEAD + RULE)
    assert [r.id for r in load_suite(tmp_path).rules] == ["a"]
    (tmp_path / "more.yaml").mkdir()
    problems = _problems(tmp_path)
    assert [(p.location.path.name, p.message) for p in problems] == [
        (
            "more.yaml",
            "this is a folder, not a regular file; give a rule file or a folder of *.yaml",
        )
    ]


# --- 3. nesting ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[" * 100_000, "1:101"),
        ("{a: " * 100_000, "1:401"),
        ("x:\n" + "".join(" " * i + "- \n" for i in range(1, 150)), "101:101"),
        ("- " * 5_000 + "x\n", "1:201"),
    ],
    ids=["flow-lists", "flow-mappings", "block-lists", "compact-lists"],
)
def test_deep_nesting_is_a_problem_where_it_passes_100_levels(
    text: str, where: str, tmp_path: Path
) -> None:
    started = time.perf_counter()
    lines = _lines(_write(tmp_path, text))
    assert time.perf_counter() - started < 5
    assert lines == [f"{where}: nested more than 100 levels deep; flatten the file"]


def test_100_levels_are_still_read(tmp_path: Path) -> None:
    node = yamlnodes.compose(_write(tmp_path, "[" * 100 + "]" * 100))
    assert isinstance(node, yamlnodes.SequenceNode)
    assert sys.getrecursionlimit() >= 1000  # the composer's ~2 frames a level stay far below it


# --- 4. separators -------------------------------------------------------------------------

ITEM_LENGTH = """  - id: a
    kind: item_length
    column: primary_education:major_names
    params: {max_length: 255, separator: SEP}
    description: d.
    basis: 'practice: a test'
"""
ALLOWED = ITEM_LENGTH.replace("kind: item_length", "kind: allowed_values").replace(
    "max_length: 255", "values: [History]"
)


@pytest.mark.parametrize("rule", [ITEM_LENGTH, ALLOWED], ids=["item_length", "allowed_values"])
@pytest.mark.parametrize(
    ("separator", "message"),
    [
        ('""', "'separator' must be one or more characters (the importer's lists use ';')"),
        (
            '" "',
            "'separator' must be one or more characters that are not only whitespace (got ' '): "
            "names in lists contain spaces; the importer's lists use ';'",
        ),
        ('"\\t"', "'separator' must be one or more characters that are not only whitespace"),
    ],
)
def test_empty_or_blank_separator_is_a_problem(
    tmp_path: Path, rule: str, separator: str, message: str
) -> None:
    lines = _lines(_write(tmp_path, HEAD + rule.replace("SEP", separator)))
    assert len(lines) == 1
    assert lines[0].startswith(f"8:13: {message}")


@pytest.mark.parametrize("rule", [ITEM_LENGTH, ALLOWED], ids=["item_length", "allowed_values"])
@pytest.mark.parametrize("separator", ['";"', '" | "', "','"])
def test_a_real_separator_is_fine(tmp_path: Path, rule: str, separator: str) -> None:
    suite = load_suite(_write(tmp_path, HEAD + rule.replace("SEP", separator)))
    assert suite.rule("a").params["separator"].strip()


# --- odd files: each gives one clean problem ------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "1:1: the file is empty"),
        (b"# only a comment\n\n", "1:1: the file holds no YAML (only comments?)"),
        (b"suite: caf\xe9\n", "1:11: rule files must be UTF-8 text (byte 0xe9 is not)"),
        (b"suite: t\nversion: \xff\n", "2:10: rule files must be UTF-8 text (byte 0xff is not)"),
        (bytes(range(256)), "3:115: rule files must be UTF-8 text (byte 0x80 is not)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "1:1: rule files must be UTF-8 text (byte 0x89 is not)"),
        ("suite: t\n".encode("utf-16"), "1:1: rule files must be UTF-8 text; this one is UTF-16"),
        (
            b"suite: t\nheaders: [a\x00]\n",
            "2:12: rule files must be text: found U+0000, a character YAML does "
            "not allow (a control character: is this a binary file?)",
        ),
        (
            b"suite: t\r\nheaders: [a\x01]\r\n",
            "2:12: rule files must be text: found U+0001, a character YAML does "
            "not allow (a control character: is this a binary file?)",
        ),
        (
            b"suite: t\nheaders:\n\t- a\n",
            "3:1: not valid YAML: found character '\\t' that cannot start any token (indent with "
            "spaces: YAML does not allow tabs for indentation)",
        ),
        (
            b"suite: t\n---\nsuite: u\n",
            "2:1: not valid YAML: a rule file holds one YAML document, but a second one starts "
            "here ('---')",
        ),
        (
            b"suite: t\nheaders: [a\n",
            "3:1: not valid YAML: expected ',' or ']', but got '<stream end>'",
        ),
    ],
    ids=[
        "empty",
        "comments",
        "latin-1",
        "latin-1-line-2",
        "binary",
        "png",
        "utf-16",
        "nul",
        "control",
        "tabs",
        "two-documents",
        "unclosed",
    ],
)
def test_odd_files_give_one_clean_problem(tmp_path: Path, data: bytes, expected: str) -> None:
    assert _lines(_write(tmp_path, data)) == [expected]


def test_a_byte_order_mark_is_fine_and_columns_stay_right(tmp_path: Path) -> None:
    path = _write(tmp_path, b"\xef\xbb\xbf" + (HEAD + RULE).encode())
    assert load_suite(path).rule("a").location.line == 5
    _write(tmp_path, b"\xef\xbb\xbfsuit: t\n" + (HEAD + RULE).encode())
    assert _lines(path)[0].startswith("1:1: unknown key 'suit'")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            HEAD.replace('version: "1"', 'version: "1"\nsuite: u') + RULE,
            "3:1: key 'suite' is given twice in this mapping (first at line 1, column 1); keep one",
        ),
        (
            HEAD + RULE + "    kind: not_blank\n",
            "10:5: key 'kind' is given twice in this mapping (first at line 6, column 5); keep one",
        ),
        (
            HEAD + RULE + "    params: {ignore_case: true, ignore_case: false}\n",
            "10:33: key 'ignore_case' is given twice in this mapping (first at line 10, column "
            "14); keep one",
        ),
        (
            HEAD + RULE + "    ? [a, b]\n    : x\n",
            "10:7: a key must be a text, not a list or mapping",
        ),
    ],
    ids=["top", "rule", "params", "complex-key"],
)
def test_duplicate_and_complex_keys_are_problems(tmp_path: Path, text: str, expected: str) -> None:
    assert _lines(_write(tmp_path, text)) == [expected]


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!!python/object/apply:os.system ['echo hi']", "!!python/object/apply:os.system"),
        (
            "!!python/object:syncguard.suite.model.Rule {}",
            "!!python/object:syncguard.suite.model.Rule",
        ),
        ("!!python/name:os.system", "!!python/name:os.system"),
        ("!!binary aGk=", "!!binary"),
        ("!custom hello", "!custom"),
    ],
)
def test_tags_are_still_refused(tmp_path: Path, value: str, tag: str) -> None:
    for field in ("description", "title"):  # built by to_python, and read as text
        text = HEAD + RULE.replace("description: d.", f"{field}: {value}\n    description: d.")
        lines = _lines(_write(tmp_path, text))
        assert lines == [
            f"8:{len(field) + 7}: cannot read this value (rule files may not use YAML tags such "
            f"as '{tag}'); write the plain value"
        ]
    lines = _lines(_write(tmp_path, HEAD.replace("suite: t", f"suite: {value}") + RULE))
    assert lines[0].startswith("1:8: cannot read this value")


def test_plain_tags_are_fine(tmp_path: Path) -> None:
    text = HEAD.replace('version: "1"', "version: !!str 1") + RULE
    assert load_suite(_write(tmp_path, text)).version == "1"


def test_a_nul_in_the_checks_folder_name_is_a_problem(tmp_path: Path) -> None:
    lines = _lines(_write(tmp_path, 'checks: "a\\0b"\n' + HEAD + RULE))
    assert len(lines) == 1
    assert lines[0].startswith("1:9: checks folder 'a\x00b' not found")
