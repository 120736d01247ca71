"""The org's daily API request allocation, counted per simulated day (`Sforce-Limit-Info`)."""

from __future__ import annotations

import threading

from concord_sandbox.apis.salesforce.errors import SalesforceApiError

DEFAULT_DAILY_LIMIT = 1_000_000


class ApiUsage:
    """Requests counted against the allocation of the current simulated day; thread-safe."""

    def __init__(self, daily_limit: int = DEFAULT_DAILY_LIMIT) -> None:
        self.daily_limit = daily_limit
        self._day = -1
        self._used = 0
        self._lock = threading.Lock()

    def count(self, now: int) -> str:
        """Count one request at simulated time `now`; returns the header value, or REQUEST_LIMIT_EXCEEDED."""
        with self._lock:
            day = now // 86400
            if day != self._day:
                self._day, self._used = day, 0
            if self._used >= self.daily_limit:
                raise SalesforceApiError(403, "REQUEST_LIMIT_EXCEEDED",
                                         f"TotalRequests Limit exceeded. ({self._used}/{self.daily_limit})")
            self._used += 1
            return f"api-usage={self._used}/{self.daily_limit}"

    def header(self) -> str:
        """The current usage, without counting a request."""
        with self._lock:
            return f"api-usage={self._used}/{self.daily_limit}"

    def remaining(self) -> int:
        with self._lock:
            return self.daily_limit - self._used
