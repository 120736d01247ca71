"""Task settings from Airflow connections and variables, else `CONCORD_*` environment variables (the sandbox).

Resolved inside a task, never at parse time: `apply_task_settings()` puts them into the task's environment, where
the library reads them (`CONCORD_WAREHOUSE_URL`, `CONCORD_<SOURCE>_TAP_CONFIG`), and masks every secret so task
logs never show it.

| Airflow                                   | environment                    | default                        |
|-------------------------------------------|--------------------------------|--------------------------------|
| connection `concord_warehouse` (postgres) | `CONCORD_WAREHOUSE_URL`        | the embedded PostgreSQL        |
| variable `concord_<source>_tap_config`    | `CONCORD_<SOURCE>_TAP_CONFIG`  | the running sandbox's config   |
"""

from __future__ import annotations

import os

from psycopg.conninfo import conninfo_to_dict

from concord.sync.sources import SOURCES

WAREHOUSE_CONN_ID = "concord_warehouse"


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


def warehouse_url() -> str:
    """The resolved, migrated warehouse URL (starts the embedded cluster when nothing is configured)."""
    from concord.warehouse.connection import ready_url

    apply_task_settings()
    url = ready_url()
    mask(conninfo_to_dict(url).get("password"))
    return url
