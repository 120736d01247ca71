"""Writeback stages: rows per second per destination against the sandbox (a first run, when every row of the
`wb_*` models is a change), and the cost of a run with nothing to send.

One synced and built warehouse per bench run (its own database and sandbox copy, served on its own ports) is
shared by the stages; seeding, syncing and building stay outside the timed parts. The sandbox's Stripe rate
limit and Concord's Stripe pacing are off, so the Stripe stage measures Concord and the emulator, not the
25 requests/s of Stripe's test mode (live mode allows 100/s).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.harness import Context, Sample, stage
from bench.stages.stripe import _seed

BIN = Path(sys.executable).parent
PORTS = {"CONCORD_SANDBOX_CONTROL_PORT": "18790", "CONCORD_SANDBOX_SALESFORCE_PORT": "18791",
         "CONCORD_SANDBOX_STRIPE_PORT": "18792", "CONCORD_SANDBOX_NETSUITE_PORT": "18793"}
_WORLD: dict[str, Any] = {}


def _concord(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "concord"), *args], check=True, env=env, stdout=subprocess.DEVNULL)


def _world(ctx: Context) -> dict[str, Any]:
    """The shared synced, built warehouse and its served sandbox (torn down when the bench exits)."""
    if _WORLD:
        return _WORLD
    cached = ctx.cached(f"dbt_sandbox_{ctx.scale}", lambda p: _seed(p, ctx.scale))
    directory = ctx.scratch("writeback") / "sandbox"
    shutil.copytree(cached, directory)
    databases = ctx.fresh_database()
    url = databases.__enter__()
    env = {**os.environ, **PORTS, "CONCORD_SANDBOX_DIR": str(directory), "CONCORD_WAREHOUSE_URL": url,
           "CONCORD_SANDBOX_STRIPE_RATE": "0", "CONCORD_WRITEBACK_STRIPE_RATE": "0"}

    def teardown() -> None:
        subprocess.run([str(BIN / "concord"), "sandbox", "stop"], env=env, stdout=subprocess.DEVNULL, check=False)
        databases.__exit__(None, None, None)

    atexit.register(teardown)
    _concord(env, "sandbox", "serve")
    _concord(env, "sync")
    _concord(env, "transform", "build")
    _WORLD.update(env=env, url=url)
    return _WORLD


def _run(ctx: Context, destination: str, run_id: str) -> tuple[float, dict[str, Any]]:
    from concord.writeback.runner import run_writebacks

    world = _world(ctx)
    saved = {k: os.environ.get(k) for k in world["env"] if k.startswith("CONCORD_")}
    os.environ.update({k: v for k, v in world["env"].items() if k.startswith("CONCORD_")})
    try:
        t0 = time.perf_counter()
        summary = run_writebacks(destination, run_id, url=world["url"])
        return time.perf_counter() - t0, summary
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _first_run(ctx: Context, destination: str) -> Sample:
    seconds, summary = _run(ctx, destination, f"bench-{destination}-first")
    sent = sum(c["to_send"] for c in summary["targets"].values())
    return Sample(seconds, items=sent, extra={
        f"{destination}_outcomes": {t: {k: c[k] for k in ("rows", "succeeded", "invalid", "rejected")}
                                    for t, c in summary["targets"].items()},
        f"{destination}_retries": summary.get("retries", 0)})


@stage("writeback.salesforce_first_run", group="writeback", unit="rows", repeats=1, warmup=0)
def salesforce_first_run(ctx: Context) -> Sample:
    """Every CRM Account stamped through sObject Collections (200 a call), diff and outcome logging included."""
    return _first_run(ctx, "salesforce")


@stage("writeback.netsuite_first_run", group="writeback", unit="rows", repeats=1, warmup=0)
def netsuite_first_run(ctx: Context) -> Sample:
    """Missing ERP customers, unposted invoices and their payments: one `eid:` upsert each, 4 in flight."""
    return _first_run(ctx, "netsuite")


@stage("writeback.stripe_first_run", group="writeback", unit="rows", repeats=1, warmup=0)
def stripe_first_run(ctx: Context) -> Sample:
    """Cross-reference metadata on every billing customer, one call each with an Idempotency-Key, 4 in flight."""
    return _first_run(ctx, "stripe")


@stage("writeback.no_change_run", group="writeback", unit="runs", repeats=3, warmup=0)
def no_change_run(ctx: Context) -> Sample:
    """All three destinations again with no source change: plan every row, find nothing to send."""
    t0 = time.perf_counter()
    rows = sent = 0
    for destination in ("salesforce", "netsuite", "stripe"):
        _, summary = _run(ctx, destination, f"bench-no-change-{time.time_ns()}")
        rows += sum(c["rows"] for c in summary["targets"].values())
        sent += sum(c["to_send"] for c in summary["targets"].values())
    if sent:
        raise AssertionError(f"a run with no source change sent {sent} rows")
    return Sample(time.perf_counter() - t0, items=1, extra={"rows_planned": rows})
