"""The SQL an ``expression`` rule may write: a whitelist, checked before Polars reads it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import NoReturn

MAX_LENGTH = 10_000
"""The longest condition accepted, in characters."""

MAX_DEPTH = 16
"""How deeply a condition may nest (parentheses, calls, operands): Polars' SQL parser gives up
at about 50 levels of its own, and beyond that it can take exponential time (nested CASTs)."""

FUNCTIONS: dict[str, tuple[int, int | None]] = {
    # texts
    "LOWER": (1, 1),
    "UPPER": (1, 1),
    "INITCAP": (1, 1),
    "LENGTH": (1, 1),
    "CHAR_LENGTH": (1, 1),
    "CHARACTER_LENGTH": (1, 1),
    "OCTET_LENGTH": (1, 1),
    "TRIM": (1, 1),
    "LTRIM": (1, 2),
    "RTRIM": (1, 2),
    "LPAD": (2, 3),
    "RPAD": (2, 3),
    "SUBSTR": (2, 3),
    "SUBSTRING": (2, 3),
    "LEFT": (2, 2),
    "RIGHT": (2, 2),
    "STARTS_WITH": (2, 2),
    "ENDS_WITH": (2, 2),
    "STRPOS": (2, 2),
    "REPLACE": (3, 3),
    "REVERSE": (1, 1),
    "SPLIT_PART": (3, 3),
    "CONCAT": (1, None),
    "CONCAT_WS": (2, None),
    "NORMALIZE": (1, 1),
    "REGEXP_LIKE": (2, 3),
    "REGEXP_REPLACE": (3, 4),
    # blanks and choices
    "COALESCE": (1, None),
    "NULLIF": (2, 2),
    "IFNULL": (2, 2),
    "IF": (3, 3),
    "GREATEST": (1, None),
    "LEAST": (1, None),
    # numbers
    "ABS": (1, 1),
    "SIGN": (1, 1),
    "ROUND": (1, 2),
    "CEIL": (1, 2),
    "CEILING": (1, 1),
    "FLOOR": (1, 2),
    "MOD": (2, 2),
    "SQRT": (1, 1),
}
"""The scalar functions a condition may call, with their least and most arguments (None: any)."""

TYPES: dict[str, bool] = {
    "INT": False,
    "INTEGER": False,
    "BIGINT": False,
    "SMALLINT": False,
    "TINYINT": False,
    "INT2": False,
    "INT4": False,
    "INT8": False,
    "FLOAT": False,
    "FLOAT4": False,
    "FLOAT8": False,
    "REAL": False,
    "DOUBLE": False,
    "DOUBLE PRECISION": False,
    "DECIMAL": True,
    "NUMERIC": True,
    "VARCHAR": False,
    "TEXT": False,
    "STRING": False,
    "CHAR": False,
    "BOOLEAN": False,
    "BOOL": False,
    "DATE": False,
    "TIME": False,
    "TIMESTAMP": False,
    "DATETIME": False,
}
"""The scalar types CAST and TRY_CAST may give; True: it takes an optional (precision, scale)."""

TABLE_FUNCTIONS = frozenset({"READ_CSV", "READ_PARQUET", "READ_IPC", "READ_JSON", "READ_NDJSON"})
"""Polars' SQL table functions (they read files and URLs): named in the refusal, never allowed."""

AGGREGATES = frozenset(
    {
        "COUNT",
        "SUM",
        "AVG",
        "MIN",
        "MAX",
        "MEDIAN",
        "FIRST",
        "LAST",
        "MODE",
        "STDDEV",
        "STDDEV_POP",
        "STDDEV_SAMP",
        "STDEV",
        "VARIANCE",
        "VAR_POP",
        "VAR_SAMP",
        "ARRAY_AGG",
        "STRING_AGG",
        "QUANTILE_CONT",
        "QUANTILE_DISC",
        "CORR",
        "COVAR",
        "BOOL_AND",
        "BOOL_OR",
        "BIT_AND",
        "BIT_OR",
        "EVERY",
        "ANY_VALUE",
    }
)
"""Functions that combine rows: named in their own refusal (a rule judges one row at a time)."""

