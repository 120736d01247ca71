"""The HTTP surface: list/retrieve endpoints, events, invoice lines, and the customer/subscription writes.

Every request passes `StripeEndpoint.handle`: rate limit, secret-key auth, parameter parsing, the error
envelope on every failure (unknown routes included), and a `Date` header from the simulated clock (clients
such as tap-stripe read it as the server's time, to check the 30-day event retention).
"""

from __future__ import annotations

import email.utils
import logging
import sqlite3
import threading
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response

from concord_sandbox.apis.stripe import idempotency, writes
from concord_sandbox.apis.stripe.auth import check_key
from concord_sandbox.apis.stripe.errors import StripeAPIError, invalid_request, no_such_object
from concord_sandbox.apis.stripe.forms import as_list, parse_form
from concord_sandbox.apis.stripe.listing import ListQuery, fetch_page, parse_list_query
from concord_sandbox.apis.stripe.ratelimit import TokenBucket, retry_after_header
from concord_sandbox.apis.stripe.resources import BOOLEAN_FILTERS, RESOURCES, Resource
from concord_sandbox.apis.stripe.serialize import list_body, prepare, truncate_embedded_lines
from concord_sandbox.store import Store

_log = logging.getLogger(__name__)
RETENTION_SECONDS = 30 * 86400
API_VERSION = "2026-10-28.endive"
LIST_PARAMS = frozenset({"limit", "starting_after", "ending_before", "created", "expand"})

Handler = Callable[[Request, dict[str, Any]], Awaitable[tuple[int, bytes]]]


