"""Property tests: whatever a CSV writer produces, intake reads back exactly, at the right rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from syncguard.intake import read_export
from syncguard.intake.headers import HeaderContract, RequiredHeader
from syncguard.intake.structure import parse, scan

HEADER = ["a", "b", "c"]
CONTRACT = HeaderContract(known=tuple(HEADER), required=(RequiredHeader("a", "a.required"),))
cell = st.text(alphabet=st.sampled_from(list('ab é,"\r\n;Łx0 ')), max_size=6)
record = st.lists(cell, min_size=3, max_size=3).filter(lambda r: any(c.strip() for c in r))


def _csv(records: list[list[str]], newline: str) -> bytes:
    """CSV as a writer makes it: minimal quoting with CRLF, or every cell quoted with LF."""
    out = io.StringIO()
    quoting = csv.QUOTE_MINIMAL if newline == "\r\n" else csv.QUOTE_ALL
    writer = csv.writer(out, lineterminator=newline, quoting=quoting)
    writer.writerow(HEADER)
    writer.writerows(records)
    return out.getvalue().encode("utf-8")


@settings(max_examples=150, deadline=None)
@given(st.lists(record, min_size=1, max_size=12), st.sampled_from(["\r\n", "\n"]))
def test_round_trip_keeps_values_and_rows(
    tmp_path_factory, records: list[list[str]], newline: str
) -> None:  # type: ignore[no-untyped-def]
    path: Path = tmp_path_factory.mktemp("rt") / "x.csv"
    path.write_bytes(_csv(records, newline))
    export = read_export(path, CONTRACT)
    assert export.rows_read == len(records)
    assert export.frame["__row__"].to_list() == list(range(2, len(records) + 2))
    expected = [tuple(c if c != "" else None for c in r) for r in records]
    assert export.frame.select(HEADER).rows() == expected
    assert not [f for f in export.findings if f.severity.value == "error"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cell, min_size=1, max_size=5), max_size=12))
def test_scan_counts_cells_like_the_csv_module(records: list[list[str]]) -> None:
    data = _csv(records, "\r\n")
    counted = scan(data)
    exact = [len(r) for r in csv.reader(io.StringIO(data.decode(), newline=""))]
    assert counted.quotes_balanced
    assert counted.cells.tolist() == exact


@given(st.lists(st.lists(cell, min_size=1, max_size=5), min_size=1, max_size=12))
def test_parse_accounts_for_every_record(records: list[list[str]]) -> None:
    text = _csv(records, "\n").decode()
    parsed = parse(text, 3)
    listed = parsed.rows + parsed.blank_rows + [r for r, _ in parsed.ragged_rows]
    assert sorted(listed) == list(range(2, parsed.records + 2))
    assert parsed.records == len(records)
