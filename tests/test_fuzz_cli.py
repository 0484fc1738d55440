"""Fuzzing the commands beyond check: fix, suggest, init, compile and the project lookup.

Whatever the export, the project file or the folder name, each command ends with a status it
documents and, for 2 and 3, one sentence on stderr: never a traceback, never an internal error,
never a change to the input. Short in CI; ``SYNCGUARD_FUZZ_EXAMPLES=500`` runs it long.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncguard.cli import main
from tests.conftest import SAMPLE_DATA

EXAMPLES = int(os.environ.get("SYNCGUARD_FUZZ_EXAMPLES", "15"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LINES = (SAMPLE_DATA / "defective.csv").read_bytes().split(b"\n")
SMALL = b"\n".join(LINES[:25]) + b"\n"
"""The defective sample's header and first 24 records: every kind of defect, read fast."""
DAMAGE = [b'"', b"\x00", b";", b"\xff", b" =HYPERLINK(1)", b"\t", b"\r", b"\xef\xbb\xbf", b","]


@contextmanager
def _folder() -> Iterator[Path]:
    """A fresh temporary folder, the working folder while the command runs."""
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as name:
        os.chdir(name)
        try:
            yield Path(name)
        finally:
            os.chdir(here)


def _run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _clean_end(code: int, err: str, allowed: set[int]) -> None:
    assert code in allowed, (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    if code in (2, 3):
        last = err.strip().splitlines()[-1]
        assert last.startswith("syncguard: ") and last.removeprefix("syncguard: ").strip(), err


@st.composite
def damaged_exports(draw: st.DrawFn) -> bytes:
    data = SMALL
    for _ in range(draw(st.integers(0, 4))):
        insert = draw(st.sampled_from(DAMAGE) | st.binary(min_size=1, max_size=6))
        position = draw(st.integers(0, len(data)))
        data = data[:position] + insert + data[position:]
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


@FUZZ
@given(damaged_exports(), st.booleans())
def test_fix_ends_cleanly_and_never_touches_its_input(data: bytes, fix_headers: bool) -> None:
    with _folder() as folder:
        export = folder / "export.csv"
        export.write_bytes(data)
        flags = ["--fix-headers"] if fix_headers else []
        code, _, err = _run("fix", export, "--out", folder / "fixed.csv", *flags)
        _clean_end(code, err, {0, 1, 2, 3})
        assert export.read_bytes() == data
        if code in (0, 1):
            (folder / "fixed.csv").read_text(encoding="utf-8")  # whole, and UTF-8
        else:
            assert not (folder / "fixed.csv").exists()


@FUZZ
@given(damaged_exports())
def test_suggest_ends_cleanly(data: bytes) -> None:
    with _folder() as folder:
        export = folder / "export.csv"
        export.write_bytes(data)
        code, out, err = _run("suggest", export)
        _clean_end(code, err, {0, 2})
        assert "\x1b" not in out and "\x00" not in out


TOML_VALUES = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True).map(lambda f: str(f).lower()),
    st.sampled_from(["true", "false", '""', "[]", "{}", '"packaged"', '"rules"', '"/dev/null"']),
    st.text(max_size=12).map(lambda t: '"' + t.replace("\\", "").replace('"', "") + '"'),
    st.lists(st.sampled_from(['"uni.eu"', "1", '"a@b"', "true"]), max_size=3).map(
        lambda items: "[" + ", ".join(items) + "]"
    ),
)
TOML_KEYS = st.sampled_from(
    [
        "contract",
        "rules",
        "report_dir",
        "history",
        "email_domains",
        "sso",
        "sync",
        "upload",
        "max_row_drop",
        "email_change_share",
        "campus_names",
        "nonsense",
    ]
)


@st.composite
def project_files(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=200))
    lines = []
    for section in draw(st.lists(st.sampled_from(["project", "settings", "other"]), max_size=3)):
        lines.append(f"[{section}]")
        for _ in range(draw(st.integers(0, 4))):
            lines.append(f"{draw(TOML_KEYS)} = {draw(TOML_VALUES)}")
    return "\n".join(lines).encode("utf-8", errors="surrogatepass")


@FUZZ
@given(project_files())
def test_the_project_lookup_ends_cleanly_whatever_the_project_file(data: bytes) -> None:
    with _folder() as folder:
        (folder / "syncguard.toml").write_bytes(data)
        (folder / "rules").mkdir()
        below = folder / "a" / "b"
        below.mkdir(parents=True)
        os.chdir(below)  # found from a subfolder, as a cron line in the project would
        code, _, err = _run("rules")
        _clean_end(code, err, {0, 3})
        code, _, err = _run("explain", "username.unique")
        _clean_end(code, err, {0, 3})


FOLDER_NAMES = st.text(
    alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=40,
)


@FUZZ
@given(FOLDER_NAMES)
def test_init_makes_a_project_in_any_folder_name_or_says_why_not(name: str) -> None:
    with _folder() as folder:
        code, out, err = _run("init", name)
        _clean_end(code, err, {0, 3})
        assert "\x1b" not in out and "\n\n" not in out
        if code == 0:
            made = folder / name
            assert (made / "syncguard.toml").is_file() and (made / "rules" / "local.yaml").is_file()
            code, _, err = _run("rules", "--config", made / "syncguard.toml")
            _clean_end(code, err, {0})
        again, _, err = _run("init", name)  # never over what is there
        _clean_end(again, err, {3})


@settings(FUZZ, max_examples=min(EXAMPLES, 5))
@given(FOLDER_NAMES)
def test_compile_writes_into_any_folder_name_or_says_why_not(name: str) -> None:
    with _folder() as folder:
        code, _, err = _run("compile", "--out", name)
        _clean_end(code, err, {0, 3})
        if code == 0:
            assert len(list((folder / name).glob("*.json"))) == 2
