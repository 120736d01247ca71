"""Task settings from Airflow connections and variables, else `CONCORD_*` environment variables (the sandbox).

Resolved inside a task, never at parse time: `apply_task_settings()` puts them into the task's environment, where
the library reads them (`CONCORD_WAREHOUSE_URL`, `CONCORD_<SOURCE>_TAP_CONFIG`), and masks every secret so task
logs never show it.

| Airflow                                   | environment                    | default                        |
|-------------------------------------------|--------------------------------|--------------------------------|
| connection `concord_warehouse` (postgres) | `CONCORD_WAREHOUSE_URL`        | the embedded PostgreSQL        |
| variable `concord_<source>_tap_config`    | `CONCORD_<SOURCE>_TAP_CONFIG`  | the running sandbox's config   |

The embedded default is for one machine: under an executor that runs tasks on other machines (Celery,
Kubernetes, …) each worker would start a private PostgreSQL of its own and the pipeline's data would be split
between them, so there a task without a configured warehouse fails instead.
"""

from __future__ import annotations

import os

from psycopg.conninfo import conninfo_to_dict

from concord.errors import WarehouseError
from concord.sync.sources import SOURCES

WAREHOUSE_CONN_ID = "concord_warehouse"
# Executors whose tasks all run on the scheduler's machine: the embedded warehouse is one database for all of them.
SINGLE_MACHINE_EXECUTORS = frozenset({"LocalExecutor", "SequentialExecutor", "DebugExecutor"})


class WarehouseNotConfigured(WarehouseError):
    """A task on a distributed executor found no warehouse connection."""


def _airflow_connection_url(conn_id: str) -> str | None:
    try:
        from airflow.sdk import BaseHook
    except ImportError:  # outside Airflow (CLI): environment only
        return None
    try:
        conn = BaseHook.get_connection(conn_id)
    except Exception:  # not defined: fall through to the environment (Airflow raises its NotFound type)
        return None
    uri = conn.get_uri()
    return "postgresql://" + uri.split("://", 1)[1] if uri.startswith("postgres://") else uri


def _airflow_variable(key: str) -> str | None:
    try:
        from airflow.sdk import Variable
    except ImportError:
        return None
    try:
        return Variable.get(key, default=None)
    except Exception:  # no metadata database reachable (a bare test process): environment only
        return None


def mask(value: str | None) -> None:
    """Register a secret with Airflow's log masker (no-op outside Airflow)."""
    if not value:
        return
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:
        return
    mask_secret(value)


def apply_task_settings() -> None:
    """Resolve the settings (Airflow first, then the environment) into os.environ and mask their secrets."""
    url = _airflow_connection_url(WAREHOUSE_CONN_ID)
    if url:
        os.environ["CONCORD_WAREHOUSE_URL"] = url
    for name in SOURCES:
        path = _airflow_variable(f"concord_{name}_tap_config")
        if path:
            os.environ[f"CONCORD_{name.upper()}_TAP_CONFIG"] = path
    current = os.environ.get("CONCORD_WAREHOUSE_URL")
    if current:
        mask(conninfo_to_dict(current).get("password"))
        mask(current)


def configured_executors() -> list[str]:
    """Airflow's `[core] executor` setting as class names (it may list several, or name a module path); [] outside
    Airflow."""
    try:
        from airflow.configuration import conf
    except ImportError:
        return []
    value = conf.get("core", "executor", fallback="") or ""
    return [part.split(":")[0].strip().rsplit(".", 1)[-1] for part in value.split(",") if part.strip()]


def check_embedded_allowed(executors: list[str]) -> None:
    """Raise WarehouseNotConfigured when no warehouse is configured and a configured executor may run tasks on
    another machine."""
    distributed = [e for e in executors if e not in SINGLE_MACHINE_EXECUTORS]
    if distributed and not os.environ.get("CONCORD_WAREHOUSE_URL"):
        raise WarehouseNotConfigured(
            f"no warehouse configured for this task, and the executor ({', '.join(distributed)}) runs tasks on "
            f"other machines, where the embedded PostgreSQL would be a different database on each worker. Set the "
            f"Airflow connection {WAREHOUSE_CONN_ID!r} or CONCORD_WAREHOUSE_URL on every worker."
        )


def warehouse_url() -> str:
    """The resolved, migrated warehouse URL (starts the embedded cluster when nothing is configured, on a
    single-machine executor; raises WarehouseNotConfigured on a distributed one)."""
    from concord.warehouse.connection import ready_url

    apply_task_settings()
    check_embedded_allowed(configured_executors())
    url = ready_url()
    mask(conninfo_to_dict(url).get("password"))
    return url
