"""Fuzzed rule files: loading either gives a Suite or problems at line:col, never anything else.

Texts are the built-in suite mutated (truncated, characters and lines changed, indentation
flipped, random bytes) or YAML-ish text from scratch. The CI run is short; set
``SYNCGUARD_FUZZ_EXAMPLES`` (e.g. 5000, as ``nox -s fuzz`` does) for a long run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncguard.errors import RuleFileError
from syncguard.suite.loader import load_suite
from syncguard.suite.model import Suite
from tests.conftest import ROOT

BUILT_IN = (ROOT / "rules" / "handshake_student_sync_eu.yaml").read_text(encoding="utf-8")
EXAMPLES = int(os.environ.get("SYNCGUARD_FUZZ_EXAMPLES", "60"))
# No deadline: an example loads a ~24 KB suite (tens of milliseconds, more on a busy runner).
FUZZ = settings(max_examples=EXAMPLES, deadline=None)

# Pieces of rule files and of YAML syntax that random text rarely hits on its own.
TOKENS = (
    *("suite", "version", "headers", "settings", "checks", "rules", "overrides", "id", "kind"),
    *("column", "columns", "params", "severity", "basis", "enabled_if", "mostly", "separator"),
    *("allowed_values", "item_length", "unique", "not_blank", "values", "max_length", "*"),
    *("email_address", "username", "'practice: x'", "${major_names}", "${nope}", "../checks"),
    *(": ", "- ", "[", "]", "{", "}", ",", "? ", "&a ", "*a", "!!python/object ", "!x ", "<<: "),
    *("'", '"', "|", ">", "#", "---", "...", "%YAML 1.1\n", "\\", "\t", "\n", "  ", "    "),
    *("~", "null", "true", "TRUE", "1", "-1", "0.5", "1e999", ".nan", "2026-13-45", "\ufeff"),
)
CONTROLS = ("\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f", "\u2028", "\ufffe", "\r")
# Any character but a control one (most end the reading at once); one in 20 times, one of those.
odd_text = st.integers(0, 19).flatmap(
    lambda n: (
        st.sampled_from(CONTROLS)
        if n == 10  # (not 0: Hypothesis draws it often)
        else st.text(st.characters(codec="utf-8", exclude_categories=("Cc",)), max_size=12)
    )
)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    """The built-in suite with one to four random changes."""
    text = BUILT_IN
    for _ in range(draw(st.integers(1, 4))):
        change = draw(st.sampled_from(CHANGES))
        text = change(draw, text)
    data = text.encode("utf-8")
    if draw(st.integers(0, 9)) == 5:  # now and then (not 0: drawn often), raw bytes somewhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data


def _truncate(draw: st.DrawFn, text: str) -> str:
    """Cut the end off (counted from the end: Hypothesis favours small numbers)."""
    return text[: len(text) - draw(st.integers(0, len(text)))]


def _insert(draw: st.DrawFn, text: str) -> str:
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.one_of(odd_text, st.sampled_from(TOKENS))) + text[at:]


def _delete(draw: st.DrawFn, text: str) -> str:
    at = draw(st.integers(0, len(text)))
    return text[:at] + text[at + draw(st.integers(1, 20)) :]


def _lines(draw: st.DrawFn, text: str) -> str:
    """Duplicate, drop or swap a line."""
    lines = text.splitlines(keepends=True) or [""]
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    what = draw(st.sampled_from(("duplicate", "drop", "swap")))
    if what == "duplicate":
        lines.insert(j, lines[i])
    elif what == "drop":
        del lines[i]
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


def _indent(draw: st.DrawFn, text: str) -> str:
    """Indent a line more or less, or with a tab."""
    lines = text.splitlines(keepends=True) or [""]
    i = draw(st.integers(0, len(lines) - 1))
    body = lines[i].lstrip(" ")
    lines[i] = draw(st.sampled_from(("", " ", "  ", "   ", "\t", "  \t", " " * 8))) + body
    return "".join(lines)


def _replace_value(draw: st.DrawFn, text: str) -> str:
    """Give the value after some ``: `` a random token or text."""
    at = text.find(": ", draw(st.integers(0, len(text))))
    if at < 0:
        return text
    end = text.find("\n", at)
    end = len(text) if end < 0 else end
    value = draw(st.one_of(st.sampled_from(TOKENS), odd_text))
    return text[: at + 2] + value + text[end:]


def _repeat(draw: st.DrawFn, text: str) -> str:
    """Insert one token many times over (deep nesting, long runs of one thing)."""
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.sampled_from(TOKENS)) * draw(st.integers(2, 300)) + text[at:]


CHANGES = (_truncate, _insert, _delete, _lines, _indent, _replace_value, _repeat)

# Random pieces, alone or after the start of a rule file (so that they reach the rule checks).
PREFIXES = (
    "",
    "suite: t\nheaders: [username, email_address]\nrules:\n  - ",
    "rules:\n  - id: a\n    ",
)
from_scratch = st.tuples(
    st.sampled_from(PREFIXES),
    st.lists(
        st.one_of(
            st.sampled_from(TOKENS), odd_text, st.sampled_from(TOKENS).map(lambda t: t * 150)
        ),
        max_size=60,
    ).map("".join),
).map("".join)


@pytest.fixture(scope="module")
def rules_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``<tmp>/rules`` next to ``<tmp>/checks``, a link to the project's ``checks/``."""
    base = tmp_path_factory.mktemp("fuzz")
    (base / "checks").symlink_to(ROOT / "checks", target_is_directory=True)
    (base / "rules").mkdir()
    return base / "rules"


def _loads_or_reports(folder: Path, data: bytes) -> Suite | RuleFileError:
    """Load one rule file; a Suite or a RuleFileError whose problems are all well placed."""
    path = folder / "suite.yaml"
    path.write_bytes(data)
    try:
        return load_suite(path)
    except RuleFileError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert isinstance(problem.location.line, int) and problem.location.line >= 1
            assert isinstance(problem.location.column, int) and problem.location.column >= 1
            assert isinstance(problem.message, str) and problem.message.strip()
        return exc


def test_the_built_in_suite_loads_from_the_fuzz_folder(rules_folder: Path) -> None:
    assert isinstance(_loads_or_reports(rules_folder, BUILT_IN.encode()), Suite)


@FUZZ
@given(data=_mutated())
def test_mutated_built_in_suite_loads_or_reports(rules_folder: Path, data: bytes) -> None:
    _loads_or_reports(rules_folder, data)


@FUZZ
@given(text=from_scratch)
def test_yaml_ish_text_loads_or_reports(rules_folder: Path, text: str) -> None:
    _loads_or_reports(rules_folder, text.encode("utf-8"))
