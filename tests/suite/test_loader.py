"""Rule files: the built-in suite loads, and every mistake is reported at its line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncguard.errors import RuleFileError
from syncguard.model import Consequence
from syncguard.suite.loader import load_suite
from syncguard.suite.model import Suite


def test_builtin_suite_knows_every_header_of_the_spec(suite: Suite) -> None:
    assert suite.name == "handshake_student_sync_eu"
    assert len(suite.known_headers) == 23
    assert {"email_address", "primary_education:end_date", "campus_name"} <= set(
        suite.known_headers
    )
    required = {r.column for r in suite.rules_of("required_header")}
    assert required == {
        "email_address",
        "username",
        "first_name",
        "last_name",
        "primary_education:end_date",
        "school_year_name",
    }


RULE = "  - id: a\n    kind: unique\n    column: username\n"
GOOD_HEAD = """suite: t
version: "1"
headers: [email_address, username]
rules:
"""


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "x.yaml"
    path.write_text(GOOD_HEAD + body, encoding="utf-8")
    return path


def test_errors_name_file_line_and_column_all_at_once(tmp_path: Path, suite: Suite) -> None:
    # the ``suite`` fixture loaded the project's kinds from checks/, so they are known too
    path = _write(
        tmp_path,
        """  - id: a.unique
    kind: uniq
    column: username
    description: x.
    basis: "spec: x"
  - id: b
    kind: unique
    column: emial_address
    severity: fatal
    description: y.
    basis: "spec: y"
  - id: c
    kind: not_blank
    colum: username
    description: z.
    basis: "practice: z"
