"""The background server process `concord sandbox serve` starts: the control API and every built emulator.

Run as `python -m concord_sandbox.server --dir DIR --host HOST --port NAME=PORT … [--faults TEXT]`. All APIs
share one Store and one event loop; the process writes `server.json` (its URLs) and `server.pid` in DIR and
removes them on exit (SIGTERM or SIGINT stop every API gracefully).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import uvicorn

from concord_sandbox.apis import load_api
from concord_sandbox.control_api import create_control_app
from concord_sandbox.fault_injection import ApiFaults, FaultSource
from concord_sandbox.faults import API_NAMES, parse_faults, save_faults
from concord_sandbox.paths import database_path
from concord_sandbox.store import Store

INFO_FILE = "server.json"
PID_FILE = "server.pid"
LOG_FILE = "server.log"


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to this process (several servers share one loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _config(app: object, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        date_header=False,  # emulators send the simulated clock's Date where the vendor sends one
        lifespan="auto",  # emulators may use startup/shutdown hooks
        timeout_graceful_shutdown=2,
    )


async def serve(directory: Path, host: str, ports: dict[str, int], faults_text: str) -> None:
    """Serve until SIGTERM/SIGINT."""
    db = database_path(directory)
    store = Store(db)
    if faults_text:
        with store.transaction() as conn:
            save_faults(conn, parse_faults(faults_text))
    urls: dict[str, str | None] = {}
    servers: list[_Server] = []
    for name in API_NAMES:
        module = load_api(name)
        if module is None:
            urls[name] = None
            continue
        faults = ApiFaults(name, FaultSource(db, name))
        app = faults.wrap(module.create_app(store, faults), tuple(getattr(module, "FAULT_EXEMPT_PATHS", ())))
        servers.append(_Server(_config(app, host, ports[name])))
        urls[name] = f"http://{host}:{ports[name]}"
    control_url = f"http://{host}:{ports['control']}"
    servers.insert(0, _Server(_config(create_control_app(store, urls), host, ports["control"])))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: [setattr(s, "should_exit", True) for s in servers])
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    while not all(s.started for s in servers):
        if any(t.done() for t in tasks):
            for s in servers:
                s.should_exit = True
            await asyncio.gather(*tasks, return_exceptions=True)
            raise SystemExit("a sandbox API failed to start (is its port in use?)")
        await asyncio.sleep(0.05)
    info = {
        "pid": os.getpid(),
        "host": host,
        "started_at": time.time(),
        "db": str(db),
        "apis": {"control": control_url, **urls},
    }
    (directory / INFO_FILE).write_bytes(orjson.dumps(info, option=orjson.OPT_INDENT_2))
    logging.getLogger("uvicorn.error").info("sandbox serving: %s", info["apis"])
    try:
        await asyncio.gather(*tasks)
    finally:
        (directory / INFO_FILE).unlink(missing_ok=True)
        store.close()


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, write the PID file, serve, clean up."""
    parser = argparse.ArgumentParser(prog="concord_sandbox.server")
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", action="append", default=[], help="NAME=PORT")
    parser.add_argument("--faults", default="")
    args = parser.parse_args(argv)
    ports = {name: int(port) for name, _, port in (p.partition("=") for p in args.port)}
    directory: Path = args.dir
    pid_file = directory / PID_FILE
    pid_file.write_text(str(os.getpid()))
    try:
        asyncio.run(serve(directory, args.host, ports, args.faults))
    finally:
        if pid_file.exists() and pid_file.read_text().strip() == str(os.getpid()):
            pid_file.unlink()


if __name__ == "__main__":
    main()
