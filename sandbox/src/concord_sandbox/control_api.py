"""The sandbox's own control API (always served): health, clock, ground truth, advance, faults.

It lets a remote deployment (docker-compose) drive the sandbox: `GET /health`, `GET /clock`,
`GET /truth?class=…&open=1`, `POST /advance {"hours": H}`, `GET /faults`, `PUT /faults/{api}` with a JSON
object such as `{"429": 0.05, "retry_after": 2}`, `DELETE /faults/{api}`, `DELETE /faults`.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from concord_sandbox.activity import advance
from concord_sandbox.errors import SandboxError
from concord_sandbox.faults import API_NAMES, clear_faults, load_faults, parse_api_faults, save_faults
from concord_sandbox.store import Store
from concord_sandbox.truth import list_truth


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def create_control_app(store: Store, apis: dict[str, str | None]) -> Starlette:
    """The control API over `store`; `apis` maps each emulator name to its base URL (None when not built)."""

    def health(request: Request) -> Response:
        return _json(
            {
                "status": "ok",
                "clock": store.now_iso(),
                "seed": int(store.meta("seed") or 0),
                "scale": store.meta("scale"),
                "apis": apis,
            }
        )

    def clock(request: Request) -> Response:
        return _json({"now": store.now_iso(), "unix": store.now()})

    def truth(request: Request) -> Response:
        cls = request.query_params.get("class") or None
        open_only = request.query_params.get("open") in ("1", "true")
        with store.lock:
            records = list_truth(store.conn, cls, open_only)
        return _json([r.as_json() for r in records])

    async def do_advance(request: Request) -> Response:
        body = orjson.loads(await request.body() or b"{}")
        try:
            report = advance(store, float(body.get("hours", 1)))
        except (SandboxError, ValueError, TypeError) as exc:
            return _json({"error": str(exc)}, 400)
        return _json(report.as_json())

    def faults(request: Request) -> Response:
        with store.lock:
            configs = load_faults(store.conn)
        return _json({api: configs[api].as_json() if api in configs else None for api in API_NAMES})

    async def put_faults(request: Request) -> Response:
        api = request.path_params["api"]
        if api not in API_NAMES:
            return _json({"error": f"unknown API {api!r}"}, 404)
        body = orjson.loads(await request.body() or b"{}")
        try:
            config = parse_api_faults(api, ",".join(f"{k}={v}" for k, v in body.items()))
        except SandboxError as exc:
            return _json({"error": str(exc)}, 400)
        with store.transaction() as conn:
            save_faults(conn, {api: config})
        return _json({api: config.as_json()})

    def delete_faults(request: Request) -> Response:
        api = request.path_params.get("api")
        if api is not None and api not in API_NAMES:
            return _json({"error": f"unknown API {api!r}"}, 404)
        with store.transaction() as conn:
            clear_faults(conn, api)
        return _json({"cleared": api or "all"})

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/clock", clock),
            Route("/truth", truth),
            Route("/advance", do_advance, methods=["POST"]),
            Route("/faults", faults),
            Route("/faults", delete_faults, methods=["DELETE"]),
            Route("/faults/{api}", put_faults, methods=["PUT"]),
            Route("/faults/{api}", delete_faults, methods=["DELETE"]),
        ]
    )
