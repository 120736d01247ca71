"""The Salesforce REST emulator (API v59.0 to v62.0) over the sandbox store.

`create_app(store, faults)` builds the ASGI app; `tap_config(base_url, credentials)` is the configuration
`tap-salesforce` needs to extract from it. Modules: `auth` (OAuth sessions), `soql` and `translate` (the
query subset → SQLite), `query` and `cursors` (pages and query locators), `serialize` (records), `records` and
`collections_api` (writes), `limits` (daily allocation), `routes` (the HTTP surface).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route

from concord_sandbox.apis.salesforce.auth import Sessions
from concord_sandbox.apis.salesforce.cursors import CursorRegistry
from concord_sandbox.apis.salesforce.limits import DEFAULT_DAILY_LIMIT, ApiUsage
from concord_sandbox.apis.salesforce.objects import load_sobjects
from concord_sandbox.apis.salesforce.query import QueryRunner
from concord_sandbox.apis.salesforce.routes import SalesforceApi
from concord_sandbox.store import Store

NAME = "salesforce"
API_VERSION = "62.0"
# The token endpoint is where clients recover from expired sessions, so injected faults leave it alone.
FAULT_EXEMPT_PATHS = ("/services/oauth2/",)
HEALTH_PATH = "/services/data"


def build_api(store: Store, *, daily_limit: int = DEFAULT_DAILY_LIMIT, session_seconds: float = 7200.0) -> SalesforceApi:
    """The emulator's shared state over `store` (tests reach into it to expire sessions or read usage)."""
    with store.lock:
        sobjects = load_sobjects(store.conn)
    cursors = CursorRegistry()
    return SalesforceApi(store, sobjects, Sessions(store.credentials(NAME), session_seconds),
                         ApiUsage(daily_limit), QueryRunner(store.reader, sobjects, cursors))


def create_app(store: Store, faults: Any = None, *, daily_limit: int = DEFAULT_DAILY_LIMIT,
               session_seconds: float = 7200.0) -> Any:
    """The ASGI app serving the Salesforce REST API over `store`.

    `faults` is the server's `ApiFaults`; the server wraps the app with it (so it is not applied here).
    """
    api = build_api(store, daily_limit=daily_limit, session_seconds=session_seconds)
    app = Starlette(routes=[
        Route("/services/oauth2/token", api.token, methods=["POST"]),
        Route("/services/oauth2/revoke", api.revoke, methods=["POST"]),
        Route("/services/data{rest:path}", api.data, methods=["GET", "POST", "PATCH", "DELETE"]),
    ], lifespan=_closing(api))
    app.state.salesforce = api
    return app


def _closing(api: SalesforceApi) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        yield
        api.runner.cursors.close_all()

    return lifespan


def tap_config(base_url: str, credentials: dict[str, str]) -> dict[str, Any]:
    """`tap-salesforce` settings for the emulator at `base_url` (client-credentials flow)."""
    return {
        "instance_url": base_url.rstrip("/"),
        "login_url": base_url.rstrip("/"),
        "client_id": credentials["client_id"],
        "client_secret": credentials["client_secret"],
        "api_version": API_VERSION,
        "start_date": "2000-01-01T00:00:00Z",
    }
