"""dbt stages: a full `dbt build` of the project on a freshly synced warehouse, and the incremental (hourly) build
after `concord sandbox advance --hours 1` and a sync on the same warehouse (goal: incremental at most 10 % of full).

Both builds are measured in one pass over one synced warehouse (a medium sync is the slow part; the full-build
stage leaves its hourly sample for the incremental stage). Sync and advance stay outside the timed part. Each
sample also reports dbt's fixed cost apart: the wall time minus the elapsed time dbt records for running the
nodes (process start, adapter, partial parse, selection, cache), and the ratio of the two `work_s`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench.harness import Context, Sample, ratio, stage
from bench.stages.stripe import _seed

BIN = Path(sys.executable).parent
PORTS = {"CONCORD_SANDBOX_CONTROL_PORT": "18780", "CONCORD_SANDBOX_SALESFORCE_PORT": "18781",
         "CONCORD_SANDBOX_STRIPE_PORT": "18782", "CONCORD_SANDBOX_NETSUITE_PORT": "18783"}


def _concord(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "concord"), *args], check=True, env=env, stdout=subprocess.DEVNULL)


@contextlib.contextmanager
def _synced(ctx: Context, name: str) -> Iterator[dict[str, str]]:
    """A private copy of the cached sandbox, served and synced into a fresh database; yields the CLI env."""
    cached = ctx.cached(f"dbt_sandbox_{ctx.scale}", lambda p: _seed(p, ctx.scale))
    directory = ctx.scratch(name) / "sandbox"
    shutil.copytree(cached, directory)
    with ctx.fresh_database() as url:
        env = {**os.environ, **PORTS, "CONCORD_SANDBOX_DIR": str(directory), "CONCORD_WAREHOUSE_URL": url}
        _concord(env, "sandbox", "serve")
        try:
            _concord(env, "sync")
            yield env
        finally:
            subprocess.run([str(BIN / "concord"), "sandbox", "stop"], env=env, stdout=subprocess.DEVNULL)


def _timed_build(env: dict[str, str], *extra: str) -> Sample:
    """Run a build; the sample's extra splits its wall time into dbt's node work and the fixed rest."""
    from concord.transform.runner import target_dir

    t0 = time.perf_counter()
    _concord(env, "transform", "build", *extra)
    wall = time.perf_counter() - t0
    results = json.loads((target_dir(env["CONCORD_WAREHOUSE_URL"]) / "run_results.json").read_text())
    work = float(results["elapsed_time"])
    nodes = len(results["results"])
    return Sample(wall, items=1, extra={"work_s": round(work, 2), "fixed_s": round(wall - work, 2), "nodes": nodes})


_HOURLY: dict[str, Sample] = {}


def _full_then_hourly(ctx: Context, name: str) -> tuple[Sample, Sample]:
    with _synced(ctx, name) as env:
        full = _timed_build(env, "--full-refresh")
        _concord(env, "sandbox", "advance", "--hours", "1")
        _concord(env, "sync")
        hourly = _timed_build(env, "--hourly")
    full.extra["hourly_work_vs_full_work"] = round(hourly.extra["work_s"] / full.extra["work_s"], 3)
    hourly.extra["work_vs_full_work"] = full.extra["hourly_work_vs_full_work"]
    return full, hourly


@stage("dbt.full_build", group="dbt", unit="builds", repeats=1, warmup=0)
def full_build(ctx: Context) -> Sample:
    """`concord transform build --full-refresh` (seeds, every model and test) on a freshly synced warehouse."""
    full, _HOURLY["sample"] = _full_then_hourly(ctx, "dbt_full")
    return full


@stage("dbt.incremental_build", group="dbt", unit="builds", repeats=1, warmup=0)
def incremental_build(ctx: Context) -> Sample:
    """`concord transform build --hourly` (the `hourly` selector) after the full build, `sandbox advance --hours 1`
    and a sync, on the same warehouse."""
    if "sample" in _HOURLY:
        return _HOURLY.pop("sample")
    return _full_then_hourly(ctx, "dbt_incremental")[1]


ratio("dbt incremental vs full build", "dbt.incremental_build", "dbt.full_build", kind="time", goal="<= 0.10")
