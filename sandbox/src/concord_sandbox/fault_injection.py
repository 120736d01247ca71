"""ASGI middleware that injects HTTP faults into an API, deterministically, as configured in the store.

Per request: the n-th request since the configuration last changed draws `Random(f"{seed}:{api}:{n}")`; the
draw picks at most one fault by the cumulative rates (429, 500, 502, 503, latency, reset, truncate). So the
same request sequence with the same configuration meets the same faults. The configuration is re-read from
the database at most every `refresh` seconds, so `concord sandbox faults set` takes effect without a restart.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import orjson

from concord_sandbox.faults import FAULTS, FaultConfig

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_REASONS = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class InjectedConnectionReset(Exception):
    """Raised inside the server to drop a connection mid-response (an injected fault, not a bug)."""


class _QuietInjectedResets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, InjectedConnectionReset)


logging.getLogger("uvicorn.error").addFilter(_QuietInjectedResets())


class FaultSource:
    """One API's fault configuration read from `sandbox_faults`, cached for `refresh` seconds."""

    def __init__(self, db_path: Path, api: str, refresh: float = 0.5) -> None:
        self.db_path, self.api, self.refresh = db_path, api, refresh
        self._config = FaultConfig()
        self._version: float | None = None
        self._checked = 0.0
        self.counter = itertools.count()

    def current(self) -> FaultConfig:
        """The configuration in force; a change restarts the request counter."""
        now = time.monotonic()
        if now - self._checked >= self.refresh:
            self._checked = now
            conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5.0)
            try:
                row = conn.execute(
                    "select config, updated_at from sandbox_faults where api = ?", (self.api,)
                ).fetchone()
            finally:
                conn.close()
            version = None if row is None else row[1]
            if version != self._version:
                self._version = version
                self._config = FaultConfig() if row is None else FaultConfig.from_json(orjson.loads(row[0]))
                self.counter = itertools.count()
        return self._config


def choose_fault(config: FaultConfig, api: str, n: int) -> str | None:
    """The fault (or None) for the n-th request: a pure function of the configuration, API and n."""
    draw = random.Random(f"{config.seed}:{api}:{n}").random()
    for fault in FAULTS:
        rate = getattr(config, f"rate_{fault}")
        if draw < rate:
            return fault
        draw -= rate
    return None


class ApiFaults:
    """What an API module receives: its fault source, and `wrap` (the server applies it to every API app)."""

    def __init__(self, api: str, source: FaultSource) -> None:
        self.api, self.source = api, source

    def current(self) -> FaultConfig:
        return self.source.current()

    def wrap(self, app: ASGIApp, exempt: tuple[str, ...] = ()) -> ASGIApp:
        """The app with faults injected, except for paths starting with one of `exempt` (e.g. auth)."""
        return FaultInjector(app, self, exempt)


class FaultInjector:
    """The middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, faults: ApiFaults, exempt: tuple[str, ...] = ()) -> None:
        self.app, self.faults, self.exempt = app, faults, exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.exempt and scope["path"].startswith(self.exempt)):
            await self.app(scope, receive, send)
            return
        config = self.faults.current()
        if not config.active:
            await self.app(scope, receive, send)
            return
        fault = choose_fault(config, self.faults.api, next(self.faults.source.counter))
        if fault is None:
            await self.app(scope, receive, send)
        elif fault == "latency":
            await asyncio.sleep(config.latency_ms / 1000)
            await self.app(scope, receive, send)
        elif fault in ("reset", "truncate"):
            await self._damaged(scope, receive, send, fault)
        else:
            await _error(send, int(fault), config.retry_after)

    async def _damaged(self, scope: Scope, receive: Receive, send: Send, fault: str) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        cut = body[: max(1, len(body) // 2)] if body else b""
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if fault == "truncate":
            headers.append((b"content-length", str(len(cut)).encode()))
            await send(
                {"type": "http.response.start", "status": start.get("status", 200), "headers": headers}
            )
            await send({"type": "http.response.body", "body": cut})
            return
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": start.get("status", 200), "headers": headers})
        await send({"type": "http.response.body", "body": cut, "more_body": True})
        raise InjectedConnectionReset(
            f"{self.faults.api}: connection reset after {len(cut)} of {len(body)} bytes"
        )


async def _error(send: Send, status: int, retry_after: int) -> None:
    body = orjson.dumps(
        {
            "error": {
                "type": "sandbox_fault_injected",
                "status": status,
                "message": f"{_REASONS[status]} (injected by the Concord sandbox)",
            }
        }
    )
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 429:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
