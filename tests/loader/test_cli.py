"""`target-concord` as a process: a stream piped in lands, STATE goes to stdout, errors are one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import psycopg

from bench.singer_streams import write_invoice_stream
from concord.loader.state_store import read_state

EXE = Path(sys.executable).with_name("target-concord")


def test_a_piped_stream_lands_and_the_state_is_printed_and_stored(fresh_db: str, tmp_path: Path) -> None:
    stream = write_invoice_stream(tmp_path / "invoices.singer", 500, state_every=100)
    last_updated = orjson.loads(stream.read_bytes().splitlines()[-2])["record"]["updated"]
    config = tmp_path / "config.json"
    config.write_bytes(orjson.dumps({"source": "stripe", "warehouse_url": fresh_db, "batch_size_rows": 200}))
    with open(stream, "rb") as fh:
        proc = subprocess.run([str(EXE), "--config", str(config)], stdin=fh, capture_output=True, check=True)
    states = [orjson.loads(line) for line in proc.stdout.splitlines()]
    assert len(states) == 3  # STATEs every 100 records, batches of 200: committed at 200, 400 and the end
    assert states[-1]["bookmarks"]["invoices"]["replication_key_value"] == last_updated
    assert b"500 loaded, 0 quarantined" in proc.stderr
    assert read_state(fresh_db, "stripe") == states[-1]
    with psycopg.connect(fresh_db) as conn:
        count, run_ids = conn.execute(
            "select count(*), count(distinct _concord_run_id) from raw_stripe.invoices").fetchone()
        ledger = conn.execute("select stage, status, records_in, records_out from concord_meta.runs").fetchall()
    assert (count, run_ids) == (500, 1)
    assert ledger == [("load:stripe", "succeeded", 500, 500)]
    printed = subprocess.run([str(EXE), "--config", str(config), "--print-state"], capture_output=True, check=True)
    assert orjson.loads(printed.stdout) == states[-1]


def test_settings_come_from_env_and_errors_redact_the_password(tmp_path: Path) -> None:
    env = {**os.environ, "CONCORD_SOURCE": "stripe",
           "CONCORD_WAREHOUSE_URL": "postgresql://someone:s3cret@127.0.0.1:1/none"}
    proc = subprocess.run([str(EXE)], input=b"", capture_output=True, env=env)
    assert proc.returncode == 1
    assert b"target-concord: error: Cannot connect" in proc.stderr
    assert b"s3cret" not in proc.stderr and b"***" in proc.stderr


def test_a_bad_source_name_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_bytes(orjson.dumps({"source": "Bad Name"}))
    proc = subprocess.run([str(EXE), "--config", str(config)], input=b"", capture_output=True)
    assert proc.returncode == 1 and b"'source' must be a lowercase identifier" in proc.stderr
