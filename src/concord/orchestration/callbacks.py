"""Task failure callback: the failure lands in `concord_meta.runs` under the Airflow run id (the correlation id).

Stage `airflow:<dag_id>.<task_id>`, status `failed`, the try number and the error's first line in `detail`. A
later successful retry of the same task does not erase it (the ledger keeps what happened); `concord status`
and the demo read it. Best effort: a callback never raises (the warehouse may be what failed).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson

log = logging.getLogger(__name__)


def failure_stage(dag_id: str, task_id: str) -> str:
    return f"airflow:{dag_id}.{task_id}"


def record_failure(run_id: str, dag_id: str, task_id: str, try_number: int, error: str, url: str | None = None) -> None:
    """Upsert the failed task's ledger row (status failed, retries = try_number - 1)."""
    import psycopg

    from concord.warehouse.connection import redact

    detail = orjson.dumps({"dag_id": dag_id, "task_id": task_id, "try_number": try_number,
                           "error": redact(error)[:2000]}).decode()
    if url is None:
        from concord.orchestration.settings import warehouse_url

        url = warehouse_url()
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into concord_meta.runs (run_id, stage, status, ended_at, retries, detail) "
            "values (%s, %s, 'failed', now(), %s, %s::jsonb) on conflict (run_id, stage) do update set "
            "status = 'failed', ended_at = now(), retries = excluded.retries, detail = excluded.detail",
            (run_id, failure_stage(dag_id, task_id), max(try_number - 1, 0), detail),
        )


def on_task_failure(context: Any) -> None:
    """Airflow `on_failure_callback`: record the failure in the run ledger."""
    ti = context.get("ti") or context.get("task_instance")
    exception = context.get("exception")
    error = f"{type(exception).__name__}: {exception}" if exception is not None else "task failed"
    try:
        record_failure(context["run_id"], ti.dag_id, ti.task_id, int(getattr(ti, "try_number", 1) or 1),
                       error.strip().splitlines()[0] if error.strip() else error)
    except Exception:  # never mask the task's own failure
        log.exception("could not record the failure of %s in concord_meta.runs", getattr(ti, "task_id", "?"))
