"""The NetSuite SuiteTalk REST emulator: SuiteQL, record upserts, TBA and OAuth 2.0 client credentials.

`create_app(store, faults)` serves it over the sandbox store; `tap_config(base_url, credentials)` is the
`tap-netsuite` configuration that reaches it. Knobs come from the environment so `concord sandbox serve`
needs no NetSuite-specific options: `CONCORD_NETSUITE_MAX_RESULTS` (per-query cap, default 100,000) and
`CONCORD_NETSUITE_CONCURRENCY` (requests in flight before 429, default 15).
"""

from __future__ import annotations

import os
from typing import Any

from starlette.types import ASGIApp

from concord_sandbox.apis.netsuite.oauth2 import TOKEN_PATH
from concord_sandbox.apis.netsuite.routes import (
    DEFAULT_CONCURRENCY_LIMIT,
    ConcurrencyLimit,
    Settings,
    build_app,
)
from concord_sandbox.store import Store

NAME = "netsuite"


def settings_from_env(**overrides: int) -> Settings:
    """Emulator settings from the environment, with explicit overrides winning."""
    settings = Settings(
        max_results=int(os.environ.get("CONCORD_NETSUITE_MAX_RESULTS", "100000")),
        concurrency_limit=int(os.environ.get("CONCORD_NETSUITE_CONCURRENCY", str(DEFAULT_CONCURRENCY_LIMIT))),
    )
    for key, value in overrides.items():
        setattr(settings, key, value)
    return settings


FAULT_EXEMPT_PATHS: tuple[str, ...] = (TOKEN_PATH,)  # the server never injects faults into token requests


def create_app(store: Store, faults: Any = None, *, max_results: int | None = None,
               concurrency_limit: int | None = None) -> ASGIApp:
    """The emulator as an ASGI app. `faults` is accepted for the registry's signature; `concord sandbox serve`
    wraps the app with fault injection itself (exempting `FAULT_EXEMPT_PATHS`)."""
    overrides = {k: v for k, v in (("max_results", max_results), ("concurrency_limit", concurrency_limit))
                 if v is not None}
    settings = settings_from_env(**overrides)
    return ConcurrencyLimit(build_app(store, settings, store.credentials(NAME)), settings.concurrency_limit)


def tap_config(base_url: str, credentials: dict[str, str]) -> dict[str, Any]:
    """The `tap-netsuite` config that syncs from this emulator with token-based authentication."""
    return {
        "account_id": credentials["account_id"],
        "base_url": base_url.rstrip("/"),
        "consumer_key": credentials["consumer_key"],
        "consumer_secret": credentials["consumer_secret"],
        "token_id": credentials["token_id"],
        "token_secret": credentials["token_secret"],
        "start_date": "2000-01-01T00:00:00Z",
    }
