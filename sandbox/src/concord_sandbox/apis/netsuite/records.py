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

from concord_sandbox.apis.netsuite.errors import FieldValidationError, NetSuiteApiError
from concord_sandbox.company import TAX_RATES
from concord_sandbox.store import Store
from concord_sandbox.writes import netsuite_upsert

RECORD_TYPES = {"customer": "customer", "invoice": "invoice", "customerpayment": "customerPayment"}
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
           data: dict[str, Any]) -> tuple[int, bool]:
    """Validate `data` for `record_type` against the store (read through `conn`), then apply it through the
    sandbox's writes (which record the change and repair ground truth); returns (internal id, created?)."""
    kind = RECORD_TYPES.get(record_type.lower())
    if kind is None:
        raise UnknownRecordTypeError(record_type)
    body = _Body(record_type, f"eid:{externalid}", data, conn)
    if kind == "customer":
        fields = _customer_fields(body)
    elif kind == "invoice":
        fields = _invoice_fields(body)
    else:
        fields = _payment_fields(body)
    return netsuite_upsert(store, kind, externalid, fields)


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


def _transaction_header(body: _Body, type_code: str, customer_field: str) -> tuple[dict[str, Any], bool, int, int]:
    """Fields for the customer, subsidiary and currency references of a transaction; whether it exists; its
    customer's internal id; and the decimals of its currency."""
    exists = body.conn.execute('select entity, currency from "transaction" where externalid = ? and type = ?',
                               (body.key[4:], type_code)).fetchone()
    fields: dict[str, Any] = {}
    entity = body.ref(customer_field, "customer", required=not exists)
    if entity is not None:
        fields["entity"] = entity
    for src in ("subsidiary", "currency"):
        ref = body.ref(src, src)
        if ref is not None:
            fields[src] = ref
    entity = entity if entity is not None else int(exists[0])
    currency = fields.get("currency") or (exists[1] if exists else _entity_defaults(body.conn, entity)[1])
    return fields, exists is not None, entity, _precision(body.conn, currency)


def _invoice_fields(body: _Body) -> dict[str, Any]:
    fields, exists, _, digits = _transaction_header(body, "CustInvc", "entity")
    for src, col in (("tranDate", "trandate"), ("dueDate", "duedate")):
        value = body.date(src)
        if value is not None:
            fields[col] = value
    for src, col in (("memo", "memo"), ("tranId", "tranid")):
        value = body.text(src)
        if value is not None:
            fields[col] = value
    items = body.sublist("item")
    if items is None:
        if not exists:
            raise body.fail("item", "an invoice needs at least one item line")
        return fields
    lines, subtotal = [], 0.0
    tax_total = body.number(body.data, "taxTotal") or 0.0
    for n, raw in enumerate(items):
        line = _Body(body.record_type, body.key, raw, body.conn)
        item = line.ref("item", "item", required=True)
        tax = raw.get("taxCode")
        if tax is not None:
            code = (tax.get("refName") or tax.get("id")) if isinstance(tax, dict) else tax
            if code not in TAX_CODES:
                raise body.fail(f"item.items[{n}].taxCode", f"unknown tax code {code!r}")
        quantity = line.number(raw, "quantity") or 1.0
        rate = line.number(raw, "rate")
        amount = line.number(raw, "amount")
        if amount is None:
            if rate is None:
                raise body.fail(f"item.items[{n}].amount", "a line needs an amount or a rate")
            amount = rate * quantity
        amount = round(amount, digits)
        subtotal += amount
        lines.append({"item": item, "memo": raw.get("description"), "quantity": quantity,
                      "rate": round(rate if rate is not None else amount / quantity, digits), "amount": amount})
    fields.update({"lines": lines, "taxtotal": round(tax_total, digits),
                   "foreigntotal": round(subtotal + tax_total, digits)})
    return fields


def _payment_fields(body: _Body) -> dict[str, Any]:
    fields, exists, entity, digits = _transaction_header(body, "CustPymt", "customer")
    payment = body.number(body.data, "payment", required=not exists)
    if payment is not None:
        fields["payment"] = round(payment, digits)
    value = body.date("tranDate")
    if value is not None:
        fields["trandate"] = value
    memo = body.text("memo")
    if memo is not None:
        fields["memo"] = memo
    items = body.sublist("apply")
    if items is None:
        return fields
    applies = []
    for n, raw in enumerate(items):
        if raw.get("apply") is False:
            continue
        line = _Body(body.record_type, body.key, raw, body.conn)
        doc = line.ref("doc", "transaction", required=True)
        kind = body.conn.execute('select type, entity from "transaction" where id = ?', (doc,)).fetchone()
        if kind[0] != "CustInvc":
            raise body.fail(f"apply.items[{n}].doc", "only invoices can be paid")
        if kind[1] != entity:
            raise body.fail(f"apply.items[{n}].doc", "the invoice belongs to another customer")
        amount = line.number(raw, "amount", required=True)
        applies.append({"doc": doc, "amount": round(amount or 0.0, digits)})
    fields["apply"] = applies
    return fields