QUERY_WORDS = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "WITH",
        "UNION",
        "INTERSECT",
        "EXCEPT",
        "JOIN",
        "EXISTS",
        "ANY",
        "ALL",
        "SOME",
        "VALUES",
        "TABLE",
        "LATERAL",
        "UNNEST",
        "ORDER",
        "GROUP",
        "HAVING",
        "LIMIT",
        "OFFSET",
        "FETCH",
        "OVER",
        "PARTITION",
        "WINDOW",
        "FILTER",
        "INTO",
        "CREATE",
        "DROP",
        "INSERT",
        "UPDATE",
        "DELETE",
        "COPY",
        "ATTACH",
        "INSTALL",
        "LOAD",
        "PRAGMA",
        "SHOW",
        "EXPLAIN",
        "TRUNCATE",
        "INTERVAL",
        "ARRAY",
        "ESCAPE",
        "COLLATE",
        "SIMILAR",
        "RLIKE",
        "REGEXP",
        "GLOB",
    }
)
"""SQL words outside the grammar that a query would need: refused wherever they stand (write
a column of that name in double quotes)."""

KEYWORDS = frozenset(
    {
        "AND",
        "OR",
        "NOT",
        "IS",
        "NULL",
        "TRUE",
        "FALSE",
        "IN",
        "BETWEEN",
        "LIKE",
        "ILIKE",
        "CASE",
        "WHEN",
        "THEN",
        "ELSE",
        "END",
        "CAST",
        "TRY_CAST",
        "AS",
        "DISTINCT",
    }
)
"""The grammar's own words; any other bare word is a column name (write these in double quotes
to name a column)."""


class SqlProblem(ValueError):
    """The SQL of an expression rule cannot be used (the message says why, in one line)."""


class _Tok(Enum):
    WORD = "word"
    COLUMN = "quoted column"
    STRING = "text"
    NUMBER = "number"
    SYMBOL = "symbol"
    END = "end"


@dataclass(frozen=True)
class _Token:
    kind: _Tok
    text: str  # a WORD in upper case, a COLUMN or STRING unquoted, a NUMBER or SYMBOL as written
    at: int  # 1-based character position in the condition
    raw: str = ""  # a WORD as written (its case is kept when it names a column)


class _Prec(IntEnum):
    """Binding powers, as Polars' SQL parser (sqlparser) gives them, so a condition groups as
    Polars would have grouped it."""

    LOWEST = 0
    OR = 5
    AND = 10
    NOT = 15
    IS = 17
    LIKE = 19
    COMPARE = 20
    SUM = 30
    PRODUCT = 40


class _Chain(Enum):
    """Operators that associate left with each other: ``a - b + c`` is one chain."""

    SUM = "+ -"
    PRODUCT = "* / %"
    CONCAT = "||"
    AND = "AND"
    OR = "OR"


COMPARISONS = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_BINARY: dict[str, tuple[_Prec, _Chain | None]] = {
    **{op: (_Prec.COMPARE, None) for op in COMPARISONS},
    "+": (_Prec.SUM, _Chain.SUM),
    "-": (_Prec.SUM, _Chain.SUM),
    "*": (_Prec.PRODUCT, _Chain.PRODUCT),
    "/": (_Prec.PRODUCT, _Chain.PRODUCT),
    "%": (_Prec.PRODUCT, _Chain.PRODUCT),
    "||": (_Prec.PRODUCT, _Chain.CONCAT),
    "AND": (_Prec.AND, _Chain.AND),
    "OR": (_Prec.OR, _Chain.OR),
}
"""Infix operators: their binding power and their chain (operators of one chain associate left
and are written in one pair of parentheses; comparisons chain with nothing)."""

