"""The portable GE suite: built-in expectations on the export's columns, syncguard's verdicts."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest

from syncguard.catalogue import build
from syncguard.cli import main
from syncguard.defaults import default_rules
from syncguard.engines import validate
from syncguard.engines.gx_portable import READING, portable_suite
from syncguard.errors import SourceLocation
from syncguard.importer import CLEAR
from syncguard.intake.reader import ROW
from syncguard.model import Severity
from syncguard.suite.loader import load_suite
from syncguard.suite.model import Rule, Suite
from syncguard.suite.registry import HeaderKind, kinds

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"
DOMAIN = "uni-example.eu"  # the sample exports' institution
AS_OF = "2026-11-29"
EVERYTHING_ON: dict[str, Any] = {
    "sso": True,
    "campus_names": ["Main", "Riverside"],
    "college_names": ["Faculty of Engineering", "Faculty of Social Sciences"],
    "major_names": ["Architecture", "International Relations"],
}
LEFT_OUT = {
    "username.unique": "trimmed",
    "email_address.unique": "trimmed and lowercased",
    "auth_identifier.unique": "trimmed",
    "card_id.unique": "trimmed",
    "username.not_in_email": "inside another",
    "username.not_in_card_id": "inside another",
    "dates.end_after_start": "raw text",
    "past_end_date.not_attending": "today",
    "past_end_date.alumni": "today",
}
"""The default suite's rules GE's built-ins cannot express, and a word of the reason."""

load_suite(default_rules())  # registers the project's own kinds (checks/) too

Verdicts = dict[str, set[int]]
"""Rule id -> spreadsheet rows that fail it."""


@pytest.fixture(scope="module")
def ge() -> Callable[[dict[str, Any], pd.DataFrame], tuple[bool, Verdicts]]:
    """Validate a suite document on a frame in a fresh ephemeral context, GE's way only."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    def run(document: dict[str, Any], frame: pd.DataFrame) -> tuple[bool, Verdicts]:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        batch = (
            context.data_sources.add_pandas("export")
            .add_dataframe_asset("rows")
            .add_batch_definition_whole_dataframe("all")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        # what a GE team does with the JSON file: no syncguard module involved
        expectations = gx.ExpectationSuite(**json.loads(json.dumps(document)))
        result = batch.validate(expectations, result_format="COMPLETE")
        failing: Verdicts = {}
        for item in result.results:
            info = item.exception_info or {}
            assert not info.get("raised_exception"), info
            if not item.success:
                rows = item.result.get("unexpected_index_list") or []
                config = item.expectation_config
                assert config is not None
                failing.setdefault(config.meta["rule"], set()).update(rows)
        return bool(result.success), failing

    return run


def _read(document: dict[str, Any], path: Path) -> pd.DataFrame:
    """The export read as the suite's meta says (the documented convention, run as written)."""
    frame: pd.DataFrame = eval(document["meta"]["reading"]["pandas"], {"pd": pd, "path": path})
    return frame


def _load(**settings: Any) -> Suite:
    return load_suite(default_rules(), settings)


# --- (1) every rule compiles or is named with a reason ---------------------------------------


@pytest.mark.parametrize(
    "settings",
    [{}, {**EVERYTHING_ON, "email_domains": [DOMAIN], "today": AS_OF}],
    ids=["defaults", "sso-and-lists"],
)
def test_every_rule_compiles_to_built_ins_or_is_named_with_a_reason(
    settings: dict[str, Any],
) -> None:
    from great_expectations.expectations.registry import get_expectation_impl

    suite = _load(**settings)
    document, left_out = portable_suite(suite)
    reasons = dict(left_out)
    compiled = {e["meta"]["rule"] for e in document["expectations"]}
    assert compiled.isdisjoint(reasons)
    assert compiled | set(reasons) == {r.id for r in suite.rules}
    assert reasons.keys() == LEFT_OUT.keys() & {r.id for r in suite.rules}
    for rule_id, word in LEFT_OUT.items():
        assert rule_id not in reasons or word in reasons[rule_id]
    assert all(why and "\n" not in why for why in reasons.values())
    assert document["meta"]["not_compiled"] == [{"rule": r, "why": w} for r, w in left_out]
    assert document["meta"]["reading"]["pandas"] == READING
    if settings:
        assert len(suite.rules) == 54 and len(compiled) == 45

    for expectation in document["expectations"]:
        implementation = get_expectation_impl(expectation["type"])
        assert implementation.__module__.startswith("great_expectations.expectations.core.")
        meta = expectation["meta"]
        rule = suite.rule(meta["rule"])
        assert meta["severity"] == rule.severity.value
        assert meta["source"] == rule.location.short()
        assert set(meta["columns"]) <= set(suite.known_headers)
        kwargs = expectation["kwargs"]
        assert kwargs["column"] in suite.known_headers  # the export's own column names
        condition = kwargs.get("row_condition")
        assert condition is None or condition["column"]["name"] in meta["columns"]


