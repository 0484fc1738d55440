"""An ``expression`` rule's SQL: a whitelisted grammar, so it can read no file or URL."""

from __future__ import annotations

import contextlib
import dataclasses
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
import pytest
import yaml

import syncguard
from syncguard.engines import validate
from syncguard.errors import RuleFileError
from syncguard.model import Severity
from syncguard.suite.kinds._sql import (
    FUNCTIONS,
    MAX_DEPTH,
    TABLE_FUNCTIONS,
    TYPES,
    SqlProblem,
    sandboxed,
)
from syncguard.suite.kinds.expression import Expression, compile_sql
from syncguard.suite.loader import load_suite
from tests.conftest import ROOT, CliRun
from tests.suite.test_cross_column_kinds import RULES as CROSS_RULES

KNOWN_TABLE_FUNCTIONS = ("read_csv", "read_parquet", "read_ipc", "read_json", "read_ndjson")
"""Polars' SQL table functions in polars 2.1 (crates/polars-sql/src/table_functions.rs)."""

_UNSUPPORTED = "is not a supported table function"


def _polars_table_functions() -> tuple[str, ...]:
    """Every name Polars' SQL engine takes as a table function, asked of the installed Polars.

    Polars has no public list of them, so each reader it offers in Python (``pl.read_*``,
    ``pl.scan_*``, as ``read_*``) and each known name is tried in ``FROM name('...')`` on a path
    that does not exist: a name Polars does not know is refused with its own sentence, any
    other error (file not found) means it is a table function.
    """
    formats = {n.split("_", 1)[1] for n in dir(pl) if n.startswith(("read_", "scan_"))}
    candidates = sorted({f"read_{f}" for f in formats} | set(KNOWN_TABLE_FUNCTIONS))
    found = []
    for name in candidates:
        try:
            pl.SQLContext().execute(f"SELECT * FROM {name}('/nonexistent-syncguard/x')").collect()
        except (Exception, pl.exceptions.PanicException) as exc:
            if _UNSUPPORTED in str(exc):
                continue
        found.append(name)
    return tuple(found)


POLARS_TABLE_FUNCTIONS = _polars_table_functions()
TABLE_FUNCTION_NAMES = tuple(sorted(set(POLARS_TABLE_FUNCTIONS) | set(KNOWN_TABLE_FUNCTIONS)))


def test_the_table_functions_polars_offers_are_found_and_named() -> None:
    # the probe finds the ones we know (so it works), and the refusal names every one polars
    # offers; the grammar refuses them whether named or not (the tests below try each)
    assert set(KNOWN_TABLE_FUNCTIONS) <= set(POLARS_TABLE_FUNCTIONS)
    assert {f.upper() for f in POLARS_TABLE_FUNCTIONS} <= TABLE_FUNCTIONS


# --- what reads a file is refused, however it is written -----------------------------------

READS = (
    "first_name IN (SELECT column_1 FROM {f}('{path}'))",
    "first_name IN (SELECT * FROM {f}('{path}'))",
    "first_name = (SELECT max(column_1) FROM {f}('{path}'))",
    "EXISTS (SELECT 1 FROM {f}('{path}'))",
    "first_name IN (WITH t AS (SELECT * FROM {f}('{path}')) SELECT column_1 FROM t)",
    "first_name IN (SELECT column_1 FROM {f}('{path}') UNION SELECT 'x')",
    "first_name IN (SELECT a.column_1 FROM {f}('{path}') a JOIN {f}('{path}') b ON TRUE)",
    "{f}('{path}') = first_name",
    "{F}('{path}') IS NULL",
    "{Mixed}('{path}') IS NULL",
    "\"{f}\"('{path}') IS NULL",
    "{f} /**/ ('{path}') IS NULL",
    "{f}/* x */('{path}') IS NULL",
    "first_name = 'a' --\nOR {f}('{path}') IS NULL",
    "lower((((({f}('{path}')))))) = 'x'",
    "coalesce(first_name, lower({f}('{path}'))) = 'x'",
    "CASE WHEN TRUE THEN {f}('{path}') END = 'x'",
    "first_name = 'x' OR TRY_CAST({f}('{path}') AS INT) = 1",
    "first_name IN ({f}('{path}'))",
    "first_name LIKE {f}('{path}')",
    "first_name BETWEEN {f}('{path}') AND 'z'",
    "first_name IS DISTINCT FROM {f}('{path}')",
    # look-alike letters and invisible characters around the name
    "{f_fullwidth}('{path}') IS NULL",
    "{f_cyrillic}('{path}') IS NULL",
    "{f}\u200b('{path}') IS NULL",
    "{f}\u00a0('{path}') IS NULL",
    "{f}\uff08'{path}'\uff09 IS NULL",
    # a string that ends early for one parser and late for another
    "first_name = 'x\\' OR {f}('{path}') IS NULL OR first_name = '",
    "first_name = $$x$$ OR {f}('{path}') IS NULL",
    "first_name = E'x\\'' OR {f}('{path}') IS NULL OR first_name = ''",
    "first_name = 'x'; SELECT * FROM {f}('{path}')",
    "first_name::text IN (SELECT column_1 FROM {f}('{path}'))",
)


