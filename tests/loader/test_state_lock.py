"""One loader or replay per state id: a held lock is waited for, then refused by name; a released one is taken."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from concord.loader import state_lock
from concord.loader.errors import LockedError


def test_a_held_lock_is_refused_naming_the_state_id(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as holder, psycopg.connect(fresh_db) as other:
        state_lock.acquire(holder, "stripe")
        started = time.monotonic()
        with pytest.raises(LockedError, match="state id 'stripe'"):
            state_lock.acquire(other, "stripe", wait_seconds=0.3)
        assert time.monotonic() - started >= 0.3
        state_lock.acquire(other, "salesforce", wait_seconds=0)  # other state ids are independent


def test_a_lock_released_while_waiting_is_taken(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as holder, psycopg.connect(fresh_db) as other:
        state_lock.acquire(holder, "stripe")
        threading.Timer(0.3, state_lock.release, (holder, "stripe")).start()
        state_lock.acquire(other, "stripe", wait_seconds=5)
        count = other.execute("select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()")
        assert count.fetchone()[0] == 1