def _unexplained(sample: Sample) -> Verdicts:
    """GE's failing rows without those syncguard explains by another check's finding; GE
    must fail there too (asserted), as the portable suite has no explanations."""
    out = {}
    for rule, rows in sample.failing.items():
        own = sample.syncguard.get(rule, set())
        assert rows - own <= sample.explained.get(rule, set()), rule
        if rows & own:
            out[rule] = rows & own
    return out


# --- (2) the sample exports: same verdicts as syncguard, rule by rule and row by row ----------


@dataclass(frozen=True)
class Sample:
    """One export run both ways: GE on the portable suite, syncguard's ``check``."""

    success: bool
    failing: Verdicts
    """GE: rule -> failing rows."""
    syncguard: Verdicts
    """syncguard: rule -> failing rows."""
    compiled: set[str]
    status: int
    """syncguard's exit status."""
    gate_fails: bool
    """GE gated as ``meta.gate`` says: a failed expectation of severity error."""
    explained: Verdicts = field(default_factory=dict)
    """syncguard: rule -> rows of findings that explain that rule's cells there (``also``);
    the portable suite has no explanations, so GE fails there too."""


BLANK_BEFORE = (3, 12, 87, 201)
"""Rows of the defective sample that get a blank line and a row of spaces before them."""


def _with_blank_lines(path: Path, target: Path) -> Path:
    """The export with a blank line and a row of only spaces before some records (each record
    then sits two rows lower than before: syncguard counts and drops such rows)."""
    with path.open(newline="", encoding="utf-8") as handle:
        header, *records = list(csv.reader(handle))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    for number, record in enumerate(records, start=2):
        if number in BLANK_BEFORE:
            text.write("\r\n")
            writer.writerow(["  "] * len(header))
        writer.writerow(record)
    target.write_bytes(text.getvalue().encode("utf-8"))
    return target


def _with_a_warning_only(path: Path, target: Path) -> Path:
    """The clean sample with one card ID in scientific notation (a warning, not an error)."""
    with path.open(newline="", encoding="utf-8") as handle:
        header, *records = list(csv.reader(handle))
    records[0][header.index("card_id")] = "4.7E+08"
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([header, *records])
    target.write_bytes(text.getvalue().encode("utf-8"))
    return target


@pytest.fixture(scope="module")
def samples(
    ge: Callable[[dict[str, Any], pd.DataFrame], tuple[bool, Verdicts]],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Sample]:
    """Each sample export run by GE (the portable suite, as a GE team runs it) and syncguard."""
    document, _ = portable_suite(_load(email_domains=[DOMAIN], today=AS_OF))
    compiled = {e["meta"]["rule"] for e in document["expectations"]}
    severity = {e["meta"]["rule"]: e["meta"]["severity"] for e in document["expectations"]}
    out: dict[str, Sample] = {}
    tmp = tmp_path_factory.mktemp("runs")
    paths = {
        "clean": SAMPLE_DATA / "clean.csv",
        "defective": SAMPLE_DATA / "defective.csv",
        "blank-lines": _with_blank_lines(SAMPLE_DATA / "defective.csv", tmp / "blank.csv"),
        "warning-only": _with_a_warning_only(SAMPLE_DATA / "clean.csv", tmp / "warning.csv"),
    }
    for name, path in paths.items():
        success, failing = ge(document, _read(document, path))
        results = tmp / f"{name}.json"
        argv = ["check", str(path), "--no-history", "--json", str(results)]
        argv += ["--report-dir", str(tmp / "reports"), "--as-of", AS_OF, "--email-domain", DOMAIN]
        argv += ["--rules", str(default_rules()), "-q"]
        code = main(argv, out=io.StringIO(), err=io.StringIO())
        assert code in (0, 1)
        syncguard: Verdicts = {}
        explained: Verdicts = {}
        for finding in json.loads(results.read_text("utf-8"))["findings"]:
            assert len(finding["rows"]) == finding["failed_rows"]  # the rows are all listed
            syncguard.setdefault(finding["rule"], set()).update(finding["rows"])
            for other in finding.get("also", ()):
                explained.setdefault(other, set()).update(finding["rows"])
        gate_fails = any(severity[rule] == "error" for rule in failing)
        out[name] = Sample(success, failing, syncguard, compiled, code, gate_fails, explained)
    return out


