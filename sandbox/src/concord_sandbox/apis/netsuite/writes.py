"""NetSuite writes applied to the store at the simulated time: customer, invoice and customer payment upserts by
external id, and deletions (row removed, `deletedrecord` row added, as NetSuite does).

Internal ids continue the generator's counters (`sandbox_meta.counters`: `ns.entity`, `ns.transaction`) so
`concord sandbox advance` and API writes never collide. Every change sets `lastmodifieddate` to the clock.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import orjson

from concord_sandbox.errors import RecordNotFoundError
from concord_sandbox.netsuite_rows import INVOICE_OPEN, INVOICE_PAID, PAYMENT_DEPOSITED
from concord_sandbox.store import Store
from concord_sandbox.timefmt import ns

TRANSACTION_TYPES = {"invoice": ("CustInvc", "INV"), "customerpayment": ("CustPymt", "PYMT"),
                     "creditmemo": ("CustCred", "CM")}


@dataclass(frozen=True)
class WriteResult:
    """The internal id of the written record and whether the write created it."""

    internal_id: int
    created: bool


def next_id(conn: sqlite3.Connection, counter: str, first: int) -> int:
    """The next value of a generator counter, persisted in `sandbox_meta.counters`."""
    row = conn.execute("select value from sandbox_meta where key = 'counters'").fetchone()
    counters = orjson.loads(row[0]) if row else {}
    value = counters.get(counter, first - 1) + 1
    counters[counter] = value
    conn.execute("insert or replace into sandbox_meta (key, value) values ('counters', ?)",
                 (orjson.dumps(counters, option=orjson.OPT_SORT_KEYS).decode(),))
    return value


def _now(conn: sqlite3.Connection) -> str:
    return ns(int(conn.execute("select value from sandbox_meta where key = 'now'").fetchone()[0]))


def upsert_customer(store: Store, externalid: str, fields: dict[str, Any]) -> WriteResult:
    """Create or update the customer with `externalid`; `fields` are SuiteQL column values."""
    with store.transaction() as conn:
        at = _now(conn)
        row = conn.execute("select id from customer where externalid = ?", (externalid,)).fetchone()
        if row:
            _update(conn, "customer", row[0], {**fields, "lastmodifieddate": at})
            return WriteResult(row[0], False)
        new_id = next_id(conn, "ns.entity", 1000)
        values = {"entityid": f"CUST{new_id:07d}", "isinactive": "F", **fields, "id": new_id,
                  "externalid": externalid, "datecreated": at, "lastmodifieddate": at}
        _insert(conn, "customer", values)
        return WriteResult(new_id, True)


def upsert_transaction(store: Store, recordtype: str, externalid: str, header: dict[str, Any],
                       lines: list[dict[str, Any]] | None, applies: list[tuple[int, float]] | None) -> WriteResult:
    """Create or update a transaction by external id, replacing its item lines when `lines` is given and
    applying a payment or credit memo to invoices (`applies`: invoice id, amount) when given."""
    type_code, prefix = TRANSACTION_TYPES[recordtype]
    with store.transaction() as conn:
        at = _now(conn)
        row = conn.execute('select id, recordtype from "transaction" where externalid = ?', (externalid,)).fetchone()
        if row and row[1] != recordtype:
            raise RecordNotFoundError("netsuite", recordtype, f"eid:{externalid}")
        if row:
            tx_id, created = row[0], False
            _update(conn, "transaction", tx_id, {**header, "lastmodifieddate": at})
        else:
            tx_id, created = next_id(conn, "ns.transaction", 5000), True
            _insert(conn, "transaction", {"tranid": f"{prefix}{tx_id:08d}", "voided": "F", **header, "id": tx_id,
                                          "type": type_code, "recordtype": recordtype, "externalid": externalid,
                                          "createddate": at, "lastmodifieddate": at})
        if lines is not None:
            conn.execute('delete from transactionline where "transaction" = ?', (tx_id,))
            for n, line in enumerate(lines, start=1):
                _insert(conn, "transactionline", {**line, "transaction": tx_id, "id": n, "linesequencenumber": n,
                                                  "mainline": "F"})
        if applies:
            linktype = "Payment" if recordtype == "customerpayment" else "Credit Memo"
            for invoice_id, amount in applies:
                _apply(conn, tx_id, invoice_id, amount, linktype, at)
        return WriteResult(tx_id, created)


def _apply(conn: sqlite3.Connection, doc: int, invoice_id: int, amount: float, linktype: str, at: str) -> None:
    inv = conn.execute('select foreignamountremaining, currency from "transaction" where id = ? and type = ?',
                       (invoice_id, "CustInvc")).fetchone()
    if inv is None:
        raise RecordNotFoundError("netsuite", "invoice", str(invoice_id))
    precision = conn.execute("select currencyprecision from currency where id = ?", (inv[1],)).fetchone()
    digits = precision[0] if precision else 2
    previous = conn.execute("select foreignamount from previoustransactionlink where previousdoc = ? and nextdoc = ?",
                            (invoice_id, doc)).fetchone()
    remaining = round((inv[0] or 0.0) + (previous[0] if previous else 0.0) - amount, digits)
    remaining = max(remaining, 0.0)
    conn.execute("insert or replace into previoustransactionlink (previousdoc, nextdoc, linktype, foreignamount, "
                 "lastmodifieddate) values (?, ?, ?, ?, ?)", (invoice_id, doc, linktype, amount, at))
    conn.execute('update "transaction" set foreignamountremaining = ?, status = ?, lastmodifieddate = ? where id = ?',
                 (remaining, INVOICE_PAID if remaining == 0 else INVOICE_OPEN, at, invoice_id))


def delete_record(store: Store, recordtype: str, internal_id: int) -> None:
    """Delete a customer or transaction: the row (and a transaction's lines) go, a `deletedrecord` row records it."""
    table = "customer" if recordtype == "customer" else "transaction"
    with store.transaction() as conn:
        at = _now(conn)
        name_col = "entityid" if table == "customer" else "tranid"
        row = conn.execute(f'select {name_col}, externalid from "{table}" where id = ?', (internal_id,)).fetchone()
        if row is None:
            raise RecordNotFoundError("netsuite", recordtype, str(internal_id))
        conn.execute(f'delete from "{table}" where id = ?', (internal_id,))
        if table == "transaction":
            conn.execute('delete from transactionline where "transaction" = ?', (internal_id,))
        conn.execute("insert into deletedrecord (recordid, recordtypename, name, externalid, deleteddate) "
                     "values (?, ?, ?, ?, ?)", (internal_id, recordtype, row[0], row[1], at))


def _insert(conn: sqlite3.Connection, table: str, values: dict[str, Any]) -> None:
    cols = ", ".join(f'"{c}"' for c in values)
    conn.execute(f'insert into "{table}" ({cols}) values ({", ".join("?" * len(values))})', list(values.values()))


def _update(conn: sqlite3.Connection, table: str, row_id: int, values: dict[str, Any]) -> None:
    sets = ", ".join(f'"{c}" = ?' for c in values)
    conn.execute(f'update "{table}" set {sets} where id = ?', [*values.values(), row_id])


__all__ = ["PAYMENT_DEPOSITED", "WriteResult", "delete_record", "upsert_customer", "upsert_transaction"]
