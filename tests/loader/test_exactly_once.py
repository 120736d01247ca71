"""SIGKILL trials: kill `target-concord` at random points, rerun from the stored state, compare with the source.

The source is a deterministic tap: a keyed stream (`accounts`: out-of-order versions, ties, deletions) interleaved
with a keyless one (`events`), a STATE every 25 records naming how far it got. Each trial kills the loader once
(during a COPY, during a merge statement, just before a commit, just after one, or from outside at a random
time), then reruns the tap from the state stored in `concord_meta.singer_state` until the loader finishes.
The landed tables must equal what the source says: the latest version per key, every keyless event exactly once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from concord.loader.state_store import read_state

RECORDS = 1500
KEYS = 300
STATE_EVERY = 25
BATCH = 100
TRIALS = 24
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

ACCOUNTS = {"type": "SCHEMA", "stream": "accounts", "key_properties": ["id"], "bookmark_properties": ["updated_at"],
            "schema": {"type": "object", "properties": {
                "id": {"type": "integer"}, "name": {"type": ["string", "null"]},
                "amount": {"type": ["number", "null"]},
                "updated_at": {"type": "string", "format": "date-time"},
                "_sdc_deleted_at": {"type": ["string", "null"], "format": "date-time"}}}}
EVENTS = {"type": "SCHEMA", "stream": "events", "key_properties": [],
          "schema": {"type": "object", "properties": {"seq": {"type": "integer"}, "kind": {"type": "string"}}}}


def source_records() -> list[tuple[str, dict[str, Any]]]:
    """The tap's whole output in order: (stream, record)."""
    rng = random.Random(20261129)
    out: list[tuple[str, dict[str, Any]]] = []
    for i in range(RECORDS):
        if i % 5 == 4:
            out.append(("events", {"seq": i, "kind": rng.choice(["open", "close", "view"])}))
            continue
        key = rng.randrange(KEYS)
        version = EPOCH + timedelta(minutes=rng.randrange(40))  # few distinct versions: ties and regressions
        deleted = version.isoformat() if rng.random() < 0.05 else None
        out.append(("accounts", {"id": key, "name": f"acct {key} #{i}", "amount": round(rng.random() * 1000, 2),
                                 "updated_at": version.isoformat(), "_sdc_deleted_at": deleted}))
    return out


def tap(position: int) -> bytes:
    """The tap started from `position` (its bookmark): schemas, then the records after it, with STATEs."""
    lines = [orjson.dumps(ACCOUNTS), orjson.dumps(EVENTS)]
    records = source_records()
    for i in range(position, len(records)):
        stream, record = records[i]
        lines.append(orjson.dumps({"type": "RECORD", "stream": stream, "record": record}))
        if (i + 1) % STATE_EVERY == 0:
            lines.append(orjson.dumps({"type": "STATE", "value": {"position": i + 1}}))
    lines.append(orjson.dumps({"type": "STATE", "value": {"position": len(records)}}))
    return b"\n".join(lines) + b"\n"


def expected() -> tuple[dict[int, tuple], list[int]]:
    """Per account key the highest version, the last one sent on ties; every event once."""
    accounts: dict[int, tuple] = {}
    events: list[int] = []
    for stream, r in source_records():
        if stream == "events":
            events.append(r["seq"])
            continue
        version = datetime.fromisoformat(r["updated_at"])
        have = accounts.get(r["id"])
        if have is None or version >= have[2]:
            accounts[r["id"]] = (r["name"], Decimal(str(r["amount"])), version, r["_sdc_deleted_at"] is not None)
    return accounts, sorted(events)


def kill_spec(trial: int) -> tuple[str | None, float | None]:
    """(CONCORD_LOADER_KILL value, or None with a delay for an external SIGKILL) for a trial."""
    rng = random.Random(trial)
    point = ["copy", "merge", "precommit", "between", "external"][trial % 5]
    batches = RECORDS // BATCH
    if point == "copy":
        return f"copy:{rng.randrange(1, RECORDS)}", None
    if point == "merge":
        return f"merge:{rng.randrange(1, batches)}:{rng.uniform(0, 0.03):.4f}", None
    if point in ("precommit", "between"):
        return f"{point}:{rng.randrange(2, batches)}", None
    return None, rng.uniform(0.05, 0.6)


def run_loader(config: Path, input_path: Path, kill: str | None, external_after: float | None) -> int:
    env = {**os.environ}
    env.pop("CONCORD_LOADER_KILL", None)
    if kill:
        env["CONCORD_LOADER_KILL"] = kill
    exe = Path(sys.executable).with_name("target-concord")
    proc = subprocess.Popen([str(exe), "--config", str(config), "--input", str(input_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    if external_after is not None:
        try:
            proc.wait(timeout=external_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    if proc.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"loader failed ({proc.returncode}): {err.decode()}")
    return proc.returncode


@pytest.mark.parametrize("trial", range(TRIALS))
def test_sigkill_then_rerun_from_stored_state_lands_the_source_exactly_once(trial: int, fresh_db: str,
                                                                            tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_bytes(orjson.dumps({"source": "trial", "warehouse_url": fresh_db, "batch_size_rows": BATCH}))
    kill, external_after = kill_spec(trial)
    killed = False
    for attempt in range(5):
        position = read_state(fresh_db, "trial").get("position", 0) if attempt else 0
        feed = tmp_path / f"tap-{attempt}.singer"
        feed.write_bytes(tap(position))
        rc = run_loader(config, feed, kill if attempt == 0 else None, external_after if attempt == 0 else None)
        if rc == 0:
            break
        killed = True
        time.sleep(0.05)
    else:
        raise AssertionError("the loader never finished")
    if kill is not None:  # named kill points are always reached with this source and batch size
        assert killed, f"kill point {kill} was not reached"
    accounts, events = expected()
    with psycopg.connect(fresh_db) as conn:
        landed = {r[0]: r[1:] for r in conn.execute(
            "select id, name, amount, updated_at, _concord_deleted from raw_trial.accounts")}
        seqs = [r[0] for r in conn.execute("select seq from raw_trial.events order by seq")]
        state = conn.execute("select state from concord_meta.singer_state where state_id = 'trial'").fetchone()[0]
    assert landed == accounts
    assert seqs == events  # no event lost or duplicated
    assert state == {"position": RECORDS}
