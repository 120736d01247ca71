"""The shared hourly pipeline of a bench run, one per scale, built lazily and reused by several stages.

A copy of the cached seeded sandbox, served on the bench's own ports, a fresh database, and `concord_hourly` run
through `concord.orchestration.dag_runner.run_dag` (Airflow's `dag.test()`) in a fresh interpreter, as a worker
would: a first run (the whole company extracted, every model built, every writeback a change), then
`concord sandbox advance --hours 1` and the second run (one simulated hour). After it a `concord writeback` with
nothing to send. The airflow, dbt, quality and writeback stages and the growth table all read these runs.

Stripe: the sandbox's emulator limits requests at Stripe *live* mode's documented 100 requests/s (test mode
allows 25/s), and Concord's Stripe writeback paces at the same 100/s; see BENCHMARKS.md.

Each run is split into parts that sum to its wall time:

* extract_load, dbt (the cosmos producer's one `dbt build`, the writeback models' and the operations marts'
  builds), checks (the GX checkpoint task), writebacks (the three destination tasks), each less the
  start-up it pays for dbt;
* fixed: the interpreter, imports, Airflow's set-up and DAG parse (wall minus `dag.test()`), Airflow's own
  scheduling between tasks (`dag.test()` minus the task durations), the cosmos watcher tasks (one sensor per
  model, constant for a given project) and dbt's start-up in each dbt task (a `dbt build` selecting nothing, the
  same project and database, measured once per pipeline).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench.harness import Context, Sample

BIN = Path(sys.executable).parent
STRIPE_LIVE_RATE = "100"  # Stripe live mode's documented read/write limit, requests per second
# Sandbox ports per pipeline scale (four each: control, Salesforce, Stripe, NetSuite).
PORT_BASE = {"small": 19110, "medium": 19120, "large": 19130}
# A DAG run that takes longer than this has missed every goal; the bench stops it and reports the failure. The
# large first run took 3,764 s (2026-11-30: its Stripe extraction and writeback at the API's 100 requests/s).
DAG_TIMEOUT = {"small": 600.0, "medium": 900.0, "large": 7200.0}
DBT_TASKS = ("transform.dbt_producer_watcher", "writeback_models", "operations_marts")

_RUN = """
import json
from concord.orchestration.dag_runner import run_dag
r = run_dag("concord_hourly")
print(json.dumps({"seconds": r.seconds, "run_id": r.run_id, "task_seconds": r.task_seconds,
                  "task_states": r.task_states}))
"""


def ports(scale: str) -> dict[str, str]:
    base = PORT_BASE[scale]
    names = ("CONTROL", "SALESFORCE", "STRIPE", "NETSUITE")
    return {f"CONCORD_SANDBOX_{n}_PORT": str(base + i) for i, n in enumerate(names)}


def seed_into(directory: Path, scale: str) -> float:
    """`concord sandbox seed --scale` into a temporary folder renamed into place (an interrupted seed is never
    taken for a cached one); returns the seconds the command took."""
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    t0 = time.perf_counter()
    subprocess.run([str(BIN / "concord"), "sandbox", "seed", "--scale", scale], check=True,
                   env={**os.environ, "CONCORD_SANDBOX_DIR": str(partial)}, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - t0
    partial.rename(directory)
    return seconds


def seeded(ctx: Context, scale: str | None = None) -> Path:
    """The seeded sandbox folder for a scale (its `sandbox.db`), seeded once and shared by every stage that only
    reads it; stages that change it work on a copy."""
    scale = scale or ctx.scale
    return ctx.cached(f"sandbox_{scale}", lambda p: seed_into(p, scale))


def split(run: dict[str, Any], dbt_startup_s: float) -> dict[str, float]:
    """A run's wall time in parts that sum to it (see the module docstring)."""
    tasks: dict[str, float] = run["task_seconds"]
    dbt_tasks = [t for t in DBT_TASKS if tasks.get(t)]
    dbt_fixed = dbt_startup_s * len(dbt_tasks)
    parts = {
        "extract_load": sum(v for k, v in tasks.items() if k.startswith("extract_load.")),
        "dbt": max(sum(tasks[t] for t in dbt_tasks) - dbt_fixed, 0.0),
        "checks": tasks.get("quality_checks", 0.0),
        "writebacks": sum(v for k, v in tasks.items() if k.startswith("writeback.")),
    }
    watchers = sum(v for k, v in tasks.items() if k.startswith("transform.") and k not in DBT_TASKS)
    fixed = {
        "startup_and_parse": run["wall_s"] - run["seconds"],
        "airflow_overhead": max(run["seconds"] - sum(tasks.values()), 0.0),
        "dbt_watchers": watchers,
        "dbt_startup": min(dbt_fixed, sum(tasks[t] for t in dbt_tasks)),
    }
    out = {k: round(v, 2) for k, v in parts.items()}
    out["fixed"] = round(sum(fixed.values()), 2)
    out["total"] = round(run["wall_s"], 2)
    out["fixed_parts"] = {k: round(v, 2) for k, v in fixed.items()}  # type: ignore[assignment]
    return out


