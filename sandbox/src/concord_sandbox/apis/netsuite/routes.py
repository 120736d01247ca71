"""The NetSuite emulator's HTTP surface: token endpoint, SuiteQL, record upserts, auth and concurrency limit.

Handlers read the body on the event loop and do their SQLite work in the thread pool, so concurrent requests
really are concurrent and the account's concurrency limit (429 past `concurrency_limit` requests in flight) is
observable as on a real account.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from concord_sandbox.apis.netsuite import oauth1, records
from concord_sandbox.apis.netsuite.errors import NetSuiteApiError, UnauthorizedError, error_response
from concord_sandbox.apis.netsuite.oauth2 import TOKEN_PATH, M2MCredentials, TokenIssuer
from concord_sandbox.apis.netsuite.query import QueryEngine, parse_paging
from concord_sandbox.errors import InvalidWriteError, RecordNotFoundError
from concord_sandbox.store import Store

log = logging.getLogger("concord_sandbox.netsuite")
SUITEQL_PATH = "/services/rest/query/v1/suiteql"
RECORD_PATH = "/services/rest/record/v1/{record_type}/{key}"
DEFAULT_CONCURRENCY_LIMIT = 15


@dataclass
class Settings:
    """Emulator knobs: the per-query result cap and the account's concurrent request limit."""

    max_results: int = 100_000
    concurrency_limit: int = DEFAULT_CONCURRENCY_LIMIT


class ConcurrencyLimit:
    """ASGI middleware: answer 429 (NetSuite's envelope) while `limit` requests are already in flight."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit, self.active = app, limit, 0
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self._lock:
            admitted = self.active < self.limit
            if admitted:
                self.active += 1
        if not admitted:
            response = error_response(429, "CONCURRENCY_LIMIT_EXCEEDED",
                                      "Concurrent request limit exceeded. Request blocked.")
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            with self._lock:
                self.active -= 1


class Authenticator:
    """Accepts TBA (OAuth 1.0a HMAC-SHA256) signatures and OAuth 2.0 bearer tokens issued by `issuer`."""

    def __init__(self, tba: oauth1.TbaCredentials, issuer: TokenIssuer) -> None:
        self.tba, self.issuer = tba, issuer

    def check(self, request: Request, body: bytes) -> None:
        header = request.headers.get("authorization", "")
        try:
            if header[:6].lower() == "oauth ":
                oauth1.verify(self.tba, request.method, str(request.url), header, body,
                              request.headers.get("content-type", ""))
                return
            if header[:7].lower() == "bearer ":
                if self.issuer.valid(header[7:].strip()):
                    return
                raise UnauthorizedError("unknown or expired bearer token")
            raise UnauthorizedError("no OAuth or Bearer authorization header")
        except UnauthorizedError as exc:
            log.info("netsuite: rejected %s %s: %s", request.method, request.url.path, exc.reason)
            raise


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise NetSuiteApiError(400, "INVALID_CONTENT", f"The request body is not valid JSON: {exc}.") from exc
    if not isinstance(data, dict):
        raise NetSuiteApiError(400, "INVALID_CONTENT", "The request body must be a JSON object.")
    return data


def build_app(store: Store, settings: Settings, creds: dict[str, str]) -> Starlette:
    """The Starlette app (without fault injection) over `store`."""
    engine = QueryEngine(store.reader, max_results=settings.max_results)
    issuer = TokenIssuer(M2MCredentials(creds["oauth2_client_id"], creds["oauth2_certificate_id"],
                                        creds["oauth2_public_key_pem"]))
    auth = Authenticator(oauth1.TbaCredentials(creds["account_id"], creds["consumer_key"], creds["consumer_secret"],
                                               creds["token_id"], creds["token_secret"]), issuer)
    local = threading.local()

    def upsert(record_type: str, externalid: str, data: dict[str, Any]) -> tuple[int, bool]:
        """Validate and apply an upsert on this worker thread's own read connection."""
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = store.reader()
        return records.upsert(store, conn, record_type, externalid, data)

    async def token(request: Request) -> Response:
        body = await request.body()
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        try:
            payload = issuer.exchange(form, str(request.url))
        except NetSuiteApiError as exc:
            log.info("netsuite: token request rejected: %s", getattr(exc, "reason", exc.code))
            return Response(orjson.dumps({"error": "invalid_grant", "error_description": exc.detail}),
                            status_code=400, media_type="application/json")
        return Response(orjson.dumps(payload), media_type="application/json")

    async def suiteql(request: Request) -> Response:
        body = await request.body()
        try:
            auth.check(request, body)
            if request.headers.get("prefer", "").lower() != "transient":
                raise NetSuiteApiError(400, "INVALID_HEADER", "SuiteQL requests need the header Prefer: transient.",
                                       path="Prefer")
            query = _json_body(body).get("q")
            if not isinstance(query, str):
                raise NetSuiteApiError(400, "INVALID_CONTENT", 'The body must be {"q": "<SuiteQL query>"}.', path="q")
            limit, offset = parse_paging(request.query_params.get("limit"), request.query_params.get("offset"),
                                         settings.max_results)
            base = str(request.url.replace(query=""))
            envelope = await run_in_threadpool(engine.page, query, limit, offset, base)
        except NetSuiteApiError as exc:
            return exc.response()
        return Response(orjson.dumps(envelope), media_type="application/vnd.oracle.resource+json; type=collection")

    async def record(request: Request) -> Response:
        body = await request.body()
        record_type, key = request.path_params["record_type"], request.path_params["key"]
        try:
            auth.check(request, body)
            if request.method != "PUT":
                raise NetSuiteApiError(405, "METHOD_NOT_ALLOWED", f"{request.method} is not supported here.")
            if not key.startswith("eid:") or len(key) <= 4:
                raise NetSuiteApiError(400, "INVALID_ID",
                                       "The emulator supports upserts by external id only: PUT …/eid:{externalId}.")
            externalid = key[4:]
            data = _json_body(body)
            result = await run_in_threadpool(upsert, record_type, externalid, data)
        except NetSuiteApiError as exc:
            return exc.response()
        except RecordNotFoundError as exc:
            return error_response(404, "NONEXISTENT_ID", str(exc))
        except InvalidWriteError as exc:
            return error_response(400, "USER_ERROR", str(exc), path=exc.field)
        internal_id, _ = result
        location = f"{request.url.scheme}://{request.url.netloc}/services/rest/record/v1/{record_type}/{internal_id}"
        return Response(status_code=204, headers={"Location": location})

    return Starlette(routes=[
        Route(TOKEN_PATH, token, methods=["POST"]),
        Route(SUITEQL_PATH, suiteql, methods=["POST"]),
        Route(RECORD_PATH, record, methods=["PUT", "POST", "PATCH", "GET", "DELETE"]),
    ])
