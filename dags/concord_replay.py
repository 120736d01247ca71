"""concord_replay (manual): re-process a slice after a fix, without touching anything else.

Params: `source` (+ optional `stream`) replays that source's unresolved quarantined records through the loader;
`destination` re-sends that destination's dead-lettered writebacks. One task per source and per destination, each
in that source's or destination's pool (so it never overlaps the hourly run there); the tasks not named skip.
"""

from __future__ import annotations

from airflow.sdk import DAG, Param, TaskGroup, task

from concord.orchestration import tasks
from concord.orchestration.dag_defaults import DEFAULT_ARGS, START_DATE, step
from concord.orchestration.pools import DESTINATIONS, destination_pool, source_pool
from concord.sync.sources import SOURCES

with DAG(
    dag_id="concord_replay",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["concord", "replay"],
    doc_md=__doc__,
    params={
        "source": Param(None, type=["null", "string"], enum=[None, *SOURCES],
                        description="Replay this source's quarantined records"),
        "stream": Param(None, type=["null", "string"], description="Only this stream of the source"),
        "destination": Param(None, type=["null", "string"], enum=[None, *DESTINATIONS],
                             description="Re-send this destination's dead-lettered writebacks"),
    },
) as dag:
    with TaskGroup("quarantine"):
        for name in SOURCES:

            @task(task_id=name, pool=source_pool(name))
            def replay_quarantine(source: str = name, params: dict | None = None, run_id: str | None = None) -> dict:
                return step(tasks.replay_quarantine_if_named, source, params or {}, run_id)

            replay_quarantine()

    with TaskGroup("writebacks"):
        for name in DESTINATIONS:

            @task(task_id=name, pool=destination_pool(name))
            def replay_writebacks(destination: str = name, params: dict | None = None,
                                  run_id: str | None = None) -> dict:
                return step(tasks.replay_writebacks_if_named, destination, params or {}, run_id)

            replay_writebacks()
