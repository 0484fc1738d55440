"""Hostile inputs a probe found: unbounded reads, huge or broken header rows, many columns, and
invisible characters; each is refused or reported in one sentence without leaking row data."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from syncguard.errors import UnusableExportError
from syncguard.importer import MAX_IMPORT_BYTES
from syncguard.intake import read_export, reader
from syncguard.intake.headers import (
    MAX_HEADER_CHARS,
    HeaderContract,
    check_header,
    display,
    implausible,
)
from syncguard.pipeline import contract_of
from syncguard.suite.model import Suite
from tests.conftest import FIXTURES, HEADER, SAMPLE_DATA, CliRun

CLEAN = SAMPLE_DATA / "clean.csv"
BASE = HEADER.split(",")
ROW = "a@student.uni-example.eu,S1000001,Ana,Berg,2027-06-30,Alumni"
LABEL = "implausible header"


def _unusable(path: Path, contract: HeaderContract) -> UnusableExportError:
    with pytest.raises(UnusableExportError) as caught:
        read_export(path, contract)
    message = str(caught.value)
    assert message.startswith(str(path)) and message.endswith(".")
    assert "\n" not in message and "\r" not in message
    return caught.value


def _clean_lines() -> list[str]:
    return CLEAN.read_bytes().decode("utf-8").split("\r\n")


def _swallowed_values(lines: int) -> list[str]:
    """Identifying cells of the first ``lines`` students: e-mail, username, auth id, card id."""
    values = []
    for line in _clean_lines()[1 : lines + 1]:
        cells = line.split(",")
        values += [cells[0], cells[1], cells[6], cells[15]]
    return [v for v in values if len(v) >= 6]


def _everything_shown(export: reader.Export) -> str:
    """Every text intake hands on that names columns: frame, header, finding columns, messages."""
    parts = [*export.frame.columns, *export.header]
    for finding in export.findings:
        parts += [finding.message, *finding.columns]
    return "\n".join(parts)


# 1. reads are bounded: only regular files, never more than MAX_READ_BYTES


@pytest.fixture
def special(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A path that is not a regular file: a FIFO, a device or a socket."""
    kind = request.param
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        path = tmp_path / "export.csv"
        os.mkfifo(path)  # nobody writes to it: opening it would block forever
        yield path
    elif kind == "device":
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero here")
        yield Path("/dev/zero")
    else:
        if not hasattr(socket, "AF_UNIX"):
            pytest.skip("no Unix sockets here")
        path = tmp_path / "s.csv"
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(path))
            yield path


@pytest.mark.parametrize(
    ("special", "what"),
    [("fifo", "named pipe (FIFO)"), ("device", "device"), ("socket", "socket")],
    indirect=["special"],
)
def test_a_path_that_is_not_a_regular_file_is_refused_unread(
    special: Path, what: str, suite: Suite
) -> None:
    error = _unusable(special, contract_of(suite))
    assert f"this is a {what}, not a regular file" in error.problem


def test_the_read_cap_is_512_mb() -> None:
    assert reader.MAX_READ_BYTES == 512 * 1000 * 1000 > MAX_IMPORT_BYTES


@pytest.mark.parametrize(
    ("source", "size"),
    [
        ("file", "0.0 MB"),  # refused from its size before a byte is read
        ("proc", "over 0 MB"),  # reports size 0: the bounded read cuts it off
    ],
)
def test_a_file_over_the_cap_is_refused_naming_size_and_limit(
    tmp_path: Path, suite: Suite, monkeypatch: pytest.MonkeyPatch, source: str, size: str
) -> None:
    monkeypatch.setattr(reader, "MAX_READ_BYTES", 100)
    if source == "file":
        path = tmp_path / "big.csv"
        path.write_text(HEADER + "\r\n" + (ROW + "\r\n") * 10, encoding="utf-8")
    else:
        path = Path("/proc/self/status")
        if not path.exists() or path.stat().st_size != 0:
            pytest.skip("no /proc here")
    error = _unusable(path, contract_of(suite))
    assert f"the file is {size}" in error.problem
    assert "under 50 MB" in error.problem and "split the export" in error.fix


