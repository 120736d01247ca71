"""PostgreSQL advisory locks per source and per destination, so CLI runs and DAG runs never overlap.

Airflow pools keep Airflow's own tasks apart; these locks also cover a `concord sync` started by hand while
the hourly DAG runs. The lock lives as long as the connection that holds it, so a crashed holder frees it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import psycopg

from concord.errors import ConcordError

# The first key of every Concord advisory lock (the second is hashtext of the resource name).
LOCK_CLASS = 7_350_001


class LockBusyError(ConcordError):
    """Another process holds the lock for this resource."""


@contextlib.contextmanager
def resource_lock(url: str, resource: str, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the advisory lock for `resource` (e.g. `source:stripe`) for the block; wait up to `wait_seconds`."""
    conn = psycopg.connect(url, autocommit=True)
    try:
        deadline = time.monotonic() + wait_seconds
        while not conn.execute("select pg_try_advisory_lock(%s, hashtext(%s))", (LOCK_CLASS, resource)).fetchone()[0]:
            if time.monotonic() >= deadline:
                raise LockBusyError(
                    f"{resource} is locked by another Concord process (a sync or DAG run in progress); "
                    "try again when it finishes."
                )
            time.sleep(0.5)
        yield
    finally:
        conn.close()
