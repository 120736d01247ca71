"""Stripe slice stages: the emulator's page latency, the tap's extraction rate, and the tap's per-record
overhead against a plain JSON writer of the same records (same run, goal at most 2x).

The bench run's shared seeded sandbox (bench.pipeline.seeded) is served by `concord sandbox serve` in its own
process (no GIL shared with the client), rate-limited at Stripe live mode's 100 requests/s.

Goals: a 100-object page < 50 ms (Stripe issue, item 6); extraction ≥ 5,000 records/s (live mode's 100
requests/s of 100-object pages allow 10,000 records/s; half of that); tap overhead ≤ 2x a plain JSON writer of
the same records (the writer is the reference).
"""

from __future__ import annotations

import contextlib
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import requests

from bench.harness import Context, Sample, ratio, stage
from bench.pipeline import STRIPE_LIVE_RATE, pipeline_extraction, seeded

BIN = Path(sys.executable).parent
PORTS = {"CONCORD_SANDBOX_CONTROL_PORT": "19140", "CONCORD_SANDBOX_SALESFORCE_PORT": "19141",
         "CONCORD_SANDBOX_STRIPE_PORT": "19142", "CONCORD_SANDBOX_NETSUITE_PORT": "19143"}
OVERHEAD_RECORDS = 50_000


def _env(directory: Path) -> dict[str, str]:
    return {**os.environ, **PORTS, "CONCORD_SANDBOX_DIR": str(directory),
            "CONCORD_SANDBOX_STRIPE_RATE": STRIPE_LIVE_RATE}


@contextlib.contextmanager
def _serving(ctx: Context) -> Iterator[dict[str, Any]]:
    """The shared seeded sandbox for this scale, served; yields the tap config."""
    directory = seeded(ctx)
    env = _env(directory)
    subprocess.run([str(BIN / "concord"), "sandbox", "serve"], check=True, env=env, stdout=subprocess.DEVNULL)
    try:
        config = subprocess.run([str(BIN / "concord"), "sandbox", "tap-config", "stripe"], check=True, env=env,
                                capture_output=True).stdout
        yield orjson.loads(config)
    finally:
        subprocess.run([str(BIN / "concord"), "sandbox", "stop"], env=env, stdout=subprocess.DEVNULL)


@stage("stripe.page_latency", group="stripe", unit="pages", repeats=3, goal="<= 0.050")
def page_latency(ctx: Context) -> Sample:
    """Median time of a 100-invoice page (`GET /v1/invoices?limit=100&starting_after=…`, random cursors)."""
    with _serving(ctx) as config, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {config['api_key']}"
        url = config["api_url"] + "/v1/invoices"
        ids = [o["id"] for o in http.get(url, params={"limit": 100}).json()["data"]]
        rng = random.Random(5)
        times = []
        cursor = ids[-1]
        for _ in range(40):
            t0 = time.perf_counter()
            page = http.get(url, params={"limit": 100, "starting_after": cursor})
            times.append(time.perf_counter() - t0)
            data = page.json()["data"]
            cursor = data[rng.randrange(len(data))]["id"] if data else ids[-1]
        return Sample(statistics.median(times), items=1, extra={"p90_ms": sorted(times)[35] * 1000})


def _sync_output(ctx: Context) -> Path:
    """The first OVERHEAD_RECORDS records of a sync at this scale (input of the overhead stages): tap-stripe
    against the served sandbox, stopped once it has written them."""
    def build(path: Path) -> None:
        with _serving(ctx) as config:
            cfg = path.with_suffix(".config.json")
            cfg.write_bytes(orjson.dumps(config))
            records = 0
            with path.open("wb") as sink:
                tap = subprocess.Popen([str(BIN / "tap-stripe"), "--config", str(cfg)], stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL)
                assert tap.stdout is not None
                for line in tap.stdout:
                    sink.write(line)
                    if line.startswith(b'{"type":"RECORD"'):
                        records += 1
                        if records == OVERHEAD_RECORDS:
                            break
                tap.terminate()
                tap.wait()

    return ctx.cached(f"stripe_sample_{ctx.scale}_{OVERHEAD_RECORDS}.singer", build)


@stage("stripe.extraction", group="stripe", unit="records", repeats=1, warmup=0, goal=">= 5000/s",
       goal_scales=("medium", "large"))
def extraction(ctx: Context) -> Sample:
    """tap-stripe | target-concord, every stream, in the first hourly run of the bench's pipeline (the whole
    company into an empty warehouse; the sync runner's seconds from the run ledger)."""
    return pipeline_extraction(ctx, "stripe")


def _records(ctx: Context) -> list[tuple[str, dict[str, Any]]]:
    pairs: list[tuple[str, dict[str, Any]]] = []
    with _sync_output(ctx).open("rb") as lines:
        for line in lines:
            if line.startswith(b'{"type":"RECORD"'):
                message = orjson.loads(line)
                pairs.append((message["stream"], message["record"]))
                if len(pairs) == OVERHEAD_RECORDS:
                    break
    return pairs


@stage("stripe.tap_emit", group="stripe", unit="records", repeats=3)
def tap_emit(ctx: Context) -> Sample:
    """tap-stripe's record path (full-sync record stamping, singer-sdk sync loop, msgspec writer) over 50k
    records served from memory instead of HTTP."""
    from tap_stripe.tap import TapStripe

    pairs = _records(ctx)
    by_stream: dict[str, list[dict[str, Any]]] = {}
    for name, record in pairs:
        by_stream.setdefault(name, []).append(record)
    tap = TapStripe(config={"api_key": "sk_test_bench", "api_url": "http://127.0.0.1:9", "window_days": 100_000,
                            "start_date": "2020-01-01T00:00:00Z"})
    for name, stream in tap.streams.items():
        objects = by_stream.get(name, [])
        stream.fetch = lambda path, params: ({"data": [], "has_more": False}, 1767225600)  # type: ignore[method-assign]
        stream.pages = lambda path, params, objects=objects: iter(objects)  # type: ignore[method-assign]
    out = ctx.scratch("stripe_tap_emit") / "out.singer"
    with out.open("w") as sink, contextlib.redirect_stdout(sink):
        t0 = time.perf_counter()
        tap.sync_all()
        sink.flush()
        elapsed = time.perf_counter() - t0
    return Sample(elapsed, items=_count_records(out, len(pairs)))


def _count_records(path: Path, expected: int) -> int:
    """The RECORD lines written (checked against the input, so a stage cannot silently drop records)."""
    with path.open("rb") as lines:
        written = sum(1 for line in lines if line.startswith(b'{"type":"RECORD"'))
    if written != expected:
        raise RuntimeError(f"{path}: wrote {written} records, expected {expected}")
    return written


@stage("stripe.plain_json_writer", group="stripe", unit="records", repeats=3, goal="reference")
def plain_json_writer(ctx: Context) -> Sample:
    """The same 50k records written to a file as Singer RECORD lines with orjson (1 MiB buffer), nothing else."""
    pairs = _records(ctx)
    dumps, newline = orjson.dumps, b"\n"
    out = ctx.scratch("stripe_plain_writer") / "out.singer"
    with out.open("wb", buffering=1 << 20) as sink:
        t0 = time.perf_counter()
        for name, record in pairs:
            sink.write(dumps({"type": "RECORD", "stream": name, "record": record}))
            sink.write(newline)
        sink.flush()
        elapsed = time.perf_counter() - t0
    return Sample(elapsed, items=_count_records(out, len(pairs)))


ratio("tap-stripe overhead vs plain JSON writer", "stripe.tap_emit", "stripe.plain_json_writer", kind="time",
      goal="<= 2.0")
