"""Run a Concord DAG once, in this process, through Airflow's own `dag.test()` (the demo, the tests, the bench).

Prepares what a scheduler deployment has from setup: Airflow's metadata database migrated, the dbt manifest the
DAGs render from, the pools. Then parses the DAG file with Airflow's DagBag and runs one DAG run to completion.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from concord.errors import ConcordError


class DagRunFailed(ConcordError):
    """The DAG run ended in a state other than success; names the failed tasks."""


@dataclass(frozen=True)
class DagRunResult:
    dag_id: str
    run_id: str
    state: str
    seconds: float
    task_states: dict[str, str] = field(default_factory=dict)
    task_seconds: dict[str, float] = field(default_factory=dict)

    def tasks_in(self, *states: str) -> list[str]:
        return sorted(t for t, s in self.task_states.items() if s in states)


def prepare_airflow() -> None:
    """Environment, metadata database, dbt manifest and pools: idempotent, cheap when nothing changed."""
    from concord.airflow_env import apply_airflow_environment, migrate_if_needed

    apply_airflow_environment()
    migrate_if_needed()
    from concord.transform.manifest import ensure_manifest

    ensure_manifest()
    from concord.orchestration.pools import ensure_pools

    ensure_pools()


def load_dag(dag_id: str) -> Any:
    """The DAG `dag_id` parsed from its file under dags/ by Airflow's DagBag; raises on import errors."""
    from airflow.dag_processing.dagbag import DagBag

    from concord.paths import project_root

    path = project_root() / "dags" / f"{dag_id}.py"
    bag = DagBag(dag_folder=str(path))
    if bag.import_errors:
        raise ConcordError(f"{path} does not import: {bag.import_errors}")
    if dag_id not in bag.dags:
        raise ConcordError(f"{path} defines no DAG {dag_id!r}")
    return bag.dags[dag_id]


def run_dag(dag_id: str, conf: dict[str, Any] | None = None, logical_date: datetime | None = None,
            raise_on_failure: bool = True) -> DagRunResult:
    """One DAG run through `dag.test()`; returns its state and each task's; DagRunFailed unless it succeeded."""
    prepare_airflow()
    dag = load_dag(dag_id)
    started = time.perf_counter()
    kwargs: dict[str, Any] = {"run_conf": conf}
    if logical_date is not None:
        kwargs["logical_date"] = logical_date
    dr = dag.test(**kwargs)
    seconds = time.perf_counter() - started
    from airflow.utils.session import create_session

    with create_session() as session:
        from airflow.models.dagrun import DagRun

        run = session.query(DagRun).filter(DagRun.dag_id == dag_id, DagRun.run_id == dr.run_id).one()
        tis = run.get_task_instances(session=session)
        states = {ti.task_id: str(ti.state) for ti in tis}
        durations = {ti.task_id: float(ti.duration or 0.0) for ti in tis}
        state = str(run.state)
    result = DagRunResult(dag_id, dr.run_id, state, seconds, states, durations)
    if raise_on_failure and state != "success":
        raise DagRunFailed(f"{dag_id} run {dr.run_id} ended {state}; failed tasks: "
                           f"{', '.join(result.tasks_in('failed', 'upstream_failed')) or 'none'}")
    return result
