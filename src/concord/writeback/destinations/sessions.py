"""One HTTP session per worker thread for destinations that send one record per call with bounded concurrency
(NetSuite's REST record API, Stripe's customer updates): `send` maps the items over a pool of `concurrency`
threads, each reusing its own `requests.Session` (connection pooling is per session), and `close` closes them all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests

from concord.writeback.targets import Item, Result, Target


class ConcurrentSessions:
    """Subclasses implement `_new_session()` (authentication, headers) and `_one(target, item)`."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = max(1, concurrency)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def _new_session(self) -> requests.Session:
        raise NotImplementedError

    def _one(self, target: Target, item: Item) -> Result:
        raise NotImplementedError

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._new_session()
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def send(self, target: Target, items: list[Item]) -> list[Result]:
        one: Callable[[Item], Result] = lambda item: self._one(target, item)  # noqa: E731
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(one, items))

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
