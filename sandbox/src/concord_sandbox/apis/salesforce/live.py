"""Running the emulator in-process: on a free loopback port in a background thread (tests, benchmarks).

`serve_app(app)` starts uvicorn on 127.0.0.1 with an OS-chosen port and returns a `LiveServer` to stop;
`LiveEmulator` bundles a store, its app and server with the tap configuration that points at it; the app is
wrapped with the sandbox's fault injection as `concord sandbox serve` wraps it.
"""

from __future__ import annotations

import fcntl
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from concord_sandbox.apis.salesforce.routes import SalesforceApi
from concord_sandbox.fault_injection import ApiFaults, FaultSource, choose_fault
from concord_sandbox.faults import FaultConfig, save_faults
from concord_sandbox.inconsistencies import parse_rates
from concord_sandbox.seed import DEFAULT_START, seed_company
from concord_sandbox.store import Store
from concord_sandbox.timefmt import parse_iso


@dataclass
class LiveServer:
    """A uvicorn server in a daemon thread; `stop()` shuts it down and waits for the thread."""

    base_url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_app(app: Any) -> LiveServer:
    """Serve `app` on a free 127.0.0.1 port; returns once it accepts connections."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # The emulator sets `Date` to the simulated clock; uvicorn's own header would contradict it.
    config = uvicorn.Config(app, log_level="warning", date_header=False, server_header=False, lifespan="on",
                            timeout_keep_alive=30)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"emulator-{port}")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the emulator on port {port} did not start")
        time.sleep(0.01)
    return LiveServer(f"http://127.0.0.1:{port}", server, thread)


def seed_small(directory: Path, *, seed: int = 1) -> Path:
    """Seed a small company (default rates, default start) into `directory`; returns the database path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "sandbox.db"
    seed_company(path, "small", seed, parse_iso(DEFAULT_START), parse_rates(""))
    return path


@dataclass
class LiveEmulator:
    """A served Salesforce emulator over one store."""

    store: Store
    api: SalesforceApi
    server: LiveServer

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def tap_config(self, **overrides: Any) -> dict[str, Any]:
        """The tap configuration for this emulator (client-credentials flow), with overrides."""
        from concord_sandbox.apis.salesforce import tap_config

        return {**tap_config(self.base_url, self.store.credentials("salesforce")), **overrides}

    def access_token(self) -> str:
        """A new session from the client-credentials flow (for tests and benchmarks that call the API)."""
        import requests

        creds = self.store.credentials("salesforce")
        response = requests.post(f"{self.base_url}/services/oauth2/token", data={
            "grant_type": "client_credentials", "client_id": creds["client_id"],
            "client_secret": creds["client_secret"]}, timeout=30)
        response.raise_for_status()
        return str(response.json()["access_token"])

    def stop(self) -> None:
        self.server.stop()
        self.store.close()


def copy_database(src: Path, directory: Path) -> Path:
    """A consistent copy of a sandbox database (SQLite's backup API) as `directory/sandbox.db`."""
    import sqlite3

    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "sandbox.db"
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
    finally:
        source.close()
        dest.close()
    return target


def start_emulator(db_path: Path, **app_options: Any) -> LiveEmulator:
    """Open the store at `db_path` and serve the Salesforce emulator over it, wrapped with the sandbox's
    fault injection exactly as `concord sandbox serve` does (faults follow the store's `sandbox_faults`)."""
    from concord_sandbox import apis
    from concord_sandbox.apis.salesforce import FAULT_EXEMPT_PATHS, NAME, create_app

    assert apis.load_api(NAME) is not None
    store = Store(db_path)
    faults = ApiFaults(NAME, FaultSource(db_path, NAME, refresh=0.0))
    app = create_app(store, faults, **app_options)
    return LiveEmulator(store, app.state.salesforce, serve_app(faults.wrap(app, FAULT_EXEMPT_PATHS)))


def set_faults(db_path: Path, config: FaultConfig) -> None:
    """Configure the Salesforce API's injected faults in the sandbox at `db_path`."""
    store = Store(db_path)
    try:
        with store.transaction() as conn:
            save_faults(conn, {"salesforce": config})
    finally:
        store.close()


def faults_met(config: FaultConfig, requests: int) -> list[str]:
    """The faults the first `requests` faultable requests meet (the injector's draws are deterministic)."""
    return [f for n in range(requests) if (f := choose_fault(config, "salesforce", n)) is not None]


_SHARED: dict[str, LiveEmulator] = {}
_SHARED_LOCK = threading.Lock()


def shared_seed_dir() -> Path:
    """Where this test run's shared small sandbox lives: one directory per pytest-xdist run (else per process)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid{os.getpid()}"
    return Path(tempfile.gettempdir()) / f"concord-sf-small-{run}"


def shared_small_emulator() -> LiveEmulator:
    """This process's emulator over the run's small seeded sandbox, for read-only use.

    The sandbox is seeded once per test run: the first xdist worker seeds it under an exclusive lock on
    `.seeding`, the others wait and serve the same file (tests that write get their own copy). Each process
    holds a shared lock on `.in-use` until it exits, so a later run can tell a leftover directory from one in
    use and remove it.
    """
    with _SHARED_LOCK:
        if "small" not in _SHARED:
            import atexit

            directory = shared_seed_dir()
            _remove_unused_seed_dirs(keep=directory)
            directory.mkdir(parents=True, exist_ok=True)
            with open(directory / ".seeding", "w") as seeding:
                fcntl.flock(seeding, fcntl.LOCK_EX)
                if not (directory / "sandbox.db").exists():
                    seed_small(directory)
            in_use = open(directory / ".in-use", "w")  # noqa: SIM115 - held for the life of the process
            fcntl.flock(in_use, fcntl.LOCK_SH)
            emulator = start_emulator(directory / "sandbox.db")
            _SHARED["small"] = emulator
            _SHARED_LOCK_FILES.append(in_use)
            atexit.register(emulator.stop)
        return _SHARED["small"]


_SHARED_LOCK_FILES: list[Any] = []


def _remove_unused_seed_dirs(keep: Path) -> None:
    """Delete earlier runs' shared sandboxes that no process holds any more."""
    import shutil

    for directory in keep.parent.glob("concord-sf-small-*"):
        if directory == keep:
            continue
        try:
            with open(directory / ".in-use", "a") as in_use:
                fcntl.flock(in_use, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(directory, ignore_errors=True)
        except OSError:
            continue  # in use by a running test process (or not ours to remove)