def test_the_portable_suite_fails_on_the_rows_syncguard_fails(samples: dict[str, Sample]) -> None:
    clean = samples["clean"]
    assert clean.success and not clean.failing and not clean.syncguard
    defective = samples["defective"]
    assert not defective.success
    expected = {r: rows for r, rows in defective.syncguard.items() if r in defective.compiled}
    assert len(expected) >= 15  # the planted defects are mostly of compiled rules
    assert _unexplained(defective) == expected


def test_blank_lines_leave_the_row_numbers_as_syncguard_gives_them(
    samples: dict[str, Sample],
) -> None:
    # pandas skips blank lines by default: every row after one was numbered one less by GE
    sample = samples["blank-lines"]
    assert sample.syncguard["intake.blank_rows"]  # syncguard saw them, counted and dropped them
    expected = {r: rows for r, rows in sample.syncguard.items() if r in sample.compiled}
    assert _unexplained(sample) == expected
    shifted = samples["defective"].syncguard["email_address.format"]
    assert expected["email_address.format"] == {
        r + 2 * sum(b <= r for b in BLANK_BEFORE) for r in shifted
    }


@pytest.mark.parametrize("name", ["clean", "defective", "blank-lines", "warning-only"])
def test_gating_on_the_severity_in_meta_gives_syncguards_verdict(
    samples: dict[str, Sample], name: str
) -> None:
    sample = samples[name]
    assert sample.gate_fails is (sample.status == 1)
    if name == "warning-only":  # GE alone fails on a warning; the gate by severity does not
        assert not sample.success and sample.failing == {"card_id.not_scientific": {2}}
        assert sample.status == 0


def test_the_suite_says_how_to_read_the_export_and_how_to_gate() -> None:
    document, _ = portable_suite(_load())
    reading = document["meta"]["reading"]
    assert reading["read_csv"]["skip_blank_lines"] is False
    assert reading["read_csv"]["keep_default_na"] is False and reading["first_row"] == 2
    assert "skip_blank_lines=False" in reading["pandas"]
    assert "meta.severity" in document["meta"]["gate"]
    severities = {e["meta"]["severity"] for e in document["expectations"]}
    assert severities == {"error", "warning"}
    for expectation in document["expectations"]:
        ge_severity = {"error": "critical", "warning": "warning"}[expectation["meta"]["severity"]]
        assert expectation["severity"] == ge_severity


def test_a_regraded_rule_carries_the_projects_severity(tmp_path: Path) -> None:
    local = tmp_path / "local.yaml"
    local.write_text(
        "overrides:\n  - id: card_id.not_scientific\n    severity: error\n"
        "    reason: our card reader rejects them\n",
        encoding="utf-8",
    )
    rule = "card_id.not_scientific"
    for extend, severity in (([], "warning"), ([local], "error")):
        document, _ = portable_suite(build(load_suite(default_rules(), {}, extend)).suite)
        metas = [e["meta"] for e in document["expectations"] if e["meta"]["rule"] == rule]
        assert metas and {m["severity"] for m in metas} == {severity}


# --- (3) each kind's example (and harder rows): GE's verdict is syncguard's -------------------