def test_a_file_between_the_import_limit_and_the_cap_is_read_with_a_finding(
    tmp_path: Path, suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "MAX_IMPORT_BYTES", 200)
    monkeypatch.setattr(reader, "MAX_READ_BYTES", 2000)

    def unbounded(self: Path) -> bytes:
        raise AssertionError("read_bytes reads without a bound")

    monkeypatch.setattr(Path, "read_bytes", unbounded)
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "\r\n" + (ROW + "\r\n") * 10, encoding="utf-8")
    export = read_export(path, contract_of(suite))
    assert export.rows_read == 10
    assert [f.rule for f in export.findings if f.rule == "intake.file_size"] == ["intake.file_size"]


# 2. row 1 is read whole; over 1 MiB it is not a header row


@pytest.mark.parametrize("length", [1000, 1_000_000])
def test_a_long_header_cell_is_read_whole_and_not_shown(
    tmp_path: Path, suite: Suite, length: int
) -> None:
    path = tmp_path / "x.csv"
    path.write_text(f"{HEADER},{'x' * length}\r\n{ROW},1\r\n{ROW},2\r\n", encoding="utf-8")
    export = read_export(path, contract_of(suite))
    label = f"(column 7: {LABEL}, {length} characters)"
    assert export.frame.columns[6] == label and export.frame.height == 2
    assert [(f.rule, f.columns) for f in export.findings] == [("intake.header_row", (label,))]
    assert f"column 7: {length} characters long" in export.findings[0].message
    assert "xxxxxxxxxx" not in _everything_shown(export)


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (f"{HEADER},{'x' * (1 << 20)}", "bytes long: not a header row (a header row is"),
        # an unclosed quote swallows the whole export into row 1
        (f'{HEADER},"campus_name', 'not a header row (a quote (") near column 7 of row 1'),
    ],
    ids=["long-cell", "unclosed-quote"],
)
def test_a_row_1_over_1_mib_is_unusable(
    tmp_path: Path, suite: Suite, header: str, words: str
) -> None:
    path = tmp_path / "x.csv"
    rows = "".join(f"{ROW},{i}\r\n" for i in range(20_000))
    path.write_text(f"{header}\r\n{rows}", encoding="utf-8")
    error = _unusable(path, contract_of(suite))
    assert error.row == 1 and error.problem.startswith("row 1 is ")
    assert words in error.problem
    assert "S1000001" not in str(error)


# 3. header text is not trusted: implausible cells are never shown


@pytest.mark.parametrize(
    "name",
    [
        *BASE,
        "primary_education:education_level_name",
        "hometown_location_attributes:name",
        "assigned_to_email_address",
        "Primary Education: Major Names",
        " Gender ",
        "gender\u00a0",
        "email\u200b_address",
        "mobile-number",
        "E-Mail Address",
        "first.name",
        "student_id",
        "favourite_colour",
        "Anna",  # a name passes; cells swallowed from later lines are caught by their position
        "x" * MAX_HEADER_CHARS,
    ],
)
def test_every_real_header_and_realistic_misspelling_is_plausible(name: str) -> None:
    assert implausible(name) is None


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("x" * (MAX_HEADER_CHARS + 1), "65 characters long"),
        ("campus_name\r\nanna.wolf1", "holds a line break"),
        ("first\u2028name", "holds a line break"),
        ("first\tname", "holds the control character <U+0009>"),
        ("a\x00b", "holds the control character <U+0000>"),
        ("anna.wolf1@student.uni-example.eu", "holds an '@'"),
        ("Full-time;Erasmus+ exchange", "holds a ';'"),
        ("Aalborg, Denmark", "holds a ','"),
        (' Denmark"', "holds a '\"'"),
        ("Faculty of  Law", "holds several spaces in a row"),
    ],
)
def test_what_no_header_holds_is_implausible(name: str, why: str) -> None:
    assert implausible(name) == why


def _with_stray_quote(tmp_path: Path, column: str, lines: int | None = None) -> Path:
    """clean.csv with a quote opened before ``column`` in row 1 and never closed there.

    With ``lines``, only that many students follow, none of them with a quote: the quote then
    runs to the end of the file.
    """
    header, *students = _clean_lines()
    if lines:
        students = [s.replace('"', "") for s in students[:lines]]
    text = "\r\n".join([header.replace(f",{column}", f',"{column}', 1), *students])
    path = tmp_path / "stray.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_stray_quote_in_row_1_is_an_error_naming_no_swallowed_data(
    tmp_path: Path, suite: Suite
) -> None:
    export = read_export(_with_stray_quote(tmp_path, "campus_name"), contract_of(suite))
    (finding,) = [f for f in export.findings if f.rule == "intake.header_row"]
    assert finding.severity.value == "error" and finding.rows == (1,)
    assert 'a quote (") in column 23 of row 1 is not closed on that line' in finding.message
    assert "the next 3 line(s) (students' records) were read into the header row" in (
        finding.message
    )
    assert finding.columns[0] == "(column 23: implausible header, 868 characters)"
    shown = _everything_shown(export)
    assert "@" not in shown
    for value in _swallowed_values(4):
        assert value not in shown, value


