"""A task's warehouse: the embedded default only where every task runs on one machine."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from concord.orchestration.settings import WarehouseNotConfigured, check_embedded_allowed


@pytest.mark.parametrize("executors", [[], ["LocalExecutor"], ["SequentialExecutor"]])
def test_single_machine_executors_may_start_the_embedded_warehouse(executors: list[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONCORD_WAREHOUSE_URL", raising=False)
    check_embedded_allowed(executors)  # no error


@pytest.mark.parametrize("executors", [["CeleryExecutor"], ["LocalExecutor", "KubernetesExecutor"]])
def test_distributed_executors_need_a_configured_warehouse(executors: list[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONCORD_WAREHOUSE_URL", raising=False)
    with pytest.raises(WarehouseNotConfigured, match=r"concord_warehouse.*CONCORD_WAREHOUSE_URL"):
        check_embedded_allowed(executors)
    monkeypatch.setenv("CONCORD_WAREHOUSE_URL", "postgresql://concord@warehouse:5432/concord")
    check_embedded_allowed(executors)


def test_a_celery_worker_task_without_a_warehouse_fails_before_starting_one(tmp_path) -> None:
    # The whole path a task takes (Airflow's configuration read in a fresh interpreter), with no connection and
    # no URL: it raises instead of starting a PostgreSQL under the state folder.
    env = {k: v for k, v in os.environ.items() if k != "CONCORD_WAREHOUSE_URL"}
    env.update(AIRFLOW__CORE__EXECUTOR="airflow.providers.celery.executors.celery_executor.CeleryExecutor",
               CONCORD_HOME=str(tmp_path), AIRFLOW_HOME=str(tmp_path / "airflow"))
    code = ("from concord.orchestration.settings import warehouse_url\n"
            "try:\n    warehouse_url()\nexcept Exception as exc:\n    print(type(exc).__name__, exc)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.startswith("WarehouseNotConfigured"), out.stdout + out.stderr[-2000:]
    assert "CeleryExecutor" in out.stdout
    assert not (tmp_path / ".concord" / "pg").exists()
