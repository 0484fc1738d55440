"""Unlucky or hostile command lines end in one printable sentence and the right exit status."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from syncguard.display import printable
from syncguard.errors import RuleFileError, RuleProblem, SourceLocation
from tests.conftest import FIXTURES, ROOT, CliRun

VALID = FIXTURES / "intake" / "valid.csv"
UNSAFE = "\x1b\x07\x00\x7f\x85\u2028\u202e"
"""ESC, BEL, NUL, DEL, NEL, the line separator and a right-to-left override."""


def _plain(run_cli: Callable[..., CliRun], *argv: str | Path) -> CliRun:
    return run_cli(*argv, want_json=False)


def _one_sentence(run: CliRun) -> str:
    """The one line on stderr, which must name something after its colon."""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert "Traceback" not in run.err and "internal error" not in run.err
    head, _, rest = lines[0].partition(": ")
    assert head == "syncguard" and rest.strip() and not rest.rstrip().endswith(":"), lines[0]
    return lines[0]


# --- printable ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain name.csv", "plain name.csv"),
        ("C:\\exports\\week.csv", "C:\\exports\\week.csv"),  # nothing spelled: kept as it is
        ("a\nb", "a\\nb"),
        ("a\r\n::error::x", "a\\r\\n::error::x"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("bad\udcff.csv", "bad\\xff.csv"),  # a file-name byte that is not UTF-8
        ("rtl\u202egpj.csv", "rtl\\u202egpj.csv"),
        ("a\\b\n", "a\\\\b\\n"),  # once something is spelled, a backslash is doubled
        ("é ✓ ß", "é ✓ ß"),
    ],
)
def test_printable_spells_what_a_terminal_or_log_would_act_on(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert printable(Path(text)) == shown
    assert printable(shown) == shown  # what it prints is safe as it is: spelled once only


@pytest.mark.parametrize("char", list(UNSAFE))
def test_printable_leaves_no_unsafe_character(char: str) -> None:
    out = printable(f"x{char}y")
    assert char not in out and out.isprintable() and "\n" not in out


# --- the command line ------------------------------------------------------------------------


@pytest.mark.parametrize("only", ["", ",", " ", " , ", ",,"])
def test_an_empty_only_list_never_passes(
    run_cli: Callable[..., CliRun], tmp_path: Path, only: str
) -> None:
    run = _plain(run_cli, "check", VALID, "--only", only, "--report-dir", tmp_path, "-q")
    assert run.code == 3
    assert "names no rule" in _one_sentence(run)
    assert not (tmp_path / "history.sqlite").exists()  # nothing ran, nothing was recorded


@pytest.mark.parametrize("baseline", ["²", "١٢", "3²", "-1", "1.5"])
def test_a_baseline_that_is_not_an_ascii_run_number_is_a_usage_error(
    run_cli: Callable[..., CliRun], tmp_path: Path, baseline: str
) -> None:
    run = _plain(run_cli, "check", VALID, "--baseline", baseline, "--report-dir", tmp_path)
    assert run.code == 3
    assert "is not a baseline" in _one_sentence(run)


@pytest.mark.parametrize(
    "argv",
    [
        ["check", ""],
        ["check", VALID, "--report-dir", ""],
        ["check", VALID, "--json", " "],
        ["check", VALID, "--junit", ""],
        ["fix", VALID, "--out", ""],
        ["suggest", VALID, "--out", ""],
        ["compile", "--out", ""],
        ["rules", "--config", ""],
        ["rules", "--rules", ""],
        ["init", ""],
        ["explain", ""],
        ["explain", "  "],
    ],
)
def test_an_empty_argument_is_named_never_taken_for_the_current_folder(
    run_cli: Callable[..., CliRun], tmp_path: Path, argv: list[str | Path]
) -> None:
    before = set(tmp_path.iterdir())
    os.chdir(tmp_path)
    run = _plain(run_cli, *argv)
    assert run.code == 3
    sentence = _one_sentence(run)
    assert "empty" in sentence
    assert set(tmp_path.iterdir()) == before


def test_a_config_that_is_a_fifo_is_refused_at_once(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    fifo = tmp_path / "syncguard.toml"
    os.mkfifo(fifo)
    run = _plain(run_cli, "rules", "--config", fifo)  # reading it would block for ever
    assert run.code == 3
    sentence = _one_sentence(run)
    assert "regular file" in sentence and "no such" not in sentence


@pytest.mark.parametrize(
    "body",
    [
        "[project]\nx = " + "[" * 5000 + "]" * 5000 + "\n",
        "a = " + "{b = " * 2000 + "1" + "}" * 2000 + "\n",
    ],
    ids=["arrays", "inline-tables"],
)
def test_a_deeply_nested_project_file_is_one_sentence(
    run_cli: Callable[..., CliRun], tmp_path: Path, body: str
) -> None:
    config = tmp_path / "syncguard.toml"
    config.write_text(body, encoding="utf-8")
    run = _plain(run_cli, "rules", "--config", config)
    assert run.code == 3
    assert "nested too deeply" in _one_sentence(run)


def test_compile_out_naming_a_file_says_it_needs_a_folder(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    target = tmp_path / "suite.json"
    target.write_text("keep", encoding="utf-8")
    run = _plain(run_cli, "compile", "--out", target)
    assert run.code == 3
    assert "needs a folder" in _one_sentence(run)
    assert target.read_text(encoding="utf-8") == "keep"


def test_a_repeated_rule_file_problem_is_listed_once_with_its_places(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    same = [RuleProblem(SourceLocation(path, n, 3), "found '*a'") for n in range(1, 21)]
    other = RuleProblem(SourceLocation(path, 4, 1), "something else")
    error = RuleFileError([*same, other])
    assert [str(p) for p in error.problems] == [
        f"{path}:1:3: found '*a' (the same at 19 more places: 2:3, 3:3, 4:3, 5:3, 6:3 and 14 more)",
        f"{path}:4:1: something else",
    ]


def test_twenty_aliases_in_a_rule_file_are_one_line(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "suite: t\nversion: '1'\nheaders: [username]\nx: &a 1\nrules:\n"
        + "".join(f"  - *a  # {n}\n" for n in range(20)),
        encoding="utf-8",
    )
    run = _plain(run_cli, "rules", "--rules", rules)
    assert run.code == 3
    lines = run.err.strip().splitlines()
    aliases = [line for line in lines if "found '*a'" in line]
    assert len(aliases) == 1 and "the same at" in aliases[0], run.err


# --- printed paths ------------------------------------------------------------------------


def test_a_file_name_cannot_inject_lines_or_escapes_into_the_log(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    hostile = tmp_path / "x\n::error file=a::pwned\x1b[2J\u202e.csv"
    shutil.copy(VALID, hostile)
    reports = tmp_path / "reports"
    run = _plain(run_cli, "check", hostile, "--report-dir", reports, "--github")
    assert run.code == 0, run.err
    for stream in (run.out, run.err):
        assert "\x1b" not in stream and "\u202e" not in stream
        assert not any(line.startswith("::error file=a") for line in stream.splitlines())
    assert "x\\n::error file=a::pwned\\x1b[2J\\u202e.csv" in run.out
    folders = [p.name for p in reports.iterdir() if p.is_dir()]
    assert len(folders) == 1
    assert all(c.isalnum() or c in "._-+" for c in folders[0]), folders
    listing = _plain(run_cli, "history", "--history", reports / "history.sqlite")
    assert listing.code == 0
    assert "\x1b" not in listing.out and "x\\n::error" in listing.out
    assert not any(line.startswith("::error") for line in listing.out.splitlines())


def test_an_export_name_that_is_not_utf8_is_checked(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    name = os.fsdecode(b"week\xff.csv")
    export = tmp_path / name
    shutil.copy(VALID, export)
    run = run_cli("check", export)
    assert run.code == 0, run.err
    assert run.json is not None
    assert run.json["export"]["path"].endswith("week\\xff.csv")
    unusable = tmp_path / os.fsdecode(b"empty\xfe.csv")
    unusable.write_bytes(b"")
    run = run_cli("check", unusable)
    assert run.code == 2
    assert "empty\\xfe.csv" in run.err and "\udcfe" not in run.err


# --- streams and processes -------------------------------------------------------------------


def _syncguard(
    *argv: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syncguard", *map(str, argv)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="strict",
        timeout=180,
        env={**os.environ, **(env or {})},
    )


def test_a_terminal_that_cannot_show_unicode_gets_spelled_text(tmp_path: Path) -> None:
    export = tmp_path / "étudiants.csv"
    shutil.copy(VALID, export)
    done = _syncguard(
        "check",
        export,
        "--no-history",
        "--report-dir",
        tmp_path / "r",
        "--json",
        "-",
        env={"PYTHONIOENCODING": "ascii"},
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert "\\xe9tudiants.csv" in done.stderr  # the summary goes to stderr with --json -
    assert json.loads(done.stdout)["export"]["path"].endswith("étudiants.csv")  # UTF-8 JSON


@pytest.mark.parametrize("where", ["import", "run"])
def test_a_check_module_calling_os_exit_0_never_passes(tmp_path: Path, where: str) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    checks = tmp_path / "checks"
    checks.mkdir()
    for module in (ROOT / "checks").glob("*.py"):
        (checks / module.name).symlink_to(module)
    body = (
        "import os\nos._exit(0)\n"
        if where == "import"
        else (
            "import os\n"
            "from syncguard.suite.registry import Example, PanderaKind, register\n\n"
            "@register\nclass Quit(PanderaKind):\n"
            "    name = 'quit_now'\n    summary = 'ends the process'\n"
            "    example = Example(columns=('first_name',), passing=(('a',),), failing=())\n"
            "    def passes(self, rule, value):\n        os._exit(0)\n"
        )
    )
    (checks / "quit.py").write_text(body, encoding="utf-8")
    (rules / "local.yaml").write_text(
        "rules:\n  - id: first_name.quit\n    kind: quit_now\n    column: first_name\n"
        "    description: d.\n    basis: 'practice: a test'\n",
        encoding="utf-8",
    )
    done = _syncguard("check", VALID, "--rules", rules, "--no-history", "--report-dir", tmp_path)
    # at import, the module cannot load (project.check_module); at run time, its rule cannot
    # run: an error finding either way (exit 1). Without the guard both ended with status 0.
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "FAILED" in done.stdout and "PASSED" not in done.stdout
    shown = "project.check_module" if where == "import" else "first_name.quit"
    assert shown in done.stdout


@contextlib.contextmanager
def _tiny_disk(folder: Path, size: str = "40k") -> Iterator[Path]:
    """A real, tiny file system (tmpfs) at ``folder``; skips where it cannot be mounted."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("a tmpfs cannot be mounted here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