def _shapes(f: str, path: str) -> list[str]:
    mixed = "".join(c.upper() if i % 2 else c for i, c in enumerate(f))
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in f)
    cyrillic = f.replace("a", "\u0430").replace("e", "\u0435").replace("c", "\u0441")
    return [
        shape.format(
            f=f,
            F=f.upper(),
            Mixed=mixed,
            f_fullwidth=fullwidth,
            f_cyrillic=cyrillic,
            path=path,
        )
        for shape in READS
    ]


SECRET = "SECRET-7f3a-history-key"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    # one line, as a history's key is: polars reads it as the CSV's header, and named it in
    # its error ("unable to find column column_1; valid columns: [...]")
    path = tmp_path / "history.key"
    path.write_text(f"{SECRET}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("function", TABLE_FUNCTION_NAMES)
@pytest.mark.parametrize("shape", range(len(READS)))
def test_no_table_function_passes_the_grammar(secret: Path, function: str, shape: int) -> None:
    sql = _shapes(function, str(secret))[shape]
    with pytest.raises(SqlProblem) as caught:
        compile_sql(sql)
    assert SECRET not in str(caught.value)
    (message,) = Expression().check_params({"sql": sql})
    assert message == str(caught.value) and message.startswith("'sql' ")
    assert "\n" not in message and "Traceback" not in message


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        ("first_name IN (SELECT 'a')", "cannot use SELECT (character 16)"),
        ("(SELECT 1) = 1", "cannot use SELECT (character 2)"),
        ("first_name = 'x' AND EXISTS (SELECT 1)", "cannot use EXISTS"),
        ("first_name = ANY (SELECT 'a')", "cannot use ANY"),
        ("first_name IN (VALUES ('a'))", "cannot use VALUES"),
        ("first_name IN (TABLE self)", "cannot use TABLE"),
        ("first_name = 'x' FROM self", "cannot use FROM"),
        ("first_name IN (UNNEST(last_name))", "cannot use UNNEST"),
        ("first_name = 'x' UNION SELECT 1", "cannot use UNION"),
        ("first_name = ARRAY(last_name)", "cannot use ARRAY"),
        ("first_name LIKE 'a!%' ESCAPE '!'", "cannot use ESCAPE"),
        ("count(first_name) > 1", "aggregates such as count() or max() combine rows"),
        ("max(first_name) = 'a'", "aggregates such as count() or max() combine rows"),
        ("shout(first_name) = 'A'", "cannot call shout() (character 1)"),
        ("first_name = 'x' -- no", "cannot hold a comment (-- at character 18)"),
        ("/* no */ first_name = 'x'", "cannot hold a comment (/* at character 1)"),
        ("self.first_name = 'x'", "cannot contain '.' (character 5)"),
        ("first_name::int = 1", "cannot contain ':' (character 11)"),
        ("first_name = ?", "cannot contain '?'"),
        ("first_name = $1", "cannot contain '$'"),
        ("first_name = @a", "cannot contain '@'"),
        ("first_name = 'x';", "cannot contain ';'"),
        ("first_name = [1]", "cannot contain '['"),
        ("first_name ~ 'a'", "cannot contain '~'"),
        ("first_name = `a`", "cannot contain '`'"),
        ("first_name = 'a' \\", "cannot contain '\\\\'"),
        ("first_name\u3000= 'a'", "cannot contain U+3000 (character 11)"),
        ("first_name = 0x41", "has 'x' right after the number"),
        ("\"\" = 'a'", "names the column '' at character 1"),
        ("\"*\" = 'a'", "names the column '*'"),
        ("\"^first.*$\" = 'a'", "names the column '^first.*$'"),
        ("\"a\nb\" = 'a'", "names the column 'a\\nb'"),
        ("first_name = 'a", "a text opened at character 14 and never closed"),
        ("\"first_name = 'a'", "a column name opened at character 1 and never closed"),
        ("first_name IN (last_name)", "expected a value in the IN list"),
        ("first_name IN ()", "expected a value in the IN list"),
        ("first_name LIKE last_name", "expected a 'pattern' in single quotes after LIKE"),
        ("TRY_CAST(first_name AS BLOB) IS NULL", "expected a type after AS"),
        ("TRY_CAST(first_name AS INT[]) IS NULL", "cannot contain '['"),
        ("lower(first_name, 'x') = 'a'", "calls lower() with 2 argument(s)"),
        (
            "greatest() = 'a'",
            "calls greatest() with 0 argument(s) at character 1; it takes 1 or more",
        ),
        ("first_name =", "expected a value at character 13, found the end"),
        ("first_name = 'a' 'b'", "expected an operator or the end at character 18, found a text"),
        ("first_name IS 'a'", "expected NULL, TRUE, FALSE or DISTINCT FROM after IS"),
        ("SUBSTRING(first_name FROM 1) = 'a'", "cannot use FROM"),
        ("TRIM(BOTH 'x' FROM first_name) = 'a'", "cannot use FROM"),
        ("x" * 10_001, "more than 10000"),
        ("first_name = 'a\x00'", "NUL"),
    ],
)
def test_what_the_grammar_refuses_and_where(sql: str, says: str) -> None:
    with pytest.raises(SqlProblem) as caught:
        sandboxed(sql)
    assert says in str(caught.value)


