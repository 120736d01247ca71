"""Running the emulator in-process: on a free loopback port in a background thread (tests, benchmarks).

`serve_app(app)` starts uvicorn on 127.0.0.1 with an OS-chosen port and returns a `LiveServer` to stop;
`LiveEmulator` bundles a store, its app and server with the tap configuration that points at it.
`FaultInjector` is a seeded stand-in for the sandbox's fault-injection middleware with the same
`wrap(app, exempt=…)` shape: it answers a share of requests with 429 or 5xx, resets connections mid-body,
and truncates response bodies (valid HTTP framing, incomplete JSON).
"""

from __future__ import annotations

import random
import socket
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from concord_sandbox.apis.salesforce.routes import SalesforceApi
from concord_sandbox.inconsistencies import parse_rates
from concord_sandbox.seed import DEFAULT_START, seed_company
from concord_sandbox.store import Store
from concord_sandbox.timefmt import parse_iso

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


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

    def stop(self) -> None:
        self.server.stop()
        self.store.close()


def start_emulator(db_path: Path, faults: Any = None, **app_options: Any) -> LiveEmulator:
    """Open the store at `db_path` and serve the Salesforce emulator over it."""
    from concord_sandbox.apis.salesforce import create_app

    store = Store(db_path)
    app = create_app(store, faults, **app_options)
    inner = app
    while not hasattr(inner, "state"):
        inner = inner.app
    return LiveEmulator(store, inner.state.salesforce, serve_app(app))


_SHARED: dict[str, LiveEmulator] = {}
_SHARED_LOCK = threading.Lock()


def shared_small_emulator() -> LiveEmulator:
    """One emulator over a small seeded sandbox per process (seeded once, in a temporary directory).

    For read-only use (tests that write get their own copy of the database). Stopped at interpreter exit.
    """
    with _SHARED_LOCK:
        if "small" not in _SHARED:
            import atexit

            directory = Path(tempfile.mkdtemp(prefix="concord-sf-small-"))
            emulator = start_emulator(seed_small(directory))
            _SHARED["small"] = emulator
            atexit.register(emulator.stop)
        return _SHARED["small"]


@dataclass
class FaultInjector:
    """Seeded HTTP faults: shares of 429, 5xx, connection resets and truncated bodies (each in [0, 1])."""

    rate_429: float = 0.0
    rate_5xx: float = 0.0
    rate_reset: float = 0.0
    rate_truncate: float = 0.0
    seed: int = 7
    counts: dict[str, int] = field(default_factory=lambda: {"429": 0, "5xx": 0, "reset": 0, "truncate": 0, "ok": 0})
    _rng: random.Random = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def _draw(self) -> str:
        with self._lock:
            x = self._rng.random()
            for name, rate in (("429", self.rate_429), ("5xx", self.rate_5xx), ("reset", self.rate_reset),
                               ("truncate", self.rate_truncate)):
                if x < rate:
                    self.counts[name] += 1
                    return name
                x -= rate
            self.counts["ok"] += 1
            return "ok"

    def wrap(self, app: ASGIApp, exempt: tuple[str, ...] = ()) -> ASGIApp:
        """`app` with faults injected on every HTTP request whose path does not start with an exempt prefix."""

        async def faulty(scope: Scope, receive: Callable[[], Awaitable[Message]],
                         send: Callable[[Message], Awaitable[None]]) -> None:
            if scope["type"] != "http" or scope["path"].startswith(exempt):
                await app(scope, receive, send)
                return
            fault = self._draw()
            if fault == "429":
                await _plain(send, 429, b'[{"message":"Too many requests","errorCode":"REQUEST_RATE_EXCEEDED"}]')
                return
            if fault == "5xx":
                await _plain(send, 503, b'[{"message":"Server unavailable","errorCode":"SERVER_UNAVAILABLE"}]')
                return
            if fault == "ok":
                await app(scope, receive, send)
                return
            await app(scope, receive, _Cutter(send, reset=fault == "reset"))

        faulty.state = getattr(app, "state", None)  # type: ignore[attr-defined]
        faulty.app = app  # type: ignore[attr-defined]
        return faulty


async def _plain(send: Callable[[Message], Awaitable[None]], status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class ConnectionResetByFault(Exception):
    """Raised inside the server to drop a connection mid-response (uvicorn closes the socket)."""


class _Cutter:
    """A `send` that keeps half of the body: truncated (consistent Content-Length) or reset (connection dropped)."""

    def __init__(self, send: Callable[[Message], Awaitable[None]], *, reset: bool) -> None:
        self.send, self.reset = send, reset
        self.start: Message | None = None
        self.body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body":
            await self.send(message)
            return
        self.body += message.get("body", b"")
        if message.get("more_body"):
            return
        assert self.start is not None
        cut = self.body[: len(self.body) // 2]
        headers = [(k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"]
        if self.reset:
            headers.append((b"content-length", str(len(self.body)).encode()))
            await self.send({**self.start, "headers": headers})
            await self.send({"type": "http.response.body", "body": cut, "more_body": True})
            raise ConnectionResetByFault("connection reset by the fault injector")
        headers.append((b"content-length", str(len(cut)).encode()))
        await self.send({**self.start, "headers": headers})
        await self.send({"type": "http.response.body", "body": cut})
