"""The DAGs' failure callback records a failed task in concord_meta.runs under the Airflow run id, secrets redacted."""

from __future__ import annotations

from types import SimpleNamespace

import psycopg

from concord.orchestration.callbacks import on_task_failure
from concord.warehouse.migrate import migrate


def test_a_failed_task_lands_in_the_run_ledger(fresh_db: str, monkeypatch) -> None:
    migrate(fresh_db)
    monkeypatch.setenv("CONCORD_WAREHOUSE_URL", fresh_db)
    ti = SimpleNamespace(dag_id="concord_hourly", task_id="extract_load.stripe", try_number=3)
    error = RuntimeError("could not connect to postgresql://concord:s3cret@db:5432/w\nsecond line")
    on_task_failure({"ti": ti, "run_id": "scheduled__2026-01-01T01:00:00+00:00", "exception": error})
    on_task_failure({"ti": ti, "run_id": "scheduled__2026-01-01T01:00:00+00:00", "exception": error})  # idempotent
    with psycopg.connect(fresh_db) as conn:
        rows = conn.execute("select stage, status, retries, detail from concord_meta.runs").fetchall()
    assert len(rows) == 1
    stage, status, retries, detail = rows[0]
    assert (stage, status, retries) == ("airflow:concord_hourly.extract_load.stripe", "failed", 2)
    assert detail["task_id"] == "extract_load.stripe" and "s3cret" not in detail["error"]
    assert detail["error"].startswith("RuntimeError: could not connect")


def test_the_callback_never_raises_when_the_warehouse_is_unreachable(monkeypatch) -> None:
    monkeypatch.setenv("CONCORD_WAREHOUSE_URL", "postgresql://nobody@127.0.0.1:1/none")
    ti = SimpleNamespace(dag_id="d", task_id="t", try_number=1)
    on_task_failure({"ti": ti, "run_id": "r", "exception": ValueError("x")})
