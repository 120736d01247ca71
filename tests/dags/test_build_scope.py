"""The hourly DAG's one dbt build (the cosmos producer) builds the `hourly` selector only on top of a complete
build of the code now deployed: the first run, or the first after a code change, widens it to a complete build
and records it in the warehouse, where any worker sees it."""

from __future__ import annotations

import copy
from pathlib import Path

import psycopg
import pytest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def producer():
    from airflow.dag_processing.dagbag import DagBag
    from cosmos.constants import PRODUCER_WATCHER_TASK_ID

    from concord.transform.manifest import ensure_manifest

    ensure_manifest()
    bag = DagBag(dag_folder=str(DAGS_DIR / "concord_hourly.py"))
    return bag.dags["concord_hourly"].get_task(f"transform.{PRODUCER_WATCHER_TASK_ID}")


def _run_callbacks(task, run_id: str, kind: str = "on_execute_callback") -> None:
    for callback in getattr(task, kind):  # a list, as Airflow's task runner iterates it
        callback({"task": task, "run_id": run_id})


def test_first_run_builds_everything_then_the_hourly_selector(producer, fresh_db, monkeypatch) -> None:
    monkeypatch.setenv("CONCORD_WAREHOUSE_URL", fresh_db)
    first = copy.copy(producer)
    _run_callbacks(first, "scheduled__1")
    assert first.selector is None and first.select is None
    assert first.exclude.split() == ["path:models/writeback", "path:models/marts/ops"]
    _run_callbacks(first, "scheduled__1", "on_success_callback")
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select run_id from concord_meta.dbt_complete_builds").fetchall() == [("scheduled__1",)]

    second = copy.copy(producer)
    _run_callbacks(second, "scheduled__2")
    assert second.selector == "hourly" and not second.select
    _run_callbacks(second, "scheduled__2", "on_success_callback")
    with psycopg.connect(fresh_db) as conn:  # an hourly build is no complete build
        assert conn.execute("select count(*) from concord_meta.dbt_complete_builds").fetchone() == (1,)


def test_a_code_change_widens_the_next_build(producer, fresh_db, monkeypatch) -> None:
    from concord.warehouse.connection import ready_url

    monkeypatch.setenv("CONCORD_WAREHOUSE_URL", fresh_db)
    ready_url(fresh_db)
    with psycopg.connect(fresh_db) as conn:  # a complete build of other code
        conn.execute("insert into concord_meta.dbt_complete_builds (fingerprint, kept_relations) values ('old', 0)")
    task = copy.copy(producer)
    _run_callbacks(task, "scheduled__3")
    assert task.selector is None and "path:models/writeback" in task.exclude
