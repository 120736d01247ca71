"""One write transaction against a seeded sandbox: the clock, id counters, and change recording per system.

Both the emulators' writes (`writes`) and the clock's activity (`activity`) go through a `Mutation`, so every
change gets the simulated time, Salesforce modstamps, a Stripe event and NetSuite `lastmodifieddate` alike.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from concord_sandbox import stripe_docs
from concord_sandbox.history import Counters
from concord_sandbox.ids import StripeIds, salesforce_id
from concord_sandbox.timefmt import ns, sf
from concord_sandbox.truth import record_planted

_EVENT_TYPE_PREFIX = {"subscription": "customer.subscription"}


class Mutation:
    """Helpers bound to one open transaction at simulated time `now` (unix seconds)."""

    def __init__(self, conn: sqlite3.Connection, now: int) -> None:
        self.conn = conn
        self.now = now
        meta = dict(conn.execute("select key, value from sandbox_meta").fetchall())
        self.seed = int(meta["seed"])
        self.counters = Counters(orjson.loads(meta.get("counters", "{}")))
        self.ids = StripeIds(self.seed)
        self.planted: list[tuple[str, dict[str, dict[str, list[Any]]], int]] = []

    # ids ---------------------------------------------------------------------------------------------
    def sfid(self, sobject: str) -> str:
        """A new Salesforce id for `sobject`."""
        return salesforce_id(sobject, self.counters.next(f"sf.{sobject}"))

    def sid(self, prefix: str) -> str:
        """A new Stripe id with `prefix`."""
        return self.ids.make(prefix, self.counters.next(f"stripe.{prefix}"))

    def ns_id(self, kind: str) -> int:
        """A new NetSuite internal id; `kind` is `entity` or `transaction`."""
        return self.counters.next(f"ns.{kind}", 5000 if kind == "transaction" else 1000)

    # Salesforce -------------------------------------------------------------------------------------
    @property
    def sf_now(self) -> str:
        return sf(self.now)

    def sf_row(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        """A Salesforce row as a dict, or None."""
        cur = self.conn.execute(f'select * from "{sobject}" where Id = ?', (record_id,))
        row = cur.fetchone()
        return None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))

    def sf_update(self, sobject: str, record_id: str, fields: dict[str, Any], at: int | None = None) -> None:
        """Set fields and stamp LastModifiedDate/SystemModstamp (at `at`, default now)."""
        stamp = sf(self.now if at is None else at)
        values = {**fields, "LastModifiedDate": stamp, "SystemModstamp": stamp}
        sets = ", ".join(f'"{k}" = ?' for k in values)
        self.conn.execute(f'update "{sobject}" set {sets} where Id = ?', (*values.values(), record_id))

    def sf_insert(self, sobject: str, row: dict[str, Any]) -> None:
        """Insert a Salesforce row given every column it sets."""
        names = ", ".join(f'"{k}"' for k in row)
        self.conn.execute(
            f'insert into "{sobject}" ({names}) values ({", ".join("?" * len(row))})', tuple(row.values())
        )

    # Stripe -----------------------------------------------------------------------------------------
    def stripe_doc(self, table: str, object_id: str) -> dict[str, Any] | None:
        """The current document of a Stripe object, or None if absent."""
        row = self.conn.execute(f"select data from {table} where id = ?", (object_id,)).fetchone()
        return None if row is None else orjson.loads(row[0])

    def stripe_put(self, table: str, doc: dict[str, Any], **extra: Any) -> None:
        """Insert or replace a Stripe document and its listing columns, stamped now."""
        row = {
            "id": doc["id"],
            "created": doc["created"],
            "customer": doc.get("customer"),
            "status": doc.get("status"),
            "deleted": 1 if doc.get("deleted") else 0,
            "_updated": self.now,
            **extra,
            "data": orjson.dumps(doc).decode(),
        }
        names = ", ".join(row)
        updates = ", ".join(f"{k} = excluded.{k}" for k in row if k not in ("id", "created"))
        self.conn.execute(
            f"insert into {table} ({names}) values ({', '.join('?' * len(row))}) "
            f"on conflict (id) do update set {updates}",
            tuple(row.values()),
        )

    def event(
        self, etype: str, doc: dict[str, Any], previous: dict[str, Any] | None = None, at: int | None = None
    ) -> None:
        """Append a Stripe event for a change to `doc`."""
        created = self.now if at is None else at
        eid = self.sid("evt")
        data = stripe_docs.event_json(eid, etype, created, doc, previous)
        self.conn.execute(
            "insert into events (id, type, created, object_id, data) values (?, ?, ?, ?, ?)",
            (eid, etype, created, doc["id"], data),
        )

    @staticmethod
    def event_prefix(doc: dict[str, Any]) -> str:
        """The event-type prefix of an object (`customer.subscription` for subscriptions)."""
        return _EVENT_TYPE_PREFIX.get(doc["object"], doc["object"])

    # NetSuite ---------------------------------------------------------------------------------------
    @property
    def ns_now(self) -> str:
        return ns(self.now)

    def ns_row(self, table: str, where: str, *args: Any) -> dict[str, Any] | None:
        """One NetSuite row matching `where`, as a dict, or None."""
        cur = self.conn.execute(f'select * from "{table}" where {where}', args)
        row = cur.fetchone()
        return None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))

    def ns_insert(self, table: str, row: dict[str, Any]) -> None:
        """Insert a NetSuite row given every column it sets."""
        names = ", ".join(f'"{k}"' for k in row)
        self.conn.execute(
            f'insert into "{table}" ({names}) values ({", ".join("?" * len(row))})', tuple(row.values())
        )

    def ns_update(self, table: str, ns_id: int, fields: dict[str, Any]) -> None:
        """Set fields and stamp `lastmodifieddate` (tables that have one)."""
        values = dict(fields)
        if table in ("customer", "item", "transaction", "subsidiary", "currency"):
            values["lastmodifieddate"] = self.ns_now
        sets = ", ".join(f'"{k}" = ?' for k in values)
        self.conn.execute(f'update "{table}" set {sets} where id = ?', (*values.values(), ns_id))

    def ns_delete(
        self, table: str, recordtypename: str, ns_id: int, name: str | None, externalid: str | None
    ) -> int:
        """Remove a NetSuite record and log it in `deletedrecord`, as NetSuite does; returns the log row's id."""
        self.conn.execute(f'delete from "{table}" where id = ?', (ns_id,))
        if table == "transaction":
            self.conn.execute('delete from transactionline where "transaction" = ?', (ns_id,))
            self.conn.execute(
                "delete from previoustransactionlink where previousdoc = ? or nextdoc = ?", (ns_id, ns_id)
            )
        cur = self.conn.execute(
            "insert into deletedrecord (recordid, recordtypename, name, externalid, "
            "deleteddate) values (?, ?, ?, ?, ?)",
            (ns_id, recordtypename, name, externalid, self.ns_now),
        )
        return int(cur.lastrowid or 0)

    # Ground truth and bookkeeping -----------------------------------------------------------------------
    def plant(self, cls: str, at: int, keys: dict[str, dict[str, list[Any]]]) -> None:
        """Record a newly planted instance (written to the truth table by `finish`)."""
        self.planted.append((cls, keys, at))

    def finish(self) -> None:
        """Persist counters and newly planted instances."""
        if self.planted:
            record_planted(self.conn, self.planted)
            self.planted = []
        self.conn.execute(
            "insert or replace into sandbox_meta (key, value) values ('counters', ?)",
            (orjson.dumps(self.counters.values, option=orjson.OPT_SORT_KEYS).decode(),),
        )
