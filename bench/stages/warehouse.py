"""Foundation stages: embedded warehouse start-up and the COPY ceiling every loader is measured against.

Goals: a cold start (initdb) ≤ 5 s and a warm start ≤ 1 s, so `make setup` / `concord warehouse up` stay
within the Foundation issue's 5 s for a no-op setup. The COPY ceiling and `psql \\copy` are references.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import orjson
import psycopg

from bench.harness import Context, Sample, ratio, stage
from bench.singer_streams import COLUMNS, records_for_scale, write_invoice_stream
from concord.warehouse.embedded import EmbeddedCluster

TYPED_TABLE = """
create table invoices (
    id text, customer text, number text, status text, currency text,
    amount_due bigint, amount_paid bigint, total bigint,
    created timestamptz, updated timestamptz, lines jsonb, metadata jsonb
)
"""
_JSON_COLUMNS = {"lines", "metadata"}


def _cluster_root(ctx: Context) -> EmbeddedCluster:
    return EmbeddedCluster(ctx.scratch("embedded_pg") / "cluster")


@stage("warehouse.embedded_cold_start", group="warehouse", unit="clusters", repeats=3, warmup=0, goal="<= 5")
def embedded_cold_start(ctx: Context) -> Sample:
    """initdb + start + create database of a new embedded cluster."""
    cluster = _cluster_root(ctx)
    t0 = time.perf_counter()
    cluster.up()
    elapsed = time.perf_counter() - t0
    cluster.destroy()
    return Sample(elapsed, items=1)


@stage("warehouse.embedded_warm_start", group="warehouse", unit="clusters", repeats=3, warmup=0, goal="<= 1")
def embedded_warm_start(ctx: Context) -> Sample:
    """Start of an existing, stopped embedded cluster (what `concord warehouse up` costs after a reboot)."""
    cluster = _cluster_root(ctx)
    cluster.up()
    cluster.down()
    t0 = time.perf_counter()
    cluster.up()
    elapsed = time.perf_counter() - t0
    cluster.destroy()
    return Sample(elapsed, items=1)


def invoice_stream(ctx: Context) -> tuple[int, object]:
    n = records_for_scale(ctx.scale)
    return n, ctx.cached(f"invoices_{n}.singer", lambda p: write_invoice_stream(p, n))


def copy_singer_file(url: str, path: os.PathLike[str]) -> int:
    """The ceiling: parse each Singer line with orjson and COPY the record with psycopg's write_row."""
    rows = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f"copy invoices ({', '.join(COLUMNS)}) from stdin") as copy, open(path, "rb") as fh:
            for line in fh:
                msg = orjson.loads(line)
                if msg["type"] != "RECORD":
                    continue
                rec = msg["record"]
                copy.write_row([
                    orjson.dumps(rec[c]).decode() if c in _JSON_COLUMNS and rec.get(c) is not None else rec.get(c)
                    for c in COLUMNS
                ])
                rows += 1
        conn.commit()
    return rows


@stage("copy.ceiling", group="loader", unit="records", repeats=3, goal="reference")
def copy_ceiling(ctx: Context) -> Sample:
    """psycopg COPY (write_row) of the Singer invoice file, orjson per line, into an empty typed table."""
    n, path = invoice_stream(ctx)
    with ctx.fresh_database() as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(TYPED_TABLE)
        t0 = time.perf_counter()
        rows = copy_singer_file(url, path)
        elapsed = time.perf_counter() - t0
    assert rows == n, f"copied {rows} rows, expected {n}"
    return Sample(elapsed, items=n)


def _tsv_of(path: os.PathLike[str], out: os.PathLike[str]) -> None:
    """Render the Singer file as COPY text (what psql \\copy reads), built once outside the timing."""
    with open(out, "wb") as fh:
        fh.write(copy_text(path))


def copy_text(path: os.PathLike[str]) -> bytes:
    def esc(v: object) -> str:
        if v is None:
            return "\\N"
        s = v if isinstance(v, str) else orjson.dumps(v).decode() if isinstance(v, dict | list) else str(v)
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

    parts: list[str] = []
    with open(path, "rb") as fh:
        for line in fh:
            msg = orjson.loads(line)
            if msg["type"] == "RECORD":
                parts.append("\t".join(esc(msg["record"].get(c)) for c in COLUMNS))
    return ("\n".join(parts) + "\n").encode()


@stage("copy.psql_tsv", group="loader", unit="records", repeats=3, goal="reference")
def psql_copy(ctx: Context) -> Sample:
    """`psql \\copy` of a ready COPY-text file into the same empty typed table (no parsing at all)."""
    n, path = invoice_stream(ctx)
    tsv = ctx.cached(f"invoices_{n}.tsv", lambda p: _tsv_of(path, p))
    psql = shutil.which("psql") or "psql"
    with ctx.fresh_database() as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(TYPED_TABLE)
        t0 = time.perf_counter()
        subprocess.run([psql, url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                        f"\\copy invoices ({', '.join(COLUMNS)}) from '{tsv}'"], check=True)
        elapsed = time.perf_counter() - t0
    return Sample(elapsed, items=n)


ratio("psql \\copy of ready text vs the COPY ceiling", "copy.psql_tsv", "copy.ceiling", kind="time")
