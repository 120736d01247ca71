"""One HTTP session per worker thread for destinations that send one record per call with bounded concurrency
(NetSuite's REST record API, Stripe's customer updates): `send` maps the items over a pool of `concurrency`
threads, each reusing its own `requests.Session` (connection pooling is per session), and `close` closes them all.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import requests

from concord.writeback.targets import Item, Result, Target


class ConcurrentSessions(ABC):
    """Subclasses implement `_new_session()` (authentication, headers) and `_one(target, item)`."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = max(1, concurrency)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    @abstractmethod
    def _new_session(self) -> requests.Session:
        """A new session carrying the destination's authentication and headers."""

    @abstractmethod
    def _one(self, target: Target, item: Item) -> Result:
        """Send one item (called from a worker thread; use `self._session()`)."""

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._new_session()
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def send(self, target: Target, items: list[Item]) -> list[Result]:
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(partial(self._one, target), items))

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
