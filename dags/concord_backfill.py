"""concord_backfill (manual): re-extract some streams of one source from a start date and merge them.

Params: `source`, `streams` (the tap's stream names), `start_date`. The tap starts with no bookmark for just those
streams and keeps its STATE under `<source>:backfill`: the source's own bookmarks and every other stream's state
stay as they are, and the version-ordered merge means re-loading a record the hourly run already has changes
nothing. One task per source, in the source's pool; the sources not named skip.
"""

from __future__ import annotations

from airflow.sdk import DAG, Param, task

from concord.orchestration import tasks
from concord.orchestration.dag_defaults import DEFAULT_ARGS, START_DATE, step
from concord.orchestration.pools import source_pool
from concord.sync.sources import SOURCES

with DAG(
    dag_id="concord_backfill",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["concord", "backfill"],
    doc_md=__doc__,
    params={
        "source": Param("stripe", type="string", enum=list(SOURCES), description="The source to backfill"),
        "streams": Param(["customers"], type="array", items={"type": "string"}, minItems=1,
                         description="Its streams to re-extract (tap stream names)"),
        "start_date": Param("2026-01-01T00:00:00Z", type="string", format="date-time",
                            description="Re-extract records changed (or created) since"),
    },
) as dag:
    for name in SOURCES:

        @task(task_id=f"backfill_{name}", pool=source_pool(name))
        def backfill(source: str = name, params: dict | None = None, run_id: str | None = None) -> dict:
            return step(tasks.backfill_if_named, source, params or {}, run_id)

        backfill()
