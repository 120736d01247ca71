"""Airflow stages: each DAG file's parse time (fresh interpreter, as a DAG processor parses), and the whole
`concord_hourly` run through `dag.test()`: the first run and the run one simulated hour later, both from the
bench's shared pipeline (bench.pipeline).

Goals: parse < 1 s per file (Orchestration issue #11, item 5). The next hour ≤ 10 % of the first run at medium
(issue #13): an hour's changes are a small fraction of the company, so the hour should cost a small fraction of
loading the company; at small scale the fixed cost dominates both runs, so the ratio has no goal there. The first
run is the ratio's reference. Each sample's extra splits the run into the work that grows with data and the
fixed cost (process and import start-up, Airflow's scheduling, the cosmos watchers, dbt's start-up), see
bench.pipeline.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.harness import Context, Sample, ratio, stage
from bench.pipeline import pipeline

ROOT = Path(__file__).resolve().parents[2]

_PARSE = """
import json, sys, time
from concord.airflow_env import apply_airflow_environment
apply_airflow_environment()
from airflow.dag_processing.dagbag import DagBag
import cosmos
t = time.perf_counter(); bag = DagBag(dag_folder=sys.argv[1]); s = time.perf_counter() - t
print(json.dumps({"seconds": s, "errors": len(bag.import_errors), "tasks": sum(len(d.tasks) for d in bag.dags.values())}))
"""


def _parse_stage(path: Path, warmup: int) -> None:
    @stage(f"airflow.dag_parse.{path.stem}", group="airflow", unit="files", repeats=3, warmup=warmup,
           goal="<= 1.0")
    def parse(ctx: Context) -> Sample:
        from concord.transform.manifest import ensure_manifest

        ensure_manifest()
        out = subprocess.run([sys.executable, "-c", _PARSE, str(path)], check=True, capture_output=True, text=True)
        report = json.loads(out.stdout.strip().splitlines()[-1])
        assert report["errors"] == 0, f"{path.name} does not import"
        return Sample(report["seconds"], items=1, extra={"tasks": report["tasks"]})

    parse.__doc__ = f"Airflow's DagBag parsing dags/{path.name} in a fresh interpreter (cosmos already imported)."


# One warm-up (byte-compiling, the OS file cache) before the first file is enough for all of them.
for _n, _path in enumerate(sorted((ROOT / "dags").glob("*.py"))):
    _parse_stage(_path, warmup=1 if _n == 0 else 0)


def _sample(run: dict, parts: dict, rows: int) -> Sample:
    extra = {**parts, "rows_extracted": rows, "dag_test_s": round(run["seconds"], 2),
             "slowest_tasks": {k: round(v, 1) for k, v in sorted(run["task_seconds"].items(),
                                                                  key=lambda kv: -kv[1])[:5]}}
    return Sample(run["wall_s"], items=rows, extra=extra)


@stage("airflow.hourly_first_run", group="airflow", unit="rows", repeats=1, warmup=0)
def hourly_first_run(ctx: Context) -> Sample:
    """concord_hourly's first run (`run_dag`, fresh interpreter) on an empty warehouse: the whole company."""
    p = pipeline(ctx)
    return _sample(p.first, p.parts(p.first), p.rows_extracted(p.first))


@stage("airflow.hourly_next_hour", group="airflow", unit="rows", repeats=1, warmup=0)
def hourly_next_hour(ctx: Context) -> Sample:
    """concord_hourly one simulated hour after the first run (bookmarks: only the hour's changes)."""
    p = pipeline(ctx)
    parts, first = p.parts(p.second), p.parts(p.first)
    sample = _sample(p.second, parts, p.rows_extracted(p.second))
    work, first_work = parts["total"] - parts["fixed"], first["total"] - first["fixed"]
    sample.extra["work_vs_first_work"] = round(work / first_work, 3) if first_work > 0 else None
    return sample


ratio("hourly DAG: next hour vs first run", "airflow.hourly_next_hour", "airflow.hourly_first_run", kind="time",
      goal="<= 0.10", scales=("medium", "large"))