# --- nothing is opened, fetched or waited for ----------------------------------------------


CHILD = """
import json, sys
import polars as pl
from syncguard.suite.kinds.expression import Expression, compile_sql
asked = json.loads(sys.argv[1])
out = []
for sql in asked["sqls"]:
    problems = Expression().check_params({"sql": sql})
    values = None
    if not problems:
        expr, _ = compile_sql(sql)
        frame = pl.DataFrame({"first_name": asked["first_names"]})
        values = frame.select(expr).to_series().to_list()
    out.append({"problems": problems, "values": values})
print(json.dumps(out))
"""
"""Loads conditions and runs them on a few first names, in a process of its own: Polars holds
the interpreter while it waits on a FIFO or a server, so only another process can be stopped."""


def _in_child(sqls: list[str], *first_names: str) -> list[dict[str, Any]]:
    """What loading each condition says, and its values on ``first_names``; fails after 60 s."""
    src = str(Path(syncguard.__file__).parent.parent)  # the syncguard under test
    asked = json.dumps({"sqls": sqls, "first_names": first_names})
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, asked],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": src},
            check=True,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("loading the conditions waited (on a FIFO or a server); stopped after 60 s")
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("function", TABLE_FUNCTION_NAMES)
def test_a_fifo_never_makes_the_load_wait(tmp_path: Path, function: str) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    sql = f"first_name IN (SELECT column_1 FROM {function}('{fifo}'))"
    (loaded,) = _in_child([sql])
    assert loaded["problems"] == [
        "'sql' cannot use SELECT (character 16): a condition reads only its own row's cells, "
        "with no subquery, FROM, table function, file or URL; write a column of that name in "
        "double quotes"
    ]


def test_a_read_written_inside_a_text_is_only_a_text(tmp_path: Path) -> None:
    # the SQL of a read, quoted inside a text, is a value to compare with, never run
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    text = f"x' OR first_name IN (SELECT column_1 FROM read_csv('{fifo}')) --"
    sql = "first_name = '" + text.replace("'", "''") + "'"
    assert _in_child([sql], "x", text) == [{"problems": [], "values": [False, True]}]


class _Counting(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    BODY = b"column_1\nFETCHED\n"

    def do_HEAD(self) -> None:
        type(self).requests.append(f"HEAD {self.path}")
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.BODY)))
        self.end_headers()

    def do_GET(self) -> None:
        type(self).requests.append(f"GET {self.path}")
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.BODY)))
        self.end_headers()
        self.wfile.write(self.BODY)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Counting.requests = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/history.key"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("function", TABLE_FUNCTION_NAMES)
def test_no_url_is_requested(server: str, function: str) -> None:
    loaded = _in_child(_shapes(function, server))
    assert all(result["problems"] for result in loaded)
    assert _Counting.requests == []


def test_the_server_would_see_a_request(server: str) -> None:
    # the test above proves something: polars does request such a URL when asked directly
    with contextlib.suppress(OSError):  # it wants range requests, which this server lacks
        pl.SQLContext().execute(f"SELECT * FROM read_csv('{server}')").collect()
    assert _Counting.requests


