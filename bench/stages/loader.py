"""Loader stages: `target-concord` against the COPY ceiling, the peer target-postgres, and a 10k-row merge.

* `loader.concord`: the `target-concord` process loading the scale's invoice stream (200,000 at medium,
  1,000,000 at large) into an empty database: wall time of the process, peak RSS from `wait4`.
* `loader.concord_merge_10k` (large scale): 10,000 changed invoices (higher versions) loaded into the
  1,000,000-row table of the full stream; the base load is outside the timing.
* `loader.peer_target_postgres`: meltanolabs-target-postgres 0.8.1 at its defaults, once, at medium scale,
  from its own venv under `.concord/bench-peer` installed here from `bench/requirements-peer.lock` (it pins
  psycopg 3.3.6, so it can never share the project's venv).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import psycopg

from bench.harness import Context, Sample, ratio, stage
from bench.singer_streams import write_invoice_updates
from bench.stages.warehouse import invoice_stream

ROOT = Path(__file__).resolve().parents[2]
# Peak memory must be bounded by the loader's batch, not by the stream (the large bench loads 5x the records):
# the interpreter and psycopg take ~40 MiB, a batch of invoices tens more; a quarter GiB is the bound.
PEAK_GOAL = "<= 256"
PEER_LOCK = ROOT / "bench" / "requirements-peer.lock"
PEER_VENV = ROOT / ".concord" / "bench-peer"
CHANGED = 10_000


_compiled = False


def _target_concord() -> str:
    """The console script, with the modules it imports byte-compiled once (`uv pip sync` does not compile and
    this environment sets PYTHONDONTWRITEBYTECODE, so each process would otherwise recompile psycopg, ~0.3 s)."""
    global _compiled
    if not _compiled:
        import compileall

        import psycopg as pg

        for pkg in (Path(pg.__file__).parent, ROOT / "src" / "concord"):
            compileall.compile_dir(str(pkg), quiet=1)
        import typing_extensions

        compileall.compile_file(typing_extensions.__file__, quiet=1)
        _compiled = True
    return str(Path(sys.executable).with_name("target-concord"))


_SELF_CMDLINE = Path("/proc/self/cmdline").read_bytes() if Path("/proc/self/cmdline").exists() else b""


def _peak_rss_mib(pid: int) -> float:
    """VmHWM of a live process (its peak RSS since exec); 0 before its exec (still a copy of this process)
    and once it has exited."""
    try:
        if Path(f"/proc/{pid}/cmdline").read_bytes() == _SELF_CMDLINE:
            return 0.0
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_measured(cmd: list[str], stdin_path: os.PathLike[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run `cmd` with the file on stdin; (wall seconds, peak RSS MiB of that process). Fails on a non-zero exit.

    The peak is the process's VmHWM polled every 20 ms (the high-water mark only grows, so the last poll
    before exit is within 20 ms of growth of the true peak); `wait4`'s ru_maxrss would count the forked
    copy of this process before exec.
    """
    peak = 0.0
    with open(stdin_path, "rb") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=fh, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        done = threading.Event()

        def poll() -> None:
            nonlocal peak
            while not done.wait(0.02):
                peak = max(peak, _peak_rss_mib(proc.pid))

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _, err = proc.communicate()
        elapsed = time.perf_counter() - t0
        done.set()
        poller.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{Path(cmd[0]).name} exited {proc.returncode}: {err.decode()[-2000:]}")
    return elapsed, peak


def load_with_concord(url: str, path: os.PathLike[str], workdir: Path, run_id: str = "bench") -> tuple[float, float]:
    config = workdir / "concord.json"
    config.write_bytes(orjson.dumps({"source": "stripe", "warehouse_url": url, "run_id": run_id}))
    return run_measured([_target_concord(), "--config", str(config)], path)


def _count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]


