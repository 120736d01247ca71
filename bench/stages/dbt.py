"""dbt stages, read from the shared pipeline's two concord_hourly runs (bench.pipeline): the first run's one
`dbt build` (the cosmos WATCHER producer task) is the full build, on an empty warehouse; the next hour's is the
incremental build. Goal: the hourly build at most 10 % of the full build at medium (dbt issue #8, item 9).

Each sample's extra gives dbt's start-up (a `dbt build` selecting nothing on the same project and database:
process, imports, partial parse, adapter), which the hourly build pays whatever the hour's size, and the
writeback models' and operations marts' builds of the same run (separate dbt invocations in the DAG).
"""

from __future__ import annotations

from bench.harness import Context, Sample, ratio, stage
from bench.pipeline import DBT_TASKS, pipeline


def _sample(run: dict, startup: float) -> Sample:
    tasks = run["task_seconds"]
    producer = tasks.get(DBT_TASKS[0], 0.0)
    return Sample(producer, items=1, extra={
        "dbt_startup_s": round(startup, 2), "work_s": round(max(producer - startup, 0.0), 2),
        "writeback_models_s": round(tasks.get("writeback_models", 0.0), 2),
        "operations_marts_s": round(tasks.get("operations_marts", 0.0), 2)})


@stage("dbt.full_build", group="dbt", unit="builds", repeats=1, warmup=0)
def full_build(ctx: Context) -> Sample:
    """The first hourly run's `dbt build` (cosmos producer: every model and test but the writeback and ops
    folders) on a warehouse that has just loaded the whole company."""
    p = pipeline(ctx)
    return _sample(p.first, p.dbt_startup_s)


@stage("dbt.incremental_build", group="dbt", unit="builds", repeats=1, warmup=0)
def incremental_build(ctx: Context) -> Sample:
    """The same task one simulated hour later: the incremental models merge the hour's changes."""
    p = pipeline(ctx)
    sample = _sample(p.second, p.dbt_startup_s)
    full = _sample(p.first, p.dbt_startup_s)
    if full.extra["work_s"]:
        sample.extra["work_vs_full_work"] = round(sample.extra["work_s"] / full.extra["work_s"], 3)
    return sample


ratio("dbt incremental vs full build", "dbt.incremental_build", "dbt.full_build", kind="time", goal="<= 0.10",
      scales=("medium", "large"))