# --- what rules legitimately write still loads and behaves the same -------------------------


def _yaml_rules(text: str) -> list[dict[str, Any]]:
    data = yaml.safe_load(text)
    rules = data.get("rules", []) if isinstance(data, dict) else data
    return [r for r in rules or [] if isinstance(r, dict)]


def _documented_conditions() -> list[str]:
    """The SQL of every expression rule in the rule files, the analysts' guide and the tests."""
    rules = [r for p in sorted((ROOT / "rules").glob("*.yaml")) for r in _yaml_rules(p.read_text())]
    guide = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```yaml\n(.+?)```", guide, re.S):
        rules += _yaml_rules(block)
    rules += _yaml_rules(CROSS_RULES)
    found = [str(r["params"]["sql"]) for r in rules if r.get("kind") == "expression"]
    assert found, "the guide and the tests have expression rules"
    return found


GRAMMAR = [
    # every operator and form of the grammar, beside the rule files' own conditions
    "first_name = 'Zoë' OR first_name <> last_name AND NOT first_name != 'x'",
    "first_name < last_name OR first_name <= 'b' OR first_name > 'y' OR first_name >= 'z'",
    "TRY_CAST(card_id AS INT) + 1 - 2 * 3 / 4 % 5 > -1",
    "-TRY_CAST(card_id AS INT) < +0 AND - - 1 = 1",
    "first_name || '-' || last_name = 'a-b'",
    "1 + TRY_CAST(card_id AS INT) * 2 = 21",
    "TRY_CAST(card_id AS INT) - 1 - 1 = 10",
    "NOT first_name = 'a' AND NOT NOT TRUE",
    "first_name = last_name = FALSE",
    "first_name IS NULL OR last_name IS NOT NULL",
    "first_name = 'a' IS TRUE OR first_name = 'b' IS NOT FALSE",
    "first_name IS DISTINCT FROM last_name",
    "first_name IS NOT DISTINCT FROM 'Zoë'",
    "first_name IN ('a', 'Zoë', 'it''s') OR card_id NOT IN ('1', '12')",
    "TRY_CAST(card_id AS INT) IN (-1, 12, 100) OR first_name IN (NULL)",
    "first_name BETWEEN 'a' AND 'n' AND TRUE",
    "first_name NOT BETWEEN last_name AND 'z'",
    "first_name LIKE 'Z%' OR first_name NOT LIKE '_' OR last_name ILIKE 'b%'",
    "first_name NOT ILIKE 'a%'",
    "first_name LIKE '%\\d%'",
    "CASE WHEN first_name = 'a' THEN TRUE WHEN first_name = 'b' THEN FALSE ELSE NULL END",
    "CASE first_name WHEN 'a' THEN 1 ELSE 2 END = 1",
    "TRY_CAST(card_id AS DECIMAL(10, 2)) > 1.5 OR TRY_CAST(card_id AS NUMERIC(5)) < 1e3",
    "TRY_CAST(card_id AS DOUBLE PRECISION) > .5",
    "CAST(\"primary_education:currently_attending\" AS VARCHAR) = 'TRUE'",
    '"first_name" = "last_name"',
    "((first_name = 'a'))",
    "first_name = 'a' AND last_name = 'b' AND card_id = '1' OR first_name = 'x'",
]

