"""What every Concord DAG shares: owner, retries with exponential backoff, the failure callback, tags, a step
wrapper that turns "nothing to run here" into an Airflow skip."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from concord.orchestration.callbacks import on_task_failure

OWNER = "concord-data"
START_DATE = datetime(2026, 1, 1)

DEFAULT_ARGS: dict[str, Any] = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
    "on_failure_callback": on_task_failure,
}


def step(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a concord.orchestration.tasks callable; its SkipStep becomes an Airflow skip (visible, not a failure)."""
    from airflow.sdk.exceptions import AirflowSkipException

    from concord.orchestration.tasks import SkipStep

    try:
        return fn(*args)
    except SkipStep as exc:
        raise AirflowSkipException(str(exc)) from None
