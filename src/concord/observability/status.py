"""`concord status`: the last runs, freshness per stream against its SLA, open exceptions by class and age,
writeback outcomes and the quarantine, read straight from concord_meta and the raw tables (no dbt needed).

A stream is as fresh as its source's last successful sync (`sync:<source>` or `load:<source>` ledger row,
succeeded or partial): a sync that brings no changes still proves the stream current. The SLA is the dbt
source's `freshness` (`error_after` breaches, `warn_after` warns). A source never synced is breached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg

from concord.observability.sla import load_slas, sla_for
from concord.sync.sources import SOURCES

AGE_BUCKETS = ("0-1 d", "1-3 d", "3-7 d", "> 7 d")


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    started_at: datetime
    ended_at: datetime | None
    stages: int
    status: str  # the worst stage status: failed > running > partial > succeeded
    records_out: int
    quarantined: int
    api_errors: int


@dataclass(frozen=True)
class StreamFreshness:
    source: str
    stream: str
    last_synced_at: datetime | None
    last_changed_at: datetime | None
    age: timedelta | None
    warn_after: timedelta | None
    error_after: timedelta | None
    state: str  # fresh, warn, breached


@dataclass
class Status:
    now: datetime
    runs: list[RunSummary] = field(default_factory=list)
    freshness: list[StreamFreshness] = field(default_factory=list)
    exceptions: dict[str, dict[str, int]] = field(default_factory=dict)  # class -> bucket -> open count
    writebacks: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def breached(self) -> list[StreamFreshness]:
        return [f for f in self.freshness if f.state == "breached"]

    @property
    def exit_code(self) -> int:
        """1 when a stream is past its SLA, else 0."""
        return 1 if self.breached else 0


_WORST = {"failed": 3, "running": 2, "partial": 1, "succeeded": 0}


def _runs(conn: psycopg.Connection, limit: int) -> list[RunSummary]:
    rows = conn.execute(
        "select run_id, min(started_at), max(ended_at), count(*), array_agg(status), "
        "coalesce(sum(records_out) filter (where stage like 'load:%%'), 0), "
        "coalesce(sum(quarantined) filter (where stage like 'load:%%'), 0), "
        "coalesce(sum((select coalesce(sum(v::bigint), 0) from jsonb_each_text(api_errors) as e(k, v))), 0) "
        "from concord_meta.runs group by run_id order by min(started_at) desc limit %s", (limit,)).fetchall()
    return [RunSummary(r[0], r[1], r[2], r[3], max(r[4], key=lambda s: _WORST.get(s, 0)), int(r[5]), int(r[6]),
                       int(r[7])) for r in rows]


def _freshness(conn: psycopg.Connection, now: datetime) -> list[StreamFreshness]:
    slas = load_slas()
    synced = dict(conn.execute(
        "select source, max(ended_at) from concord_meta.runs where (stage like 'sync:%%' or stage like 'load:%%') "
        "and status in ('succeeded', 'partial') and source is not null group by source").fetchall())
    tables = conn.execute(
        "select c.table_schema, c.table_name from information_schema.columns c "
        "where c.table_schema = any(%s) and c.column_name = '_concord_loaded_at' order by 1, 2",
        ([f"raw_{s}" for s in SOURCES],)).fetchall()
    streams: dict[str, list[str]] = {s: [] for s in SOURCES}
    for schema, table in tables:
        streams[schema.removeprefix("raw_")].append(table)
    out = []
    for source, names in streams.items():
        for stream in names or ["(no streams landed)"]:
            changed = None
            if names:
                changed = conn.execute(
                    f'select max(_concord_loaded_at) from "raw_{source}"."{stream}"').fetchone()[0]
            last = synced.get(source)
            sla = sla_for(slas, source, stream)
            age = now - last if last else None
            if age is None or (sla.error_after is not None and age > sla.error_after):
                state = "breached"
            elif sla.warn_after is not None and age > sla.warn_after:
                state = "warn"
            else:
                state = "fresh"
            out.append(StreamFreshness(source, stream, last, changed, age, sla.warn_after, sla.error_after, state))
    return out


def _exceptions(conn: psycopg.Connection) -> dict[str, dict[str, int]]:
    rows = conn.execute(
        "select class, case when age < interval '1 day' then '0-1 d' when age < interval '3 days' then '1-3 d' "
        "when age < interval '7 days' then '3-7 d' else '> 7 d' end, count(*) "
        "from (select class, now() - first_seen_at as age from concord_meta.exceptions where resolved_at is null) e "
        "group by 1, 2 order by 1").fetchall()
    out: dict[str, dict[str, int]] = {}
    for cls, bucket, n in rows:
        out.setdefault(cls, dict.fromkeys(AGE_BUCKETS, 0))[bucket] = int(n)
    return out


def _writebacks(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Per destination, the outcomes of its latest run's attempts."""
    rows = conn.execute(
        "with latest as (select distinct on (destination) destination, run_id from concord_meta.writeback_log "
        "order by destination, log_id desc) "
        "select l.destination, l.run_id, w.outcome, count(*) from latest l join concord_meta.writeback_log w "
        "using (destination, run_id) group by 1, 2, 3 order by 1, 3").fetchall()
    out: dict[str, dict[str, Any]] = {}
    for destination, run_id, outcome, n in rows:
        out.setdefault(destination, {"destination": destination, "run_id": run_id, "outcomes": {}})
        out[destination]["outcomes"][outcome] = int(n)
    return list(out.values())


