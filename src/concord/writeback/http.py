"""One HTTP call with the retry policy every destination shares: transport errors, 429 and 5xx are retried with
jittered exponential backoff (honouring Retry-After); anything else returns at once for the caller to classify."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests

from concord.writeback.settings import WritebackSettings

RETRIABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


@dataclass
class CallOutcome:
    """The final response (None after a transport failure), its parsed JSON body, and what went wrong."""

    response: requests.Response | None
    body: Any
    problem: str | None

    @property
    def status(self) -> int | None:
        return None if self.response is None else self.response.status_code

    @property
    def retriable(self) -> bool:
        return self.response is None or self.response.status_code in RETRIABLE_STATUS or self.body is _TRUNCATED


_TRUNCATED = object()


class RetryCounter:
    """Retries made in a run (for the run ledger), shared by worker threads."""

    def __init__(self) -> None:
        self._n = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self._n += 1

    @property
    def value(self) -> int:
        return self._n


def _parse(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return _TRUNCATED


def _wait(settings: WritebackSettings, attempt: int, response: requests.Response | None) -> float:
    retry_after = response.headers.get("Retry-After") if response is not None else None
    if retry_after:
        try:
            return min(settings.backoff_max, float(retry_after))
        except ValueError:
            pass
    return random.uniform(0, min(settings.backoff_max, settings.backoff_seconds * 2**attempt))


def call(session: requests.Session, method: str, url: str, settings: WritebackSettings,
         counter: RetryCounter | None = None, *, ok: frozenset[int] = frozenset({200, 201, 204}),
         **kwargs: Any) -> CallOutcome:
    """Send one request, retrying what may succeed later; the secrets in headers are never part of `problem`."""
    outcome = CallOutcome(None, None, "not sent")
    for attempt in range(settings.retries + 1):
        if attempt:
            if counter is not None:
                counter.add()
            time.sleep(_wait(settings, attempt - 1, outcome.response))
        try:
            response = session.request(method, url, timeout=settings.timeout_seconds, **kwargs)
        except requests.RequestException as exc:
            outcome = CallOutcome(None, None, f"{type(exc).__name__} calling {method} {url.split('?')[0]}")
            continue
        body = _parse(response)
        if response.status_code in ok and body is not _TRUNCATED:
            return CallOutcome(response, body, None)
        problem = f"HTTP {response.status_code}" + (" (incomplete body)" if body is _TRUNCATED else "")
        outcome = CallOutcome(response, body, problem)
        if not outcome.retriable and not _vendor_retry(response):
            return outcome
    return outcome


def _vendor_retry(response: requests.Response) -> bool:
    """Vendor signals that a non-5xx refusal may succeed later (Stripe's Stripe-Should-Retry)."""
    return response.headers.get("Stripe-Should-Retry", "").lower() == "true"
