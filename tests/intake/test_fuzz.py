"""Fuzzing intake: random bytes and broken copies of a clean export are read or refused cleanly.

Every input either gives an Export whose records are all accounted for (in the frame, or named
as blank or ragged by a finding) and whose names and messages hide no header text that cannot be
a header, or raises UnusableExportError with one sentence naming the file. Nothing else escapes.

Short in CI; ``SYNCGUARD_FUZZ_EXAMPLES=5000 pytest tests/intake/test_fuzz.py`` runs it long.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncguard.errors import UnusableExportError
from syncguard.intake import Export, read_export, reader
from syncguard.intake.headers import MANY_EXTRA, HeaderContract, RequiredHeader, implausible
from syncguard.intake.reader import ROW
from tests.conftest import HEADER, ROOT, SAMPLE_DATA

EXAMPLES = int(os.environ.get("SYNCGUARD_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
CONTRACT = HeaderContract(
    known=tuple(
        h["name"] if isinstance(h, dict) else h
        for h in yaml.safe_load(
            (ROOT / "rules" / "handshake_student_sync_eu.yaml").read_text("utf-8")
        )["headers"]
    ),
    required=tuple(RequiredHeader(c, f"{c}.required") for c in HEADER.split(",")),
)
"""The built-in suite's headers, the six the spec marks required (as tests/conftest.py's)."""
LINES = (SAMPLE_DATA / "clean.csv").read_bytes().split(b"\r\n")
HEADER_LINE = LINES[0]
STUDENTS = [line for line in LINES[1:] if line]

Mutation = Callable[[st.DrawFn, bytes], bytes]


def _at(draw: st.DrawFn, data: bytes, insert: bytes, header: bool = False) -> bytes:
    """``data`` with ``insert`` at a drawn position (in row 1's bytes when ``header``)."""
    end = data.find(b"\n") if header else -1
    top = end if end >= 0 else len(data)
    position = draw(st.integers(0, top))
    return data[:position] + insert + data[position:]


def _truncate(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


def _quote_in_header(draw: st.DrawFn, data: bytes) -> bytes:
    return _at(draw, data, b'"', header=True)


def _quote_in_body(draw: st.DrawFn, data: bytes) -> bytes:
    return _at(draw, data, b'"')


def _nul(draw: st.DrawFn, data: bytes) -> bytes:
    return _at(draw, data, b"\x00")


def _line_ends(draw: st.DrawFn, data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    ends = draw(
        st.lists(
            st.sampled_from([b"\r", b"\n", b"\r\n", b"\n\r"]),
            min_size=len(lines) - 1,
            max_size=len(lines) - 1,
        )
    )
    return b"".join(line + end for line, end in zip(lines, [*ends, b""], strict=True))


def _huge_cell(draw: st.DrawFn, data: bytes) -> bytes:
    size = draw(st.sampled_from([300, 70_000, (1 << 20) - 600, (1 << 20) + 1]))
    return _at(draw, data, draw(st.sampled_from([b"x", b"a,", b"\xc3\xa9"])) * size)


def _many_cells(draw: st.DrawFn, data: bytes) -> bytes:
    cells = draw(st.integers(2, 5000))
    row = b",".join([b"v"] * cells)
    return _at(draw, data, row + b"\r\n") if data.endswith(b"\n") else data + b"\r\n" + row


def _many_columns(draw: st.DrawFn, data: bytes) -> bytes:
    count = draw(st.integers(1, 2500))
    lines = data.split(b"\r\n")
    names = b"".join(b",extra_%d" % i for i in range(count))
    cells = b",1" * count
    return b"\r\n".join([lines[0] + names, *(line + cells if line else line for line in lines[1:])])


def _invalid_utf8(draw: st.DrawFn, data: bytes) -> bytes:
    bad = draw(
        st.sampled_from(
            [b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80"]
        )
    )
    return _at(draw, data, bad, header=draw(st.booleans()))


def _invisible(draw: st.DrawFn, data: bytes) -> bytes:
    char = draw(
        st.sampled_from(
            ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00a0", "\u202e", "\u2028"]
        )
    )
    return _at(draw, data, char.encode(), header=draw(st.booleans()))


def _bytes(draw: st.DrawFn, data: bytes) -> bytes:
    return _at(draw, data, draw(st.binary(min_size=1, max_size=16)), header=draw(st.booleans()))


def _text(draw: st.DrawFn, data: bytes) -> bytes:
    alphabet = st.sampled_from(list(',;"\r\n\t @x_:\u00a0\u200b\u202e'))
    return _at(draw, data, draw(st.text(alphabet, max_size=30)).encode(), header=True)


def _blank_lines(draw: st.DrawFn, data: bytes) -> bytes:
    return _at(draw, data, draw(st.sampled_from([b"\r\n", b"\r\n\r\n", b",,,,\r\n", b" \r\n"])))


def _bom(draw: st.DrawFn, data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data


MUTATIONS: list[Mutation] = [
    _truncate,
    _quote_in_header,
    _quote_in_body,
    _nul,
    _line_ends,
    _huge_cell,
    _many_cells,
    _many_columns,
    _invalid_utf8,
    _invisible,
    _bytes,
    _text,
    _blank_lines,
    _bom,
]


@st.composite
def mutated_exports(draw: st.DrawFn) -> bytes:
    """The clean sample export, cut to some students, with one to four mutations."""
    students = draw(st.integers(0, len(STUDENTS)))
    data = b"\r\n".join([HEADER_LINE, *STUDENTS[:students]]) + b"\r\n"
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4)):
        data = mutation(draw, data)
    return data


csv_bytes = st.lists(
    st.sampled_from([b",", b'"', b"\r", b"\n", b"a", b"@", b" ", b"\xff", b"\xc3\xa9", b";"]),
    max_size=400,
).map(b"".join)


def _visible(text: str) -> bool:
    return all(c == " " or c.isprintable() for c in text)


def _shown_name(name: str) -> bool:
    """A frame column name is a plausible header or one of intake's own labels."""
    if implausible(name) is None:
        return True
    return name.startswith(("(column ", "(blank header, column ")) or ", column " in name


def check_intake(path: Path, data: bytes, contract: HeaderContract) -> Export | None:
    """Read ``data`` as an export and assert the fuzz properties; the Export, if there is one."""
    path.write_bytes(data)
    try:
        export = read_export(path, contract)
    except UnusableExportError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: ") and message.endswith(".")
        assert _visible(message), message
        return None
    rows = export.frame[ROW].to_list()
    assert rows == sorted(set(rows))
    assert all(2 <= r <= export.info.rows + 1 for r in rows)
    listed: dict[str, set[int]] = {"intake.blank_rows": set(), "intake.ragged_rows": set()}
    named = set(export.frame.columns) | set(contract.known)
    for finding in export.findings:
        if finding.rule in listed:
            listed[finding.rule].update(finding.rows)
        assert _visible(finding.message), finding
        assert set(finding.columns) <= named, finding
    blank, ragged = listed.values()
    assert not blank & ragged and not (blank | ragged) & set(rows)
    assert len(rows) + len(blank) + len(ragged) == export.info.rows
    assert all(_shown_name(c) for c in export.frame.columns if c != ROW)
    per_rule = Counter(f.rule for f in export.findings if f.rule.startswith("intake."))
    assert max(per_rule.values(), default=0) <= MANY_EXTRA, per_rule  # many are one finding
    assert export.frame.columns[-1] == ROW
    return export


@FUZZ
@given(data=st.one_of(st.binary(max_size=2048), csv_bytes))
def test_random_bytes_are_read_or_refused(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    check_intake(tmp_path_factory.mktemp("fuzz") / "export.csv", data, CONTRACT)


@FUZZ
@given(data=mutated_exports())
def test_broken_exports_are_read_or_refused(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "export.csv"
    export = check_intake(path, data, CONTRACT)
    if export is not None:  # polars' fast read, where taken, agrees with the exact parse
        with mock.patch.object(reader, "_fast_frame", return_value=None):
            exact = read_export(path, CONTRACT)
        assert export.frame.equals(exact.frame) and export.findings == exact.findings


def test_the_clean_export_passes_the_properties(tmp_path: Path) -> None:
    assert set(CONTRACT.known) == set(HEADER_LINE.decode().split(","))
    export = check_intake(tmp_path / "clean.csv", b"\r\n".join(LINES), CONTRACT)
    assert export is not None and export.frame.height == len(STUDENTS)
