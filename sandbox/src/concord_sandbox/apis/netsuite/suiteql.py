"""A SuiteQL subset translated to SQLite over the sandbox's NetSuite tables.

Supported: `SELECT [DISTINCT] fields | * FROM table [alias] ([INNER] JOIN table [alias] ON cond)* [WHERE cond]
[ORDER BY expr [ASC|DESC], …]`; conditions with `AND`/`OR`/`NOT`, comparisons, `[NOT] IN (…)`,
`IS [NOT] NULL`, `[NOT] BETWEEN`, `[NOT] LIKE`; functions `TO_CHAR(col, fmt)`, `TO_TIMESTAMP(text, fmt)`,
`TO_DATE(text, fmt)`, `UPPER`, `LOWER`, `NVL`. Every table and field is checked against the schema (internal `_`
columns do not exist for SuiteQL); literals become bound parameters. Anything else is an `InvalidQueryError`.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from concord_sandbox.apis.netsuite.errors import InvalidQueryError

TABLES = ("currency", "subsidiary", "customer", "item", "transaction", "transactionline",
          "previoustransactionlink", "deletedrecord")

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<op><>|!=|<=|>=|\|\||[=<>(),.*])
    )""", re.VERBOSE)
_KEYWORDS = {"select", "distinct", "from", "where", "order", "by", "asc", "desc", "and", "or", "not", "in", "is",
             "null", "as", "inner", "join", "on", "between", "like", "left", "right", "outer", "group", "having",
             "union", "fetch", "limit", "offset"}
_FORMAT = re.compile(r'YYYY|MM|DD|HH24|HH|MI|SS|"[^"]*"|.', re.IGNORECASE)
_STRFTIME = {"YYYY": "%Y", "MM": "%m", "DD": "%d", "HH24": "%H", "HH": "%H", "MI": "%M", "SS": "%S"}


@dataclass(frozen=True)
class Token:
    kind: str  # string, number, ident, keyword, op, end
    text: str


@dataclass
class Translation:
    """The SQLite statement (with `?` parameters) for a query, and the names of its output columns."""

    sql: str
    params: list[object]
    columns: list[str]
    first_alias: str = ""
    count_sql: str = ""  # the row count of the query, without its select list and ORDER BY
    count_params: list[object] = field(default_factory=list)


@dataclass
class _Scope:
    """Tables in the FROM clause: alias → table name, and table → its public columns."""

    schema: dict[str, tuple[str, ...]]
    aliases: dict[str, str] = field(default_factory=dict)


def table_schema(conn: sqlite3.Connection) -> dict[str, tuple[str, ...]]:
    """The public columns of every SuiteQL table, read from the store."""
    return {t: tuple(r[1] for r in conn.execute(f'pragma table_info("{t}")') if not r[1].startswith("_"))
            for t in TABLES}