HARD = [" x", "x ", "  ", "x\n", "\x1c", "\u00a0", "\u3000x", CLEAR, f" {CLEAR}", "0", "é"]
"""Rows every single-column kind also gets: spaces, a final newline (Python's $ matches before
it), U+001C (whitespace to Python, not to polars), CLEAR."""
EXTRA: dict[str, list[tuple[str | None, ...]]] = {
    "date": [
        ("2000-02-29",),
        ("1900-02-29",),
        ("0000-02-29",),
        ("2024-02-29\n",),
        ("2027-04-31",),
        ("2027-12-31",),
        ("2027-00-10",),
        ("\u0662\u0660\u0662\u0667-01-01",),  # Arabic-Indic digits: \d, but no date
    ],
    "email": [
        ("A.B@UNI-EXAMPLE.EU",),
        ("a@x.uni-example.eu.evil.com",),
        ("a@uni-example.eu\n",),
        ("a@uni-example.eu.",),
        ("ä@uni-example.eu",),
        ("a@-uni-example.eu",),
        ("a@uni-example",),
    ],
    "phone": [("+1\n",), ("\uff11\uff12",), ("+",), ("1+2",)],
    "boolean": [("TRUE\n",), (" FALSE",), ("true",)],
    "excel_mangled_id": [("7.7E+04\n",), ("1e+5",), ("-1,5E3",)],
    "formula_injection": [("=",), ("= ",), ("\r=1",), ("+\x1cA1",), ("-1\n+2",), ("@A1:B2",)],
    "formula_start": [("=",), ("+49 (151) x",), ("\r",), ("+4915\n",), ("-\x1c",)],
    "stray_whitespace": [("a\x1c",), ("\x1cb",), ("a\u2028b",), ("a\u200bb",)],
    "label_not_numeric": [("A; 12 ;B",), ("12\n",), ("x;;3,5",), ("\x1c12",), ("1.;a",)],
    "not_blank": [(" **CLEAR** ",), ("\u2007",)],
    "item_length": [("x" * 255 + ";" + "y" * 255,), ("x" * 256 + "\n",)],
    "conditional": [("Alumni", None), ("alumni", "TRUE"), ("Alumni", "TRUE "), ("Alumni", CLEAR)],
}
"""Rows for the corners of a kind's translation (syncguard itself gives the verdict)."""
CASES: list[tuple[str, str, dict[str, Any] | None, list[tuple[str | None, ...]]]] = [
    *((name, name, None, EXTRA.get(name, [])) for name in sorted(kinds())),
    (
        "allowed_values-separator",
        "allowed_values",
        {"values": ["History", "Biology"], "separator": ";"},
        [("History;Biology",), ("History;",), (f"History;{CLEAR}",), ("History; Biology",)],
    ),
    ("allowed_values-no-clear", "allowed_values", {"values": ["A"], "allow_clear": False}, []),
    ("email-no-domain", "email", {}, [("jana@gmail.com",), ("a@b",)]),
    (
        "unique-as-written",
        "unique",
        {},
        [("a",), ("a",), (CLEAR,), (CLEAR,), (None,), (None,), (" a",), ("A",)],
    ),
    ("pattern-groups", "pattern", {"regex": r"(\d{2})-(\d+)\s?$"}, [("12-3",), ("12-3\n",)]),
]
NOT_EXPRESSIBLE = {"compare_columns", "date_order", "expression", "independent", "unique"}
"""Kinds whose own example GE's built-ins cannot express (unique's example ignores case)."""


def _rule(kind: str, params: dict[str, Any] | None) -> Rule:
    example = kinds()[kind].example
    return Rule(
        f"example.{kind}",
        kind,
        example.columns,
        Severity.ERROR,
        "Example.",
        SourceLocation(Path("example.yaml"), 1, 1),
        dict(example.params) if params is None else params,
    )


def _csv(
    columns: Sequence[str], rows: Sequence[tuple[str | None, ...]], numbered: bool = True
) -> bytes:
    """An export of the rows; ``numbered`` adds a column so that no row is wholly blank (the
    reading convention drops such rows, as syncguard does)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["n", *columns] if numbered else columns)
    for number, row in enumerate(rows, start=2):
        cells = ["" if v is None else v for v in row]
        writer.writerow([str(number), *cells] if numbered else cells)
    return text.getvalue().encode("utf-8")


def _syncguard(suite: Suite, rows: Sequence[tuple[str | None, ...]]) -> set[int]:
    """The rows syncguard's own engine for the kind fails (a blank cell is null, as read)."""
    (rule,) = suite.rules
    columns = rule.columns
    data = {
        c: pl.Series(c, [r[i] or None for r in rows], dtype=pl.String)
        for i, c in enumerate(columns)
    }
    numbers = pl.Series(ROW, range(2, len(rows) + 2), dtype=pl.UInt32)
    frame = pl.DataFrame(data).with_columns(numbers)
    findings = validate(frame, suite, kinds()[rule.kind].engine)
    assert "could not run" not in " ".join(f.message for f in findings)
    return {r for f in findings for r in f.rows}


