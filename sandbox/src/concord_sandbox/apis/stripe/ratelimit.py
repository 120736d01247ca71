"""Stripe's request-rate limit: a token bucket per API key; past it the answer is 429 with `Retry-After`."""

from __future__ import annotations

import math
import threading
import time


class TokenBucket:
    """`rate` requests per second with a burst of `rate` (Stripe's test mode allows 25/s); thread-safe."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> float:
        """Take one token: 0.0 when allowed, else the seconds until one is available."""
        if self.rate <= 0:
            return 0.0
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return 0.0
            return (1.0 - self.tokens) / self.rate


def retry_after_header(wait: float) -> str:
    """`Retry-After` in whole seconds (at least 1), as HTTP wants."""
    return str(max(1, math.ceil(wait)))
