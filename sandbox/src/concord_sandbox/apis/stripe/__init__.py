"""The Stripe API emulator (API version 2026-10-28.endive) over the sandbox store.

`create_app(store, faults)` returns the ASGI app; `tap_config(base_url, credentials)` the tap-stripe config that
points at it. The request rate limit defaults to Stripe test mode's 25 requests/s; `rate_limit=` or the
environment variable `CONCORD_SANDBOX_STRIPE_RATE` changes it (0 turns it off).
"""

from __future__ import annotations

import os
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from concord_sandbox.apis.stripe.resources import RESOURCES
from concord_sandbox.apis.stripe.routes import Handler, StripeEndpoint
from concord_sandbox.store import Store

API_VERSION = "2026-10-28.endive"
DEFAULT_RATE_LIMIT = 25.0
HEALTH_PATH = "/v1/health"  # answers 401 without a key: reachable is healthy


def _route(endpoint: StripeEndpoint, path: str, handlers: dict[str, Handler]) -> Route:
    """One path; a method it does not serve gets Stripe's unknown-route envelope (not a bare 405)."""

    async def run(request: Request) -> Response:
        return await endpoint.handle(request, handlers.get(request.method))

    return Route(path, run, methods=["GET", "POST", "DELETE", "PUT", "PATCH"])


def create_app(store: Store, faults: Any = None, *, rate_limit: float | None = None) -> Any:
    """The emulator as an ASGI app over `store`. `concord sandbox serve` wraps it with fault injection itself
    (`faults` is accepted for that contract and not used here)."""
    if rate_limit is None:
        rate_limit = float(os.environ.get("CONCORD_SANDBOX_STRIPE_RATE", DEFAULT_RATE_LIMIT))
    ep = StripeEndpoint(store, rate_limit)
    routes = [
        _route(ep, "/v1/events", {"GET": ep.list_events}),
        _route(ep, "/v1/events/{id:str}", {"GET": ep.retrieve_event}),
        _route(ep, "/v1/invoices/{id:str}/lines", {"GET": ep.invoice_lines}),
        _route(ep, "/v1/subscription_items", {"GET": ep.subscription_items}),
        _route(ep, "/v1/customers", {"GET": ep.list_resource, "POST": ep.create_customer}),
        _route(ep, "/v1/customers/{id:str}",
               {"GET": ep.retrieve, "POST": ep.update_customer, "DELETE": ep.delete_customer}),
        _route(ep, "/v1/subscriptions/{id:str}", {"GET": ep.retrieve, "DELETE": ep.cancel_subscription}),
        *(_route(ep, f"/v1/{name}", {"GET": ep.list_resource}) for name in RESOURCES),
        *(_route(ep, f"/v1/{name}/{{id:str}}", {"GET": ep.retrieve}) for name in RESOURCES),
    ]

    async def unknown(scope: Any, receive: Any, send: Any) -> None:
        response = await ep.handle(Request(scope, receive), None)
        await response(scope, receive, send)

    app = Starlette(routes=routes)
    app.router.default = unknown  # unknown routes answer with Stripe's 404 envelope
    return app


def tap_config(base_url: str, credentials: dict[str, str]) -> dict[str, Any]:
    """The tap-stripe configuration for the emulator at `base_url`."""
    return {"api_url": base_url.rstrip("/"), "api_key": credentials["secret_key"],
            "start_date": "2020-01-01T00:00:00Z"}
