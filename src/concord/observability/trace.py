"""`concord trace <source> <id>`: one business object's path through Concord.

1. extracted: the raw row(s) in `raw_<source>` whose primary key is the id (which run landed the current
   version, when, its version, deleted or not), with that run's sync ledger row;
2. counterparts: rows of the other sources that carry the id as their external id (an ERP invoice posted for
   a billing invoice);
3. canonical rows: rows of the marts (core, finance, writeback) with any `*_id` column equal to the id;
4. checks and exceptions: exceptions whose keys name the id or one of its canonical account ids, and the
   check results of their expectations, run by run; plus the checks that ran over the object's raw table;
5. writebacks: writeback_log attempts and writeback_state rows keyed by the id or its canonical account ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from concord.sync.sources import source as lookup_source

MART_SCHEMAS = ("core", "finance", "writeback")
EXTERNAL_ID_COLUMNS = ("externalid", "external_id", "Concord_Account_Id__c")


@dataclass
class Trace:
    source: str
    object_id: str
    extracted: list[dict[str, Any]] = field(default_factory=list)
    counterparts: list[dict[str, Any]] = field(default_factory=list)
    canonical: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    writebacks: list[dict[str, Any]] = field(default_factory=list)
    writeback_state: list[dict[str, Any]] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.extracted or self.canonical or self.counterparts)

    @property
    def related_ids(self) -> list[str]:
        """The id and the canonical account ids its mart rows point to."""
        ids = {self.object_id}
        for row in self.canonical:
            value = row["row"].get("canonical_account_id")
            if value:
                ids.add(str(value))
        return sorted(ids)


def _dicts(cur: psycopg.Cursor[Any]) -> list[dict[str, Any]]:
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _primary_key_tables(conn: psycopg.Connection, schema: str) -> list[tuple[str, str]]:
    """(table, key column) of every table in `schema` with a one-column primary key."""
    rows = conn.execute(
        "select c.relname, a.attname from pg_constraint k join pg_class c on c.oid = k.conrelid "
        "join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid "
        "and a.attnum = k.conkey[1] where k.contype = 'p' and n.nspname = %s and cardinality(k.conkey) = 1 "
        "order by 1", (schema,)).fetchall()
    return [(t, c) for t, c in rows]


def _columns(conn: psycopg.Connection, schemas: tuple[str, ...], names: tuple[str, ...] | None = None,
             suffix: str | None = None) -> dict[tuple[str, str], list[str]]:
    query = ("select table_schema, table_name, column_name from information_schema.columns "
             "where table_schema = any(%s) and data_type in ('text', 'character varying')")
    out: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in conn.execute(query, (list(schemas),)).fetchall():
        if (names and column in names) or (suffix and column.endswith(suffix)):
            out.setdefault((schema, table), []).append(column)
    return out


def _extracted(conn: psycopg.Connection, trace: Trace) -> None:
    schema = f"raw_{trace.source}"
    for table, key in _primary_key_tables(conn, schema):
        cur = conn.execute(
            sql.SQL("select {k}::text as key, _concord_run_id as run_id, _concord_loaded_at as loaded_at, "
                    "_concord_version::text as version, coalesce(_concord_deleted, false) as deleted "
                    "from {t} where {k}::text = %s").format(k=sql.Identifier(key), t=sql.Identifier(schema, table)),
            (trace.object_id,))
        for row in _dicts(cur):
            run = conn.execute(
                "select stage, status, started_at, ended_at, records_out from concord_meta.runs "
                "where run_id = %s and stage = any(%s) order by started_at",
                (row["run_id"], [f"sync:{trace.source}", f"load:{trace.source}"])).fetchall()
            trace.extracted.append({"table": f"{schema}.{table}", **row,
                                    "run": [dict(zip(("stage", "status", "started_at", "ended_at",
                                                      "records_out"), r, strict=True)) for r in run]})


def _counterparts(conn: psycopg.Connection, trace: Trace) -> None:
    from concord.sync.sources import SOURCES

    schemas = tuple(f"raw_{s}" for s in SOURCES if s != trace.source)
    for (schema, table), columns in _columns(conn, schemas, names=EXTERNAL_ID_COLUMNS).items():
        where = sql.SQL(" or ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns)
        keys = dict(_primary_key_tables(conn, schema))
        key = sql.Identifier(keys[table]) if table in keys else sql.SQL("null")
        cur = conn.execute(
            sql.SQL("select {k}::text as key, _concord_run_id as run_id, _concord_loaded_at as loaded_at, "
                    "coalesce(_concord_deleted, false) as deleted from {t} where {w}").format(
                k=key, t=sql.Identifier(schema, table), w=where),
            [trace.object_id] * len(columns))
        trace.counterparts += [{"table": f"{schema}.{table}", **row} for row in _dicts(cur)]


def _canonical(conn: psycopg.Connection, trace: Trace) -> None:
    for (schema, table), columns in sorted(_columns(conn, MART_SCHEMAS, suffix="_id").items()):
        where = sql.SQL(" or ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns)
        cur = conn.execute(sql.SQL("select * from {} where {} limit 50").format(sql.Identifier(schema, table), where),
                           [trace.object_id] * len(columns))
        for row in _dicts(cur):
            matched = [c for c in columns if row.get(c) == trace.object_id]
            trace.canonical.append({"table": f"{schema}.{table}", "matched_on": matched, "row": row})


def _exceptions_and_checks(conn: psycopg.Connection, trace: Trace) -> None:
    ids = trace.related_ids
    cur = conn.execute(
        "select exception_id, class, steward_team, suite, expectation, source, blocked, first_seen_at, last_seen_at, "
        "resolved_at, first_run_id, last_run_id, resolved_run_id, occurrences, reopened_count, keys "
        "from concord_meta.exceptions e where exists (select 1 from jsonb_each(e.keys) s, jsonb_each(s.value) o, "
        "jsonb_array_elements_text(case jsonb_typeof(o.value) when 'array' then o.value else '[]' end) k "
        "where k = any(%s)) order by first_seen_at", (ids,))
    trace.exceptions = _dicts(cur)
    tables = sorted({row["table"] for row in trace.extracted})
    expectations = sorted({(e["suite"], e["expectation"]) for e in trace.exceptions})
    cur = conn.execute(
        "select run_id, suite, expectation, table_name, status, unexpected_count, element_count, policy, checked_at "
        "from concord_meta.check_results where replace(table_name, '\"', '') = any(%s) "
        "or (suite, expectation) in (select * from unnest(%s::text[], %s::text[])) order by checked_at, suite, "
        "expectation", (tables, [s for s, _ in expectations], [e for _, e in expectations]))
    trace.checks = _dicts(cur)


def _writebacks(conn: psycopg.Connection, trace: Trace) -> None:
    ids = trace.related_ids
    trace.writebacks = _dicts(conn.execute(
        "select run_id, destination, target, key, outcome, attempt, http_status, error, logged_at "
        "from concord_meta.writeback_log where key = any(%s) order by log_id", (ids,)))
    trace.writeback_state = _dicts(conn.execute(
        "select target, key, destination, destination_id, written_at, run_id from concord_meta.writeback_state "
        "where key = any(%s) or destination_id = any(%s) order by written_at", (ids, ids)))


def trace_object(source: str, object_id: str, url: str | None = None) -> Trace:
    """The path of `object_id` from `source` through the warehouse (see the module docstring)."""
    from concord.warehouse.connection import connect

    src = lookup_source(source)
    trace = Trace(src.name, object_id)
    with connect(url) as conn:
        _extracted(conn, trace)
        _counterparts(conn, trace)
        _canonical(conn, trace)
        _exceptions_and_checks(conn, trace)
        _writebacks(conn, trace)
    return trace


def _ts(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value is not None else "-"


def render_trace(trace: Trace) -> str:
    """The trace as text, one section per step of the path."""
    out = [f"Trace of {trace.source} {trace.object_id}"]
    out.append("\n1. Extracted")
    if not trace.extracted:
        out.append(f"  not found in raw_{trace.source}")
    for row in trace.extracted:
        deleted = " (deleted at the source)" if row["deleted"] else ""
        out.append(f"  {row['table']}: current version {row['version']} landed {_ts(row['loaded_at'])} by run "
                   f"{row['run_id']}{deleted}")
        for stage in row["run"]:
            out.append(f"    {stage['stage']} {stage['status']}: {_ts(stage['started_at'])} → {_ts(stage['ended_at'])}, "
                       f"{stage['records_out']:,} records landed in that run")
    out.append("\n2. Counterparts in other systems (by external id)")
    out += [f"  {r['table']} {r['key']}: landed {_ts(r['loaded_at'])} by run {r['run_id']}"
            f"{' (deleted)' if r['deleted'] else ''}" for r in trace.counterparts] or ["  none"]
    out.append("\n3. Canonical rows")
    for r in trace.canonical:
        row = r["row"]
        shown = {k: v for k, v in row.items() if v is not None and (k.endswith(("_id", "_status")) or k in (
            "is_posted_to_erp", "total", "currency", "amount", "run_id"))}
        out.append(f"  {r['table']} (matched on {', '.join(r['matched_on'])}): "
                   + ", ".join(f"{k}={v}" for k, v in shown.items()))
    if not trace.canonical:
        out.append("  none")
    out.append(f"\n4. Exceptions ({len(trace.exceptions)}) and checks")
    for e in trace.exceptions:
        state = f"resolved {_ts(e['resolved_at'])} by run {e['resolved_run_id']}" if e["resolved_at"] else "OPEN"
        out.append(f"  {e['class']} [{e['exception_id']}] {state}; steward {e['steward_team']}; "
                   f"{'blocks writebacks' if e['blocked'] else 'warn only'}; first seen {_ts(e['first_seen_at'])} "
                   f"(run {e['first_run_id']}), last seen {_ts(e['last_seen_at'])} (run {e['last_run_id']}), "
                   f"{e['occurrences']} occurrence(s); check {e['suite']}.{e['expectation']}")
    for c in trace.checks:
        out.append(f"  check {c['suite']}.{c['expectation']} on {c['table_name']} in run {c['run_id']}: {c['status']}"
                   f" ({c['unexpected_count'] or 0:,} of {c['element_count'] or 0:,} rows failing, policy {c['policy']})")
    if not trace.exceptions and not trace.checks:
        out.append("  none")
    out.append(f"\n5. Writebacks ({len(trace.writebacks)} attempts)")
    for w in trace.writebacks:
        status = f" HTTP {w['http_status']}" if w["http_status"] else ""
        error = f": {w['error']}" if w["error"] else ""
        out.append(f"  {_ts(w['logged_at'])} run {w['run_id']}: {w['target']} {w['key']} → {w['outcome']} "
                   f"(attempt {w['attempt']}{status}){error}")
    for s in trace.writeback_state:
        out.append(f"  state {s['target']} {s['key']}: written {_ts(s['written_at'])} by run {s['run_id']}"
                   f"{' as ' + s['destination_id'] if s['destination_id'] else ''}")
    if not trace.writebacks and not trace.writeback_state:
        out.append("  none")
    return "\n".join(out)
