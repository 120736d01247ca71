"""`concord sandbox seed`: build the simulated company into a fresh database, deterministically.

Accounts are generated in fixed chunks, each with its own id ranges and per-account RNG streams, by a pool of
worker processes; the parent inserts the chunks in chunk order. The result does not depend on the number of
workers: the same seed, scale, start and rates give the same database, byte for byte. The database is built in
a temporary file and renamed into place, so a failed seed leaves the previous sandbox untouched.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from concord_sandbox import schema
from concord_sandbox.catalog import Catalog, build_catalog, netsuite_reference_rows
from concord_sandbox.credentials import sandbox_credentials
from concord_sandbox.errors import InvalidOptionError
from concord_sandbox.history import Counters, HistoryContext, Pending, Planted, generate_account
from concord_sandbox.ids import StripeIds
from concord_sandbox.inconsistencies import DEFAULT_RATES
from concord_sandbox.netsuite_rows import INVOICE_PAID
from concord_sandbox.row_sink import RowSink, write_batches
from concord_sandbox.store import connect, set_meta
from concord_sandbox.timefmt import ns
from concord_sandbox.truth import record_planted

SCALES: dict[str, int] = {"small": 500, "medium": 20_000, "large": 200_000}
DEFAULT_START = "2026-01-01T00:00:00Z"
CHUNK = 2_500  # accounts per generation chunk (fixed: ids depend on it)
ID_SPACE = 10_000_000  # ids reserved per chunk for every counter


@dataclass(frozen=True)
class SeedResult:
    """What a seed produced: where, how long it took, row counts per table, planted instances."""

    path: Path
    seconds: float
    counts: dict[str, int]
    planted: int
    phases: dict[str, float]


@dataclass
class _Chunk:
    path: Path
    planted: list[Planted]
    pending: list[Pending]
    erp_paid: list[tuple[int, int]]
    counters: dict[str, int]


_EVENTS_DDL = (
    "create table _seed_events (n integer primary key, created integer, id text, type text, "
    "object_id text, data text)"
)

# Set in the parent before the worker pool forks; read by `_generate_chunk` in the workers.
_JOB: tuple[int, int, dict[str, float], int, Catalog, Path] | None = None


def _generate_chunk(k: int) -> _Chunk:
    """Generate chunk `k` of the accounts into its own database file (inserting runs in the workers too)."""
    assert _JOB is not None
    seed, start, rates, n_accounts, catalog, directory = _JOB
    sink = RowSink()
    counters = Counters(base=(k + 1) * ID_SPACE)
    ctx = HistoryContext(seed, start, rates, catalog, sink, counters)
    for index in range(k * CHUNK, min(n_accounts, (k + 1) * CHUNK)):
        generate_account(ctx, index)
    path = directory / f"chunk{k:04d}.db"
    path.unlink(missing_ok=True)
    conn = connect(path, bulk=True)
    conn.executescript(schema.ALL_DDL + _EVENTS_DDL + ";")
    conn.execute("begin")
    write_batches(conn, sink.batches)
    conn.execute("commit")
    conn.close()
    return _Chunk(path, ctx.planted, ctx.pending, ctx.erp_paid, counters.values)


def seed_company(
    path: Path, scale: str, seed: int, start: int, rates: dict[str, float], workers: int | None = None
) -> SeedResult:
    """Generate the company at `scale` into `path` (replacing it), with the clock set to `start`.

    `rates` are planting probabilities per class; classes it omits take their default rate.
    """
    rates = {**DEFAULT_RATES, **rates}
    if scale not in SCALES:
        raise InvalidOptionError("--scale", scale, f"expected one of {', '.join(SCALES)}")
    began = time.perf_counter()
    tmp = path.with_name(path.name + ".seeding")
    leftovers = (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"))
    for p in leftovers:
        p.unlink(missing_ok=True)
    try:
        counts, planted, phases = _build(tmp, scale, seed, start, rates, workers)
    except BaseException:
        for p in leftovers:
            p.unlink(missing_ok=True)
        raise
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, path)
    for p in leftovers[1:]:
        p.unlink(missing_ok=True)
    return SeedResult(path, time.perf_counter() - began, counts, planted, phases)


def _build(
    tmp: Path, scale: str, seed: int, start: int, rates: dict[str, float], workers: int | None
) -> tuple[dict[str, int], int, dict[str, float]]:
    """Build the database at `tmp`; returns row counts per table, planted instances and phase timings."""
    global _JOB
    began = time.perf_counter()
    conn = connect(tmp, bulk=True)
    conn.executescript(schema.ALL_DDL)
    n_accounts = SCALES[scale]
    catalog = build_catalog(seed, start, n_accounts, StripeIds(seed))
    conn.execute("begin")
    ref = RowSink()
    for row in catalog.user_rows:
        ref.add("User", row)
    for row in catalog.product_rows:
        ref.add("Product2", row)
    for table, rows in netsuite_reference_rows(catalog, start).items():
        for row in rows:
            ref.add(table, row)
    ref_ctx = HistoryContext(seed, start, rates, catalog, ref, Counters())
    for table, doc in catalog.docs:
        ref_ctx.stripe_row(table, doc, doc["created"], **_listing_extra(table, doc))
    write_batches(conn, ref.batches)
    conn.execute("commit")
    phases = {"reference data": time.perf_counter() - began}

    planted: list[Planted] = []
    pending: list[Pending] = []
    erp_paid: list[tuple[int, int]] = []
    counters: dict[str, int] = {}
    n_chunks = (n_accounts + CHUNK - 1) // CHUNK
    chunk_dir = tmp.with_name(tmp.name + ".chunks")
    chunk_dir.mkdir(exist_ok=True)
    _JOB = (seed, start, rates, n_accounts, catalog, chunk_dir)
    workers = workers if workers is not None else min(n_chunks, os.cpu_count() or 1)
    try:
        if workers <= 1 or n_chunks == 1:
            chunks = map(_generate_chunk, range(n_chunks))
            for chunk in chunks:
                _absorb(conn, chunk, planted, pending, erp_paid, counters)
        else:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for chunk in pool.imap(_generate_chunk, range(n_chunks)):
                    _absorb(conn, chunk, planted, pending, erp_paid, counters)
    finally:
        _JOB = None
        for leftover in chunk_dir.glob("chunk*.db*"):
            leftover.unlink()
        chunk_dir.rmdir()
    conn.execute("begin")
    conn.executemany(
        'update "transaction" set status = ?, foreignamountremaining = 0, lastmodifieddate = ? where id = ?',
        [(INVOICE_PAID, ns(at), inv) for inv, at in erp_paid],
    )
    conn.executemany(
        "insert into sandbox_pending (due_at, kind, ref, payload) values (?, ?, ?, ?)",
        [
            (p.due_at, p.kind, p.ref, orjson.dumps(p.payload, option=orjson.OPT_SORT_KEYS).decode())
            for p in sorted(pending, key=lambda p: (p.due_at, p.ref, p.kind))
        ],
    )
    record_planted(conn, [(p.cls, p.keys, p.planted_at) for p in planted])
    for system, creds in sandbox_credentials(seed).items():
        conn.executemany(
            "insert into sandbox_credentials (system, name, value) values (?, ?, ?)",
            [(system, k, v) for k, v in creds.items()],
        )
    for key, value in {
        "schema_version": schema.SCHEMA_VERSION,
        "seed": seed,
        "scale": scale,
        "start": start,
        "now": start,
        "accounts": n_accounts,
        "rates": orjson.dumps(rates, option=orjson.OPT_SORT_KEYS).decode(),
        "counters": orjson.dumps(counters, option=orjson.OPT_SORT_KEYS).decode(),
    }.items():
        set_meta(conn, key, value)
    conn.execute("commit")
    phases["generate and load"] = time.perf_counter() - began - phases["reference data"]
    mark = time.perf_counter()
    conn.executescript(schema.INDEXES)
    phases["indexes"] = time.perf_counter() - mark
    mark = time.perf_counter()
    conn.execute("pragma analysis_limit = 1000")
    conn.execute("analyze")
    phases["analyze"] = time.perf_counter() - mark
    counts = {
        t: conn.execute(f'select count(*) from "{t}"').fetchone()[0]
        for t in (
            *schema.SALESFORCE_TABLES,
            *schema.STRIPE_TABLES,
            "events",
            *schema.NETSUITE_TABLES,
            "sandbox_truth",
            "sandbox_pending",
        )
    }
    conn.execute("pragma journal_mode = wal")
    conn.close()
    return counts, len(planted), phases


_CHUNK_TABLES = (*schema.SALESFORCE_TABLES, *schema.STRIPE_TABLES, *schema.NETSUITE_TABLES)


def _absorb(
    conn: Any,
    chunk: _Chunk,
    planted: list[Planted],
    pending: list[Pending],
    erp_paid: list[tuple[int, int]],
    counters: dict[str, int],
) -> None:
    """Copy one chunk's tables into the database (SQLite copies records without decoding) and collect its
    follow-ups."""
    conn.execute("attach database ? as chunk", (str(chunk.path),))
    conn.execute("begin")
    for table in _CHUNK_TABLES:
        conn.execute(f'insert into main."{table}" select * from chunk."{table}"')
    conn.execute(
        "insert into main.events (id, type, created, object_id, data) "
        "select id, type, created, object_id, data from chunk._seed_events order by n"
    )
    conn.execute("commit")
    conn.execute("detach database chunk")
    chunk.path.unlink()
    planted.extend(chunk.planted)
    pending.extend(chunk.pending)
    erp_paid.extend(chunk.erp_paid)
    for name, value in chunk.counters.items():
        counters[name] = max(value, counters.get(name, 0))


def _listing_extra(table: str, doc: dict[str, Any]) -> dict[str, Any]:
    if table == "prices":
        return {"product": doc["product"], "active": 1}
    if table in ("products", "tax_rates"):
        return {"active": 1}
    return {}