def tokenize(query: str) -> list[Token]:
    """Tokens of a query; keywords lowercased, identifiers lowercased (SuiteQL is case-insensitive)."""
    tokens, pos, text = [], 0, query.strip().rstrip(";")
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise InvalidQueryError(f"Unexpected character at position {pos}: {text[pos:pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "ident":
            low = value.lower()
            tokens.append(Token("keyword" if low in _KEYWORDS else "ident", low))
        elif kind == "string":
            tokens.append(Token("string", value[1:-1].replace("''", "'")))
        else:
            tokens.append(Token(kind, value))
        if text[pos:].strip() == "":
            break
    tokens.append(Token("end", ""))
    return tokens


def convert_format(fmt: str) -> str:
    """An Oracle date format (YYYY-MM-DD HH24:MI:SS, quoted literals) as a strftime format."""
    out = []
    for part in _FORMAT.findall(fmt):
        upper = part.upper()
        if upper in _STRFTIME:
            out.append(_STRFTIME[upper])
        elif part.startswith('"'):
            out.append(part[1:-1].replace("%", "%%"))
        else:
            out.append(part.replace("%", "%%"))
    return "".join(out)


class _Parser:
    def __init__(self, query: str, schema: dict[str, tuple[str, ...]]) -> None:
        self.tokens = tokenize(query)
        self.i = 0
        self.scope = _Scope(schema)
        self.params: list[object] = []

    # token helpers
    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def accept(self, text: str) -> bool:
        tok = self.peek()
        if tok.kind in ("keyword", "op") and tok.text == text:
            self.take()
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            tok = self.peek()
            raise InvalidQueryError(f"Expected {text.upper()} but found {tok.text.upper() or 'end of query'}.")

    def ident(self) -> str:
        tok = self.take()
        if tok.kind != "ident":
            raise InvalidQueryError(f"Expected a name but found {tok.text.upper() or 'end of query'}.")
        return tok.text

    # grammar
    def query(self) -> Translation:
        self.expect("select")
        distinct = self.accept("distinct")
        select_start = self.i
        self.skip_select_list()
        self.expect("from")
        from_sql = self.table_ref()
        joins = []
        while self.peek().text in ("inner", "join", "left", "right", "outer"):
            if self.peek().text in ("left", "right", "outer"):
                raise InvalidQueryError("Only inner joins are supported.")
            self.accept("inner")
            self.expect("join")
            table_sql = self.table_ref()
            self.expect("on")
            joins.append(f"join {table_sql} on {self.condition()}")
        where = ""
        if self.accept("where"):
            where = " where " + self.condition()
        where_params = self.params
        self.params = []
        order = ""
        if self.accept("order"):
            self.expect("by")
            order = " order by " + ", ".join(self.order_items())
        order_params = self.params
        if self.peek().kind != "end":
            raise InvalidQueryError(f"Unexpected {self.peek().text.upper()} after the query.")
        end = self.i
        self.i, self.params = select_start, []
        fields, columns = self.select_list()
        select_params = self.params
        self.i = end
        sql = (f"select {'distinct ' if distinct else ''}{', '.join(fields)} from {from_sql}"
               f"{''.join(' ' + j for j in joins)}{where}{order}")
        first_alias = next(iter(self.scope.aliases))
        body = f"from {from_sql}{''.join(' ' + j for j in joins)}{where}"
        count_sql = (f"select count(*) from (select distinct {', '.join(fields)} {body})" if distinct
                     else f"select count(*) {body}")
        count_params = select_params + where_params if distinct else list(where_params)
        return Translation(sql, select_params + where_params + order_params, columns, first_alias, count_sql,
                           count_params)

    def skip_select_list(self) -> None:
        depth = 0
        while True:
            tok = self.peek()
            if tok.kind == "end":
                raise InvalidQueryError("Missing FROM clause.")
            if depth == 0 and tok.kind == "keyword" and tok.text == "from":
                return
            depth += tok.text == "(" and tok.kind == "op"
            depth -= tok.text == ")" and tok.kind == "op"
            self.take()

    def table_ref(self) -> str:
        table = self.ident()
        if table not in self.scope.schema:
            raise InvalidQueryError(f"Search error occurred: Record '{table}' was not found.")
        alias = table
        if self.accept("as") or self.peek().kind == "ident":
            alias = self.ident()
        if alias in self.scope.aliases:
            raise InvalidQueryError(f"Table alias {alias} is used twice.")
        self.scope.aliases[alias] = table
        return f'"{table}" as "{alias}"'

    def select_list(self) -> tuple[list[str], list[str]]:
        if self.accept("*"):
            if len(self.scope.aliases) != 1:
                raise InvalidQueryError("SELECT * is supported on a single table only.")
            alias, table = next(iter(self.scope.aliases.items()))
            cols = list(self.scope.schema[table])
            return [f'"{alias}"."{c}"' for c in cols], cols
        fields, names = [], []
        n_expr = 0
        while True:
            sql, natural = self.value()
            name = natural
            if self.accept("as") or self.peek().kind == "ident":
                name = self.ident()
            if name is None:
                n_expr += 1
                name = f"expr{n_expr}"
            fields.append(sql)
            names.append(name)
            if not self.accept(","):
                return fields, names

    def order_items(self) -> list[str]:
        items = []
        while True:
            sql, _ = self.value()
            if self.accept("desc"):
                sql += " desc"
            else:
                self.accept("asc")
            items.append(sql)
            if not self.accept(","):
                return items

    def condition(self) -> str:
        parts = [self.conjunction()]
        while self.accept("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"

    def conjunction(self) -> str:
        parts = [self.negation()]
        while self.accept("and"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else "(" + " and ".join(parts) + ")"

    def negation(self) -> str:
        if self.accept("not"):
            return f"not {self.negation()}"
        return self.predicate()

    def predicate(self) -> str:
        if self.peek().text == "(" and self._parenthesized_condition():
            self.take()
            inner = self.condition()
            self.expect(")")
            return f"({inner})"
        left, _ = self.value()
        negate = "not " if self.accept("not") else ""
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("=", "<>", "!=", "<", "<=", ">", ">="):
            if negate:
                raise InvalidQueryError("NOT must precede IN, BETWEEN or LIKE.")
            self.take()
            right, _ = self.value()
            return f"{left} {'<>' if tok.text == '!=' else tok.text} {right}"
        if self.accept("in"):
            self.expect("(")
            values = [self.value()[0]]
            while self.accept(","):
                values.append(self.value()[0])
            self.expect(")")
            return f"{left} {negate}in ({', '.join(values)})"
        if self.accept("between"):
            low, _ = self.value()
            self.expect("and")
            high, _ = self.value()
            return f"{left} {negate}between {low} and {high}"
        if self.accept("like"):
            pattern, _ = self.value()
            return f"{left} {negate}like {pattern}"
        if self.accept("is"):
            is_not = self.accept("not")
            self.expect("null")
            return f"{left} is {'not ' if is_not else ''}null"
        raise InvalidQueryError(f"Expected a comparison after {left} but found {tok.text.upper() or 'end'}.")

    def _parenthesized_condition(self) -> bool:
        """Whether the `(` at the cursor opens a condition (rather than a value expression)."""
        depth, j = 0, self.i
        while self.tokens[j].kind != "end":
            tok = self.tokens[j]
            if tok.kind == "op" and tok.text == "(":
                depth += 1
            elif tok.kind == "op" and tok.text == ")":
                depth -= 1
                if depth == 0:
                    return True
            elif depth == 1 and ((tok.kind == "keyword" and tok.text in ("and", "or", "in", "is", "between",
                                                                          "like", "not"))
                                 or (tok.kind == "op" and tok.text in ("=", "<>", "!=", "<", "<=", ">", ">="))):
                return True
            j += 1
        return False

    def value(self) -> tuple[str, str | None]:
        """A value expression: SQL text and its natural output name (the field name, None for expressions)."""
        tok = self.take()
        if tok.kind == "string":
            self.params.append(tok.text)
            return "?", None
        if tok.kind == "number":
            self.params.append(float(tok.text) if "." in tok.text else int(tok.text))
            return "?", None
        if tok.kind == "op" and tok.text == "(":
            inner, name = self.value()
            self.expect(")")
            return f"({inner})", name
        if tok.kind == "keyword" and tok.text == "null":
            return "null", None
        if tok.kind != "ident":
            raise InvalidQueryError(f"Unexpected {tok.text.upper() or 'end of query'}.")
        if self.peek().text == "(" and self.peek().kind == "op":
            return self.function(tok.text), None
        if self.accept("."):
            column = self.ident()
            return self.column(tok.text, column), column
        return self.column(None, tok.text), tok.text

    def column(self, alias: str | None, name: str) -> str:
        if alias is not None:
            table = self.scope.aliases.get(alias)
            if table is None:
                raise InvalidQueryError(f"Unknown table alias {alias}.")
            if name not in self.scope.schema[table]:
                raise InvalidQueryError(f"Search error occurred: Field '{name}' for record '{table}' was not found.")
            return f'"{alias}"."{name}"'
        owners = [a for a, t in self.scope.aliases.items() if name in self.scope.schema[t]]
        if not owners:
            tables = ", ".join(sorted(set(self.scope.aliases.values()))) or "the query"
            raise InvalidQueryError(f"Search error occurred: Field '{name}' for record '{tables}' was not found.")
        if len(owners) > 1:
            raise InvalidQueryError(f"Field '{name}' is ambiguous; qualify it with a table alias.")
        return f'"{owners[0]}"."{name}"'

    def function(self, name: str) -> str:
        self.expect("(")
        if name in ("to_timestamp", "to_date"):
            text_tok = self.take()
            fmt = "YYYY-MM-DD HH24:MI:SS" if name == "to_timestamp" else "YYYY-MM-DD"
            if self.accept(","):
                fmt_tok = self.take()
                if fmt_tok.kind != "string":
                    raise InvalidQueryError(f"{name.upper()} needs a format string.")
                fmt = fmt_tok.text
            self.expect(")")
            if text_tok.kind != "string":
                raise InvalidQueryError(f"{name.upper()} needs a text literal.")
            try:
                parsed = datetime.strptime(text_tok.text, convert_format(fmt))
            except ValueError as exc:
                raise InvalidQueryError(f"{name.upper()}({text_tok.text!r}, {fmt!r}): {exc}.") from exc
            self.params.append(parsed.strftime("%Y-%m-%d %H:%M:%S" if name == "to_timestamp" else "%Y-%m-%d"))
            return "?"
        if name == "to_char":
            arg, _ = self.value()
            fmt = "YYYY-MM-DD HH24:MI:SS"
            if self.accept(","):
                fmt_tok = self.take()
                if fmt_tok.kind != "string":
                    raise InvalidQueryError("TO_CHAR needs a format string.")
                fmt = fmt_tok.text
            self.expect(")")
            self.params.append(convert_format(fmt))
            return f"strftime(?, {arg})"
        if name in ("upper", "lower"):
            arg, _ = self.value()
            self.expect(")")
            return f"{name}({arg})"
        if name == "nvl":
            a, _ = self.value()
            self.expect(",")
            b, _ = self.value()
            self.expect(")")
            return f"coalesce({a}, {b})"
        raise InvalidQueryError(f"Function {name.upper()} is not supported.")


def translate(query: str, schema: dict[str, tuple[str, ...]]) -> Translation:
    """The SQLite translation of a SuiteQL query, or `InvalidQueryError` naming what is wrong."""
    if not query or not query.strip():
        raise InvalidQueryError("The query is empty.")
    return _Parser(query, schema).query()
