"""Writeback knobs, from `CONCORD_WRITEBACK_*` variables (defaults suit the sandbox and the real APIs)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from concord.errors import ConcordError


class WritebackConfigError(ConcordError):
    """A `CONCORD_WRITEBACK_*` variable does not parse."""


def _env(name: str, default: float) -> float:
    raw = os.environ.get(f"CONCORD_WRITEBACK_{name}")
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise WritebackConfigError(f"CONCORD_WRITEBACK_{name}={raw!r} is not a number") from None


@dataclass(frozen=True)
class WritebackSettings:
    max_attempts: int = 3          # runs that may try one (row, content) before it is dead-lettered
    retries: int = 4               # extra tries of one request within a run for retriable failures
    backoff_seconds: float = 0.5   # first backoff; doubles per retry (with jitter), capped by backoff_max
    backoff_max: float = 8.0
    netsuite_concurrency: int = 4  # NetSuite has no batch API: one call per record, this many in flight
    salesforce_batch_size: int = 200
    stripe_rate: float = 20.0      # requests/s to Stripe (test mode allows 25/s, live 100/s); 0 = unpaced
    stripe_concurrency: int = 4    # Stripe updates one customer per call: this many in flight (within stripe_rate)
    max_change_share: float = 0.5  # a run that would change more of a destination's rows aborts (unless forced)
    timeout_seconds: float = 30.0

    @classmethod
    def from_env(cls) -> WritebackSettings:
        d = cls()
        return cls(
            max_attempts=max(1, int(_env("MAX_ATTEMPTS", d.max_attempts))),
            retries=max(0, int(_env("RETRIES", d.retries))),
            backoff_seconds=_env("BACKOFF_SECONDS", d.backoff_seconds),
            backoff_max=_env("BACKOFF_MAX_SECONDS", d.backoff_max),
            netsuite_concurrency=max(1, int(_env("NETSUITE_CONCURRENCY", d.netsuite_concurrency))),
            salesforce_batch_size=min(200, max(1, int(_env("SALESFORCE_BATCH_SIZE", d.salesforce_batch_size)))),
            stripe_rate=_env("STRIPE_RATE", d.stripe_rate),
            stripe_concurrency=max(1, int(_env("STRIPE_CONCURRENCY", d.stripe_concurrency))),
            max_change_share=_env("MAX_CHANGE_SHARE", d.max_change_share),
            timeout_seconds=_env("TIMEOUT_SECONDS", d.timeout_seconds),
        )
