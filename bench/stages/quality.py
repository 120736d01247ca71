"""Quality stage: the GX checkpoint (`concord check`: every suite, the exception lifecycle, Data Docs) on a freshly
synced and built warehouse at the bench scale. Sync and dbt build stay outside the timed part; the score of the
resulting exceptions against the ground truth is recorded beside the time (not timed).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from bench.harness import Context, Sample, stage
from bench.stages.stripe import _seed

BIN = Path(sys.executable).parent


def _free_ports() -> dict[str, str]:
    """Loopback ports free right now for the sandbox's four servers (other stages and benches may hold fixed ones)."""
    ports = {}
    for name in ("CONTROL", "SALESFORCE", "STRIPE", "NETSUITE"):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports[f"CONCORD_SANDBOX_{name}_PORT"] = str(s.getsockname()[1])
    return ports


def _concord(env: dict[str, str], *args: str) -> str:
    return subprocess.run([str(BIN / "concord"), *args], check=True, env=env, capture_output=True,
                          text=True).stdout


@contextlib.contextmanager
def _built(ctx: Context, name: str) -> Iterator[tuple[dict[str, str], str]]:
    """A private copy of the cached sandbox, synced into a fresh database and built by dbt; yields (env, url)."""
    cached = ctx.cached(f"dbt_sandbox_{ctx.scale}", lambda p: _seed(p, ctx.scale))
    scratch = ctx.scratch(name)
    directory = scratch / "sandbox"
    shutil.copytree(cached, directory)
    with ctx.fresh_database() as url:
        env = {**os.environ, **_free_ports(), "CONCORD_SANDBOX_DIR": str(directory), "CONCORD_WAREHOUSE_URL": url,
               "CONCORD_DATA_DOCS_DIR": str(scratch / "data_docs")}
        _concord(env, "sandbox", "serve")
        try:
            _concord(env, "sync")
        finally:
            subprocess.run([str(BIN / "concord"), "sandbox", "stop"], env=env, stdout=subprocess.DEVNULL)
        # A failing dbt test (severity error) fails the build after its models are built; the checkpoint still has
        # its tables, so the stage goes on and records the failure beside the time.
        build = subprocess.run([str(BIN / "concord"), "transform", "build"], env=env, capture_output=True, text=True)
        env["BENCH_DBT_BUILD"] = "ok" if build.returncode == 0 else (build.stdout + build.stderr)[-300:]
        yield env, url


@stage("quality.checkpoint", group="quality", unit="expectations", repeats=1, warmup=0)
def checkpoint(ctx: Context) -> Sample:
    """`concord check` (GX import, every suite, exceptions, Data Docs) on a synced, dbt-built warehouse."""
    with _built(ctx, "quality") as (env, url):
        t0 = time.perf_counter()
        _concord(env, "check", "--run-id", "bench")
        seconds = time.perf_counter() - t0
        with psycopg.connect(url) as conn:
            detail, n = conn.execute("select detail, records_in from concord_meta.runs "
                                     "where run_id = 'bench' and stage = 'check'").fetchone()
            rows_checked = conn.execute("select coalesce(sum(element_count), 0) from concord_meta.check_results "
                                        "where run_id = 'bench'").fetchone()[0]
        score = subprocess.run([str(BIN / "concord"), "score"], env=env, capture_output=True, text=True).stdout
        per_class = {m[0]: f"{m[2]} found of {m[1]} expected, P {m[3]} %, R {m[4]} %" for m in re.findall(
            r"^(\w+)\s+(\d+)\s+(\d+)\s+([\d.]+)%\s+([\d.]+)%$", score, re.M)}
        return Sample(seconds, items=int(n), extra={
            "checkpoint_s": detail.get("seconds"), "rows_checked": int(rows_checked),
            "open_exceptions": detail.get("open"), "score": per_class, "dbt_build": env["BENCH_DBT_BUILD"]})
