"""Airflow stages: each DAG file's parse time (fresh interpreter, as a DAG processor parses; goal < 1 s), and
`concord_hourly` through `dag.test()` on a served sandbox: a first run, then one run a simulated hour later.

The hourly samples split the run into extract-load, the one dbt build (cosmos WATCHER producer), the per-model
watcher tasks, the GX checkpoint, writebacks, and the rest: the fixed cost of running the DAG at all (task start-up,
the writeback and ops dbt builds' start-up), which an incremental hour cannot shrink.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench.harness import Context, Sample, ratio, stage
from bench.stages.stripe import _seed

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
PORTS = {"CONCORD_SANDBOX_CONTROL_PORT": "18790", "CONCORD_SANDBOX_SALESFORCE_PORT": "18791",
         "CONCORD_SANDBOX_STRIPE_PORT": "18792", "CONCORD_SANDBOX_NETSUITE_PORT": "18793"}

_PARSE = """
import json, sys, time
from concord.airflow_env import apply_airflow_environment
apply_airflow_environment()
from airflow.dag_processing.dagbag import DagBag
import cosmos
t = time.perf_counter(); bag = DagBag(dag_folder=sys.argv[1]); s = time.perf_counter() - t
print(json.dumps({"seconds": s, "errors": len(bag.import_errors), "tasks": sum(len(d.tasks) for d in bag.dags.values())}))
"""

_RUN = """
import json
from concord.orchestration.dag_runner import run_dag
r = run_dag("concord_hourly")
print(json.dumps({"seconds": r.seconds, "task_seconds": r.task_seconds}))
"""


def _parse_stage(path: Path) -> None:
    @stage(f"airflow.dag_parse.{path.stem}", group="airflow", unit="files", repeats=3, warmup=1, goal="<= 1.0")
    def parse(ctx: Context) -> Sample:
        from concord.transform.manifest import ensure_manifest

        ensure_manifest()
        out = subprocess.run([sys.executable, "-c", _PARSE, str(path)], check=True, capture_output=True, text=True)
        report = json.loads(out.stdout.strip().splitlines()[-1])
        assert report["errors"] == 0, f"{path.name} does not import"
        return Sample(report["seconds"], items=1, extra={"tasks": report["tasks"]})

    parse.__doc__ = f"Airflow's DagBag parsing dags/{path.name} in a fresh interpreter (cosmos already imported)."


for _path in sorted((ROOT / "dags").glob("*.py")):
    _parse_stage(_path)


def _split(task_seconds: dict[str, float], total: float) -> dict[str, float]:
    parts = {
        "extract_load": sum(v for k, v in task_seconds.items() if k.startswith("extract_load.")),
        "dbt_build": task_seconds.get("transform.dbt_producer_watcher", 0.0),
        "dbt_watchers": sum(v for k, v in task_seconds.items()
                            if k.startswith("transform.") and "producer" not in k),
        "checks": task_seconds.get("quality_checks", 0.0),
        "writebacks": sum(v for k, v in task_seconds.items() if k.startswith("writeback.")),
    }
    parts["fixed_other"] = max(total - sum(parts.values()), 0.0)
    return {k: round(v, 2) for k, v in parts.items()}


def _hourly(ctx: Context, name: str, advance: bool) -> Sample:
    cached = ctx.cached(f"airflow_sandbox_{ctx.scale}", lambda p: _seed(p, ctx.scale))
    directory = ctx.scratch(name) / "sandbox"
    shutil.copytree(cached, directory)
    with ctx.fresh_database() as url:
        env = {**os.environ, **PORTS, "CONCORD_SANDBOX_DIR": str(directory), "CONCORD_WAREHOUSE_URL": url,
               "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING"}
        subprocess.run([str(BIN / "concord"), "sandbox", "serve"], check=True, env=env, stdout=subprocess.DEVNULL)
        try:
            run = [sys.executable, "-c", _RUN]
            first = json.loads(subprocess.run(run, check=True, env=env, capture_output=True, text=True)
                               .stdout.strip().splitlines()[-1])
            if not advance:
                return Sample(first["seconds"], items=1, extra=_split(first["task_seconds"], first["seconds"]))
            subprocess.run([str(BIN / "concord"), "sandbox", "advance", "--hours", "1"], check=True, env=env,
                           stdout=subprocess.DEVNULL)
            second = json.loads(subprocess.run(run, check=True, env=env, capture_output=True, text=True)
                                .stdout.strip().splitlines()[-1])
            return Sample(second["seconds"], items=1, extra=_split(second["task_seconds"], second["seconds"]))
        finally:
            subprocess.run([str(BIN / "concord"), "sandbox", "stop"], env=env, stdout=subprocess.DEVNULL)


@stage("airflow.hourly_first", group="airflow", unit="runs", repeats=1, warmup=0)
def hourly_first(ctx: Context) -> Sample:
    """concord_hourly's first run through dag.test() on a fresh warehouse (whole company extracted)."""
    return _hourly(ctx, "airflow_first", advance=False)


@stage("airflow.hourly_incremental", group="airflow", unit="runs", repeats=1, warmup=0)
def hourly_incremental(ctx: Context) -> Sample:
    """concord_hourly one simulated hour after a first run (bookmarks: only the hour's changes)."""
    return _hourly(ctx, "airflow_incremental", advance=True)


ratio("airflow hourly: incremental vs first run", "airflow.hourly_incremental", "airflow.hourly_first", kind="time")