@pytest.mark.parametrize(
    ("column", "lines", "words"),
    [
        # a required header swallowed: the missing header is explained by the quote
        ("first_name", None, 'a quote (") in column 3 of row 1 is not closed on that line'),
        # no quote after it: the whole file is row 1
        ("campus_name", 3, "to the end of the file"),
    ],
)
def test_a_stray_quote_that_breaks_the_export_says_so(
    tmp_path: Path, suite: Suite, column: str, lines: int | None, words: str
) -> None:
    path = _with_stray_quote(tmp_path, column, lines)
    error = _unusable(path, contract_of(suite))
    assert error.row == 1 and words in error.problem
    assert 'close or remove the quote (") in column' in error.fix or "that quote" in error.fix
    assert "@" not in str(error)
    for value in _swallowed_values(3):
        assert value not in str(error)


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("anna.wolf1@student.uni-example.eu", "holds an '@'"),
        ("Wolf; Anna", "holds a ';'"),
        ("z" * 100, "100 characters long"),
        ("note\x1bs", "holds the control character <U+001B>"),
    ],
)
def test_an_implausible_header_cell_is_replaced_by_a_label(
    write_csv: Callable[..., Path], suite: Suite, cell: str, why: str
) -> None:
    quoted = '"' + cell.replace('"', '""') + '"'
    export = read_export(write_csv(f"{ROW},x", header=f"{HEADER},{quoted}"), contract_of(suite))
    label = f"(column 7: {LABEL}, {len(cell)} characters)"
    assert export.frame.columns[:7] == [*BASE, label]
    (finding,) = export.findings
    assert (finding.rule, finding.severity.value, finding.columns) == (
        "intake.header_row",
        "error",
        (label,),
    )
    assert f"column 7: {why}" in finding.message
    assert cell not in _everything_shown(export)


def test_no_swallowed_data_reaches_the_outputs(
    tmp_path: Path, run_cli: Callable[..., CliRun]
) -> None:
    source = tmp_path / "in"
    source.mkdir()
    path = _with_stray_quote(source, "campus_name")
    run = run_cli("check", path)
    assert run.code == 1 and run.json is not None
    written = [p for p in tmp_path.rglob("*") if p.is_file() and source not in p.parents]
    assert any(p.name == "report.html" for p in written)
    for value in _swallowed_values(4):
        assert value not in run.out + run.err
        for output in written:
            assert value.encode() not in output.read_bytes(), (value, output)


# 4. many unknown headers are one finding, and intake stays linear in cells


@pytest.mark.parametrize(("count", "findings"), [(20, 20), (21, 1), (500, 1)])
def test_many_unknown_headers_are_one_finding(
    count: int, findings: int, suite: Suite, write_csv: Callable[..., Path]
) -> None:
    names = [f"extra_{i}" for i in range(count)]
    header = ",".join([HEADER, "anna@x.eu", *names])
    row = ",".join([ROW, "x", *("v" * count)])
    export = read_export(write_csv(row, header=header), contract_of(suite))
    extra = [f for f in export.findings if f.rule == "intake.extra_header"]
    assert len(extra) == findings
    if findings == 1:
        (finding,) = extra
        assert finding.columns == tuple(names[:5])
        assert finding.message.startswith(
            f"{count} unknown headers (the first 5: 'extra_0' (column 8), 'extra_1' (column 9), "
        )
        assert "'extra_5'" not in finding.message and "anna" not in finding.message
    assert [f.rule for f in export.findings].count("intake.header_row") == 1