CALLS = {
    "LOWER": "lower(first_name) = 'zoë'",
    "UPPER": "upper(first_name) = 'ZOË'",
    "INITCAP": "initcap(first_name) = 'Zoë'",
    "LENGTH": "length(first_name) > 3",
    "CHAR_LENGTH": "char_length(first_name) = 3",
    "CHARACTER_LENGTH": "character_length(first_name) = 3",
    "OCTET_LENGTH": "octet_length(first_name) = 4",
    "TRIM": "trim(first_name) <> first_name",
    "LTRIM": "ltrim(first_name, 'Z') = 'oë' OR ltrim(first_name) = first_name",
    "RTRIM": "rtrim(first_name, 'ë') = 'Zo' OR rtrim(first_name) = first_name",
    "LPAD": "lpad(card_id, 4, '0') = '0012' OR lpad(card_id, 2) = '12'",
    "RPAD": "rpad(card_id, 4, '0') = '1200'",
    "SUBSTR": "substr(first_name, 2) = 'oë' OR substr(first_name, 1, 1) = 'a'",
    "SUBSTRING": "substring(first_name, 1, 2) = 'Zo'",
    "LEFT": "left(first_name, 1) = 'Z'",
    "RIGHT": "right(first_name, 1) = 'ë'",
    "STARTS_WITH": "starts_with(first_name, 'Z')",
    "ENDS_WITH": "ends_with(first_name, 'ë')",
    "STRPOS": "strpos(first_name, 'o') = 2",
    "REPLACE": "replace(first_name, 'o', '0') = 'Z0ë'",
    "REVERSE": "reverse(first_name) = 'ëoZ'",
    "SPLIT_PART": "split_part(first_name, 'o', 1) = 'Z'",
    "CONCAT": "concat(first_name, last_name) = 'ab' OR concat(first_name) = 'a'",
    "CONCAT_WS": "concat_ws('-', first_name, last_name) = 'a-b'",
    "NORMALIZE": "normalize(first_name) = first_name",
    "REGEXP_LIKE": "regexp_like(card_id, '^\\d+$') OR regexp_like(first_name, '^z', 'i')",
    "REGEXP_REPLACE": "regexp_replace(card_id, '\\d', 'n', 'g') = 'nn'",
    "COALESCE": "coalesce(first_name, last_name, '') <> ''",
    "NULLIF": "nullif(first_name, '') IS NULL",
    "IFNULL": "ifnull(first_name, 'x') = 'x'",
    "IF": "if(first_name = 'a', TRUE, FALSE)",
    "GREATEST": "greatest(first_name, last_name) = 'b'",
    "LEAST": "least(first_name, last_name) = 'a'",
    "ABS": "abs(TRY_CAST(card_id AS INT)) = 12",
    "SIGN": "sign(TRY_CAST(card_id AS INT)) = 1",
    "ROUND": "round(TRY_CAST(card_id AS DOUBLE), 1) = 12 OR round(1.5) = 2",
    "CEIL": "ceil(TRY_CAST(card_id AS DOUBLE)) = 12",
    "CEILING": "ceiling(TRY_CAST(card_id AS DOUBLE)) = 12",
    "FLOOR": "floor(TRY_CAST(card_id AS DOUBLE)) = 12",
    "MOD": "mod(TRY_CAST(card_id AS INT), 5) = 2",
    "SQRT": "sqrt(TRY_CAST(card_id AS DOUBLE)) > 3",
}

VALUES = ["Zoë", "a", "b", "12", "", None, "it's", " Zoë ", "z", "1200", "100", "TRUE"]
"""Cells each column cycles through (shifted per column, so columns meet different values)."""


def test_every_allowed_function_has_a_worked_call() -> None:
    assert set(CALLS) == set(FUNCTIONS)


def _frame(columns: tuple[str, ...]) -> pl.DataFrame:
    n = len(VALUES)
    return pl.DataFrame(
        {
            c: pl.Series(c, [VALUES[(i * (k + 1) + k) % n] for i in range(n)], dtype=pl.String)
            for k, c in enumerate(columns)
        }
    )


@pytest.mark.parametrize("sql", [*_documented_conditions(), *GRAMMAR, *CALLS.values()])
def test_a_legitimate_condition_loads_and_gives_what_polars_gave(sql: str) -> None:
    assert Expression().check_params({"sql": sql}) == []
    expr, read = compile_sql(sql)
    # the author's own text, read by polars directly (these conditions are ours to trust)
    direct = pl.sql_expr(sql)
    assert set(read) == set(direct.meta.root_names())
    frame = _frame(read)
    assert frame.select(expr).to_series().to_list() == frame.select(direct).to_series().to_list()


