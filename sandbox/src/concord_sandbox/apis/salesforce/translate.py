"""Translation of a parsed SOQL query into one SQLite statement over the store's sObject table.

Field names are checked against the sObject (unknown → INVALID_FIELD), literals against the field's type
(a quoted datetime, a string for a boolean … → INVALID_FIELD as Salesforce reports them). `query` hides
deleted rows; `queryAll` shows them while they are in the recycle bin (deleted at or after `bin_cutoff`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from concord_sandbox.apis.salesforce.errors import SalesforceApiError, invalid_field, invalid_type
from concord_sandbox.apis.salesforce.objects import Field, SObject
from concord_sandbox.apis.salesforce.soql import BoolOp, Comparison, Condition, Literal, Not, Query

_NUMERIC = {"currency", "double", "percent", "int"}
_SQL_OP = {"=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "like": "like"}


@dataclass(frozen=True)
class SqlPlan:
    """The statement to run: rows are the selected fields in order, then `Id` (COUNT(): one row, the count)."""

    sobject: SObject
    fields: tuple[Field, ...]
    sql: str
    params: tuple[object, ...]
    count: bool
    count_sql: str = ""  # the number of rows `sql` returns, without ordering them (totalSize)


def _field(sobject: SObject, name: str) -> Field:
    f = sobject.lookup(name.removeprefix(f"{sobject.name}.")) if "." in name else sobject.lookup(name)
    if f is None:
        raise invalid_field(f"No such column '{name}' on entity '{sobject.name}'. If you are attempting to use a "
                            "custom field, be sure to append the '__c' after the custom field name. Please "
                            "reference your WSDL or the describe call for the appropriate names.")
    return f


def _type_error(f: Field, expected: str) -> SalesforceApiError:
    return invalid_field(f"value of filter criterion for field '{f.name}' must be of type {expected} "
                         "and should not be enclosed in quotes")


def sql_value(f: Field, lit: Literal) -> object:
    """The stored representation of a literal compared with field `f` (datetimes as the API's text)."""
    if lit.kind == "null":
        return None
    kind = f.type
    if kind == "datetime":
        if lit.kind != "datetime":
            raise _type_error(f, "dateTime")
        dt = lit.value.astimezone(UTC)  # type: ignore[attr-defined]
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}+0000"
    if kind == "date":
        if lit.kind != "date":
            raise _type_error(f, "date")
        return lit.value.isoformat()  # type: ignore[attr-defined]
    if kind == "boolean":
        if lit.kind != "boolean":
            raise _type_error(f, "boolean")
        return 1 if lit.value else 0
    if kind in _NUMERIC:
        if lit.kind != "number":
            raise _type_error(f, "double" if kind != "int" else "int")
        return lit.value
    if lit.kind != "string":
        raise invalid_field(f"value of filter criterion for field '{f.name}' must be of type string "
                            "and should be enclosed in quotes")
    return lit.value


def _condition(sobject: SObject, cond: Condition, params: list[object]) -> str:
    if isinstance(cond, BoolOp):
        return "(" + f" {cond.op} ".join(_condition(sobject, c, params) for c in cond.items) + ")"
    if isinstance(cond, Not):
        return f"(not {_condition(sobject, cond.item, params)})"
    return _comparison(sobject, cond, params)


def _comparison(sobject: SObject, cmp: Comparison, params: list[object]) -> str:
    f = _field(sobject, cmp.field)
    col = f'"{f.name}"'
    if cmp.op in ("in", "notin"):
        values = [sql_value(f, v) for v in cmp.value]  # type: ignore[union-attr]
        non_null = [v for v in values if v is not None]
        params.extend(non_null)
        marks = ", ".join("?" for _ in non_null)
        has_null = len(non_null) != len(values)
        if cmp.op == "in":
            parts = [f"{col} in ({marks})"] if non_null else []
            if has_null:
                parts.append(f"{col} is null")
            return "(" + (" or ".join(parts) or "0") + ")"
        if not non_null:
            return f"{col} is not null"
        if has_null:
            return f"({col} is not null and {col} not in ({marks}))"
        return f"({col} is null or {col} not in ({marks}))"
    value = sql_value(f, cmp.value)  # type: ignore[arg-type]
    if value is None:
        if cmp.op == "=":
            return f"{col} is null"
        if cmp.op == "!=":
            return f"{col} is not null"
        return "0"
    params.append(value)
    if cmp.op == "!=":
        # SOQL's != includes nulls (SQL's would not).
        return f"({col} is null or {col} != ?)"
    return f"{col} {_SQL_OP[cmp.op]} ?"


def translate(query: Query, sobjects: dict[str, SObject], *, include_deleted: bool, bin_cutoff: str) -> SqlPlan:
    """The SQLite statement for `query`; raises SalesforceApiError (INVALID_TYPE / INVALID_FIELD)."""
    sobject = next((o for name, o in sobjects.items() if name.lower() == query.sobject.lower()), None)
    if sobject is None:
        raise invalid_type(query.sobject)
    fields = tuple(_field(sobject, name) for name in query.fields)
    params: list[object] = []
    where: list[str] = []
    if sobject.has_is_deleted:
        if include_deleted:
            where.append('("IsDeleted" = 0 or "_deleted_at" >= ?)')
            params.append(bin_cutoff)
        else:
            where.append('"IsDeleted" = 0')
    if query.where is not None:
        where.append(_condition(sobject, query.where, params))
    where_sql = f" where {' and '.join(where)}" if where else ""
    table = f'"{sobject.name}"'
    count_sql = f"select count(*) from {table}{where_sql}"
    if query.limit is not None or query.offset is not None:
        count_sql = (f"select count(*) from (select 1 from {table}{where_sql} "
                     f"limit {query.limit if query.limit is not None else -1} offset {query.offset or 0})")
    if query.count:
        return SqlPlan(sobject, (), count_sql, tuple(params), True, count_sql)
    order_parts = []
    for item in query.order_by:
        f = _field(sobject, item.field)
        part = f'"{f.name}"' + (" desc" if item.descending else "")
        if item.nulls_last is not None:
            part += " nulls last" if item.nulls_last else " nulls first"
        elif item.descending:
            part += " nulls last"  # SOQL's default for DESC; SQLite's would put nulls first
        order_parts.append(part)
    cols = ", ".join([*(f'"{f.name}"' for f in fields), '"Id"'])  # Id last, for `attributes.url`
    sql = f"select {cols} from {table}{where_sql}"
    if order_parts:
        sql += " order by " + ", ".join(order_parts)
    if query.limit is not None or query.offset is not None:
        sql += f" limit {query.limit if query.limit is not None else -1}"
        if query.offset is not None:
            sql += f" offset {query.offset}"
    return SqlPlan(sobject, fields, sql, tuple(params), False, count_sql)