_SYMBOLS = ("<>", "<=", ">=", "!=", "||", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SPACE = frozenset(" \t\r\n")


def _shown(char: str) -> str:
    """A character named safely in a message: printable ASCII quoted, anything else by code."""
    return repr(char) if " " < char < "\x7f" else f"U+{ord(char):04X}"


def _tokens(sql: str) -> list[_Token]:
    """The condition's tokens; anything outside the grammar's alphabet is refused.

    Only ASCII letters, digits, spaces and the grammar's symbols may stand outside quotes, so
    look-alike letters, odd spaces, comments, ``$`` or backslash strings, ``::`` casts, ``.``
    qualified names and ``;`` never reach Polars.
    """
    out: list[_Token] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        at = i + 1
        if c in _SPACE:
            i += 1
        elif sql.startswith(("--", "/*"), i):
            raise SqlProblem(
                f"'sql' cannot hold a comment ({sql[i : i + 2]} at character {at}); "
                "write notes in the rule's description"
            )
        elif c in "'\"":
            text, i = _quoted(sql, i)
            if c == '"':
                _check_column(text, at)
            out.append(_Token(_Tok.STRING if c == "'" else _Tok.COLUMN, text, at))
        elif word := _WORD.match(sql, i):
            i = word.end()
            out.append(_Token(_Tok.WORD, word.group().upper(), at, word.group()))
        elif number := _NUMBER.match(sql, i):
            i = number.end()
            if i < n and (sql[i].isalnum() or sql[i] in "_.'\""):
                raise SqlProblem(
                    f"'sql' has {_shown(sql[i])} right after the number at character {at}; "
                    "put a space or an operator between them"
                )
            out.append(_Token(_Tok.NUMBER, number.group(), at))
        else:
            symbol = next((s for s in _SYMBOLS if sql.startswith(s, i)), None)
            if symbol is None:
                raise SqlProblem(
                    f"'sql' cannot contain {_shown(c)} (character {at}); a condition holds "
                    "column names, 'texts' in single quotes, numbers, operators and the "
                    "functions listed in rules/README.md"
                )
            i += len(symbol)
            out.append(_Token(_Tok.SYMBOL, symbol, at))
    out.append(_Token(_Tok.END, "", n + 1))
    return out


def _quoted(sql: str, start: int) -> tuple[str, int]:
    """The text between a quote at ``start`` and its closing quote (doubled quotes are one),
    and the position after it."""
    quote, parts, i = sql[start], [], start + 1
    while True:
        end = sql.find(quote, i)
        if end < 0:
            what = "text" if quote == "'" else "column name"
            raise SqlProblem(
                f"'sql' has a {what} opened at character {start + 1} and never closed; "
                f"close it with {quote}"
            )
        parts.append(sql[i:end])
        if sql.startswith(quote * 2, end):
            parts.append(quote)
            i = end + 2
            continue
        return "".join(parts), end + 1


def _check_column(name: str, at: int) -> None:
    """Refuse a quoted column name Polars would read as a pattern or that no header can be."""
    bad = next((c for c in name if c < " " or c == "\x7f"), None)
    if not name or bad is not None or name == "*" or (name.startswith("^") and name.endswith("$")):
        raise SqlProblem(
            f"'sql' names the column {name!r} at character {at}, which no header can be; "
            "name a column of the rule's 'columns'"
        )


@dataclass(frozen=True)
class _Sql:
    """A part of the rewritten condition: self-delimiting (an atom, or in parentheses)."""

    text: str
    chain: _Chain | None = None  # the chain of a parenthesized operator chain, to extend it


@dataclass(frozen=True)
class Condition:
    """A condition that passed the whitelist, rewritten for Polars."""

    sql: str
    """The rewrite: columns double-quoted, texts single-quoted, every operation parenthesized,
    so Polars reads exactly the tree that was checked, and nothing the author wrote verbatim."""
    columns: tuple[str, ...]
    """The columns it reads, in order of first use."""


class _Parser:
    """A Pratt parser of the whitelisted grammar; it writes the checked tree back as SQL."""

    def __init__(self, sql: str) -> None:
        self.tokens = _tokens(sql)
        self.pos = 0
        self.depth = 0
        self.columns: dict[str, None] = {}
        self._refuse_query_words()

    def _refuse_query_words(self) -> None:
        words = [t.text if t.kind is _Tok.WORD else "" for t in self.tokens]
        for k, token in enumerate(self.tokens):
            if token.text not in QUERY_WORDS or token.kind is not _Tok.WORD:
                continue
            before = words[max(k - 3, 0) : k]
            if token.text == "FROM" and (
                before[-2:] == ["IS", "DISTINCT"] or before == ["IS", "NOT", "DISTINCT"]
            ):
                continue  # IS [NOT] DISTINCT FROM
            raise SqlProblem(
                f"'sql' cannot use {token.raw} (character {token.at}): a condition reads only "
                "its own row's cells, with no subquery, FROM, table function, file or URL; "
                "write a column of that name in double quotes"
            )

    # --- tokens -------------------------------------------------------------------------

    @property
    def token(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def at_word(self, *words: str) -> bool:
        return self.token.kind is _Tok.WORD and self.token.text in words

    def at_symbol(self, *symbols: str) -> bool:
        return self.token.kind is _Tok.SYMBOL and self.token.text in symbols

    def expect_word(self, word: str) -> None:
        if not self.at_word(word):
            self.fail(word)
        self.take()

    def expect_symbol(self, symbol: str) -> None:
        if not self.at_symbol(symbol):
            self.fail(f"'{symbol}'")
        self.take()

    def fail(self, what: str) -> NoReturn:
        token = self.token
        found = (
            "the end"
            if token.kind is _Tok.END
            else f"{token.kind.value} {token.raw or token.text!r}"
            if token.kind in (_Tok.WORD, _Tok.SYMBOL, _Tok.NUMBER)
            else f"a {token.kind.value}"
        )
        raise SqlProblem(
            f"'sql' is not a valid SQL condition: expected {what} at character {token.at}, "
            f"found {found}"
        )

    # --- grammar ------------------------------------------------------------------------

    def condition(self) -> Condition:
        result = self.expr(_Prec.LOWEST)
        if self.token.kind is not _Tok.END:
            self.fail("an operator or the end")
        return Condition(result.text, tuple(self.columns))

    def expr(self, power: _Prec) -> _Sql:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise SqlProblem(
                f"'sql' nests more than {MAX_DEPTH} levels deep (character {self.token.at}); "
                "split the condition into several rules"
            )
        left = self.prefix()
        while (infix := self.infix_power()) is not None and infix > power:
            left = self.infix(left)
        self.depth -= 1
        return left

    def infix_power(self) -> _Prec | None:
        token = self.token
        if token.kind is _Tok.SYMBOL and token.text in _BINARY:
            return _BINARY[token.text][0]
        if token.kind is not _Tok.WORD:
            return None
        if token.text in ("AND", "OR"):
            return _BINARY[token.text][0]
        if token.text == "IS":
            return _Prec.IS
        if token.text in ("LIKE", "ILIKE"):
            return _Prec.LIKE
        if token.text in ("IN", "BETWEEN"):
            return _Prec.COMPARE
        if token.text == "NOT":
            following = self.tokens[self.pos + 1]
            if following.kind is _Tok.WORD and following.text in ("LIKE", "ILIKE"):
                return _Prec.LIKE
            if following.kind is _Tok.WORD and following.text in ("IN", "BETWEEN"):
                return _Prec.COMPARE
        return None

    def infix(self, left: _Sql) -> _Sql:
        token = self.take()
        if token.text in _BINARY:
            power, chain = _BINARY[token.text]
            op = COMPARISONS.get(token.text, token.text)
            right = self.expr(power)
            if chain is not None and left.chain == chain:
                return _Sql(f"({left.text[1:-1]} {op} {right.text})", chain)
            return _Sql(f"({left.text} {op} {right.text})", chain)
        if token.text == "IS":
            return self.is_(left)
        negated = token.text == "NOT"
        word = self.take().text if negated else token.text
        not_ = "NOT " if negated else ""
        if word in ("LIKE", "ILIKE"):
            pattern = self.take()
            if pattern.kind is not _Tok.STRING:
                self.pos -= 1
                self.fail(f"a 'pattern' in single quotes after {word}")
            return _Sql(f"({left.text} {not_}{word} {_string(pattern.text)})")
        if word == "IN":
            return _Sql(f"({left.text} {not_}IN ({', '.join(self.literal_list())}))")
        low = self.expr(_Prec.COMPARE)
        self.expect_word("AND")
        high = self.expr(_Prec.COMPARE)
        return _Sql(f"({left.text} {not_}BETWEEN {low.text} AND {high.text})")

    def is_(self, left: _Sql) -> _Sql:
        not_ = "NOT " if self.at_word("NOT") else ""
        if not_:
            self.take()
        if self.at_word("NULL", "TRUE", "FALSE"):
            return _Sql(f"({left.text} IS {not_}{self.take().text})")
        if self.at_word("DISTINCT"):
            self.take()
            self.expect_word("FROM")
            # sqlparser reads the whole rest after DISTINCT FROM; parenthesized, the result
            # is one term wherever it stands
            right = self.expr(_Prec.LOWEST)
            return _Sql(f"({left.text} IS {not_}DISTINCT FROM {right.text})")
        self.fail("NULL, TRUE, FALSE or DISTINCT FROM after IS")

    def literal_list(self) -> list[str]:
        self.expect_symbol("(")
        items = [self.literal()]
        while self.at_symbol(","):
            self.take()
            items.append(self.literal())
        self.expect_symbol(")")
        return items

    def literal(self) -> str:
        token = self.take()
        if token.kind is _Tok.STRING:
            return _string(token.text)
        if token.kind is _Tok.NUMBER:
            return token.text
        if token.kind is _Tok.SYMBOL and token.text in "+-" and self.token.kind is _Tok.NUMBER:
            return ("-" if token.text == "-" else "") + self.take().text
        if token.kind is _Tok.WORD and token.text in ("NULL", "TRUE", "FALSE"):
            return token.text
        self.pos -= 1
        self.fail("a value in the IN list ('texts', numbers, TRUE, FALSE or NULL)")

    def prefix(self) -> _Sql:
        token = self.token
        if token.kind is _Tok.STRING:
            self.take()
            return _Sql(_string(token.text))
        if token.kind is _Tok.NUMBER:
            self.take()
            return _Sql(token.text)
        if token.kind is _Tok.COLUMN:
            self.take()
            if self.at_symbol("("):
                self.fail("an operator after a quoted column name (never a function)")
            return self.column(token.text)
        if token.kind is _Tok.SYMBOL:
            if token.text == "(":
                self.take()
                inner = self.expr(_Prec.LOWEST)
                self.expect_symbol(")")
                return _Sql(inner.text)  # already self-delimiting: no chain to extend across
            if token.text in ("-", "+"):
                self.take()
                operand = self.expr(_Prec.PRODUCT)
                return _Sql(f"({token.text} {operand.text})")
            self.fail("a value")
        if token.kind is _Tok.END:
            self.fail("a value")
        return self.word()

    def word(self) -> _Sql:
        token = self.take()
        word = token.text
        if word in ("NULL", "TRUE", "FALSE"):
            return _Sql(word)
        if word == "NOT":
            operand = self.expr(_Prec.NOT)
            return _Sql(f"(NOT {operand.text})")
        if word in ("CAST", "TRY_CAST"):
            return self.cast(word)
        if word == "CASE":
            return self.case()
        if self.at_symbol("("):
            return self.call(token)
        if word in KEYWORDS:
            self.pos -= 1
            self.fail("a value")
        return self.column(token.raw)

    def column(self, name: str) -> _Sql:
        self.columns[name] = None
        return _Sql('"' + name.replace('"', '""') + '"')

    def call(self, token: _Token) -> _Sql:
        name = token.text
        if name not in FUNCTIONS:
            if name in AGGREGATES:
                raise SqlProblem(
                    "'sql' must give one result per row; aggregates such as count() or max() "
                    "combine rows"
                )
            why = (
                "it reads files and URLs, and a condition reads only its own row's cells"
                if name in TABLE_FUNCTIONS
                else "it is not one of the scalar functions a condition may call"
            )
            raise SqlProblem(
                f"'sql' cannot call {token.raw}() (character {token.at}): {why}; call one of "
                f"{', '.join(f.lower() for f in sorted(FUNCTIONS))}"
            )
        self.take()  # (
        args: list[str] = []
        if not self.at_symbol(")"):
            args.append(self.expr(_Prec.LOWEST).text)
            while self.at_symbol(","):
                self.take()
                args.append(self.expr(_Prec.LOWEST).text)
        self.expect_symbol(")")
        least, most = FUNCTIONS[name]
        if len(args) < least or (most is not None and len(args) > most):
            want = (
                f"{least}"
                if least == most
                else f"{least} or more"
                if most is None
                else f"{least} to {most}"
            )
            raise SqlProblem(
                f"'sql' calls {token.raw}() with {len(args)} argument(s) at character "
                f"{token.at}; it takes {want}"
            )
        return _Sql(f"{name}({', '.join(args)})")

    def cast(self, word: str) -> _Sql:
        self.expect_symbol("(")
        value = self.expr(_Prec.LOWEST)
        self.expect_word("AS")
        type_ = self.take()
        name = type_.text if type_.kind is _Tok.WORD else ""
        if name == "DOUBLE" and self.at_word("PRECISION"):
            self.take()
            name = "DOUBLE PRECISION"
        if name not in TYPES:
            self.pos -= 1
            self.fail(f"a type after AS (one of {', '.join(TYPES)})")
        if TYPES[name] and self.at_symbol("("):
            self.take()
            sizes = [self.size()]
            if self.at_symbol(","):
                self.take()
                sizes.append(self.size())
            self.expect_symbol(")")
            name = f"{name}({', '.join(sizes)})"
        self.expect_symbol(")")
        return _Sql(f"{word}({value.text} AS {name})")

    def size(self) -> str:
        token = self.take()
        if token.kind is not _Tok.NUMBER or not token.text.isdigit() or len(token.text) > 2:
            self.pos -= 1
            self.fail("a whole number of digits")
        return token.text

    def case(self) -> _Sql:
        parts = ["CASE"]
        if not self.at_word("WHEN"):
            parts.append(self.expr(_Prec.LOWEST).text)
        if not self.at_word("WHEN"):
            self.fail("WHEN")
        while self.at_word("WHEN"):
            self.take()
            parts += ["WHEN", self.expr(_Prec.LOWEST).text]
            self.expect_word("THEN")
            parts += ["THEN", self.expr(_Prec.LOWEST).text]
        if self.at_word("ELSE"):
            self.take()
            parts += ["ELSE", self.expr(_Prec.LOWEST).text]
        self.expect_word("END")
        return _Sql(" ".join([*parts, "END"]))


def _string(text: str) -> str:
    """A text as a SQL literal: single quotes, a quote inside doubled (backslashes are plain
    characters to Polars, as in standard SQL)."""
    return "'" + text.replace("'", "''") + "'"


def sandboxed(sql: str) -> Condition:
    """The condition checked against the whitelisted grammar, and rewritten for Polars.

    The grammar: column names (bare, or in double quotes), 'texts', numbers, TRUE, FALSE,
    NULL; ``= <> != < <= > >= + - * / % ||``; AND, OR, NOT; IS [NOT] NULL / TRUE / FALSE /
    DISTINCT FROM; [NOT] IN (a list of values); [NOT] BETWEEN; [NOT] LIKE / ILIKE 'pattern';
    CASE; CAST and TRY_CAST to :data:`TYPES`; calls of :data:`FUNCTIONS`. Anything else is
    refused, so no subquery, FROM, table function (:data:`TABLE_FUNCTIONS`), file or URL
    reaches Polars, and nothing can make its parser open a file or wait.

    Raises:
        SqlProblem: the condition is outside the grammar (the message gives the character).
    """
    if len(sql) > MAX_LENGTH:
        raise SqlProblem(
            f"'sql' is {len(sql)} characters long, more than {MAX_LENGTH}; "
            "split the condition into several rules"
        )
    if "\x00" in sql:
        raise SqlProblem("'sql' contains a NUL character; remove it")
    return _Parser(sql).condition()
