"""The fault-injection middleware: each fault as a real HTTP client sees it, deterministic per seed, switchable
at run time, exempt paths untouched."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import uvicorn
from concord_sandbox.errors import InvalidOptionError
from concord_sandbox.fault_injection import ApiFaults, FaultSource, choose_fault
from concord_sandbox.faults import clear_faults, parse_api_faults, parse_faults, save_faults
from concord_sandbox.store import Store
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.sandbox.conftest import free_port

BODY = orjson.dumps({"object": "list", "data": [{"id": f"cus_{i}", "name": "x" * 40} for i in range(20)]})


def _endpoint(request: Request) -> Response:
    return Response(BODY, media_type="application/json")


@pytest.fixture
def server(sandbox_dir: Path) -> Iterator[tuple[str, Store]]:
    store = Store(sandbox_dir / "sandbox.db")
    app = Starlette(routes=[Route("/v1/customers", _endpoint), Route("/oauth/token", _endpoint)])
    faults = ApiFaults("stripe", FaultSource(sandbox_dir / "sandbox.db", "stripe", refresh=0.05))
    port = free_port()
    config = uvicorn.Config(
        faults.wrap(app, exempt=("/oauth",)), host="127.0.0.1", port=port, log_level="error", lifespan="off"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}", store
    srv.should_exit = True
    thread.join(timeout=10)
    store.close()


def outcome(client: httpx.Client, url: str) -> tuple[str, float]:
    """What the client saw (ok, a status code, reset, truncate) and how long the request took."""
    began = time.perf_counter()
    try:
        response = client.get(url)
    except httpx.TransportError:
        return "reset", time.perf_counter() - began
    elapsed = time.perf_counter() - began
    if response.status_code != 200:
        assert response.status_code != 429 or response.headers["retry-after"] == "2"
        return str(response.status_code), elapsed
    try:
        assert orjson.loads(response.content) == orjson.loads(BODY)
    except orjson.JSONDecodeError:
        return "truncate", elapsed
    return "ok", elapsed


def set_faults(store: Store, spec: str) -> None:
    with store.transaction() as conn:
        save_faults(conn, parse_faults(spec))
    time.sleep(0.1)  # the middleware re-reads its configuration every 0.05 s here


def test_every_fault_appears_as_configured_and_deterministically(server: tuple[str, Store]) -> None:
    base, store = server
    spec = "stripe:429=0.15,500=0.1,502=0.1,503=0.1,latency=0.1,reset=0.1,truncate=0.1,latency_ms=150,retry_after=2"
    config = parse_api_faults("stripe", spec.split(":", 1)[1])
    expected = [choose_fault(config, "stripe", n) or "ok" for n in range(100)]
    assert set(expected) == {"ok", "429", "500", "502", "503", "latency", "reset", "truncate"}
    for _ in range(2):  # the same configuration and request sequence meets the same faults
        set_faults(store, spec)
        with httpx.Client(timeout=5) as client:
            seen = [outcome(client, f"{base}/v1/customers") for _ in range(len(expected))]
        with store.transaction() as conn:
            clear_faults(conn)
        time.sleep(0.1)
        assert [kind for kind, _ in seen] == ["ok" if e == "latency" else e for e in expected]
        assert all(elapsed >= 0.15 for (_, elapsed), e in zip(seen, expected, strict=True) if e == "latency")


def test_faults_switch_at_run_time_and_spare_exempt_paths(server: tuple[str, Store]) -> None:
    base, store = server
    with httpx.Client(timeout=5) as client:

        def kinds(path: str, n: int) -> set[str]:
            return {outcome(client, f"{base}{path}")[0] for _ in range(n)}

        assert kinds("/v1/customers", 20) == {"ok"}  # off by default
        set_faults(store, "stripe:503=1")
        assert kinds("/v1/customers", 10) == {"503"}
        assert kinds("/oauth/token", 10) == {"ok"}
        with store.transaction() as conn:
            clear_faults(conn, "stripe")
        time.sleep(0.1)
        assert kinds("/v1/customers", 10) == {"ok"}


def test_fault_specs_are_validated() -> None:
    with pytest.raises(InvalidOptionError, match="stripe fault"):
        parse_faults("stripe:418=0.1")
    with pytest.raises(InvalidOptionError, match="more than 1"):
        parse_faults("netsuite:500=0.6,503=0.6")
    with pytest.raises(InvalidOptionError, match="API"):
        parse_faults("hubspot:500=0.1")