def _quarantine(conn: psycopg.Connection) -> list[tuple[str, str, int]]:
    return [(s, t, int(n)) for s, t, n in conn.execute(
        "select source, stream, count(*) from concord_meta.quarantine where resolved_at is null "
        "group by 1, 2 order by 1, 2").fetchall()]


def collect_status(url: str | None = None, runs: int = 5) -> Status:
    """Everything `concord status` prints, from the warehouse at `url` (default: the configured one)."""
    from concord.warehouse.connection import connect

    with connect(url) as conn:
        now = conn.execute("select now()").fetchone()[0]
        status = Status(now=now)
        status.runs = _runs(conn, runs)
        status.freshness = _freshness(conn, now)
        status.exceptions = _exceptions(conn)
        status.writebacks = _writebacks(conn)
        status.quarantine = _quarantine(conn)
    return status


def _age(delta: timedelta | None) -> str:
    if delta is None:
        return "never"
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def render_status(status: Status) -> str:
    """The status as text, one section per topic."""
    lines = [f"Concord status at {status.now:%Y-%m-%d %H:%M:%S %Z}"]
    lines.append("\nLast runs:")
    if not status.runs:
        lines.append("  (no runs in the ledger)")
    for r in status.runs:
        lines.append(f"  {r.run_id}  {r.status:<9}  started {r.started_at:%Y-%m-%d %H:%M:%S}, {r.stages} stages, "
                     f"{r.records_out:,} records loaded, {r.quarantined:,} quarantined, {r.api_errors:,} API errors")
    breached, warned = len(status.breached), sum(f.state == "warn" for f in status.freshness)
    lines.append(f"\nFreshness per stream (SLA from the dbt sources): {breached} breached, {warned} warn, "
                 f"{len(status.freshness) - breached - warned} fresh")
    for f in status.freshness:
        changed = f"; last change landed {f.last_changed_at:%Y-%m-%d %H:%M:%S}" if f.last_changed_at else ""
        lines.append(f"  {f.state.upper():<8} {f.source}.{f.stream}: last synced {_age(f.age)} ago "
                     f"(error after {_age(f.error_after)}){changed}")
    total_open = sum(sum(b.values()) for b in status.exceptions.values())
    lines.append(f"\nOpen exceptions: {total_open:,}   (age since first seen: {' | '.join(AGE_BUCKETS)})")
    for cls, buckets in sorted(status.exceptions.items()):
        lines.append(f"  {cls:<42} " + " | ".join(f"{buckets[b]:>5}" for b in AGE_BUCKETS))
    lines.append("\nWriteback outcomes (latest run per destination):")
    if not status.writebacks:
        lines.append("  (no writebacks yet)")
    for w in status.writebacks:
        outcomes = ", ".join(f"{n:,} {o}" for o, n in sorted(w["outcomes"].items()))
        lines.append(f"  {w['destination']}: run {w['run_id']}: {outcomes}")
    waiting = sum(n for _, _, n in status.quarantine)
    lines.append(f"\nQuarantine: {waiting:,} unresolved records")
    for source, stream, n in status.quarantine:
        lines.append(f"  {source}.{stream}: {n:,}")
    if status.breached:
        lines.append(f"\nSLA BREACHED: {', '.join(f'{f.source}.{f.stream}' for f in status.breached)}")
    return "\n".join(lines)