@pytest.mark.parametrize(
    ("count", "value", "rule", "findings"),
    [
        (20, "", "intake.empty_column", 20),
        (25, "", "intake.empty_column", 1),  # Excel's empty columns right of the data
        (25, "v", "intake.blank_header", 1),
    ],
)
def test_many_blank_header_columns_are_one_finding(
    count: int, value: str, rule: str, findings: int, write_csv: Callable[..., Path], suite: Suite
) -> None:
    header = HEADER + "," * count
    export = read_export(write_csv(ROW + f",{value}" * count, header=header), contract_of(suite))
    assert [f.rule for f in export.findings] == [rule] * findings
    if findings == 1:
        (finding,) = export.findings
        assert finding.message.startswith(f"{count} columns (7, 8, 9, 10, 11 and {count - 5} more)")
        assert finding.columns == tuple(f"(blank header, column {i})" for i in range(7, 12))


@pytest.mark.parametrize(("count", "findings"), [(20, 20), (21, 1)])
def test_many_repeated_headers_are_one_finding(
    count: int, findings: int, write_csv: Callable[..., Path], suite: Suite
) -> None:
    header = HEADER + ",notes" * (count + 1)
    export = read_export(write_csv(ROW + ",x" * (count + 1), header=header), contract_of(suite))
    repeated = [f for f in export.findings if f.rule == "intake.duplicate_header"]
    assert len(repeated) == findings
    if findings == 1:
        assert repeated[0].columns == ("notes",)
        assert repeated[0].message.startswith(
            f"{count} columns repeat a header of an earlier column (the first 5: 'notes' in "
            "column 8 (first in column 7), 'notes' in column 9 (first in column 7), "
        )


def test_300_rows_with_10000_extra_columns_complete(tmp_path: Path, suite: Suite) -> None:
    extra = 10_000
    header = HEADER + "".join(f",extra_{i}" for i in range(extra))
    cells = "," + ",".join(str(i % 10) for i in range(extra))
    path = tmp_path / "wide.csv"
    path.write_text(
        header + "\r\n" + "".join(f"{ROW}{cells}\r\n" for _ in range(300)), encoding="utf-8"
    )
    export = read_export(path, contract_of(suite))
    assert export.frame.shape == (300, len(BASE) + extra + 1)
    assert [f.rule for f in export.findings] == ["intake.extra_header"]


# 5. invisible characters in headers are shown visibly in every message naming a header

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00a0", "\u202e", "\u00ad"]


def _visible(message: str) -> bool:
    return all(c == " " or c.isprintable() for c in message)


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize(
    ("header", "rules"),
    [
        ([*BASE, "mobile{c}_number"], {"intake.unknown_header"}),
        ([*BASE, "notes{c}"], {"intake.extra_header"}),
        ([*BASE, "Gender{c}"], {"intake.unknown_header", "intake.header_case"}),
        ([*BASE, "ge{c}nder", "ge{c}nder"], {"intake.duplicate_header"}),
    ],
)
def test_an_invisible_character_in_a_header_is_shown(
    suite: Suite, char: str, header: list[str], rules: set[str]
) -> None:
    cells = [h.format(c=char) for h in header]
    findings = check_header(Path("x.csv"), cells, contract_of(suite))
    (finding,) = [f for f in findings if f.rule in rules and char in f.columns[0]]
    code = f"<U+{ord(char):04X}>"
    assert display(finding.columns[0]) in finding.message and code in finding.message
    assert _visible(finding.message)


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_an_invisible_character_is_shown_in_unusable_messages(
    tmp_path: Path, suite: Suite, char: str
) -> None:
    code = f"<U+{ord(char):04X}>"
    header = HEADER.replace("email_address", f"email{char}_address")
    with pytest.raises(UnusableExportError) as caught:
        check_header(Path("x.csv"), header.split(","), contract_of(suite))
    assert f"(found 'email{code}_address' instead)" in caught.value.problem
    assert _visible(str(caught.value))
    path = tmp_path / "x.csv"
    path.write_bytes(f"{HEADER},notes{char}\r\n{ROW},caf".encode() + b"\xe9\r\n")
    error = _unusable(path, contract_of(suite))
    assert f"not UTF-8 in column 'notes{code}'" in error.problem and _visible(str(error))


def test_a_not_utf8_message_never_names_an_implausible_header(tmp_path: Path, suite: Suite) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(f"{HEADER},anna@x.eu\r\n{ROW},caf".encode() + b"\xe9\r\n")
    error = _unusable(path, contract_of(suite))
    assert f"in column '(column 7: {LABEL}, 9 characters)'" in error.problem


def test_the_fixture_files_still_read(suite: Suite) -> None:
    export = read_export(FIXTURES / "intake" / "valid.csv", contract_of(suite))
    assert export.findings == () and export.header == tuple(export.frame.columns[:-1])
