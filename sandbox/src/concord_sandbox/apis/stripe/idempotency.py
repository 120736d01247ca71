"""`Idempotency-Key` on POST requests: same key and parameters → the stored response, replayed.

Kept in a sandbox-owned table (`_stripe_idempotency`) so replays survive a server restart, as Stripe keeps
keys for 24 hours. The same key with different parameters is a 400 `idempotency_error`.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass

import orjson

from concord_sandbox.apis.stripe.errors import StripeAPIError

DDL = """create table if not exists _stripe_idempotency (
    key text primary key, fingerprint text not null, status integer not null, body blob not null,
    created integer not null)"""


@dataclass(frozen=True)
class StoredResponse:
    """A response kept for replay."""

    status: int
    body: bytes


def fingerprint(method: str, path: str, params: object) -> str:
    """A digest of what the request asked for (the parameters in canonical order)."""
    data = orjson.dumps([method, path, params], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(data).hexdigest()


def lookup(conn: sqlite3.Connection, key: str, print_: str) -> StoredResponse | None:
    """The stored response for `key`, or None; raises 400 `idempotency_error` when the parameters differ."""
    row = conn.execute("select fingerprint, status, body from _stripe_idempotency where key = ?", (key,)).fetchone()
    if row is None:
        return None
    if row[0] != print_:
        raise StripeAPIError(400, "idempotency_error",
                             "Keys for idempotent requests can only be used with the same parameters they were "
                             f"first used with. Try using a key other than '{key}' if you meant to execute a "
                             "different request.")
    return StoredResponse(row[1], bytes(row[2]))


def remember(conn: sqlite3.Connection, key: str, print_: str, status: int, body: bytes, now: int) -> None:
    """Keep a response for replay (inside the caller's write transaction)."""
    conn.execute("insert or replace into _stripe_idempotency (key, fingerprint, status, body, created) "
                 "values (?, ?, ?, ?, ?)", (key, print_, status, body, now))