class StripeEndpoint:
    """The emulator's request handling over one store; readers are per thread, writes go through the store."""

    def __init__(self, store: Store, rate_limit: float) -> None:
        self.store = store
        self.secret_key = store.credentials("stripe")["secret_key"]
        self.bucket = TokenBucket(rate_limit)
        self.local = threading.local()
        with store.transaction() as conn:
            conn.execute(idempotency.DDL)

    # -- plumbing -------------------------------------------------------------------------------------------

    def reader(self) -> sqlite3.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = self.store.reader()
        return conn

    def now(self) -> int:
        row = self.reader().execute("select value from sandbox_meta where key = 'now'").fetchone()
        return int(row[0])

    def _headers(self) -> dict[str, str]:
        return {"Date": email.utils.formatdate(self.now(), usegmt=True), "Request-Id": f"req_{uuid.uuid4().hex[:14]}",
                "Stripe-Version": API_VERSION}

    async def handle(self, request: Request, handler: Handler | None) -> Response:
        """Run one request end to end; any failure becomes Stripe's error envelope."""
        try:
            wait = self.bucket.take()
            if wait:
                raise StripeAPIError(429, "invalid_request_error",
                                     "Request rate limit exceeded. Learn more about rate limits here "
                                     "https://stripe.com/docs/rate-limits.", code="rate_limit",
                                     headers={"Retry-After": retry_after_header(wait)})
            check_key(request.headers.get("authorization"), self.secret_key)
            if handler is None:
                raise invalid_request(f"Unrecognized request URL ({request.method}: {request.url.path}). "
                                      "Please see https://stripe.com/docs or we can help at "
                                      "https://support.stripe.com/.", status=404)
            pairs = request.query_params.multi_items()
            if request.method == "POST":
                pairs = [*pairs, *parse_qsl((await request.body()).decode(), keep_blank_values=True)]
            params = parse_form(pairs)
            status, body = await handler(request, params)
            return Response(body, status_code=status, media_type="application/json", headers=self._headers())
        except _Replayed as replay:
            headers = {**self._headers(), "Idempotent-Replayed": "true"}
            return Response(replay.stored.body, status_code=replay.stored.status, media_type="application/json",
                            headers=headers)
        except StripeAPIError as exc:
            response = exc.response()
            response.headers.update(self._headers())
            return response
        except Exception:
            _log.exception("Stripe emulator: %s %s failed", request.method, request.url.path)
            response = StripeAPIError(500, "api_error", "An unknown error occurred in the sandbox.").response()
            response.headers.update(self._headers())
            return response

    # -- reads ----------------------------------------------------------------------------------------------

    async def list_resource(self, request: Request, params: dict[str, Any]) -> tuple[int, bytes]:
        resource = RESOURCES[request.url.path.split("/")[2]]
        query = parse_list_query(params)
        where, args = ["deleted = 0"], []
        for name, value in params.items():
            if name in LIST_PARAMS:
                continue
            if name not in resource.filters or not isinstance(value, str):
                raise invalid_request(f"Received unknown parameter: {name}", param=name)
            if resource.path == "subscriptions" and name == "status" and value == "all":
                continue
            where.append(f"{name} = ?")
            args.append(int(value == "true") if name in BOOLEAN_FILTERS else value)
        if resource.path == "subscriptions" and "status" not in params:
            where.append("status != 'canceled'")  # Stripe lists canceled subscriptions only with status=all
        return 200, self._page(resource.table, resource.obj, where, args, query, params, f"/v1/{resource.path}")

    def _page(self, table: str, obj: str, where: list[str], args: list[Any], query: ListQuery,
              params: dict[str, Any], url: str, tie: str = "id") -> bytes:
        conn = self.reader()
        page = fetch_page(conn, table, "data", tie, where, args, query, obj)
        expand = [p.removeprefix("data.") for p in as_list(params.get("expand")) if p.startswith("data.")]
        docs = [prepare(row[0].encode(), expand, conn) for row in page.rows]
        return list_body(docs, page.has_more, url)

    async def retrieve(self, request: Request, params: dict[str, Any]) -> tuple[int, bytes]:
        resource: Resource = RESOURCES[request.url.path.split("/")[2]]
        object_id = request.path_params["id"]
        conn = self.reader()
        row = conn.execute(f"select data from {resource.table} where id = ?", (object_id,)).fetchone()
        if row is None:
            raise no_such_object(resource.obj, object_id)
        return 200, prepare(row[0].encode(), as_list(params.get("expand")), conn)

    async def invoice_lines(self, request: Request, params: dict[str, Any]) -> tuple[int, bytes]:
        invoice_id = request.path_params["id"]
        row = self.reader().execute("select data from invoices where id = ?", (invoice_id,)).fetchone()
        if row is None:
            raise no_such_object("invoice", invoice_id, "invoice")
        lines = orjson.loads(row[0])["lines"]["data"]
        return 200, _embedded_page(lines, params, "line item", f"/v1/invoices/{invoice_id}/lines")

    async def subscription_items(self, request: Request, params: dict[str, Any]) -> tuple[int, bytes]:
        subscription_id = params.pop("subscription", None)
        if not isinstance(subscription_id, str):
            raise invalid_request("Missing required param: subscription.", param="subscription")
        row = self.reader().execute("select data from subscriptions where id = ?", (subscription_id,)).fetchone()
        if row is None:
            raise no_such_object("subscription", subscription_id, "subscription")
        items = orjson.loads(row[0])["items"]["data"]
        return 200, _embedded_page(items, params, "subscription item", "/v1/subscription_items")

    async def list_events(self, request: Request, params: dict[str, Any]) -> tuple[int, bytes]:
        query = parse_list_query(params)
        where, args = ["created >= ?"], [self.now() - RETENTION_SECONDS]
        patterns: list[str] = []
        for name, value in params.items():
            if name in LIST_PARAMS or name == "delivery_success":
                continue
            if name == "type" and isinstance(value, str):
                patterns = [value]
            elif name == "types":
                patterns = as_list(value)
                if len(patterns) > 20:
                    raise invalid_request("types: at most 20 event types", param="types")
            else:
                raise invalid_request(f"Received unknown parameter: {name}", param=name)
        if patterns:
            where.append("(" + " or ".join("type glob ?" for _ in patterns) + ")")
            args.extend(patterns)
        return 200, self._page("events", "event", where, args, query, params, "/v1/events", tie="seq")

    async def retrieve_event(self, request: Request, params: dict[str, Any]) -> tuple[int, bytes]:
        event_id = request.path_params["id"]
        row = self.reader().execute("select data, created from events where id = ?", (event_id,)).fetchone()
        if row is None or row[1] < self.now() - RETENTION_SECONDS:
            raise no_such_object("event", event_id)
        return 200, row[0].encode()

    # -- writes ---------------------------------------------------------------------------------------------

    async def _write(self, request: Request, params: dict[str, Any],
                     apply: Callable[[], dict[str, Any]]) -> tuple[int, bytes]:
        """Apply a write once per `Idempotency-Key`. The handler runs on the event loop without awaiting between
        the key's lookup and its record, so two requests with one key cannot both apply."""
        key = request.headers.get("idempotency-key")
        print_ = idempotency.fingerprint(request.method, request.url.path, params)
        if key:
            with self.store.transaction() as conn:
                stored = idempotency.lookup(conn, key, print_)
            if stored is not None:
                raise _Replayed(stored)
        body = orjson.dumps(truncate_embedded_lines(apply()))
        if key:
            with self.store.transaction() as conn:
                idempotency.remember(conn, key, print_, 200, body, self.store.now())
        return 200, body

    async def update_customer(self, request: Request, params: dict[str, Any]) -> tuple[int, bytes]:
        cid = request.path_params["id"]
        return await self._write(request, params, lambda: writes.update_customer(self.store, cid, params))

    async def create_customer(self, request: Request, params: dict[str, Any]) -> tuple[int, bytes]:
        return await self._write(request, params, lambda: writes.create_customer(self.store, params))

    async def delete_customer(self, request: Request, params: dict[str, Any]) -> tuple[int, bytes]:
        cid = request.path_params["id"]
        return await self._write(request, params, lambda: writes.delete_customer(self.store, cid))

    async def cancel_subscription(self, request: Request, params: dict[str, Any]) -> tuple[int, bytes]:
        sid = request.path_params["id"]
        return await self._write(request, params, lambda: writes.cancel_subscription(self.store, sid))


def _embedded_page(items: list[dict[str, Any]], params: dict[str, Any], obj: str, url: str) -> bytes:
    """One page of a list kept inside its parent document (in the parent's order), with Stripe's cursors."""
    query = parse_list_query(params)
    ids = [item["id"] for item in items]
    cursor = query.starting_after or query.ending_before
    if cursor and cursor not in ids:
        raise invalid_request(f"No such {obj}: '{cursor}'", code="resource_missing", status=404,
                              param="starting_after" if query.starting_after else "ending_before")
    if query.ending_before:
        end = ids.index(query.ending_before)
        chunk, has_more = items[max(0, end - query.limit):end], end - query.limit > 0
    else:
        begin = ids.index(query.starting_after) + 1 if query.starting_after else 0
        chunk, has_more = items[begin:begin + query.limit], begin + query.limit < len(items)
    return list_body([orjson.dumps(item) for item in chunk], has_more, url)


class _Replayed(Exception):
    """Control flow: an idempotent replay leaves the write transaction without changing anything."""

    def __init__(self, stored: idempotency.StoredResponse) -> None:
        super().__init__("idempotent replay")
        self.stored = stored
