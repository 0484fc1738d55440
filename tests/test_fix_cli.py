"""`syncguard fix`: repairs with one right answer, a change log, and the check of the result."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from syncguard.repair import mends
from syncguard.suite.model import Suite
from tests.conftest import ROOT, CliRun

HEADER = (
    "Email_Address;username;first_name;last_name;primary_education:end_date;school_year_name;"
    "disabled"
)
ROWS = [
    "ana.berg@uni.eu;S1000001;Ána;Berg;31/03/2027;alumni;true",
    "eva.kis@uni.eu;S1000002; Eva ;Kis;15/06/2028;Bachelor 2nd year or equivalent;FALSE",
]


def _export(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(("\r\n".join([HEADER, *ROWS]) + "\r\n").encode("cp1252"))
    return path


def _plain(run_cli: Callable[..., CliRun], *argv: str | Path) -> CliRun:
    return run_cli(*argv, want_json=False)


def test_fix_repairs_what_has_one_right_answer(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    export = _export(tmp_path)
    before = export.read_bytes()
    out = tmp_path / "fixed.csv"
    run = _plain(
        run_cli,
        "fix",
        export,
        "--out",
        out,
        "--email-domain",
        "uni.eu",
        "--report-dir",
        tmp_path / "r",
    )
    assert run.code == 0, run.out + run.err
    assert export.read_bytes() == before  # never written over
    fixed = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert fixed[0][0] == "email_address"
    assert fixed[1][4:7] == ["2027-03-31", "Alumni", "TRUE"]
    assert fixed[2][2] == "Eva"
    log = list(csv.DictReader(io.StringIO((tmp_path / "fixed.changes.csv").read_text("utf-8"))))
    repairs = {r["repair"] for r in log}
    assert {"repair.encoding", "repair.delimiter", "repair.header_case"} <= repairs
    assert {"repair.day_first_date", "repair.listed_value", "repair.boolean"} <= repairs
    first_names = [r for r in log if r["column"] == "first_name"]
    assert first_names and "Eva" not in first_names[0]["before"]  # personal: masked
    assert "problem(s) left for a person" in run.out


def test_fix_never_overwrites(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    export = _export(tmp_path)
    out = tmp_path / "fixed.csv"
    out.write_text("keep", encoding="utf-8")
    run = _plain(run_cli, "fix", export, "--out", out, "--report-dir", tmp_path / "r")
    assert run.code == 3 and "--force" in run.err
    assert out.read_text(encoding="utf-8") == "keep"
    same = _plain(run_cli, "fix", export, "--out", export, "--force")
    assert same.code == 3 and export.read_bytes().startswith(b"Email_Address;")


def test_fix_refuses_what_check_refuses(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\x00\x01\x02binary")
    run = _plain(run_cli, "fix", empty, "--out", tmp_path / "o.csv")
    assert run.code == 2 and len(run.err.strip().splitlines()) == 1
    assert not (tmp_path / "o.csv").exists()


def test_repairs_are_listed_and_can_be_switched_off(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    listed = {c["id"]: c for c in json.loads(_plain(run_cli, "rules", "--json").out)["checks"]}
    assert listed["repair.day_first_date"]["source"] == "repair"
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (tmp_path / "checks").symlink_to(ROOT / "checks")
    (rules / "local.yaml").write_text(
        "overrides:\n  - id: repair.day_first_date\n    enabled: false\n"
        "    reason: our dates are fixed in the record system\n",
        encoding="utf-8",
    )
    out = tmp_path / "fixed.csv"
    run = _plain(
        run_cli,
        "fix",
        _export(tmp_path),
        "--out",
        out,
        "--rules",
        rules,
        "--report-dir",
        tmp_path / "r",
    )
    assert run.code in (0, 1), run.err
    fixed = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert fixed[1][4] == "31/03/2027"


@pytest.mark.parametrize("flag", ["--fix-headers"])
def test_a_header_typo_is_renamed_only_when_asked(
    run_cli: Callable[..., CliRun], tmp_path: Path, flag: str
) -> None:
    path = tmp_path / "typo.csv"
    path.write_text(
        "email_address,username,first_name,last_name,primary_education:end_date,"
        "school_year_name,mobil_number\r\na@uni.eu,S1,Ana,Berg,2027-06-30,Alumni,+4915112345678\r\n",
        encoding="utf-8",
    )
    plain_out, typo_out = tmp_path / "a.csv", tmp_path / "b.csv"
    _plain(run_cli, "fix", path, "--out", plain_out, "--report-dir", tmp_path / "r")
    _plain(run_cli, "fix", path, "--out", typo_out, flag, "--report-dir", tmp_path / "r")
    assert plain_out.read_text(encoding="utf-8").splitlines()[0].endswith("mobil_number")
    assert typo_out.read_text(encoding="utf-8").splitlines()[0].endswith("mobile_number")


def test_fix_refuses_an_export_check_would_refuse(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    path = tmp_path / "no_last_name.csv"
    path.write_text(
        "email_address,username,first_name,primary_education:end_date,school_year_name\r\n"
        "a@uni.eu,S1,Ana,2027-06-30,Alumni\r\n",
        encoding="utf-8",
    )
    out = tmp_path / "fixed.csv"
    run = _plain(run_cli, "fix", path, "--out", out)
    assert run.code == 2 and "'last_name'" in run.err and str(path) in run.err
    assert not out.exists() and not (tmp_path / "fixed.changes.csv").exists()


def test_the_repaired_sample_passes_the_rules_it_was_repaired_for(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    from tests.conftest import SAMPLE_DATA

    out = tmp_path / "fixed.csv"
    fixed = _plain(
        run_cli, "fix", SAMPLE_DATA / "defective.csv", "--out", out, "--report-dir", tmp_path / "r"
    )
    assert fixed.code in (0, 1), fixed.err
    log = list(csv.DictReader(io.StringIO((tmp_path / "fixed.changes.csv").read_text("utf-8"))))
    kinds = {"repair.listed_value", "repair.boolean", "repair.day_first_date", "repair.excel_date"}
    repaired = {(int(c["row"]), c["column"]) for c in log if c["repair"] in kinds}
    assert repaired, "the defective sample has values fix can repair"
    check = run_cli("check", out, "--no-history", "--as-of", "2026-11-29")
    assert check.json is not None
    intake = {f["rule"] for f in check.json["findings"] if f["engine"] == "intake"}
    assert not intake & {"intake.bom", "intake.header_case", "intake.unusable"}
    still = {
        (row, f["column"])
        for f in check.json["findings"]
        if f["column"] and f["rule"].endswith((".allowed", ".boolean", ".format"))
        for row in f["rows"]
    }
    assert not repaired & still, sorted(repaired & still)


GENERATED = (
    "\ufeffemail_address,username,first_name,last_name,primary_education:start_date,"
    "primary_education:end_date,school_year_name,Disabled\r\n"
    "a@uni.eu,S1, Ana ,Berg,01/09/2023,31/03/2027,alumni,true\r\n"
    "b@uni.eu,S2,Eva,Kis\u00a0,46112,2027-06-30 00:00:00,Bachelor 2nd year or equivalent,False\r\n"
    "c@uni.eu,S3,Ole,Lund,2023-09-01,2027-06-30,doctorate,FALSE\r\n"
    "d@uni.eu,S4,Ida,Berg,2023-09-01,2027-06-30,Year 9 or equivalent,FALSE\r\n"
)
"""Dates (day-first, Excel serial, date-time), case (listed values, booleans, a header),
whitespace (plain and non-breaking), a BOM, and a value fix leaves alone (row 5)."""
FIX_COUNT = re.compile(
    r"Run <code>syncguard fix</code> first: it repairs ([\d,]+) cell\(s\)"
    r"(?: and makes ([\d,]+) change\(s\) to the file)?"
)


def _run_folder(out: str) -> Path:
    return Path(re.findall(r"^report: +(.+)$", out, re.MULTILINE)[-1].strip()).parent


@pytest.mark.parametrize("source", ["defective", "generated"])
def test_the_report_counts_exactly_what_fix_changes_and_marks_each_cell(
    run_cli: Callable[..., CliRun], tmp_path: Path, source: str, suite: Suite
) -> None:
    """The check runs fix's own code dry: its count is the lines of the change log (not the
    "did you mean" hints fix never applies, and with its date repairs), and each worklist
    cell fix changes is marked, in the page and in failing_rows.csv."""
    from syncguard.output.base import Limits
    from tests.conftest import SAMPLE_DATA

    if source == "defective":
        export = SAMPLE_DATA / "defective.csv"
    else:
        export = tmp_path / "export.csv"
        export.write_bytes(GENERATED.encode("utf-8"))
    argv = ["--as-of", "2026-11-29", "--email-domain", "uni.eu", "--no-history"]
    check = _plain(run_cli, "check", export, *argv, "--report-dir", tmp_path / "checked")
    assert check.code == 1, check.out + check.err
    folder = _run_folder(check.out)
    page = (folder / "report.html").read_text(encoding="utf-8")
    found = FIX_COUNT.search(page)
    assert found is not None, "the report says what fix would repair"
    cells, whole = (int((g or "0").replace(",", "")) for g in found.groups())
    out = tmp_path / "fixed.csv"
    fixed = _plain(run_cli, "fix", export, "--out", out, *argv, "--report-dir", tmp_path / "r")
    assert fixed.code in (0, 1), fixed.err
    log = list(csv.DictReader(io.StringIO((tmp_path / "fixed.changes.csv").read_text("utf-8"))))
    assert cells + whole == len(log)
    assert cells == sum(1 for c in log if int(c["row"]) > 1)
    if source == "generated":  # the dates are counted, the unknown "Year 9" (a hint) is not
        repairs = {c["repair"] for c in log}
        assert {"repair.day_first_date", "repair.excel_date", "repair.bom"} <= repairs
        assert {"repair.header_case", "repair.whitespace", "repair.listed_value"} <= repairs
        assert whole == 2 and "5" not in {c["row"] for c in log}
        assert (1, "disabled") in {(int(c["row"]), c["column"]) for c in log}
    changed = {(int(c["row"]), c["column"]) for c in log if int(c["row"]) > 1}
    if source == "generated":  # the header the importer would not know is marked too
        assert (1, "Disabled") in {(1, c["before"]) for c in log if c["row"] == "1"}
    with (folder / "failing_rows.csv").open(encoding="utf-8", newline="") as handle:
        lines = [r for r in csv.DictReader(handle) if r["severity"] != "note"]
    marked = {(int(r["row"]), r["column"]) for r in lines if r["fix_repairs"] == "yes"}
    kinds = {r.id: r.kind for r in suite.rules}  # a cell fix only tidies is not marked
    listed = {
        (int(r["row"]), r["column"]) for r in lines if mends(r["check"], kinds.get(r["check"]))
    }
    renamed = {(1, c["before"]) for c in log if c["row"] == "1" and c["column"]}  # as read
    assert marked and marked == listed & (changed | renamed)
    assert source != "generated" or (1, "Disabled") in marked  # the header fix renames
    assert {r["fix_repairs"] for r in lines} == {"yes", "no"}
    shown = sorted({int(r["row"]) for r in lines})[: Limits().worklist_rows]  # the page's rows
    yes_lines = sum(1 for r in lines if r["fix_repairs"] == "yes" and int(r["row"]) in shown)
    assert page.count("syncguard fix repairs this cell") == yes_lines


@pytest.mark.parametrize(
    ("how", "code"),
    [("history", 0), ("previous", 0), ("no-history", 1)],
)
def test_fix_checks_its_output_as_check_would(
    run_cli: Callable[..., CliRun], tmp_path: Path, how: str, code: int
) -> None:
    """A known student's blank required cell leaves the stored value (no error), as in check:
    fix compares FIXED.csv with the baseline of the history (or --previous), records the run
    and points latest.* at it. Without a baseline every student is new."""
    from tests.compare.test_changes import BASE, _write, student

    reports = tmp_path / "reports"
    first = _write(tmp_path / "week1.csv", BASE)
    base = _plain(run_cli, "check", first, "--as-of", "2026-11-29", "--report-dir", reports)
    assert base.code == 0, base.out
    rows = [dict(r) for r in BASE]
    rows[4] = student(4, first_name="")  # known: the stored first name stays
    rows[6] = student(6, school_year_name="bachelor 2nd year or equivalent", disabled="false")
    export = _write(tmp_path / "week2.csv", rows)
    out = tmp_path / "fixed.csv"
    extra = {
        "history": [],
        "previous": ["--previous", first, "--no-history"],
        "no-history": ["--no-history"],
    }[how]
    argv = ["fix", export, "--out", out, "--as-of", "2026-11-29", "--report-dir", reports]
    run = _plain(run_cli, *argv, *extra)
    assert run.code == code, run.out + run.err
    history = json.loads(
        _plain(run_cli, "history", "--history", reports / "history.sqlite", "--json").out
    )
    latest = json.loads((reports / "latest.json").read_text(encoding="utf-8"))
    if how == "no-history":
        assert "1 error(s)" in run.out and "first_name" in run.out
        assert len(history) == 1 and latest["export"]["path"].endswith("week1.csv")
        return
    assert "PASSED: 0 error(s)" in run.out and "0 problem(s) left" in run.out
    assert "compared with " + ("run #1" if how == "history" else "the export") in run.out
    if how == "history":
        assert [(r["export"], r["outcome"], r["baseline"]) for r in history] == [
            (out.name, "passed", 1),
            (first.name, "passed", None),
        ]
        assert latest["export"]["path"] == str(out) and f"latest:  {reports}" in run.out


def test_fix_lists_the_first_problems_left_and_counts_the_rest(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    from tests.compare.test_changes import BASE, _write, student

    rows = [student(i, school_year_name="Year 9") for i in range(25)]  # no one right answer
    rows += [dict(r) for r in BASE[:3]]
    export = _write(tmp_path / "export.csv", rows)
    run = _plain(run_cli, "fix", export, "--out", tmp_path / "fixed.csv", "--no-history")
    assert run.code == 1, run.out + run.err
    listed = [line for line in run.out.splitlines() if line.startswith(("  row ", "  the file"))]
    with (_run_folder(run.out) / "failing_rows.csv").open(encoding="utf-8") as handle:
        lines = sum(1 for r in csv.DictReader(handle) if r["severity"] != "note")
    assert lines >= 25 and len(listed) == 20
    assert f"{lines} problem(s) left for a person" in run.out
    assert f"  ... and {lines - 20} more: the report and failing_rows.csv list them all" in run.out


@pytest.mark.parametrize("kind", ["device", "symlink", "history"])
def test_fix_never_writes_into_a_device_a_link_or_the_history(
    run_cli: Callable[..., CliRun], tmp_path: Path, kind: str
) -> None:
    export = _export(tmp_path)
    reports = tmp_path / "r"
    if kind == "device":
        target = Path("/dev/null")
    elif kind == "symlink":
        (tmp_path / "elsewhere.csv").write_text("keep", encoding="utf-8")
        target = tmp_path / "link.csv"
        target.symlink_to(tmp_path / "elsewhere.csv")
    else:
        assert run_cli("check", export, "--report-dir", reports).code in (0, 1, 2)
        reports.mkdir(exist_ok=True)
        target = reports / "history.sqlite"
        target.write_bytes(b"SQLite format 3\x00")
    before = None if kind == "device" else target.read_bytes()
    run = _plain(run_cli, "fix", export, "--out", target, "--force", "--report-dir", reports)
    assert run.code == 3 and "--out would" in run.err, run.err
    if kind == "device":
        assert Path("/dev/null").is_char_device() and not Path("/dev/null.changes.csv").exists()
    else:
        assert target.read_bytes() == before


@pytest.mark.parametrize("kill_after", [None, 2.0], ids=["watched-to-the-end", "killed"])
def test_fix_never_puts_a_copy_of_the_export_in_the_temp_folder(
    tmp_path: Path, kill_after: float | None
) -> None:
    """A real process, its temp folder watched while it runs (and SIGKILLed midway): no copy of
    the export ever appears there, so none can be left behind.

    (Python's own probe of the folder, an empty worker folder and unnamed files do appear:
    they hold nothing of the export.)
    """
    import os
    import subprocess
    import sys
    import time

    export = tmp_path / "big.csv"
    row = "a{0}@uni.eu;S{0:07d}; Eva ;Kis;15/06/2028;Bachelor 2nd year or equivalent;FALSE"
    lines = [HEADER, *(row.format(i) for i in range(3000))]
    export.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    temp = tmp_path / "tmp"
    temp.mkdir()

    def copies() -> list[str]:
        found = []
        for path in temp.rglob("*"):
            try:
                if path.name == export.name or b"@uni.eu" in path.read_bytes():
                    found.append(str(path))
            except OSError:  # a folder, or gone meanwhile
                pass
        return found

    import syncguard

    code = Path(syncguard.__file__).parents[1]  # the process runs the code under test
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": str(code)}
    argv = [sys.executable, "-m", "syncguard", "fix", str(export), "--out", str(tmp_path / "o.csv")]
    process = subprocess.Popen(
        [*argv, "--report-dir", str(tmp_path / "r")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started, seen = time.monotonic(), []
    while process.poll() is None:
        seen += copies()
        if seen or (kill_after is not None and time.monotonic() - started > kill_after):
            process.kill()  # SIGKILL: no clean-up runs
            break
        time.sleep(0.001)
    process.wait()
    assert seen == [] and copies() == []
    for left in tmp_path.glob(".o.csv*"):  # a killed write leaves at most a private temp file
        assert left.stat().st_mode & 0o077 == 0, left


@pytest.mark.parametrize("show_values", [True, False], ids=["show-values", "masked"])
def test_the_change_log_is_private_with_raw_values_and_keeps_a_mode(
    run_cli: Callable[..., CliRun], tmp_path: Path, show_values: bool
) -> None:
    export = _export(tmp_path)
    out = tmp_path / "fixed.csv"
    log = tmp_path / "fixed.changes.csv"
    out.write_text("old", encoding="utf-8")
    log.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    log.chmod(0o644)
    flags = ["--show-values"] if show_values else []
    argv = ["fix", export, "--out", out, "--force", "--report-dir", tmp_path / "r", *flags]
    assert _plain(run_cli, *argv).code == 0
    assert oct(out.stat().st_mode & 0o777) == oct(0o640)  # kept
    assert oct(log.stat().st_mode & 0o777) == oct(0o600 if show_values else 0o644)


def test_a_problem_of_the_whole_file_is_listed_first_and_counted(
    run_cli: Callable[..., CliRun], tmp_path: Path, write_csv: Callable[..., Path]
) -> None:
    """A problem with no rows (here: no institution domain can be told) is not in the
    worklist, yet it is left for a person too."""
    header = (
        "email_address,username,first_name,last_name,primary_education:end_date,school_year_name"
    )
    path = write_csv(
        "a@uni.eu,S1,Ana,Berg,2027-06-30,Year 9",
        "b@other.org,S2,Eva,Kis,2027-06-30,Alumni",
        "c@third.net,S3,Ole,Lund,2027-06-30,Alumni",
        header=header,
    )
    run = _plain(run_cli, "fix", path, "--out", tmp_path / "fixed.csv", "--no-history")
    assert run.code == 1, run.out + run.err
    listed = [line for line in run.out.splitlines() if line.startswith(("  row ", "  the file"))]
    assert listed[0].startswith("  the file: error") and "(intake.email_domain)" in listed[0]
    assert listed[1].startswith("  row 2: error") and len(listed) == 2
    assert "2 problem(s) left for a person" in run.out


def test_a_partial_run_says_nothing_of_what_fix_would_repair(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """With --only, the rules that tell fix the columns' values did not all load: a count
    would be another than fix's, so there is none."""
    export = tmp_path / "export.csv"
    export.write_bytes(GENERATED.encode("utf-8"))
    argv = ["--as-of", "2026-11-29", "--email-domain", "uni.eu", "--no-history"]
    whole = _plain(run_cli, "check", export, *argv, "--report-dir", tmp_path / "a")
    selected = ["--only", "school_year_name.allowed", "--report-dir", tmp_path / "b"]
    only = _plain(run_cli, "check", export, *argv, *selected)
    assert whole.code == only.code == 1, only.out + only.err
    assert FIX_COUNT.search((_run_folder(whole.out) / "report.html").read_text("utf-8"))
    page = (_run_folder(only.out) / "report.html").read_text("utf-8")
    assert FIX_COUNT.search(page) is None and "syncguard fix repairs this cell" not in page