@pytest.mark.parametrize(("case", "kind", "params", "extra"), CASES, ids=[c[0] for c in CASES])
def test_each_kind_gets_the_same_verdicts_in_great_expectations(
    ge: Callable[[dict[str, Any], pd.DataFrame], tuple[bool, Verdicts]],
    tmp_path: Path,
    case: str,
    kind: str,
    params: dict[str, Any] | None,
    extra: list[tuple[str | None, ...]],
) -> None:
    rule = _rule(kind, params)
    example = kinds()[kind].example
    suite = Suite("example", "1", (), (rule,))
    document, left_out = portable_suite(suite)
    if left_out:
        assert params is None and kind in NOT_EXPRESSIBLE, left_out
        return
    assert kind not in NOT_EXPRESSIBLE or params is not None
    if isinstance(kinds()[kind], HeaderKind):
        for header, passes in [(h, True) for h in example.passing] + [
            (h, False) for h in example.failing
        ]:
            path = tmp_path / "headers.csv"
            names = [str(h) for h in header]
            path.write_bytes(_csv(names, [tuple("x" for _ in names)], numbered=False))
            assert ge(document, _read(document, path))[0] is passes, header
        return
    width = len(rule.columns)
    rows = [*example.passing, *example.failing, *extra]
    if width == 1 and params is None:
        rows += [(v,) for v in HARD]
    path = tmp_path / "export.csv"
    path.write_bytes(_csv(rule.columns, rows))
    expected = _syncguard(suite, rows)
    if params is None:  # syncguard gets its own example right (test_kinds proves it too)
        first_failing = 2 + len(example.passing)
        failing_example = set(range(first_failing, first_failing + len(example.failing)))
        assert expected & set(range(2, 2 + len(example.passing) + len(example.failing))) == (
            failing_example
        )
    _, failing = ge(document, _read(document, path))
    assert failing.get(rule.id, set()) == expected


# --- the regexes on a larger corpus, against syncguard's polars expressions (no GE run) -------


def _corpus() -> Iterator[str]:
    yield from (v for v in HARD)
    for rows in EXTRA.values():
        yield from (v for row in rows for v in row if v is not None)
    for kind in kinds().values():
        for row in (*kind.example.passing, *kind.example.failing):
            yield from (v for v in row if v is not None)
    for year in ("0000", "0100", "1600", "1900", "2000", "2023", "2024", "2100", "2400"):
        for month in range(14):
            for day in (0, 1, 9, 10, 19, 20, 28, 29, 30, 31, 32):
                yield f"{year}-{month:02d}-{day:02d}"
    for prefix in ("", "+", "-", "@", "=", "\t", "\r", " "):
        for body in ("1", "A1", "SUM(1)", "a b", "1e+5", "1.5E3", "x|y", "S!A1", "-", "\n"):
            yield prefix + body
            yield body + prefix
    for code in (*range(0x20), 0x85, 0xA0, 0x2007, 0x200B, 0x2028, 0x202F, 0x3000, 0xFEFF):
        yield f"a{chr(code)}"
        yield f"{chr(code)}1"


def _re_verdict(expectation: dict[str, Any], value: str) -> bool:
    """Whether GE's pandas engine passes the value (GE's semantics for these four types)."""
    kwargs, name = expectation["kwargs"], expectation["type"]
    if name == "expect_column_values_to_match_regex":
        return re.search(kwargs["regex"], value) is not None
    if name == "expect_column_values_to_not_match_regex":
        return re.search(kwargs["regex"], value) is None
    if name == "expect_column_values_to_be_in_set":
        return value in kwargs["value_set"]
    assert name == "expect_column_values_to_not_be_null", name
    return True  # the corpus has no null


@pytest.mark.parametrize(
    "kind",
    [
        "boolean",
        "date",
        "email",
        "excel_mangled_id",
        "formula_injection",
        "formula_start",
        "label_not_numeric",
        "not_blank",
        "pattern",
        "phone",
        "stray_whitespace",
    ],
)
def test_translated_regexes_agree_with_polars_on_a_corpus(kind: str) -> None:
    from syncguard.suite.registry import PanderaKind

    rule = _rule(kind, None)
    document, left_out = portable_suite(Suite("example", "1", (), (rule,)))
    assert not left_out
    values = sorted(set(_corpus()))
    registered = kinds()[kind]
    assert isinstance(registered, PanderaKind)
    series = pl.Series("v", values, dtype=pl.String)
    polars = pl.select(registered.passes(rule, pl.lit(series))).to_series().to_list()
    python = [all(_re_verdict(e, v) for e in document["expectations"]) for v in values]
    differ = [v for v, a, b in zip(values, polars, python, strict=True) if a is not b]
    assert not differ