@dataclass
class Pipeline:
    scale: str
    url: str
    env: dict[str, str]
    first: dict[str, Any] = field(default_factory=dict)
    second: dict[str, Any] = field(default_factory=dict)
    advance_s: float = 0.0
    dbt_startup_s: float = 0.0
    no_change: dict[str, Any] = field(default_factory=dict)

    def ledger(self, run_id: str) -> dict[str, dict[str, Any]]:
        """concord_meta.runs rows of one run, by stage."""
        with psycopg.connect(self.url) as conn:
            rows = conn.execute("select stage, status, records_in, records_out, detail, "
                                "extract(epoch from ended_at - started_at) from concord_meta.runs "
                                "where run_id = %s", (run_id,)).fetchall()
        return {r[0]: {"status": r[1], "records_in": r[2], "records_out": r[3], "detail": r[4],
                       "seconds": float(r[5] or 0.0)} for r in rows}

    def rows_extracted(self, run: dict[str, Any]) -> int:
        return sum(v["records_in"] for k, v in run["ledger"].items() if k.startswith("sync:"))

    def parts(self, run: dict[str, Any]) -> dict[str, Any]:
        return split(run, self.dbt_startup_s)


_PIPELINES: dict[str, Pipeline] = {}
_FAILED: dict[str, str] = {}


