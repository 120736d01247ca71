"""Test helpers: a seeded sandbox copied per test, the Stripe emulator served on a free loopback port, and
an in-process tap run that returns its records and final state."""

from __future__ import annotations

import contextlib
import io
import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from concord_sandbox.apis.stripe import create_app, tap_config
from concord_sandbox.credentials import sandbox_credentials
from concord_sandbox.inconsistencies import parse_rates
from concord_sandbox.paths import database_path
from concord_sandbox.seed import DEFAULT_START, seed_company
from concord_sandbox.store import Store
from concord_sandbox.timefmt import parse_iso
from tap_stripe.streams import STREAM_TYPES

SEED = 1
SECRET_KEY = sandbox_credentials(SEED)["stripe"]["secret_key"]


def seed_small(directory: Path) -> Path:
    """Seed the small company into `directory`; returns the database path."""
    path = database_path(directory)
    seed_company(path, "small", SEED, parse_iso(DEFAULT_START), parse_rates(""), workers=1)
    return path


def copy_sandbox(source: Path, directory: Path) -> Path:
    """A private copy of a seeded sandbox database (tests that write get their own)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = database_path(directory)
    shutil.copyfile(source, target)
    return target


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Emulator:
    """A running emulator: its base URL, its store and the uvicorn server (stop with `stop()`)."""

    url: str
    store: Store
    server: uvicorn.Server
    thread: threading.Thread

    def config(self, **overrides: Any) -> dict[str, Any]:
        """The tap config for this emulator, with fast retries for tests."""
        return {**tap_config(self.url, self.store.credentials("stripe")), "backoff_base_seconds": 0.05,
                "backoff_max_seconds": 1.0, **overrides}

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.store.close()


def start_emulator(db: Path, *, port: int | None = None, rate_limit: float = 0.0,
                   wrap: Callable[[Any], Any] | None = None) -> Emulator:
    """Serve the emulator over `db` on `port` (a free one by default) in a background thread."""
    store = Store(db)
    app = create_app(store, rate_limit=rate_limit)
    if wrap is not None:
        app = wrap(app)
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", date_header=False,
                            lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the Stripe emulator did not start on port {port}")
        time.sleep(0.02)
    return Emulator(f"http://127.0.0.1:{port}", store, server, thread)


@contextlib.contextmanager
def running(db: Path, **kwargs: Any) -> Iterator[Emulator]:
    """`start_emulator` as a context manager."""
    emulator = start_emulator(db, **kwargs)
    try:
        yield emulator
    finally:
        emulator.stop()


@dataclass
class TapRun:
    """What one tap run emitted: RECORD messages in order, and the last STATE value."""

    records: list[dict[str, Any]]
    state: dict[str, Any]
    messages: list[dict[str, Any]]


def run_tap(config: dict[str, Any], state: dict[str, Any] | None = None) -> TapRun:
    """Run tap-stripe in-process (real HTTP to the emulator) and parse its Singer output."""
    from tap_stripe.tap import TapStripe

    buffer = io.BytesIO()
    out = io.TextIOWrapper(buffer, encoding="utf-8")
    with contextlib.redirect_stdout(out):
        TapStripe(config=config, state=state or {}, setup_mapper=True).sync_all()
        out.flush()
    messages = [orjson.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    return TapRun([m for m in messages if m["type"] == "RECORD"], states[-1] if states else {}, messages)


Table = dict[tuple[str, str], dict[str, Any]]


def merge(tables: Table, records: list[dict[str, Any]]) -> Table:
    """Apply records as the loader does: per (stream, id) the highest `_concord_version` wins, ties by arrival;
    a record with `_sdc_deleted_at` set marks the row deleted."""
    for message in records:
        record = message["record"]
        key = (message["stream"], record["id"])
        current = tables.get(key)
        if current is None or record["_concord_version"] >= current["_concord_version"]:
            tables[key] = record
    return tables


def live(tables: Table) -> dict[tuple[str, str], dict[str, Any]]:
    """The rows not deleted."""
    return {k: v for k, v in tables.items() if v.get("_sdc_deleted_at") is None}


# Every stream reads the emulator table of the same name.
STREAM_TABLES = {cls.name: cls.name for cls in STREAM_TYPES}

_TAP_FIELDS = ("_concord_updated", "_concord_version", "_concord_event_id", "_sdc_deleted_at")


def source_truth(db: Path, start_date: int = 0) -> dict[tuple[str, str], dict[str, Any]]:
    """What the emulator holds now (live objects), keyed like `live(...)`, to compare a synced table with."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {(stream, row[0]): orjson.loads(row[1])
                for stream, table in STREAM_TABLES.items()
                for row in conn.execute(f"select id, data from {table} where deleted = 0 and created >= ?",
                                        (start_date,))}
    finally:
        conn.close()


def strip(record: dict[str, Any]) -> dict[str, Any]:
    """A record without the tap's own fields."""
    return {k: v for k, v in record.items() if k not in _TAP_FIELDS}


def add_invoice_lines(db: Path, invoice_id: str, total: int) -> list[str]:
    """Give an invoice `total` lines (copies of its first, with new ids); returns the line ids in order."""
    return add_embedded(db, "invoices", invoice_id, "lines", total)


def add_embedded(db: Path, table: str, object_id: str, field: str, total: int) -> list[str]:
    """Give an object's embedded list (`lines`, `items`) `total` elements, copies of its first with new ids."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        doc = orjson.loads(conn.execute(f"select data from {table} where id = ?", (object_id,)).fetchone()[0])
        first = doc[field]["data"][0]
        prefix = first["id"].partition("_")[0]
        elements = [{**first, "id": f"{prefix}_test{n:04d}{object_id[-10:]}"} for n in range(total)]
        doc[field] = {**doc[field], "data": elements, "total_count": total}
        conn.execute(f"update {table} set data = ? where id = ?", (orjson.dumps(doc).decode(), object_id))
    finally:
        conn.close()
    return [element["id"] for element in elements]


def set_clock(db: Path, now: int) -> None:
    """Move the sandbox's simulated clock (what `concord sandbox advance` does, without the activity)."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("update sandbox_meta set value = ? where key = 'now'", (str(now),))
    finally:
        conn.close()


def clock(db: Path) -> int:
    """The sandbox's simulated clock."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("select value from sandbox_meta where key = 'now'").fetchone()[0])
    finally:
        conn.close()


def query(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of a read-only query on the sandbox."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()
