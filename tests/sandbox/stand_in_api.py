"""A stand-in API module with the emulator contract (create_app, tap_config, FAULT_EXEMPT_PATHS, HEALTH_PATH),
served in place of the Stripe emulator in tests of the serving framework."""

from __future__ import annotations

import orjson
from concord_sandbox.fault_injection import ApiFaults
from concord_sandbox.store import Store
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

FAULT_EXEMPT_PATHS = ("/v1/oauth",)
HEALTH_PATH = "/healthz"


def create_app(store: Store, faults: ApiFaults) -> Starlette:
    """Two read endpoints over the store's Stripe customers."""
    reader = store.reader()

    def customers(request: Request) -> Response:
        rows = reader.execute("select data from customers order by created, id limit 2").fetchall()
        body = b'{"object":"list","data":[' + b",".join(r[0].encode() for r in rows) + b"]}"
        return Response(body, media_type="application/json")

    def ok(request: Request) -> Response:
        return Response(orjson.dumps({"ok": True}), media_type="application/json")

    return Starlette(
        routes=[Route("/v1/customers", customers), Route("/v1/oauth/token", ok), Route("/healthz", ok)]
    )


def tap_config(base_url: str, credentials: dict[str, str]) -> dict[str, str]:
    """What a tap needs to reach the stand-in."""
    return {"api_url": base_url, "client_secret": credentials["secret_key"]}
