"""concord_hourly: extract-load every source in parallel → dbt (cosmos, one build) → GX checkpoint → writeback
models → one writeback per destination → operations marts.

Wiring only; every step is a function in concord.orchestration.tasks. Extraction follows the bookmarks in the
warehouse: the run's data interval labels the run (its run id is the correlation id), it never bounds extraction.
"""

from __future__ import annotations

from airflow.sdk import DAG, TaskGroup, TriggerRule, task

from concord.orchestration import tasks
from concord.orchestration.dag_defaults import DEFAULT_ARGS, START_DATE, step
from concord.orchestration.dbt_group import dbt_task_group
from concord.orchestration.pools import DESTINATIONS, destination_pool, source_pool
from concord.sync.sources import SOURCES

# dbt paths the hourly transform leaves to later steps: the writeback models need the checks' blocked keys, the
# operations marts describe the whole run (writebacks included).
WRITEBACK_MODELS = "path:models/writeback"
OPS_MARTS = "path:models/marts/ops"

with DAG(
    dag_id="concord_hourly",
    schedule="@hourly",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["concord", "hourly"],
    doc_md=__doc__,
) as dag:
    with TaskGroup("extract_load") as extract_load:
        for name in SOURCES:

            @task(task_id=name, pool=source_pool(name))
            def extract_load_source(source: str = name, run_id: str | None = None) -> dict:
                return tasks.extract_load(source, run_id)

            extract_load_source()

    transform = dbt_task_group("transform", complete_build_exclude=[WRITEBACK_MODELS, OPS_MARTS])

    @task
    def quality_checks(run_id: str | None = None) -> dict:
        return tasks.quality_checks(run_id)

    @task(trigger_rule=TriggerRule.NONE_FAILED)
    def writeback_models(run_id: str | None = None) -> dict:
        return step(tasks.dbt_build, WRITEBACK_MODELS, run_id)

    with TaskGroup("writeback") as writeback:
        for name in DESTINATIONS:

            @task(task_id=name, pool=destination_pool(name))
            def writeback_destination(destination: str = name, run_id: str | None = None) -> dict:
                return step(tasks.writeback, destination, run_id)

            writeback_destination()

    @task(trigger_rule=TriggerRule.NONE_FAILED)
    def operations_marts(run_id: str | None = None) -> dict:
        return step(tasks.dbt_build, OPS_MARTS, run_id)

    extract_load >> transform >> quality_checks() >> writeback_models() >> writeback >> operations_marts()
