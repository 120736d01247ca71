"""Starting, finding and stopping the background sandbox server (PID file + log file in the sandbox dir)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from concord_sandbox.apis import load_api
from concord_sandbox.errors import NotSeededError, ServerError
from concord_sandbox.faults import API_NAMES, parse_faults
from concord_sandbox.paths import database_path
from concord_sandbox.server import INFO_FILE, LOG_FILE, PID_FILE

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class ApiStatus:
    """One line of `concord sandbox status`."""

    name: str
    url: str
    health: str

    def line(self) -> str:
        return f"{self.name:<11} {self.url:<24} {self.health}"


def _pid(directory: Path) -> int | None:
    """The server's PID if its PID file names a live sandbox server process."""
    try:
        pid = int((directory / PID_FILE).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return None
    return pid if b"concord_sandbox.server" in cmdline else None


def running_info(directory: Path) -> dict[str, object] | None:
    """The running server's `server.json` (PID, URLs), or None when it is not running."""
    if _pid(directory) is None:
        return None
    try:
        return orjson.loads((directory / INFO_FILE).read_bytes())
    except FileNotFoundError:
        return None


def start(directory: Path, host: str, ports: dict[str, int], faults_text: str = "") -> dict[str, object]:
    """Start the server in the background and wait until its control API answers; returns its info."""
    if not database_path(directory).exists():
        raise NotSeededError(str(database_path(directory)))
    if _pid(directory) is not None:
        raise ServerError(
            f"The sandbox server is already running (PID file {directory / PID_FILE}); "
            "run `concord sandbox stop` first."
        )
    parse_faults(faults_text)  # fail here, not in the background
    (directory / INFO_FILE).unlink(missing_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "concord_sandbox.server",
        "--dir",
        str(directory),
        "--host",
        host,
        *(f"--port={name}={port}" for name, port in ports.items()),
    ]
    if faults_text:
        cmd += ["--faults", faults_text]
    log = (directory / LOG_FILE).open("ab")
    proc = subprocess.Popen(
        cmd,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=os.environ.copy(),
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(
                f"The sandbox server exited during startup (code {proc.returncode}); "
                f"last log lines: {_tail(directory / LOG_FILE)}"
            )
        info = running_info(directory)
        if info is not None:
            return info
        time.sleep(0.1)
    proc.terminate()
    raise ServerError(
        f"The sandbox server did not start within {START_TIMEOUT:.0f} s; see {directory / LOG_FILE}."
    )


def stop(directory: Path) -> bool:
    """Stop the server (SIGTERM, then SIGKILL after a grace period); False when it was not running."""
    pid = _pid(directory)
    if pid is None:
        (directory / PID_FILE).unlink(missing_ok=True)
        (directory / INFO_FILE).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists() and not _zombie(pid):
        time.sleep(0.05)
    if Path(f"/proc/{pid}").exists() and not _zombie(pid):
        os.kill(pid, signal.SIGKILL)
    (directory / PID_FILE).unlink(missing_ok=True)
    (directory / INFO_FILE).unlink(missing_ok=True)
    return True


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (FileNotFoundError, IndexError):
        return True


def status(directory: Path, host: str, ports: dict[str, int]) -> list[ApiStatus]:
    """One status per API (control first): base URL and health, `stopped`, or `not built`."""
    info = running_info(directory)
    urls = dict(info["apis"]) if info else {}  # type: ignore[call-overload]
    lines = []
    for name in ("control", *API_NAMES):
        module = None if name == "control" else load_api(name)
        url = urls.get(name) or f"http://{host}:{ports[name]}"
        if name != "control" and module is None:
            lines.append(ApiStatus(name, url, "not built"))
        elif info is None:
            lines.append(ApiStatus(name, url, "stopped"))
        else:
            path = "/health" if name == "control" else getattr(module, "HEALTH_PATH", "/")
            lines.append(ApiStatus(name, url, _health(url + path)))
    return lines


def _health(url: str) -> str:
    began = time.perf_counter()
    try:
        response = httpx.get(url, timeout=3.0)
    except httpx.HTTPError as exc:
        return f"down ({type(exc).__name__})"
    ms = (time.perf_counter() - began) * 1000
    state = "up" if response.status_code < 500 else "unhealthy"
    return f"{state} (HTTP {response.status_code} in {ms:.0f} ms)"


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
