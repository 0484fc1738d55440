"""Every output shows a failing value alike: the defect, never the person.

One export plants the defects of issue 21 (a name with a trailing no-break space beside one
with a plain space, a cell holding only a zero-width space, phones with brackets and spaces,
addresses at a free-mail provider, at a look-alike of the institution's domain and at a
family's own domain, an end date before the start date, an Alumni still attending). One check
writes every output; each is read for the masked shapes and marks, the public values raw, both
cells of a two-column finding, and the absence of every planted personal value.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from typing import Any
from xml.etree import ElementTree

import pytest

from syncguard.cli import main
from syncguard.output.ci import md_escape

HEADER = [
    "email_address",
    "username",
    "first_name",
    "last_name",
    "primary_education:start_date",
    "primary_education:end_date",
    "school_year_name",
    "primary_education:currently_attending",
    "mobile_number",
]
DOMAIN = "uni-example.eu"


def _student(n: int, **cells: str) -> list[str]:
    row = {
        "email_address": f"zq{n:03d}@{DOMAIN}",
        "username": f"S{n:07d}",
        "first_name": "Zqxjoanna",
        "last_name": "Zqxkowalska",
        "primary_education:start_date": "2024-09-01",
        "primary_education:end_date": "2028-06-30",
        "school_year_name": "Bachelor 2nd Year or Equivalent",
        "primary_education:currently_attending": "TRUE",
        "mobile_number": "+4915100000",
    }
    row.update(cells)
    return [row[c] for c in HEADER]


ROWS = [
    _student(1, first_name="Zqxanna\u00a0"),  # row 2: a trailing no-break space
    _student(2, first_name="Zqxanna "),  # row 3: a trailing plain space
    _student(3, last_name="\u200b"),  # row 4: only a zero-width space
    _student(4, mobile_number="(0471) 924-865"),  # row 5
    _student(5, mobile_number="+49 151 1234567"),  # row 6
    _student(6, email_address="zqxprivate@gmail.com"),  # row 7: a free-mail provider
    _student(7, email_address="zqxlookalike@uni-exmaple.eu"),  # row 8: a look-alike
    _student(8, email_address="zqxfamily@zqx-family-domain.de"),  # row 9: a family's own
    _student(
        9,
        **{
            "primary_education:start_date": "2027-09-01",
            "primary_education:end_date": "2026-06-30",
        },
    ),  # row 10: the end date before the start date
    _student(11, school_year_name="Alumni"),  # row 11: Alumni, still attending
    # row 12: a public value with a no-break space (JSON: exact, and marked for people)
    _student(12, school_year_name="Alumni\u00a0", **{"primary_education:currently_attending": ""}),
    *(_student(n) for n in range(13, 20)),
]
PLANTED = [
    "Zqxanna",
    "Zqxjoanna",
    "Zqxkowalska",
    "zqxprivate",
    "zqxlookalike",
    "zqxfamily",
    "zqx-family-domain",
    "0471",
    "924-865",
    "1234567",
]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every output of one check of the export, by name, as text."""
    folder = tmp_path_factory.mktemp("shown")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([HEADER, *ROWS])
    export = folder / "export.csv"
    export.write_text(buffer.getvalue(), encoding="utf-8")
    paths = {
        "json": folder / "results.json",
        "junit": folder / "junit.xml",
        "summary_md": folder / "summary.md",
    }
    args = [
        "check",
        str(export),
        "--email-domain",
        DOMAIN,
        "--as-of",
        "2026-11-29",
        "--no-history",
        "--report-dir",
        str(folder / "reports"),
        "--json",
        str(paths["json"]),
        "--junit",
        str(paths["junit"]),
        "--summary-md",
        str(paths["summary_md"]),
        "-q",
    ]
    code = main(args, out=io.StringIO(), err=io.StringIO())
    assert code == 1
    (run,) = (folder / "reports").glob("*/report.html")
    texts = {name: path.read_text(encoding="utf-8") for name, path in paths.items()}
    texts["report"] = run.read_text(encoding="utf-8")
    texts["failing_rows"] = run.with_name("failing_rows.csv").read_text(encoding="utf-8")
    return texts