""",
    )
    with pytest.raises(RuleFileError) as caught:
        load_suite(path)
    lines = str(caught.value).splitlines()
    # the list of known kinds also holds project kinds other tests registered: check its start
    assert lines[0].startswith(
        f"{path}:6:11: unknown kind 'uniq'; did you mean 'unique'? known kinds: allowed_values, "
    )
    assert {"date_order", "formula_injection", "not_blank"} <= set(
        lines[0].split("known kinds: ")[1].split(", ")
    )
    assert lines[1:] == [
        f"{path}:12:13: unknown column 'emial_address' (not in 'headers'); "
        "did you mean 'email_address'?",
        f"{path}:13:15: severity must be one of error, warning, got 'fatal'",
        f"{path}:16:5: kind 'not_blank' takes 1 column(s), got 0",
        f"{path}:18:5: unknown key 'colum'; did you mean 'column'? known keys: "
        "id, kind, column, columns, severity, description, title, basis, fix, consequence, "
        "explains, mostly, params, enabled_if",
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            RULE + "    params: {ignore_cas: true}\n    description: d.\n"
            "    basis: 'practice: a test'\n",
            "8:14: kind 'unique' has no parameter 'ignore_cas'; it takes: ignore_case, strip",
        ),
        (
            RULE + "    params: {strip: 1}\n    description: d.\n    basis: 'practice: a test'\n",
            "8:21: parameter 'strip' must be bool",
        ),
        (
            RULE + "    mostly: 1.5\n    description: d.\n    basis: 'practice: a test'\n",
            "8:13: 'mostly' must be a fraction above 0 and at most 1",
        ),
        (
            "  - id: a\n    kind: unique\n    column: username\n",
            "5:5: rule is missing 'description'",
        ),
        (
            "  - id: A B\n    kind: unique\n    column: username\n    description: d.\n"
            "    basis: 'practice: a test'\n",
            "5:9: 'id' must be lowercase letters, digits and _ : . -",
        ),
        (
            "  - id: a\n    kind: unique\n    column: username\n    description: d.\n"
            "    basis: 'practice: a test'\n"
            "  - id: a\n    kind: unique\n    column: username\n    description: d.\n"
            "    basis: 'practice: a test'\n",
            "10:9: rule id 'a' is already used at",
        ),
        ("  - [x]\n", "5:5: a rule must be a mapping"),
        ("  - id: a\n   kind: : :\n", "not valid YAML"),
    ],
)
def test_each_mistake_is_reported(tmp_path: Path, body: str, expected: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(RuleFileError) as caught:
        load_suite(path)
    assert expected in str(caught.value)
    assert str(caught.value).startswith(f"{path}:")


def test_folder_of_rules_merges_and_finds_nothing_when_empty(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="no rule files"):
        load_suite(tmp_path)
    _write(
        tmp_path,
        "  - id: a\n    kind: unique\n    column: username\n    description: d.\n"
        "    basis: 'practice: a test'\n",
    )
    (tmp_path / "more.yaml").write_text(
        "rules:\n  - id: b\n    kind: not_blank\n    column: email_address\n    description: d.\n"
        "    basis: 'practice: a test'\n",
        encoding="utf-8",
    )
    suite = load_suite(tmp_path)
    assert [r.id for r in suite.rules] == ["b", "a"]
    assert suite.rule("a").location.line == 5
    assert suite.rule("b").location.path == tmp_path / "more.yaml"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            RULE.replace("unique", "item_length") + "    description: d.\n"
            "    basis: 'practice: a test'\n",
            "kind 'item_length' needs parameter 'max_length'",
        ),
        (RULE + "    description: !custom hello\n", "8:18: cannot read this value"),
        (
            "  - id: a\n    kind: conditional\n    columns: [username, email_address]\n"
            "    params: {when_in: [x], then_not_in: [TRUE]}\n    description: d.\n"
            "    basis: 'practice: a test'\n",
            "'then_not_in' must list texts; quote values such as \"TRUE\"",
        ),
    ],
)
def test_mistakes_that_once_crashed_are_reported(tmp_path: Path, body: str, expected: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(RuleFileError) as caught:
        load_suite(path)
    assert expected in str(caught.value)


def test_a_missing_description_does_not_hide_a_bad_regex(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "  - id: a\n    kind: pattern\n    column: username\n"
        '    params: {regex: "(?<=x)a"}\n    basis: "practice: t"\n',
    )
    with pytest.raises(RuleFileError) as caught:
        load_suite(path)
    text = str(caught.value)
    assert "rule is missing 'description'" in text
    assert "look-around, including look-ahead and look-behind, is not supported" in text
    assert "polars/Rust regex dialect" in text


SQL_HEAD = """suite: t
headers: [first_name, last_name, school_year_name]
rules:
  - id: e
    kind: expression
    columns: [{columns}]
    description: d.
    basis: "practice: a test"
    params:
      sql: {sql}
"""


@pytest.mark.parametrize(
    ("columns", "sql", "problems"),
    [
        (
            "first_name",
            "first_nam <> ''",
            [
                "10:12: the SQL reads column 'first_nam', which is not in 'headers'; did you mean "
                "'first_name'?"
            ],
        ),
        (
            "first_name",
            "first_name <> last_name",
            [
                "10:12: the SQL reads column 'last_name', which 'columns' does not list; add it "
                "to 'columns' (list every column the SQL reads)"
            ],
        ),
        (
            "first_name, shoe_size",
            "first_name <> shoe_size",
            ["6:27: unknown column 'shoe_size' (not in 'headers')"],  # said once
        ),
        ('"*"', "first_name <> last_name", []),
        ("first_name, last_name", "first_name <> last_name", []),
    ],
    ids=["unknown column", "unlisted column", "listed but unknown", "every column", "fine"],
)
def test_an_expression_reading_a_wrong_column_is_a_rule_file_problem(
    tmp_path: Path, columns: str, sql: str, problems: list[str]
) -> None:
    """Such a rule passed `syncguard rules` and then failed every check: now it is refused
    when the rules load, at the SQL's place."""
    path = tmp_path / "x.yaml"
    path.write_text(SQL_HEAD.format(columns=columns, sql=sql), encoding="utf-8")
    if not problems:
        assert load_suite(path).rule("e").params["sql"] == sql
        return
    with pytest.raises(RuleFileError) as caught:
        load_suite(path)
    assert [str(p) for p in caught.value.problems] == [f"{path}:{p}" for p in problems]


