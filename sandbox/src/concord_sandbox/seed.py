"""`concord sandbox seed`: build the simulated company into a fresh database, deterministically.

The database is written to a temporary file and renamed into place, so a failed seed leaves the previous
sandbox untouched. Same seed, scale, start and rates → the same database content, byte for byte per row.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from concord_sandbox import schema
from concord_sandbox.catalog import build_catalog, netsuite_reference_rows
from concord_sandbox.credentials import sandbox_credentials
from concord_sandbox.errors import InvalidOptionError
from concord_sandbox.history import Counters, HistoryContext, generate_account
from concord_sandbox.ids import StripeIds
from concord_sandbox.netsuite_rows import INVOICE_PAID
from concord_sandbox.row_sink import RowSink
from concord_sandbox.store import connect, set_meta
from concord_sandbox.timefmt import ns
from concord_sandbox.truth import record_planted

SCALES: dict[str, int] = {"small": 500, "medium": 20_000, "large": 200_000}
DEFAULT_START = "2026-01-01T00:00:00Z"


@dataclass(frozen=True)
class SeedResult:
    """What a seed produced: where, how long it took, row counts per table, planted instances."""

    path: Path
    seconds: float
    counts: dict[str, int]
    planted: int


def seed_company(path: Path, scale: str, seed: int, start: int, rates: dict[str, float]) -> SeedResult:
    """Generate the company at `scale` into `path` (replacing it), with the clock set to `start`."""
    if scale not in SCALES:
        raise InvalidOptionError("--scale", scale, f"expected one of {', '.join(SCALES)}")
    began = time.perf_counter()
    tmp = path.with_name(path.name + ".seeding")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    conn = connect(tmp, bulk=True)
    conn.executescript(schema.ALL_DDL)
    conn.execute("create temp table _seed_events (n integer primary key, created integer, id text, type text, "
                 "object_id text, data text)")
    n_accounts = SCALES[scale]
    ids = StripeIds(seed)
    catalog = build_catalog(seed, start, n_accounts, ids)
    conn.execute("begin")
    sink = RowSink(conn)
    for row in catalog.user_rows:
        sink.add("User", row)
    for row in catalog.product_rows:
        sink.add("Product2", row)
    for table, rows in netsuite_reference_rows(catalog, start).items():
        for row in rows:
            sink.add(table, row)
    counters = Counters()
    ctx = HistoryContext(seed, start, rates, catalog, sink, counters)
    for table, doc in catalog.docs:
        ctx.stripe_row(table, doc, doc["created"], **_listing_extra(table, doc))
    for index in range(n_accounts):
        generate_account(ctx, index)
    sink.flush()
    conn.executemany(
        'update "transaction" set status = ?, foreignamountremaining = 0, lastmodifieddate = ? where id = ?',
        [(INVOICE_PAID, ns(at), inv) for inv, at in ctx.erp_paid])
    conn.execute("insert into events (id, type, created, object_id, data) "
                 "select id, type, created, object_id, data from _seed_events order by created, n")
    conn.executemany("insert into sandbox_pending (due_at, kind, ref, payload) values (?, ?, ?, ?)",
                     [(p.due_at, p.kind, p.ref, orjson.dumps(p.payload, option=orjson.OPT_SORT_KEYS).decode())
                      for p in sorted(ctx.pending, key=lambda p: (p.due_at, p.ref))])
    record_planted(conn, [(p.cls, p.keys, p.planted_at) for p in ctx.planted])
    for system, creds in sandbox_credentials(seed).items():
        conn.executemany("insert into sandbox_credentials (system, name, value) values (?, ?, ?)",
                         [(system, k, v) for k, v in creds.items()])
    for key, value in {
        "schema_version": schema.SCHEMA_VERSION, "seed": seed, "scale": scale, "start": start, "now": start,
        "accounts": n_accounts, "rates": orjson.dumps(rates, option=orjson.OPT_SORT_KEYS).decode(),
        "counters": orjson.dumps(counters.values, option=orjson.OPT_SORT_KEYS).decode(),
    }.items():
        set_meta(conn, key, value)
    conn.execute("commit")
    conn.executescript(schema.INDEXES)
    conn.execute("analyze")
    counts = {t: conn.execute(f'select count(*) from "{t}"').fetchone()[0]
              for t in (*schema.SALESFORCE_TABLES, *schema.STRIPE_TABLES, "events", *schema.NETSUITE_TABLES,
                        "sandbox_truth", "sandbox_pending")}
    conn.execute("pragma wal_checkpoint(truncate)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, path)
    Path(f"{tmp}-wal").unlink(missing_ok=True)
    Path(f"{tmp}-shm").unlink(missing_ok=True)
    return SeedResult(path, time.perf_counter() - began, counts, len(ctx.planted))


def _listing_extra(table: str, doc: dict[str, object]) -> dict[str, object]:
    if table == "prices":
        return {"product": doc["product"], "active": 1}
    if table in ("products", "tax_rates"):
        return {"active": 1}
    return {}
