"""dbt stages: a full `dbt build` of the project on a freshly synced warehouse, and the incremental build after
`concord sandbox advance --hours 1` and a sync (same run, goal: incremental at most 10 % of full).

Each stage works on its own copy of the cached seeded sandbox and its own database; sync and advance stay
outside the timed part.
"""

from __future__ import annotations

import contextlib
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


def _timed_build(env: dict[str, str], *extra: str) -> float:
    t0 = time.perf_counter()
    _concord(env, "transform", "build", *extra)
    return time.perf_counter() - t0


@stage("dbt.full_build", group="dbt", unit="builds", repeats=1, warmup=0)
def full_build(ctx: Context) -> Sample:
    """`concord transform build --full-refresh` (seeds, every model and test) on a freshly synced warehouse."""
    with _synced(ctx, "dbt_full") as env:
        return Sample(_timed_build(env, "--full-refresh"), items=1)


@stage("dbt.incremental_build", group="dbt", unit="builds", repeats=1, warmup=0)
def incremental_build(ctx: Context) -> Sample:
    """`concord transform build --hourly` after a full build, `sandbox advance --hours 1` and a sync."""
    with _synced(ctx, "dbt_incremental") as env:
        _timed_build(env, "--full-refresh")
        _concord(env, "sandbox", "advance", "--hours", "1")
        _concord(env, "sync")
        return Sample(_timed_build(env, "--hourly"), items=1)


ratio("dbt incremental vs full build", "dbt.incremental_build", "dbt.full_build", kind="time", goal="<= 0.10")
