"""The sandbox store: one SQLite database (WAL mode) holding all three systems, the clock and the ground truth.

Emulators open a `Store` on the same file; see sandbox/MODEL.md for the tables and the write functions.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from concord_sandbox.errors import NotSeededError
from concord_sandbox.paths import database_path
from concord_sandbox.timefmt import iso

PAGE_SIZE = 16384  # large pages keep multi-kilobyte Stripe documents off overflow chains


def connect(path: Path, *, bulk: bool = False) -> sqlite3.Connection:
    """A connection with the sandbox's pragmas; `bulk` (seeding a new file) trades durability for speed."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    if bulk:
        conn.execute(f"pragma page_size = {PAGE_SIZE}")
    conn.execute(f"pragma journal_mode = {'off' if bulk else 'wal'}")
    conn.execute("pragma busy_timeout = 30000")
    conn.execute(f"pragma cache_size = {-2_000_000 if bulk else -200_000}")  # KiB
    # Reads through a memory map skip a copy per page; index builds sort on helper threads.
    conn.execute(f"pragma mmap_size = {64 * 2**30 if bulk else 4 * 2**30}")
    if bulk:
        conn.execute("pragma threads = 4")
    conn.execute("pragma temp_store = memory")
    conn.execute(f"pragma synchronous = {'off' if bulk else 'normal'}")
    return conn


class Store:
    """Access to a seeded sandbox database; thread-safe for the server's use (one connection, one lock)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or database_path()
        if not self.path.exists():
            raise NotSeededError(str(self.path))
        self.conn = connect(self.path)
        self.lock = threading.RLock()
        if self.meta("seed") is None:
            raise NotSeededError(str(self.path))

    def reader(self) -> sqlite3.Connection:
        """A new read-only connection (one per thread); readers never block the writer in WAL mode."""
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False, timeout=30.0)
        conn.execute("pragma busy_timeout = 30000")
        conn.execute("pragma cache_size = -100000")
        return conn

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One immediate write transaction under the store's lock."""
        with self.lock:
            self.conn.execute("begin immediate")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("rollback")
                raise
            self.conn.execute("commit")

    def meta(self, key: str) -> str | None:
        """A value from `sandbox_meta`, or None."""
        with self.lock:
            row = self.conn.execute("select value from sandbox_meta where key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def now(self) -> int:
        """The simulated clock, unix seconds."""
        value = self.meta("now")
        if value is None:
            raise NotSeededError(str(self.path))
        return int(value)

    def now_iso(self) -> str:
        """The simulated clock as 2026-01-01T00:00:00Z."""
        return iso(self.now())

    def credentials(self, system: str) -> dict[str, str]:
        """The sandbox's credentials for one system (name → value)."""
        with self.lock:
            rows = self.conn.execute(
                "select name, value from sandbox_credentials where system = ? order by name", (system,)
            ).fetchall()
        return dict(rows)


def set_meta(conn: sqlite3.Connection, key: str, value: object) -> None:
    """Insert or replace one `sandbox_meta` value."""
    conn.execute("insert or replace into sandbox_meta (key, value) values (?, ?)", (key, str(value)))