@pytest.mark.parametrize("what", ["history", "json"])
def test_a_full_disk_is_exit_2_naming_the_file(
    run_cli: Callable[..., CliRun], tmp_path: Path, what: str
) -> None:
    with _tiny_disk(tmp_path / "disk") as disk:
        if what == "json":
            with contextlib.suppress(OSError), (disk / "filler").open("wb") as filler:
                for _ in range(100):  # until the disk is full
                    filler.write(b"\0" * 4096)
                    filler.flush()
            argv: list[str | Path] = ["--no-history", "--json", disk / "x.json"]
            named = "x.json: cannot write results: the disk is full"
        else:
            argv = ["--report-dir", disk]
            named = "history.sqlite: creating the history failed: the disk is full"
        run = _plain(run_cli, "check", VALID, *argv, "-q")
        assert run.code == 2, run.err
        assert named in _one_sentence(run)


def test_the_console_lists_its_limit_of_findings_and_counts_the_rest(
    run_cli: Callable[..., CliRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    from syncguard.commands import check

    monkeypatch.setattr(check, "CONSOLE_FINDINGS", 3)
    run = _plain(run_cli, "check", ROOT / "sample_data" / "defective.csv", "--no-history", "-q")
    assert run.code == 1
    listed = [line for line in run.out.splitlines() if line.startswith(("  error", "  warning"))]
    assert len(listed) == 3
    more = [line for line in run.out.splitlines() if line.startswith("  ... and ")]
    assert len(more) == 1 and "more finding(s)" in more[0]


def test_an_unusable_export_reads_the_file_not_zero_rows_everywhere(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    export = tmp_path / "headers-only.csv"
    export.write_text("email_address,username\n", encoding="utf-8")
    reports = tmp_path / "r"
    run = _plain(
        run_cli,
        "check",
        export,
        "--report-dir",
        reports,
        "--junit",
        tmp_path / "j.xml",
        "--summary-md",
        tmp_path / "s.md",
        "--github",
    )
    assert run.code == 2
    (page,) = reports.glob("*/report.html")
    html = page.read_text(encoding="utf-8")
    assert '<td class="num">the file</td>' in html and '<td class="num">0</td>' not in html
    for text in (
        run.out,
        (tmp_path / "j.xml").read_text("utf-8"),
        (tmp_path / "s.md").read_text("utf-8"),
    ):
        assert "0 failed row" not in text


def test_a_rule_that_cannot_run_says_why_on_its_console_line(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    checks = tmp_path / "checks"
    checks.mkdir()
    for module in (ROOT / "checks").glob("*.py"):
        (checks / module.name).symlink_to(module)
    (checks / "boom.py").write_text(
        "from syncguard.suite.registry import Example, PanderaKind, register\n\n"
        "@register\nclass Boom(PanderaKind):\n"
        "    name = 'boom_now'\n    summary = 'raises'\n"
        "    example = Example(columns=('first_name',), passing=(('a',),), failing=())\n"
        "    def passes(self, rule, value):\n        raise RuntimeError('kaboom in the kind')\n",
        encoding="utf-8",
    )
    (rules / "local.yaml").write_text(
        "rules:\n  - id: first_name.boom\n    kind: boom_now\n    column: first_name\n"
        "    description: d.\n    basis: 'practice: a test'\n    severity: error\n",
        encoding="utf-8",
    )
    run = _plain(run_cli, "check", VALID, "--rules", rules, "--no-history")
    assert run.code == 1, run.err
    (line,) = [x for x in run.out.splitlines() if "first_name.boom " in x]
    assert "could not run" in line and "kaboom in the kind" in line


def test_the_history_listing_says_a_run_was_partial(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    reports = tmp_path / "r"
    run = _plain(run_cli, "check", VALID, "--only", "username.unique", "--report-dir", reports)
    assert run.code in (0, 1), run.err
    listing = _plain(run_cli, "history", "--history", reports / "history.sqlite")
    assert "partial run: 1 of" in listing.out
    as_json = _plain(run_cli, "history", "--history", reports / "history.sqlite", "--json")
    assert "partial run: 1 of" in json.loads(as_json.out)[0]["verdict_note"]