def test_every_mistake_of_every_file_comes_in_one_round(tmp_path: Path) -> None:
    """An expression's wrong column, a settings block and a bad key of another file are all
    reported by one load, each at its file:line:col."""
    (tmp_path / "a.yaml").write_text(
        SQL_HEAD.format(columns="first_name", sql="first_name <> lastname")
        + "settings:\n  sso: true\n",
        encoding="utf-8",
    )
    (tmp_path / "b.yaml").write_text(
        "rules:\n  - id: f\n    kind: unique\n    colum: first_name\n    description: d.\n"
        "    basis: 'practice: a test'\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError) as caught:
        load_suite(tmp_path)
    where = [
        (p.location.path.name, p.location.line, p.message.split(";")[0])
        for p in caught.value.problems
    ]
    assert where == [
        ("a.yaml", 10, "the SQL reads column 'lastname', which is not in 'headers'"),
        (
            "a.yaml",
            11,
            "settings do not belong in a rule file: they go in the [settings] table "
            "of the project's syncguard.toml ('syncguard init' makes one), so delete this block",
        ),
        ("b.yaml", 2, "kind 'unique' takes 1 column(s), got 0"),
        ("b.yaml", 4, "unknown key 'colum'"),
    ]


@pytest.mark.parametrize(
    ("extra", "basis", "expected"),
    [
        ("", "spec", Consequence.ROW_SKIPPED),  # the kind's default (unique: duplicates skipped)
        ("    consequence: stored_wrong\n", "spec", Consequence.STORED_WRONG),
        ("    consequence: cosmetic\n", "importer", Consequence.COSMETIC),
    ],
)
def test_a_rule_has_its_kinds_consequence_unless_it_says_one(
    tmp_path: Path, extra: str, basis: str, expected: Consequence
) -> None:
    body = RULE + f"    description: d.\n    basis: '{basis}: a test'\n" + extra
    suite = load_suite(_write(tmp_path, body))
    assert suite.rule("a").consequence is expected


CONDITIONAL = (
    "  - id: c\n    kind: conditional\n    columns: [email_address, username]\n"
    "    params: {when_in: [x], then_in: [y]}\n    description: d.\n"
)


@pytest.mark.parametrize(
    ("basis", "expected"),
    [
        ("practice", Consequence.COSMETIC),
        ("security", Consequence.SECURITY_RISK),
    ],
)
def test_a_kind_without_a_consequence_follows_a_practice_or_security_basis(
    tmp_path: Path, basis: str, expected: Consequence
) -> None:
    suite = load_suite(_write(tmp_path, CONDITIONAL + f"    basis: '{basis}: a test'\n"))
    assert suite.rule("c").consequence is expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # a spec or importer rule blocks: it must say what the importer does with the row
        (
            CONDITIONAL + "    basis: 'importer: a test'\n",
            "5:5: a rule of kind 'conditional' whose basis is importer must say what the import "
            "does with a failing row: add 'consequence:'",
        ),
        (
            RULE + "    description: d.\n    basis: 'spec: a test'\n    consequence: bad\n",
            "10:18: 'consequence' must be one of file_rejected, not_checked",
        ),
        (
            RULE + "    description: d.\n    basis: 'spec: a test'\n    explains: [1, 2]\n",
            "10:15: 'explains' must be a list of check ids",
        ),
    ],
)
def test_a_missing_or_wrong_consequence_is_reported_at_its_place(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(RuleFileError) as caught:
        load_suite(path)
    assert f"{path}:{expected}" in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("unique", Consequence.STORED_WRONG),  # the importer skips duplicates, not practice
        ("stray_whitespace", Consequence.COSMETIC),
    ],
)
def test_a_practice_rule_never_claims_the_importer_refuses_it(
    tmp_path: Path, kind: str, expected: Consequence
) -> None:
    body = RULE.replace("unique", kind) + "    description: d.\n    basis: 'practice: a test'\n"
    assert load_suite(_write(tmp_path, body)).rule("a").consequence is expected