def _cli(env: dict[str, str], *args: str) -> str:
    out = subprocess.run([str(BIN / "concord"), *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"`concord {' '.join(args)}` exited {out.returncode}: {(out.stdout + out.stderr)[-1500:]}")
    return out.stdout


def _dag_run(env: dict[str, str], timeout: float) -> dict[str, Any]:
    """One concord_hourly run in a fresh interpreter (its own process group, killed whole past `timeout`, with
    its queries: PostgreSQL would otherwise finish a running query for a client that is gone)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _RUN], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        url = env["CONCORD_WAREHOUSE_URL"]
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                         "where datname = current_database() and pid <> pg_backend_pid()")
        raise RuntimeError(f"concord_hourly did not finish within {timeout:.0f} s (BENCH_DAG_TIMEOUT)") from None
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"concord_hourly failed (exit {proc.returncode}): {(stdout + stderr)[-3000:]}")
    run = json.loads(stdout.strip().splitlines()[-1])
    run["wall_s"] = wall
    return run


def _dbt_startup(env: dict[str, str]) -> float:
    """Wall time of a `dbt build` that selects nothing on this project and database: process, imports, partial
    parse, adapter; what every dbt task pays before its first model."""
    code = ("import time, sys\nfrom concord.transform.runner import run_dbt\n"
            "t = time.perf_counter()\n"
            "run_dbt(['build', '--select', 'path:models/__bench_selects_nothing__'])\n"
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def pipeline(ctx: Context, scale: str | None = None) -> Pipeline:
    """The pipeline of this bench run at `scale` (default: the bench's), built on first use."""
    scale = scale or ctx.scale
    if scale in _PIPELINES:
        return _PIPELINES[scale]
    if scale in _FAILED:  # built once per bench run: the stages reading a failed pipeline fail with its error
        raise RuntimeError(f"the {scale} pipeline failed: {_FAILED[scale]}")
    try:
        return _build(ctx, scale)
    except Exception as exc:
        _FAILED[scale] = f"{type(exc).__name__}: {exc}"[:3000]
        raise


def _build(ctx: Context, scale: str) -> Pipeline:
    cached = seeded(ctx, scale)
    directory = ctx.scratch(f"pipeline_{scale}") / "sandbox"
    shutil.copytree(cached, directory, ignore=shutil.ignore_patterns("server.*"))  # not a served copy's state
    url = ctx.enter(ctx.fresh_database())
    env = {**os.environ, **ports(scale), "CONCORD_SANDBOX_DIR": str(directory), "CONCORD_WAREHOUSE_URL": url,
           "CONCORD_SANDBOX_STRIPE_RATE": STRIPE_LIVE_RATE, "CONCORD_WRITEBACK_STRIPE_RATE": STRIPE_LIVE_RATE,
           "CONCORD_DATA_DOCS_DIR": str(directory.parent / "data_docs"),
           "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
           # The bench's own Airflow metadata database: its runs stay out of the checkout's Airflow (`make
           # airflow`, the tests' dag.test() runs), and a test run beside the bench never locks its SQLite.
           "CONCORD_AIRFLOW_DB_URL": f"sqlite:///{ctx.workdir / 'airflow.db'}"}
    # Migrating that database (first use, or after the checkout's own was used) is set-up, not the run.
    subprocess.run([sys.executable, "-c", "from concord.orchestration.dag_runner import prepare_airflow; "
                    "prepare_airflow()"], env=env, check=True, capture_output=True)
    _cli(env, "sandbox", "serve")
    ctx.on_exit(lambda: subprocess.run([str(BIN / "concord"), "sandbox", "stop"], env=env,
                                       stdout=subprocess.DEVNULL, check=False))
    p = Pipeline(scale, url, env)
    print(f"bench:   pipeline {scale}: first concord_hourly run", flush=True)
    timeout = float(os.environ.get("BENCH_DAG_TIMEOUT") or DAG_TIMEOUT[scale])
    p.first = _dag_run(env, timeout)
    t0 = time.perf_counter()
    _cli(env, "sandbox", "advance", "--hours", "1")
    p.advance_s = time.perf_counter() - t0
    print(f"bench:   pipeline {scale}: first run {p.first['wall_s']:.0f} s; the next hour", flush=True)
    p.second = _dag_run(env, timeout)
    p.first["ledger"] = p.ledger(p.first["run_id"])
    p.second["ledger"] = p.ledger(p.second["run_id"])
    t0 = time.perf_counter()
    summaries = json.loads(_cli(env, "writeback", "--json", "--run-id", "bench-no-change"))
    p.no_change = {"wall_s": time.perf_counter() - t0,
                   "seconds": {s["destination"]: s.get("seconds") for s in summaries},
                   "rows_planned": sum(c["rows"] for s in summaries for c in s["targets"].values()),
                   "to_send": sum(c["to_send"] for s in summaries for c in s["targets"].values())}
    p.dbt_startup_s = _dbt_startup(env)
    print(f"bench:   pipeline {scale}: next hour {p.second['wall_s']:.0f} s", flush=True)
    _PIPELINES[scale] = p
    return p


def pipeline_extraction(ctx: Context, source: str) -> Sample:
    """A source's extract-load in the first run (`sync:<source>` in the run ledger: records and seconds)."""
    p = pipeline(ctx)
    entry = p.first["ledger"][f"sync:{source}"]
    return Sample(entry["seconds"], items=entry["records_in"], extra={
        "task_s": round(p.first["task_seconds"].get(f"extract_load.{source}", 0.0), 2),
        "next_hour_records": p.second["ledger"].get(f"sync:{source}", {}).get("records_in")})


def growth_row(p: Pipeline) -> dict[str, Any]:
    """The growth table's row for a pipeline: its next hour."""
    parts = p.parts(p.second)
    return {"rows_extracted": p.rows_extracted(p.second), **parts,
            "first_run_total": round(p.first["wall_s"], 2)}

