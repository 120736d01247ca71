"""The record API's upserts: `PUT /services/rest/record/v1/{customer|invoice|customerPayment}/eid:{externalId}`.

A body is validated against the ERP's reference data (subsidiary, currency, customer, item, tax code) before
anything is written; an invalid field is a `FieldValidationError` (400 with `o:errorDetails` naming the field).
References are `{"id": "…"}` or `{"externalId": "…"}` objects as the REST record API takes them.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from concord_sandbox.apis.netsuite import writes
from concord_sandbox.apis.netsuite.errors import FieldValidationError, NetSuiteApiError
from concord_sandbox.company import TAX_RATES
from concord_sandbox.netsuite_rows import INVOICE_OPEN, PAYMENT_DEPOSITED
from concord_sandbox.store import Store

RECORD_TYPES = {"customer": "customer", "invoice": "invoice", "customerpayment": "customerpayment"}
TAX_CODES = frozenset(t.code for t in TAX_RATES if t.mapped)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class UnknownRecordTypeError(NetSuiteApiError):
    """The path names a record type the emulator does not serve."""

    def __init__(self, record_type: str) -> None:
        super().__init__(404, "NONEXISTENT_ID", f"Record type '{record_type}' does not exist or is not supported.")


@dataclass
class _Body:
    record_type: str
    key: str
    data: dict[str, Any]
    conn: sqlite3.Connection

    def fail(self, field: str, reason: str) -> FieldValidationError:
        return FieldValidationError(self.record_type, self.key, field, reason)

    def ref(self, field: str, table: str, *, required: bool = False) -> int | None:
        """The internal id a reference field points at, checked to exist in `table`."""
        value = self.data.get(field)
        if value is None:
            if required:
                raise self.fail(field, "is required")
            return None
        if not isinstance(value, dict) or not ({"id", "externalId"} & value.keys()):
            raise self.fail(field, 'expected a reference object {"id": …} or {"externalId": …}')
        if "id" in value:
            try:
                ref_id = int(value["id"])
            except (TypeError, ValueError) as exc:
                raise self.fail(field, f"invalid internal id {value['id']!r}") from exc
            row = self.conn.execute(f'select id from "{table}" where id = ?', (ref_id,)).fetchone()
        else:
            row = self.conn.execute(f'select id from "{table}" where externalid = ?',
                                    (str(value["externalId"]),)).fetchone()
        if row is None:
            raise self.fail(field, f"no {table} {value!r}")
        return int(row[0])

    def text(self, field: str, *, required: bool = False) -> str | None:
        value = self.data.get(field)
        if value is None:
            if required:
                raise self.fail(field, "is required")
            return None
        if not isinstance(value, str):
            raise self.fail(field, "expected a string")
        return value

    def date(self, field: str) -> str | None:
        value = self.text(field)
        if value is not None and not _DATE.match(value):
            raise self.fail(field, "expected a date YYYY-MM-DD")
        return value

    def number(self, source: dict[str, Any], field: str, *, required: bool = False) -> float | None:
        value = source.get(field)
        if value is None:
            if required:
                raise self.fail(field, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(field, "expected a number")
        return float(value)

    def sublist(self, field: str) -> list[dict[str, Any]] | None:
        value = self.data.get(field)
        if value is None:
            return None
        items = value.get("items") if isinstance(value, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise self.fail(field, 'expected a sublist {"items": [ … ]}')
        return items


def _precision(conn: sqlite3.Connection, currency: int | None) -> int:
    row = conn.execute("select currencyprecision from currency where id = ?", (currency,)).fetchone()
    return int(row[0]) if row else 2


def _entity_defaults(conn: sqlite3.Connection, entity: int) -> tuple[int, int]:
    row = conn.execute("select subsidiary, currency from customer where id = ?", (entity,)).fetchone()
    return int(row[0]), int(row[1])


def upsert(store: Store, conn: sqlite3.Connection, record_type: str, externalid: str,
           data: dict[str, Any]) -> writes.WriteResult:
    """Validate `data` for `record_type` against the store (read through `conn`) and apply the upsert."""
    kind = RECORD_TYPES.get(record_type.lower())
    if kind is None:
        raise UnknownRecordTypeError(record_type)
    body = _Body(record_type, f"eid:{externalid}", data, conn)
    if kind == "customer":
        return writes.upsert_customer(store, externalid, _customer_fields(body))
    if kind == "invoice":
        header, lines = _invoice_fields(body)
        return writes.upsert_transaction(store, "invoice", externalid, header, lines, None)
    header, applies = _payment_fields(body)
    return writes.upsert_transaction(store, "customerpayment", externalid, header, None, applies)


def _customer_fields(body: _Body) -> dict[str, Any]:
    exists = body.conn.execute("select 1 from customer where externalid = ?", (body.key[4:],)).fetchone()
    fields: dict[str, Any] = {}
    subsidiary = body.ref("subsidiary", "subsidiary", required=not exists)
    if subsidiary is not None:
        fields["subsidiary"] = subsidiary
    currency = body.ref("currency", "currency")
    if currency is None and subsidiary is not None and not exists:
        currency = body.conn.execute("select currency from subsidiary where id = ?", (subsidiary,)).fetchone()[0]
    if currency is not None:
        fields["currency"] = currency
    parent = body.ref("parent", "customer")
    if parent is not None:
        fields["parent"] = parent
    name = body.text("companyName", required=not exists)
    if name is not None:
        fields["companyname"] = name
    for src, col in (("email", "email"), ("phone", "phone"), ("entityId", "entityid"),
                     ("custentity_sf_account_id", "custentity_sf_account_id")):
        value = body.text(src)
        if value is not None:
            fields[col] = value
    terms = body.data.get("terms")
    if terms is not None:
        fields["terms"] = str(terms.get("refName") or terms.get("id")) if isinstance(terms, dict) else str(terms)
    if "isInactive" in body.data:
        if not isinstance(body.data["isInactive"], bool):
            raise body.fail("isInactive", "expected a boolean")
        fields["isinactive"] = "T" if body.data["isInactive"] else "F"
    return fields


def _invoice_fields(body: _Body) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    exists = body.conn.execute('select entity, subsidiary, currency from "transaction" where externalid = ?',
                               (body.key[4:],)).fetchone()
    entity = body.ref("entity", "customer", required=not exists)
    if entity is None:
        entity = exists[0]
    default_sub, default_cur = _entity_defaults(body.conn, entity) if not exists else (exists[1], exists[2])
    subsidiary = body.ref("subsidiary", "subsidiary") or default_sub
    currency = body.ref("currency", "currency") or default_cur
    digits = _precision(body.conn, currency)
    header: dict[str, Any] = {"entity": entity, "subsidiary": subsidiary, "currency": currency}
    rate = body.conn.execute("select exchangerate from currency where id = ?", (currency,)).fetchone()
    header["exchangerate"] = rate[0] if rate else 1.0
    for src, col in (("tranDate", "trandate"), ("dueDate", "duedate")):
        value = body.date(src)
        if value is not None:
            header[col] = value
    for src, col in (("memo", "memo"), ("tranId", "tranid")):
        value = body.text(src)
        if value is not None:
            header[col] = value
    items = body.sublist("item")
    if items is None and not exists:
        raise body.fail("item", "an invoice needs at least one item line")
    if items is None:
        return header, None
    lines, subtotal = [], 0.0
    tax_total = body.number(body.data, "taxTotal") or 0.0
    for n, raw in enumerate(items, start=1):
        line = _Body(body.record_type, body.key, raw, body.conn)
        item = line.ref("item", "item", required=True)
        tax = raw.get("taxCode")
        if tax is not None:
            code = tax.get("refName") or tax.get("id") if isinstance(tax, dict) else tax
            if code not in TAX_CODES:
                raise body.fail(f"item.items[{n - 1}].taxCode", f"unknown tax code {code!r}")
        quantity = line.number(raw, "quantity") or 1.0
        rate_value = line.number(raw, "rate")
        amount = line.number(raw, "amount")
        if amount is None:
            if rate_value is None:
                raise body.fail(f"item.items[{n - 1}].amount", "a line needs an amount or a rate")
            amount = rate_value * quantity
        amount = round(amount, digits)
        subtotal += amount
        lines.append({"item": item, "memo": raw.get("description"), "quantity": quantity,
                      "rate": round(rate_value if rate_value is not None else amount / quantity, digits),
                      "foreignamount": amount, "subsidiary": subsidiary})
    total = round(subtotal + tax_total, digits)
    header.update({"foreigntotal": total, "taxtotal": round(tax_total, digits)})
    if not exists:
        header.update({"foreignamountremaining": total, "status": INVOICE_OPEN})
    else:
        applied = body.conn.execute(
            "select coalesce(sum(foreignamount), 0) from previoustransactionlink l join \"transaction\" t "
            "on t.id = l.previousdoc where t.externalid = ?", (body.key[4:],)).fetchone()[0]
        remaining = max(round(total - applied, digits), 0.0)
        header.update({"foreignamountremaining": remaining, "status": "B" if remaining == 0 else INVOICE_OPEN})
    return header, lines


def _payment_fields(body: _Body) -> tuple[dict[str, Any], list[tuple[int, float]] | None]:
    exists = body.conn.execute('select entity, subsidiary, currency from "transaction" where externalid = ?',
                               (body.key[4:],)).fetchone()
    entity = body.ref("customer", "customer", required=not exists)
    if entity is None:
        entity = exists[0]
    default_sub, default_cur = _entity_defaults(body.conn, entity) if not exists else (exists[1], exists[2])
    subsidiary = body.ref("subsidiary", "subsidiary") or default_sub
    currency = body.ref("currency", "currency") or default_cur
    digits = _precision(body.conn, currency)
    header: dict[str, Any] = {"entity": entity, "subsidiary": subsidiary, "currency": currency,
                              "status": PAYMENT_DEPOSITED}
    rate = body.conn.execute("select exchangerate from currency where id = ?", (currency,)).fetchone()
    header["exchangerate"] = rate[0] if rate else 1.0
    payment = body.number(body.data, "payment", required=not exists)
    if payment is not None:
        header["foreigntotal"] = round(payment, digits)
    value = body.date("tranDate")
    if value is not None:
        header["trandate"] = value
    memo = body.text("memo")
    if memo is not None:
        header["memo"] = memo
    items = body.sublist("apply")
    if items is None:
        return header, None
    applies = []
    for n, raw in enumerate(items, start=1):
        if raw.get("apply") is False:
            continue
        line = _Body(body.record_type, body.key, raw, body.conn)
        doc = line.ref("doc", "transaction", required=True)
        assert doc is not None
        kind = body.conn.execute('select type, entity from "transaction" where id = ?', (doc,)).fetchone()
        if kind[0] != "CustInvc":
            raise body.fail(f"apply.items[{n - 1}].doc", "only invoices can be paid")
        if kind[1] != entity:
            raise body.fail(f"apply.items[{n - 1}].doc", "the invoice belongs to another customer")
        amount = line.number(raw, "amount", required=True)
        assert amount is not None
        applies.append((doc, round(amount, digits)))
    return header, applies
