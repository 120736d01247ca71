"""A client-side request pace (requests per second, shared by threads): staying under a destination's rate
limit costs less than meeting its 429s and their Retry-After waits."""

from __future__ import annotations

import threading
import time


class Pacer:
    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)
