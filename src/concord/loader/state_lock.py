"""The advisory lock that keeps one loader or replay per state id at a time.

Session-level, so a killed loader's lock goes with its backend. That release is asynchronous (the server
notices the closed socket a moment later), so acquiring waits a little before calling the id busy, and a
finished run releases explicitly instead of leaving it to the connection's close.
"""

from __future__ import annotations

import time

import psycopg

from concord.loader.errors import LockedError

WAIT_SECONDS = 10.0


def _key(state_id: str) -> str:
    return f"concord.loader:{state_id}"


def acquire(conn: psycopg.Connection, state_id: str, wait_seconds: float = WAIT_SECONDS) -> None:
    """Take the lock for `state_id` on `conn`, waiting up to `wait_seconds`; LockedError if still held."""
    deadline = time.monotonic() + wait_seconds
    while True:
        got = conn.execute("select pg_try_advisory_lock(hashtextextended(%s, 0))", (_key(state_id),)).fetchone()[0]
        conn.commit()
        if got:
            return
        if time.monotonic() >= deadline:
            raise LockedError(f"A loader or replay for state id {state_id!r} is running; try again when it ends")
        time.sleep(0.1)


def release(conn: psycopg.Connection, state_id: str) -> None:
    """Give the lock back (no-op if the connection is already broken: its end releases the lock)."""
    try:
        conn.execute("select pg_advisory_unlock(hashtextextended(%s, 0))", (_key(state_id),))
        conn.commit()
    except psycopg.Error:
        pass
