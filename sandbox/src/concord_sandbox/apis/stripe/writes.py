"""Writes the Stripe emulator applies to the store, each with the event Stripe would emit.

Every write runs in one store transaction at the simulated time: it updates the document and its listing
columns, and appends the event (`customer.updated` with `previous_attributes`, `customer.deleted`,
`customer.subscription.deleted` for a cancellation, …) with the next `evt_` id from the store's counters.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from concord_sandbox import stripe_docs as sd
from concord_sandbox.apis.stripe.errors import invalid_request, no_such_object
from concord_sandbox.ids import StripeIds

API_VERSION = "2026-10-28.endive"
CUSTOMER_FIELDS = ("name", "email", "description", "phone")


def clock(conn: sqlite3.Connection) -> int:
    """The simulated clock (unix seconds) read inside the caller's transaction."""
    return int(conn.execute("select value from sandbox_meta where key = 'now'").fetchone()[0])


def next_id(conn: sqlite3.Connection, prefix: str) -> str:
    """The next Stripe id for `prefix`, continuing the seed's counters (persisted in `sandbox_meta`)."""
    seed = int(conn.execute("select value from sandbox_meta where key = 'seed'").fetchone()[0])
    row = conn.execute("select value from sandbox_meta where key = 'counters'").fetchone()
    counters: dict[str, int] = orjson.loads(row[0]) if row else {}
    n = counters.get(f"stripe.{prefix}", 0) + 1
    counters[f"stripe.{prefix}"] = n
    conn.execute("insert or replace into sandbox_meta (key, value) values ('counters', ?)",
                 (orjson.dumps(counters, option=orjson.OPT_SORT_KEYS).decode(),))
    return StripeIds(seed).make(prefix, n)


def append_event(conn: sqlite3.Connection, etype: str, doc: dict[str, Any], at: int,
                 previous: dict[str, Any] | None = None, idempotency_key: str | None = None) -> str:
    """Append the event for a change to `doc`; returns its id."""
    eid = next_id(conn, "evt")
    data = {"object": doc, **({"previous_attributes": previous} if previous else {})}
    event = {"id": eid, "object": "event", "api_version": API_VERSION, "created": at, "data": data,
             "livemode": False, "pending_webhooks": 0,
             "request": {"id": f"req_{eid[4:18]}", "idempotency_key": idempotency_key}, "type": etype}
    conn.execute("insert into events (id, type, created, object_id, data) values (?, ?, ?, ?, ?)",
                 (eid, etype, at, doc["id"], orjson.dumps(event).decode()))
    return eid


def _load(conn: sqlite3.Connection, table: str, obj: str, object_id: str) -> dict[str, Any]:
    row = conn.execute(f"select data, deleted from {table} where id = ?", (object_id,)).fetchone()
    if row is None or row[1]:
        raise no_such_object(obj, object_id)
    return orjson.loads(row[0])


def _save(conn: sqlite3.Connection, table: str, doc: dict[str, Any], at: int, deleted: bool = False) -> None:
    conn.execute(f"update {table} set data = ?, status = ?, deleted = ?, _updated = ? where id = ?",
                 (orjson.dumps(doc).decode(), doc.get("status"), int(deleted), at, doc["id"]))


def _metadata(current: dict[str, str], changes: Any) -> dict[str, str]:
    """Stripe's metadata merge: keys are set one by one, an empty string removes a key, '' for all clears."""
    if changes == "":
        return {}
    if not isinstance(changes, dict):
        raise invalid_request("Invalid metadata: must be a hash", param="metadata")
    merged = dict(current)
    for key, value in changes.items():
        if not isinstance(value, str):
            raise invalid_request(f"Invalid metadata[{key}]: must be a string", param=f"metadata[{key}]")
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def update_customer(conn: sqlite3.Connection, customer_id: str, params: dict[str, Any],
                    idempotency_key: str | None = None) -> dict[str, Any]:
    """Apply `metadata[…]` and the simple fields to a customer; appends `customer.updated` when anything changed."""
    at = clock(conn)
    doc = _load(conn, "customers", "customer", customer_id)
    previous: dict[str, Any] = {}
    for name, value in params.items():
        if name == "metadata":
            merged = _metadata(doc.get("metadata") or {}, value)
            if merged != doc.get("metadata"):
                previous["metadata"] = doc.get("metadata")
                doc["metadata"] = merged
        elif name in CUSTOMER_FIELDS:
            new = value or None
            if doc.get(name) != new:
                previous[name] = doc.get(name)
                doc[name] = new
        elif name != "expand":
            raise invalid_request(f"Received unknown parameter: {name}", param=name)
    if previous:
        _save(conn, "customers", doc, at)
        append_event(conn, "customer.updated", doc, at, previous, idempotency_key)
    return doc


def create_customer(conn: sqlite3.Connection, params: dict[str, Any],
                    idempotency_key: str | None = None) -> dict[str, Any]:
    """Create a customer from `name`, `email`, `metadata`, `address[country]`; appends `customer.created`."""
    at = clock(conn)
    cid = next_id(conn, "cus")
    address = params.get("address") if isinstance(params.get("address"), dict) else {}
    doc = sd.customer(cid, at, params.get("name") or "", params.get("email") or "", address.get("country"),
                      address.get("city"), params.get("currency") or "usd",
                      _metadata({}, params.get("metadata") or {}))
    doc["currency"] = params.get("currency") or None
    conn.execute("insert into customers (id, created, customer, status, deleted, _updated, data) "
                 "values (?, ?, null, null, 0, ?, ?)", (cid, at, at, orjson.dumps(doc).decode()))
    append_event(conn, "customer.created", doc, at, None, idempotency_key)
    return doc


def delete_customer(conn: sqlite3.Connection, customer_id: str) -> dict[str, Any]:
    """Delete a customer (the row stays, flagged); appends `customer.deleted` carrying the last state."""
    at = clock(conn)
    doc = _load(conn, "customers", "customer", customer_id)
    conn.execute("update customers set data = ?, deleted = 1, _updated = ? where id = ?",
                 (orjson.dumps(sd.deleted(customer_id, "customer")).decode(), at, customer_id))
    append_event(conn, "customer.deleted", doc, at)
    return sd.deleted(customer_id, "customer")


def cancel_subscription(conn: sqlite3.Connection, subscription_id: str) -> dict[str, Any]:
    """Cancel now: status `canceled`, `canceled_at`/`ended_at` set; appends `customer.subscription.deleted`.

    A cancellation is not a deletion: the subscription stays retrievable and listable (`status=all`).
    """
    at = clock(conn)
    doc = _load(conn, "subscriptions", "subscription", subscription_id)
    if doc["status"] == "canceled":
        raise invalid_request(f"A canceled subscription can only update its cancellation_details and metadata. "
                              f"Subscription: '{subscription_id}'", param="subscription")
    previous = {"status": doc["status"], "canceled_at": None, "ended_at": None}
    doc.update(status="canceled", canceled_at=at, ended_at=at)
    doc["cancellation_details"] = {**(doc.get("cancellation_details") or {}), "reason": "cancellation_requested"}
    _save(conn, "subscriptions", doc, at)
    conn.execute("update subscriptions set current_period_end = null where id = ?", (subscription_id,))
    append_event(conn, "customer.subscription.deleted", doc, at, previous)
    return doc