# --- regexes Python's re could backtrack on for an exponential time are left out -----------

EVIL_REGEXES = [
    r"(a+)+",
    r"(a*)*b",
    r"(a|aa)+",
    r"(\w+\s?)*",
    r"(a|a)*b",  # Python's parser factors it into a, then a branch of two empty paths
    r"([a-z]+)*[0-9]",
    r"([0-9]+|\w+)*!",
    r"(x+x+)+y",
    r"(a{0,2})*b",
    r"(a?a?)+b",
    r"(\s*,\s*)*x",
    r"([a-z0-9]+\.?)+@uni\.eu",
    r"((ab)*|a)*c",
    "(?i:k+\u212a+)+x",  # ignoring case, Python's re reads the Kelvin sign as a k
    r"(.*a){12}",
    r"S(\d+)+",
]
SAFE_NESTED = [
    r"[A-Z][a-z]+",
    r"(\.[a-z]+)*",
    r"(aa)*b",
    r"(a{2})*b",
    r"\s*[0-9]+\s*",  # ambiguous only polynomially: the square of a cell's length at most
    r"([a-z0-9]+(-[a-z0-9]+)*\.)+[a-z]{2,}",
    r"(a|b)*c",
    r"(ab|ac)*",
    r"S[0-9]{7}|T[0-9]{6}",
    "(k+\u212a+)+x",  # the Kelvin sign is no k when case counts
]


@pytest.mark.parametrize("regex", EVIL_REGEXES)
def test_a_pattern_python_would_backtrack_on_is_left_out(regex: str) -> None:
    rule = _rule("pattern", {"regex": regex})
    document, left_out = portable_suite(Suite("example", "1", (), (rule,)))
    assert not document["expectations"]
    assert [r for r, _ in left_out] == [rule.id]
    assert "not safe in Python's re" in left_out[0][1]
    assert "more than one way" in left_out[0][1]


@pytest.mark.parametrize("regex", SAFE_NESTED)
def test_a_pattern_matched_one_way_only_stays_portable(regex: str) -> None:
    rule = _rule("pattern", {"regex": regex})
    document, left_out = portable_suite(Suite("example", "1", (), (rule,)))
    assert not left_out
    assert [e["meta"]["rule"] for e in document["expectations"]] == [rule.id]


def _written_regexes() -> list[str]:
    suite = _load(**EVERYTHING_ON, email_domains=[DOMAIN, "other.ac.uk"], today=AS_OF)
    document, _ = portable_suite(suite)
    return [e["kwargs"]["regex"] for e in document["expectations"] if "regex" in e["kwargs"]]


def test_every_regex_of_the_contract_is_safe_and_written() -> None:
    from syncguard.engines.backtracking import exponential_reason

    regexes = _written_regexes()
    assert len(regexes) >= 15
    assert [r for r in regexes if exponential_reason(r) is not None] == []


@pytest.mark.parametrize(
    "kind", ["date", "email", "formula_injection", "formula_start", "stray_whitespace"]
)
def test_the_regexes_of_syncguards_own_kinds_stay_portable(kind: str) -> None:
    rule = _rule(kind, None)
    assert portable_suite(Suite("example", "1", (), (rule,)))[1] == []


@pytest.mark.parametrize("regex", EVIL_REGEXES[:4])
def test_a_check_runs_an_evil_pattern_in_linear_time(regex: str) -> None:
    # syncguard itself runs `pattern` rules in polars (Rust's regex crate: no backtracking)
    from syncguard.suite.registry import PanderaKind

    rule = _rule("pattern", {"regex": regex})
    registered = kinds()["pattern"]
    assert isinstance(registered, PanderaKind)
    cells = pl.Series("v", ["a" * 50_000 + "!", " ," * 20_000 + "!"] * 20, dtype=pl.String)
    started = time.perf_counter()
    pl.select(registered.passes(rule, pl.lit(cells))).to_series().to_list()
    assert time.perf_counter() - started < 5
