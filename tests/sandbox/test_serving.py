"""`serve` runs the control API (and every built emulator) in the background; status, stop, restart keeps state."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from concord_sandbox import cli, daemon
from concord_sandbox.apis import load_api
from concord_sandbox.errors import ServerError
from concord_sandbox.faults import parse_faults, save_faults
from concord_sandbox.server import PID_FILE
from concord_sandbox.store import Store

pytestmark = pytest.mark.xdist_group("serving")


@pytest.fixture
def served(sandbox_dir: Path, ports: dict[str, int]) -> Iterator[tuple[Path, dict[str, int]]]:
    yield sandbox_dir, ports
    daemon.stop(sandbox_dir)


def control(ports: dict[str, int], path: str) -> str:
    return f"http://127.0.0.1:{ports['control']}{path}"


def test_serve_status_stop_and_restart_keep_state(served: tuple[Path, dict[str, int]]) -> None:
    directory, ports = served
    info = daemon.start(directory, "127.0.0.1", ports)
    assert (directory / PID_FILE).read_text().strip() == str(info["pid"])
    lines = {s.name: s for s in daemon.status(directory, "127.0.0.1", ports)}
    assert lines["control"].health.startswith("up (HTTP 200")
    for api in ("salesforce", "stripe", "netsuite"):
        built = load_api(api) is not None
        assert lines[api].health.startswith("up (HTTP") if built else lines[api].health == "not built"
        assert lines[api].url == f"http://127.0.0.1:{ports[api]}"
    with pytest.raises(ServerError, match="already running"):
        daemon.start(directory, "127.0.0.1", ports)

    report = httpx.post(control(ports, "/advance"), json={"hours": 5}, timeout=30).json()
    assert report["ended"] == "2026-01-01T05:00:00Z"
    truth_before = httpx.get(control(ports, "/truth")).json()
    assert (
        truth_before
        and {"instance_id", "class", "keys", "planted_at", "repaired_at"} <= truth_before[0].keys()
    )

    assert daemon.stop(directory)
    assert not (directory / PID_FILE).exists()
    assert daemon.status(directory, "127.0.0.1", ports)[0].health == "stopped"
    with pytest.raises(httpx.ConnectError):
        httpx.get(control(ports, "/health"))

    daemon.start(directory, "127.0.0.1", ports)
    assert httpx.get(control(ports, "/clock")).json()["now"] == "2026-01-01T05:00:00Z"
    assert httpx.get(control(ports, "/truth")).json() == truth_before


def test_faults_are_switchable_through_the_control_api(served: tuple[Path, dict[str, int]]) -> None:
    directory, ports = served
    daemon.start(directory, "127.0.0.1", ports, "stripe:429=0.25,retry_after=3")
    assert httpx.get(control(ports, "/faults")).json()["stripe"]["rate_429"] == 0.25
    put = httpx.put(control(ports, "/faults/netsuite"), json={"reset": 0.1, "latency": 0.2, "latency_ms": 50})
    assert put.status_code == 200 and put.json()["netsuite"]["rate_reset"] == 0.1
    assert httpx.put(control(ports, "/faults/netsuite"), json={"bogus": 1}).status_code == 400
    httpx.delete(control(ports, "/faults"))
    assert httpx.get(control(ports, "/faults")).json() == {
        "salesforce": None,
        "stripe": None,
        "netsuite": None,
    }


def test_the_cli_seeds_serves_reports_status_and_truth(tmp_path: Path, ports: dict[str, int]) -> None:
    env = {**os.environ, "CONCORD_SANDBOX_DIR": str(tmp_path)}

    def concord(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "concord.cli.main", "sandbox", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    try:
        assert "seeded small" in concord("seed", "--scale", "small", "--seed", "3")
        assert "control" in concord("serve")
        status = concord("status").splitlines()
        assert [line.split()[0] for line in status] == ["control", "salesforce", "stripe", "netsuite"]
        assert "up (HTTP 200" in status[0]
        truth = orjson.loads(concord("truth", "--json"))
        count = sqlite_count(tmp_path / "sandbox.db")
        assert len(truth) == count > 0
    finally:
        concord("stop")
    assert not (tmp_path / PID_FILE).exists()


def sqlite_count(path: Path) -> int:
    import sqlite3

    return sqlite3.connect(path).execute("select count(*) from sandbox_truth").fetchone()[0]


def test_built_apis_are_served_with_fault_injection_health_and_tap_config(
    served: tuple[Path, dict[str, int]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory, ports = served
    monkeypatch.setenv("CONCORD_SANDBOX_API_MODULES", "stripe=tests.sandbox.stand_in_api")
    root = str(Path(__file__).resolve().parents[2])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    info = daemon.start(directory, "127.0.0.1", ports)
    stripe_url = f"http://127.0.0.1:{ports['stripe']}"
    assert dict(info["apis"])["stripe"] == stripe_url  # type: ignore[call-overload]
    lines = {s.name: s for s in daemon.status(directory, "127.0.0.1", ports)}
    assert lines["stripe"].url == stripe_url and lines["stripe"].health.startswith("up (HTTP 200")
    customers = httpx.get(f"{stripe_url}/v1/customers").json()["data"]
    assert len(customers) == 2 and customers[0]["id"].startswith("cus_")

    store = Store(directory / "sandbox.db")
    with store.transaction() as conn:
        save_faults(conn, parse_faults("stripe:503=1"))
    store.close()
    time.sleep(0.7)  # the server re-reads the configuration at most every 0.5 s
    assert httpx.get(f"{stripe_url}/v1/customers").status_code == 503
    assert httpx.get(f"{stripe_url}/v1/oauth/token").status_code == 200  # exempt

    cli.tap_config("stripe")
    config = orjson.loads(capsys.readouterr().out)
    assert config == {
        "api_url": stripe_url,
        "client_secret": Store(directory / "sandbox.db").credentials("stripe")["secret_key"],
    }
