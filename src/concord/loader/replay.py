"""Re-process quarantined records after a fix (a widened column, a raised size limit, a corrected schema).

Each unresolved record of a source (optionally one stream) goes through the loader's own converters, built
from the table as it is now (its columns, primary key and version property), then through the staging table
and the version-ordered merge, so an old quarantined record never overwrites a newer row. Records that land
are marked resolved by this run in the same transaction; the others get their new reason and one more attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from concord.loader import ledger, quarantine, state_lock, tables
from concord.loader.config import DEFAULT_MAX_VALUE_BYTES, new_run_id
from concord.loader.errors import RecordRejected
from concord.loader.merge import append_statement, copy_statement, merge_statement
from concord.loader.schema_map import Column, StreamShape
from concord.loader.validate import FAST_MISS, build_fast, build_slow, plan


@dataclass
class ReplaySummary:
    """Per stream: how many quarantined records landed and how many still fail (with their reasons)."""

    run_id: str
    resolved: dict[str, int] = field(default_factory=dict)
    failing: dict[str, list[str]] = field(default_factory=dict)

    def render(self) -> str:
        lines = [f"replay {self.run_id}: {sum(self.resolved.values())} resolved, "
                 f"{sum(len(v) for v in self.failing.values())} still quarantined"]
        for stream in sorted(set(self.resolved) | set(self.failing)):
            lines.append(f"  {stream}: {self.resolved.get(stream, 0)} resolved, {len(self.failing.get(stream, []))} failing")
            lines += [f"    {reason}" for reason in sorted(set(self.failing.get(stream, [])))]
        return "\n".join(lines)


def _shape_from_table(existing: tables.ExistingTable) -> StreamShape:
    columns = [Column(name, kind, kind) for name, kind in existing.columns.items()]
    version_property = existing.comment.get("concord", {}).get("version_property")
    return StreamShape(columns, existing.key, version_property, existing.version_kind)


def replay_quarantine(url: str, source: str, stream: str | None = None, *, run_id: str | None = None,
                      state_id: str | None = None, max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES) -> ReplaySummary:
    """Replay unresolved quarantined records of `source` (one `stream` if given) into their tables."""
    run_id = run_id or new_run_id().replace("load-", "replay-")
    summary = ReplaySummary(run_id)
    schema = f"raw_{source}"
    with psycopg.connect(url) as conn:
        conn.execute("set timezone = 'UTC'")
        state_lock.acquire(conn, state_id or source)
        ledger.start(conn, run_id, source, stage=f"replay:{source}")
        entries = quarantine.unresolved(conn, source, stream)
        by_stream: dict[str, list[quarantine.Quarantined]] = {}
        for entry in entries:
            by_stream.setdefault(entry.stream, []).append(entry)
        for n, (name, items) in enumerate(sorted(by_stream.items())):
            _replay_stream(conn, schema, name, items, run_id, max_value_bytes, f"_concord_replay_{n}", summary)
            conn.commit()
        resolved = sum(summary.resolved.values())
        failing = sum(len(v) for v in summary.failing.values())
        ledger.finish(conn, run_id, source, "succeeded" if not failing else "partial", resolved + failing, resolved,
                      failing, 0, {"resolved": summary.resolved, "failing": summary.failing},
                      stage=f"replay:{source}")
        state_lock.release(conn, state_id or source)
    return summary


def _replay_stream(conn: psycopg.Connection, schema: str, name: str, items: list[quarantine.Quarantined],
                   run_id: str, max_value_bytes: int, stage: str, summary: ReplaySummary) -> None:
    existing = tables.existing_table(conn, schema, name)
    failures: list[tuple[int, str | None, str]] = []
    rows: list[tuple] = []
    resolved: list[int] = []
    if existing is None:
        failures = [(q.id, None, f"table {schema}.{name} does not exist") for q in items]
    else:
        shape = _shape_from_table(existing)
        fast = build_fast(name, shape, run_id, max_value_bytes)
        slow = build_slow(shape, run_id, max_value_bytes)
        for q in items:
            line = q.raw_record.encode()
            try:
                try:
                    row = fast(line)
                except FAST_MISS:
                    row = slow(line)
            except RecordRejected as exc:
                failures.append((q.id, exc.field, exc.reason))
                continue
            rows.append((*row, len(rows) + 1))
            resolved.append(q.id)
        if rows:
            names = plan(shape).names
            tables.create_stage(conn, schema, name, stage)
            with conn.cursor() as cur, cur.copy(copy_statement(sql.Identifier(stage), names, staged=True)) as cp:
                for row in rows:
                    cp.write_row(row)
            conn.execute(merge_statement(schema, name, stage, names, shape.key) if shape.key
                         else append_statement(schema, name, stage, names))
            conn.execute(sql.SQL("drop table {}").format(sql.Identifier(stage)))
    quarantine.resolve(conn, resolved, run_id)
    if failures:
        quarantine.still_failing(conn, failures, run_id)
    summary.resolved[name] = len(resolved)
    summary.failing[name] = [reason for _, _, reason in failures]