def test_the_guide_lists_every_function_and_type_allowed() -> None:
    guide = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
    grammar = guide.split("The SQL of an `expression` reads only", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([a-z_]+)`", grammar))
    assert {f.lower() for f in FUNCTIONS} <= listed
    assert all(f"`{t}`" in grammar or t in ("DECIMAL", "NUMERIC") for t in TYPES)
    assert "`DECIMAL`/`NUMERIC`" in grammar


@pytest.mark.parametrize("name", sorted(TYPES))
def test_every_allowed_type_is_one_polars_reads(name: str) -> None:
    sandboxed(f"TRY_CAST(card_id AS {name}) IS NULL")
    pl.sql_expr(f'TRY_CAST("card_id" AS {name}) IS NULL')  # parses; casting text may fail later


NESTINGS: dict[str, Callable[[int], str]] = {
    "parentheses": lambda n: "(" * n + "first_name = 'a'" + ")" * n,
    "calls": lambda n: "lower(" * n + "first_name" + ")" * n + " = 'a'",
    "casts": lambda n: "CAST(" * n + "first_name" + " AS VARCHAR)" * n + " = 'a'",
    "not": lambda n: "NOT " * n + "first_name = 'a'",
    "minus": lambda n: "- " * n + "TRY_CAST(card_id AS INT) < 0",
    "cases": lambda n: "CASE WHEN " * n + "first_name = 'a'" + " THEN TRUE END" * n,
    "mixed": lambda n: "coalesce((NOT " * n + "(first_name = 'a')" + "))" * n,
    "right operands": lambda n: "(first_name = " * n + "'a'" + ")" * n,
}
"""Conditions nested ``n`` levels deep, each in its own way."""


@pytest.mark.parametrize("kind", NESTINGS)
def test_the_deepest_condition_allowed_compiles_at_once(kind: str) -> None:
    # Polars' parser gives up at about 50 levels and beyond them can take exponential time
    # (52 nested CASTs did not finish in minutes): the grammar stops well before
    nested = NESTINGS[kind]
    deepest = max(n for n in range(1, MAX_DEPTH + 2) if _accepts(nested(n)))
    assert 1 <= deepest <= MAX_DEPTH
    started = time.monotonic()
    compile_sql(nested(deepest))
    assert time.monotonic() - started < 2
    with pytest.raises(SqlProblem, match="nests more than"):
        sandboxed(nested(deepest + 1))


def _accepts(sql: str) -> bool:
    try:
        sandboxed(sql)
    except SqlProblem:
        return False
    return True


# --- the rule file and the command line -----------------------------------------------------


def _folder(tmp: Path, sql: str) -> Path:
    folder = tmp / "rules"
    shutil.copytree(ROOT / "rules", folder)
    (tmp / "checks").symlink_to(ROOT / "checks")
    quoted = sql.replace("'", "''")
    (folder / "zz_local.yaml").write_text(
        "rules:\n"
        "  - id: local.evil\n"
        "    kind: expression\n"
        "    columns: [first_name]\n"
        "    description: Reads a file.\n"
        '    basis: "practice: a test"\n'
        "    params:\n"
        f"      sql: '{quoted}'\n",
        encoding="utf-8",
    )
    return folder


EVIL = "first_name IN (SELECT column_1 FROM read_csv('{path}'))"


def test_the_loader_refuses_it_at_the_rule(tmp_path: Path, secret: Path) -> None:
    folder = _folder(tmp_path, EVIL.format(path=secret))
    with pytest.raises(RuleFileError) as caught:
        load_suite(folder)
    assert [str(p) for p in caught.value.problems] == [
        f"{folder / 'zz_local.yaml'}:8:7: 'sql' cannot use SELECT (character 16): a condition "
        "reads only its own row's cells, with no subquery, FROM, table function, file or URL; "
        "write a column of that name in double quotes"
    ]


@pytest.mark.parametrize("command", ["rules", "rules --json", "check"])
def test_the_cli_exits_3_at_the_rule_and_shows_no_secret(
    run_cli: Callable[..., CliRun],
    write_csv: Callable[..., Path],
    tmp_path: Path,
    secret: Path,
    command: str,
) -> None:
    folder = _folder(tmp_path, EVIL.format(path=secret))
    words = command.split()
    row = "jana.novak@student.uni-example.eu,S1000001,Jana,Nováková,2027-06-30,Alumni"
    extra = [write_csv(row)] if words == ["check"] else []
    run = run_cli(words[0], *extra, "--rules", folder, *words[1:])
    assert run.code == 3
    assert f"{folder / 'zz_local.yaml'}:8:7: 'sql' cannot use SELECT (character 16)" in run.err
    assert SECRET not in run.out + run.err + str(run.json)
    assert "Traceback" not in run.err


def test_a_rule_built_without_the_loader_cannot_read_either(tmp_path: Path, secret: Path) -> None:
    # the run compiles the SQL again, through the same grammar: an error finding, no read
    folder = _folder(tmp_path, "first_name <> ''")
    suite = load_suite(folder)
    rule = dataclasses.replace(suite.rule("local.evil"), params={"sql": EVIL.format(path=secret)})
    frame = pl.DataFrame({"first_name": ["Jana"], "__row__": pl.Series([2], dtype=pl.UInt32)})
    (finding,) = validate(frame, dataclasses.replace(suite, rules=(rule,)))
    assert finding.severity is Severity.ERROR and "could not run this rule" in finding.message
    assert SECRET not in finding.message
