"""Writeback test harness: a private copy of the built warehouse and of its sandbox, served on free ports behind
recording HTTP proxies (real HTTP both ways), so a test can count what reached each API and, for bisection,
make one record poison a whole batch the way a destination-side failure does."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn
from concord_sandbox.apis import load_api
from concord_sandbox.faults import clear_faults, parse_faults, save_faults
from concord_sandbox.store import Store
from concord_sandbox.truth import list_truth
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.transform.conftest import CONCORD, BuiltWarehouse, free_port

APIS = ("salesforce", "stripe", "netsuite")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
Poison = Callable[[str, str, bytes], Response | None]


@dataclass
class Recorder:
    """Every request a proxy forwarded (method, path, body); `poison` may answer one instead of the API."""

    requests: list[tuple[str, str, bytes]] = field(default_factory=list)
    poison: Poison | None = None

    def writes(self) -> list[tuple[str, str, bytes]]:
        return [r for r in self.requests if r[0] in ("POST", "PUT", "PATCH", "DELETE") and "token" not in r[1]]

    def clear(self) -> None:
        self.requests.clear()


def _proxy(upstream: str, public: str, recorder: Recorder) -> Starlette:
    client = httpx.AsyncClient(timeout=60)

    async def forward(request: Request) -> Response:
        body = await request.body()
        recorder.requests.append((request.method, request.url.path, body))
        if recorder.poison is not None:
            answer = recorder.poison(request.method, request.url.path, body)
            if answer is not None:
                return answer
        url = upstream + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        # Host stays the proxy's: NetSuite's OAuth 1.0 signature covers the URL the client signed.
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in ("content-length",)]
        resp = await client.request(request.method, url, content=body, headers=headers)
        content = resp.content.replace(upstream.encode(), public.encode())
        keep = {k: v for k, v in resp.headers.items()
                if k.lower() not in ("content-length", "content-encoding", "transfer-encoding", "connection")}
        return Response(content, status_code=resp.status_code, headers=keep)

    return Starlette(routes=[Route("/{path:path}", forward, methods=METHODS)])


@contextmanager
def serve_proxy(upstream: str, recorder: Recorder) -> Iterator[str]:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(_proxy(upstream.rstrip("/"), public, recorder), host="127.0.0.1",
                                           port=port, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield public
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class WritebackWorld:
    """A warehouse copy, its sandbox copy (served), proxies in front of each API, and the env to reach them."""

    url: str
    sandbox_dir: Path
    env: dict[str, str]
    recorders: dict[str, Recorder]

    def concord(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([CONCORD, *args], env=self.env, capture_output=True, text=True, check=False)
        if check:
            assert proc.returncode == 0, f"concord {' '.join(args)}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        return proc

    def sandbox(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        """Read the sandbox's own state (what the APIs hold now)."""
        conn = sqlite3.connect(f"file:{self.sandbox_dir / 'sandbox.db'}?mode=ro", uri=True)
        try:
            return conn.execute(query, args).fetchall()
        finally:
            conn.close()

    def truth(self) -> list[dict[str, Any]]:
        """The ground truth: every planted instance and when a write repaired it."""
        conn = sqlite3.connect(f"file:{self.sandbox_dir / 'sandbox.db'}?mode=ro", uri=True)
        try:
            return [r.as_json() for r in list_truth(conn)]
        finally:
            conn.close()

    def faults(self, spec: str | None) -> None:
        """Set (or clear) the emulators' injected HTTP faults, as `concord sandbox faults set` does."""
        store = Store(self.sandbox_dir / "sandbox.db")
        try:
            with store.transaction() as conn:
                if spec is None:
                    clear_faults(conn)
                else:
                    save_faults(conn, parse_faults(spec))
        finally:
            store.close()
        time.sleep(0.7)  # the emulators re-read their fault configuration every 0.5 s

    def reset_counts(self) -> None:
        for recorder in self.recorders.values():
            recorder.clear()


@contextmanager
def writeback_world(built: BuiltWarehouse, tmp: Path) -> Iterator[WritebackWorld]:
    """Copy the built warehouse and its sandbox, serve the sandbox copy, put recording proxies in front."""
    sandbox_dir = tmp / "sandbox"
    sandbox_dir.mkdir()
    for suffix in ("", "-wal", "-shm"):
        src = built.sandbox_dir / f"sandbox.db{suffix}"
        if src.exists():
            shutil.copyfile(src, sandbox_dir / f"sandbox.db{suffix}")
    url = built.copy()
    env = {**built.env, "CONCORD_WAREHOUSE_URL": url, "CONCORD_SANDBOX_DIR": str(sandbox_dir),
           "CONCORD_SANDBOX_STRIPE_RATE": "0",
           **{f"CONCORD_SANDBOX_{n.upper()}_PORT": str(free_port()) for n in ("control", *APIS)}}
    recorders = {api: Recorder() for api in APIS}
    world = WritebackWorld(url, sandbox_dir, env, recorders)
    world.concord("sandbox", "serve")
    try:
        with serve_proxy(_sandbox_url(world, "salesforce"), recorders["salesforce"]) as sf, \
                serve_proxy(_sandbox_url(world, "stripe"), recorders["stripe"]) as st, \
                serve_proxy(_sandbox_url(world, "netsuite"), recorders["netsuite"]) as ns:
            store = Store(sandbox_dir / "sandbox.db")
            try:
                credentials = {api: store.credentials(api) for api in APIS}
            finally:
                store.close()
            for api, public in (("salesforce", sf), ("stripe", st), ("netsuite", ns)):
                module = load_api(api)
                assert module is not None
                config = module.tap_config(public, credentials[api])
                path = tmp / f"{api}.json"
                path.write_bytes(orjson.dumps(config))
                path.chmod(0o600)
                env[f"CONCORD_{api.upper()}_TAP_CONFIG"] = str(path)
            yield world
    finally:
        subprocess.run([CONCORD, "sandbox", "stop"], env=env, capture_output=True, check=False)
        built.drop(url)


def _sandbox_url(world: WritebackWorld, api: str) -> str:
    return f"http://127.0.0.1:{world.env[f'CONCORD_SANDBOX_{api.upper()}_PORT']}"
