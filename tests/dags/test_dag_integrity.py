"""Every DAG file imports cleanly through Airflow's own DagBag and follows the project's rules.

Rules (STYLE.md): an owner, retries, tags, a bounded max_active_runs, pools of size 1 on every task that touches a
source's or a destination's state, and a parse that stays cheap: measured in a fresh interpreter (as a DAG
processor parses), with neither dbt nor Great Expectations imported. The < 1 s goal is the benchmark's
(`airflow.dag_parse`); the guard here is generous for a loaded machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from concord.sync.sources import SOURCES

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
DAG_FILES = sorted(p for p in DAGS_DIR.glob("*.py") if not p.name.startswith("_"))
EXPECTED_DAGS = {"concord_hourly", "concord_replay", "concord_backfill"}

_PARSE = """
import json, sys, time
from concord.airflow_env import apply_airflow_environment
apply_airflow_environment()
from airflow.dag_processing.dagbag import DagBag
import cosmos  # what any Airflow process with the cosmos provider has loaded before parsing a file
started = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
seconds = time.perf_counter() - started
heavy = sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in ('dbt', 'great_expectations')})
print(json.dumps({"seconds": seconds, "errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "dags": sorted(bag.dags), "heavy": heavy}))
"""


@pytest.fixture(scope="module", autouse=True)
def _manifest() -> None:
    from concord.transform.manifest import ensure_manifest

    ensure_manifest()


def _dagbag(path: Path):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(path))


def test_the_three_dags_exist() -> None:
    bag = _dagbag(DAGS_DIR)
    assert bag.import_errors == {}, bag.import_errors
    assert set(bag.dags) == EXPECTED_DAGS


@pytest.mark.parametrize("path", DAG_FILES, ids=[p.name for p in DAG_FILES])
def test_dag_file_parses_fast_without_heavy_imports(path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", _PARSE, str(path)], capture_output=True, text=True, check=False,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["errors"] == {}, report["errors"]
    assert report["dags"], f"{path.name} defines no DAG"
    assert report["heavy"] == [], f"{path.name} imports {report['heavy']} at parse time"
    assert report["seconds"] < 5, f"{path.name} took {report['seconds']:.2f} s to parse (benchmark goal < 1 s)"


@pytest.mark.parametrize("path", DAG_FILES, ids=[p.name for p in DAG_FILES])
def test_dag_file_follows_the_rules(path: Path) -> None:
    bag = _dagbag(path)
    assert bag.import_errors == {}, bag.import_errors
    for dag_id, dag in bag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.max_active_runs is not None and 0 < dag.max_active_runs <= 4, dag_id
        assert dag.catchup is False, dag_id
        for task in dag.tasks:
            assert task.owner and task.owner != "airflow", f"{dag_id}.{task.task_id} has no owner"
            assert task.retries is not None and task.retries >= 1, f"{dag_id}.{task.task_id} has no retries"
            assert task.on_failure_callback, f"{dag_id}.{task.task_id} records no failure"


def _pool_of(dag, task_id: str) -> str:
    return dag.get_task(task_id).pool


def test_source_and_destination_tasks_run_in_their_pools() -> None:
    from concord.orchestration.pools import DESTINATIONS, destination_pool, source_pool

    bag = _dagbag(DAGS_DIR)
    hourly, replay, backfill = (bag.dags[d] for d in ("concord_hourly", "concord_replay", "concord_backfill"))
    for s in SOURCES:
        assert _pool_of(hourly, f"extract_load.{s}") == source_pool(s)
        assert _pool_of(replay, f"quarantine.{s}") == source_pool(s)
        assert _pool_of(backfill, f"backfill_{s}") == source_pool(s)
    for d in DESTINATIONS:
        assert _pool_of(hourly, f"writeback.{d}") == destination_pool(d)
        assert _pool_of(replay, f"writebacks.{d}") == destination_pool(d)
    assert hourly.max_active_runs == 1 and hourly.schedule == "@hourly"


def test_hourly_runs_dbt_once_with_a_watcher_per_model() -> None:
    from cosmos.constants import PRODUCER_WATCHER_TASK_ID

    hourly = _dagbag(DAGS_DIR / "concord_hourly.py").dags["concord_hourly"]
    producer = hourly.get_task(f"transform.{PRODUCER_WATCHER_TASK_ID}")
    # the scheduled build is the `hourly` selector (the CLI's `--hourly`); the producer widens it at run time
    assert producer.selector == "hourly" and not producer.select
    watchers = [t for t in hourly.tasks if t.task_id.startswith("transform.") and hasattr(t, "producer_task_id")]
    watched = {t.task_id.removeprefix("transform.").removesuffix("_run") for t in watchers}
    # the selector's tests run inside the one build: no per-model test sensors
    assert not [t for t in hourly.tasks if t.task_id.startswith("transform.") and t.task_id.endswith("test")]
    assert producer.dbt_cmd_flags == ["--exclude-resource-type", "unit_test"]
    assert {"accounts", "int_accounts_resolved", "invoices", "payments", "reconciliation_findings"} <= watched
    # views over raw data, seeds and the writeback/operations models are not part of the hourly build
    assert not {"stg_stripe__invoices", "fx_rates", "wb_erp_invoices", "ops_sync_latency"} & watched
    # every watcher runs after the one build (directly or through an upstream watcher)
    assert all(t.upstream_task_ids for t in watchers)
    order = [hourly.get_task(t) for t in ("extract_load.stripe", "quality_checks", "writeback_models",
                                          "writeback.stripe", "operations_marts")]
    assert "transform.dbt_producer_watcher" in order[0].get_flat_relative_ids(upstream=False)
    assert "quality_checks" in producer.get_flat_relative_ids(upstream=False)
    assert "writeback.stripe" in order[2].downstream_task_ids and "operations_marts" in order[3].downstream_task_ids


def test_pools_are_created_idempotently_with_one_slot() -> None:
    from airflow.models.pool import Pool
    from airflow.utils.session import create_session

    from concord.airflow_env import migrate_if_needed
    from concord.orchestration.pools import all_pools, ensure_pools

    migrate_if_needed()

    assert ensure_pools() == ensure_pools() == list(all_pools())
    with create_session() as session:
        slots = {p.pool: p.slots for p in session.query(Pool).filter(Pool.pool.in_(list(all_pools())))}
    assert slots == dict.fromkeys(all_pools(), 1)
