"""The failing rows' keys by our own query, for the uniqueness expectations.

GX 1.24 judges them (counts, success) but cannot name their rows on PostgreSQL: for
`expect_compound_columns_to_be_unique` the SQL result carries no `unexpected_index_list`, and for
`expect_column_values_to_be_unique` the index-list query lower-cases some case-preserved column names of the
table (a raw_salesforce."Account" with a "Name" column fails with `column "name" does not exist`). So GX runs
them with counts only and the rows come from the equivalent query here: the rows whose value (combination)
occurs more than once among the checked rows.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from concord.quality.suites import ExpectationSpec

_OPS = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def where_clause(spec: ExpectationSpec) -> sql.Composable:
    """The spec's row conditions as SQL (`true` when it has none)."""
    parts: list[sql.Composable] = []
    for cond in spec.where:
        column = sql.Identifier(cond.column)
        if cond.op == "IN":
            parts.append(sql.SQL("{} = any({})").format(column, sql.Literal(list(cond.value))))
        elif cond.op == "NOT_IN":
            parts.append(sql.SQL("not ({} = any({}))").format(column, sql.Literal(list(cond.value))))
        else:
            parts.append(sql.SQL("{} {} {}").format(column, sql.SQL(_OPS[cond.op]), sql.Literal(cond.value)))
    return sql.SQL(" and ").join(parts) if parts else sql.SQL("true")


QUERIED_TYPES = frozenset({"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"})


def supports(spec: ExpectationSpec) -> bool:
    return spec.type in QUERIED_TYPES


def failing_rows(url: str, spec: ExpectationSpec) -> list[dict[str, Any]]:
    """Key columns of the rows failing `spec` (rows whose column combination occurs more than once)."""
    if not supports(spec):
        raise ValueError(f"no failing-rows query for {spec.type}")
    names = spec.kwargs["column_list"] if "column_list" in spec.kwargs else [spec.kwargs["column"]]
    columns = [sql.Identifier(c) for c in names]
    table = sql.Identifier(spec.schema, spec.table)
    where = where_clause(spec)
    # GX ignores a row only when all the columns are null (a null value for the single-column expectation;
    # ignore_row_if's default, all_values_are_missing, for the compound one).
    not_all_null = sql.SQL("not ({})").format(
        sql.SQL(" and ").join(sql.SQL("{} is null").format(c) for c in columns))
    query = sql.SQL(
        "select {keys} from {table} t where {where} and {not_all_null} and ({cols}) in ("
        "select {cols} from {table} where {where} and {not_all_null} group by {cols} having count(*) > 1) "
        "order by {keys}"
    ).format(
        keys=sql.SQL(", ").join(sql.Identifier(c) for c in spec.key_columns),
        table=table, where=where, not_all_null=not_all_null, cols=sql.SQL(", ").join(columns),
    )
    with psycopg.connect(url) as conn:
        cur = conn.execute(query)
        names = [d.name for d in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