@stage("loader.concord", group="loader", unit="records", repeats=3, peak_goal=PEAK_GOAL)
def concord_load(ctx: Context) -> Sample:
    """`target-concord` (process) loading the invoice stream into an empty warehouse."""
    n, path = invoice_stream(ctx)
    with ctx.fresh_database() as url:
        from concord.warehouse.migrate import migrate

        migrate(url)  # the first process would do it; migrations are not what is measured
        elapsed, peak = load_with_concord(url, path, ctx.scratch("concord"))
        assert _count(url, "raw_stripe.invoices") == n
    return Sample(elapsed, items=n, peak_mib=peak, extra={"records": n})


@stage("loader.concord_merge_10k", group="loader", unit="records", repeats=3, warmup=0, scales=("large",),
       peak_goal=PEAK_GOAL)
def concord_merge(ctx: Context) -> Sample:
    """10,000 changed invoices merged by `target-concord` into the 1,000,000-row table of the full stream."""
    n, path = invoice_stream(ctx)
    updates = ctx.cached(f"invoice_updates_{n}_{CHANGED}.singer", lambda p: write_invoice_updates(p, n, CHANGED))
    work = ctx.scratch("concord_merge")
    with ctx.fresh_database() as url:
        from concord.warehouse.migrate import migrate

        migrate(url)
        load_with_concord(url, path, work)
        elapsed, peak = load_with_concord(url, updates, work, run_id="bench-merge")
        with psycopg.connect(url) as conn:
            changed = conn.execute("select count(*) from raw_stripe.invoices "
                                   "where _concord_run_id = 'bench-merge'").fetchone()[0]
        assert changed == CHANGED, f"{changed} rows changed, expected {CHANGED}"
    return Sample(elapsed, items=CHANGED, peak_mib=peak, extra={"table_rows": n})


def peer_python() -> Path:
    """The peer's venv, (re)built from its lock when the lock changed."""
    stamp = PEER_VENV / ".lock-sha256"
    digest = hashlib.sha256(PEER_LOCK.read_bytes()).hexdigest()
    python = PEER_VENV / "bin" / "python"
    if not (python.exists() and stamp.exists() and stamp.read_text() == digest):
        uv = Path(sys.executable).with_name("uv")
        subprocess.run([str(uv), "venv", "-q", "--allow-existing", "-p", "3.11", str(PEER_VENV)], check=True)
        subprocess.run([str(uv), "pip", "sync", "-q", "-p", str(python), str(PEER_LOCK)], check=True)
        stamp.write_text(digest)
    return python


@stage("loader.peer_target_postgres", group="loader", unit="records", repeats=1, warmup=0, scales=("medium",))
def peer_load(ctx: Context) -> Sample:
    """meltanolabs-target-postgres 0.8.1 at its defaults, same stream, empty database (measured once)."""
    n, path = invoice_stream(ctx)
    exe = peer_python().with_name("target-postgres")
    with ctx.fresh_database() as url:
        params = psycopg.conninfo.conninfo_to_dict(url)
        config = ctx.scratch("peer") / "config.json"
        config.write_bytes(orjson.dumps({
            "host": params.get("host", "127.0.0.1"), "port": int(params.get("port", 5432)),
            "user": params.get("user", "postgres"), "password": params.get("password") or "",
            "database": params["dbname"], "default_target_schema": "raw_stripe"}))
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        elapsed, peak = run_measured([str(exe), "--config", str(config)], path, env)
        assert _count(url, "raw_stripe.invoices") == n
    return Sample(elapsed, items=n, peak_mib=peak)


ratio("target-concord vs the COPY ceiling", "loader.concord", "copy.ceiling", kind="speed", goal=">= 0.7",
      scales=("medium", "large"))  # at small (20,000 records) the process start-up dominates
ratio("target-concord vs target-postgres (defaults)", "loader.peer_target_postgres", "loader.concord",
      kind="time", goal=">= 20")
ratio("merge of 10k changed rows vs a full reload", "loader.concord_merge_10k", "loader.concord",
      kind="time", goal="<= 0.2")
