"""Run one source's extract-load: `tap-<source> --state <warehouse state> | target-concord`.

The tap reads its bookmarks from `concord_meta.singer_state` (never from the run's data interval); the
loader commits each batch with the STATE it covers, so a crash anywhere resumes from the last commit. Both
processes' logs go to `.concord/logs/<run id>/`; config and state files are private temp files, removed after.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from concord.errors import ConcordError
from concord.paths import state_dir
from concord.sync.locks import resource_lock
from concord.sync.sources import source, tap_config
from concord.warehouse.connection import ready_url


class SyncError(ConcordError):
    """The tap or the loader of a source failed; what was committed before stays committed."""


@dataclass(frozen=True)
class SyncResult:
    source: str
    run_id: str
    seconds: float
    records_in: int
    records_out: int
    quarantined: int
    log_dir: Path


def executable(name: str) -> str:
    """A console script of this environment (the venv's bin first, then PATH)."""
    local = Path(sys.executable).with_name(name)
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise SyncError(f"{name} is not installed in this environment; run `make setup`.")
    return found


def _private_json(path: Path, value: object) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(orjson.dumps(value))


def _tail(path: Path, lines: int = 8) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def sync_source(name: str, run_id: str, lock_wait_seconds: float = 0.0, *, streams: list[str] | None = None,
                start_date: str | None = None, state_id: str | None = None) -> SyncResult:
    """Extract `name` from its bookmarks and load it under `run_id`; raise SyncError if either side fails.
    The run ledger gets a `sync:<source>` row (the tap's records, retries and API errors by status).

    A backfill passes `streams` and `start_date` (tap settings for this run only) and its own `state_id`: it starts
    from no bookmark and its STATE lands under that id, so the source's own bookmarks are neither read nor moved.
    """
    from concord.observability.ledger import stage_run
    from concord.observability.source_clock import source_clock_skew_seconds
    from concord.observability.sync_stage import fill_sync_stage

    src = source(name)
    url = ready_url()
    log_dir = state_dir() / "logs" / run_id
    skew = source_clock_skew_seconds(src.config_env)
    with stage_run(run_id, f"sync:{src.name}", src.name, url) as stage:
        try:
            result = _extract_load(src.name, url, run_id, lock_wait_seconds, log_dir, streams, start_date, state_id)
        finally:
            fill_sync_stage(stage, url, log_dir / f"{src.tap}.log", skew)
    return result


def _extract_load(name: str, url: str, run_id: str, lock_wait_seconds: float, log_dir: Path,
                  streams: list[str] | None, start_date: str | None, state_id: str | None) -> SyncResult:
    from concord.loader.state_store import read_state
    from concord.observability.ledger import close_abandoned

    src = source(name)
    config = tap_config(src)
    if streams:
        config = {**config, "streams": list(streams)}
    if start_date:
        config = {**config, "start_date": start_date}
    log_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with resource_lock(url, f"source:{src.name}", lock_wait_seconds), \
            tempfile.TemporaryDirectory(prefix="concord-sync-") as tmp:
        close_abandoned(url, [f"sync:{src.name}", f"load:{src.name}"], run_id)
        tmpdir = Path(tmp)
        _private_json(tmpdir / "tap.json", config)
        _private_json(tmpdir / "state.json", {} if state_id else read_state(url, src.name))
        _private_json(tmpdir / "target.json", {"source": src.name, "warehouse_url": url, "run_id": run_id,
                                               "state_id": state_id or src.name})
        tap_log, target_log = log_dir / f"{src.tap}.log", log_dir / f"target-concord-{src.name}.log"
        with open(tap_log, "wb") as tap_err, open(target_log, "wb") as target_err:
            tap = subprocess.Popen(
                [executable(src.tap), "--config", str(tmpdir / "tap.json"), "--state", str(tmpdir / "state.json")],
                stdout=subprocess.PIPE, stderr=tap_err,
            )
            target = subprocess.Popen(
                [executable("target-concord"), "--config", str(tmpdir / "target.json")],
                stdin=tap.stdout, stdout=subprocess.DEVNULL, stderr=target_err,
            )
            assert tap.stdout is not None
            tap.stdout.close()  # the target owns the pipe now; the tap gets SIGPIPE if the target dies
            target_rc = target.wait()
            tap_rc = tap.wait()
    if target_rc != 0:
        raise SyncError(
            f"target-concord failed loading {src.name} (exit {target_rc}); batches committed before the failure "
            f"stay loaded. Log {target_log}: {_tail(target_log)}"
        )
    if tap_rc != 0:
        raise SyncError(
            f"{src.tap} failed (exit {tap_rc}); everything up to its last STATE is loaded and the next sync "
            f"resumes there. Log {tap_log}: {_tail(tap_log)}"
        )
    return _result(url, src.name, run_id, time.perf_counter() - started, log_dir)


def _result(url: str, name: str, run_id: str, seconds: float, log_dir: Path) -> SyncResult:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select records_in, records_out, quarantined from concord_meta.runs where run_id = %s and stage = %s",
            (run_id, f"load:{name}"),
        ).fetchone()
    records_in, records_out, quarantined = row or (0, 0, 0)
    return SyncResult(name, run_id, seconds, records_in, records_out, quarantined, log_dir)