def _findings(outputs: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {f["rule"]: f for f in json.loads(outputs["json"])["findings"]}


EVERY = ("json", "report", "failing_rows", "junit")
"""The outputs that show example values (the step summary shows a few per finding)."""


@pytest.mark.parametrize("output", EVERY)
@pytest.mark.parametrize(
    "shown",
    [
        "Aaaaaaa⍽",  # a no-break space at the end, marked...
        "Aaaaaaa␣",  # ...and told from a plain one
        "⟨ZWSP⟩",  # a zero-width space alone shows its mark, not a filled-in •••
        "(9999) 999-999",  # a phone's shape
        "+99 999 9999999",
        "aaaaaaaaaa@gmail.com",  # a free-mail provider's domain
        "aaaaaaaaaaaa@uni-exmaple.eu (look-alike of uni-example.eu)",
        "aaaaaaaaa@•••",  # a family's own domain stays masked
    ],
)
def test_every_output_shows_the_masked_shape(
    outputs: dict[str, str], output: str, shown: str
) -> None:
    assert shown in _values(outputs, output)


def _values(outputs: dict[str, str], output: str) -> set[str]:
    """The values an output shows, each whole (a legend that names a mark is not one)."""
    text = outputs[output]
    if output == "json":
        return {e for f in json.loads(text)["findings"] for e in f["examples"]}
    if output == "report":
        return {html.unescape(v) for v in re.findall(r"<td><code>([^<]*)</code></td>", text)}
    if output == "failing_rows":  # a cell starting like a formula is prefixed ' for Excel
        return {line["value"].removeprefix("'") for line in csv.DictReader(io.StringIO(text))}
    bodies = "\n".join(e.text or "" for e in ElementTree.fromstring(text).iter())  # junit
    return set(re.findall(r'^  row \d+, .*?: "(.*)"$', bodies, flags=re.MULTILINE))


@pytest.mark.parametrize("output", [*EVERY, "summary_md"])
def test_no_planted_personal_value_appears(outputs: dict[str, str], output: str) -> None:
    text = outputs[output]
    if output == "json":
        text = json.dumps(json.loads(text), ensure_ascii=False)
    assert [p for p in PLANTED if p in text] == []


@pytest.mark.parametrize("output", ("report", "failing_rows", "junit", "summary_md"))
@pytest.mark.parametrize(
    "both",
    [
        "2027-09-01 | 2026-06-30",  # the end date before the start date: both dates, raw
        "Alumni | TRUE",  # "Alumni but attending": both cells
    ],
)
def test_a_two_column_finding_shows_both_cells(
    outputs: dict[str, str], output: str, both: str
) -> None:
    assert (md_escape(both) if output == "summary_md" else both) in outputs[output]


def test_the_json_carries_both_cells_exactly(outputs: dict[str, str]) -> None:
    found = _findings(outputs)
    dates = found["dates.end_after_start"]
    assert dates["examples"] == ["2027-09-01"]  # public: raw, not 2••• or 9999-99-99
    assert dates["cells"] == [
        [
            {"column": "primary_education:start_date", "value": "2027-09-01"},
            {"column": "primary_education:end_date", "value": "2026-06-30"},
        ]
    ]
    summary = {(s["column"], s["value"]) for s in dates["summary"]}
    assert summary == {
        ("primary_education:start_date", "2027-09-01"),
        ("primary_education:end_date", "2026-06-30"),
    }
    alumni = found["alumni.not_attending"]
    assert alumni["cells"][0] == [
        {"column": "school_year_name", "value": "Alumni"},
        {"column": "primary_education:currently_attending", "value": "TRUE"},
    ]


def test_the_json_keeps_public_values_exact_and_adds_the_marked_form(
    outputs: dict[str, str],
) -> None:
    stray = _findings(outputs)["cells.no_stray_whitespace"]
    public = [
        (e, s)
        for e, s in zip(stray["examples"], stray["shown"], strict=True)
        if e.startswith("Alumni")
    ]
    assert public == [("Alumni\u00a0", "Alumni⍽")]  # exact for machines, marked for people
    personal = [e for e in stray["examples"] if e.startswith("Aaaa")]
    assert personal == ["Aaaaaaa⍽", "Aaaaaaa␣"]  # masked is already marked


def test_a_shape_count_never_exceeds_the_rows(outputs: dict[str, str]) -> None:
    for finding in _findings(outputs).values():
        for entry in finding.get("summary", []):
            assert entry["rows"] <= finding["failed_rows"], (finding["id"], entry)
