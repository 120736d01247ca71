"""The write/repair hook emulators call when a client writes: apply at simulated time, record, detect repairs.

Every function runs one transaction: it applies the change with the sandbox clock (Salesforce modstamps, a
Stripe `*.updated` event, NetSuite `lastmodifieddate`), then re-evaluates the planted instances whose keys the
write touched and marks those whose class predicate no longer holds as repaired at that simulated time.
Errors: `RecordNotFoundError` (no such record), `InvalidWriteError` (a field that cannot be written).
"""

from __future__ import annotations

from typing import Any

from concord_sandbox.errors import InvalidWriteError, RecordNotFoundError
from concord_sandbox.mutation import Mutation
from concord_sandbox.netsuite_rows import INVOICE_OPEN, INVOICE_PAID, PAYMENT_DEPOSITED
from concord_sandbox.repair import TouchedKey, reevaluate
from concord_sandbox.schema import SALESFORCE_TABLES
from concord_sandbox.store import Store

_SF_READONLY = {
    "Id",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
    "IsDeleted",
    "MasterRecordId",
    "_deleted_at",
}
_SF_REQUIRED = {
    "Account": ("Name",),
    "Contact": ("LastName",),
    "Opportunity": ("Name", "StageName", "CloseDate"),
    "OpportunityLineItem": ("OpportunityId",),
    "Product2": ("Name",),
}


def _columns(m: Mutation, table: str) -> list[str]:
    return [r[1] for r in m.conn.execute(f'pragma table_info("{table}")')]


def _check_sobject(sobject: str) -> None:
    if sobject not in SALESFORCE_TABLES or sobject == "User":
        raise InvalidWriteError(
            "salesforce", sobject, "", "sobject", "the sandbox does not accept writes to it"
        )


def _sf_fields(m: Mutation, sobject: str, record_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    columns = set(_columns(m, sobject))
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in columns or name.startswith("_"):
            raise InvalidWriteError("salesforce", sobject, record_id, name, "no such field")
        if name in _SF_READONLY:
            raise InvalidWriteError("salesforce", sobject, record_id, name, "the field is not writeable")
        clean[name] = int(value) if isinstance(value, bool) else value
    return clean


def _sf_touched(sobject: str, record_id: str, *rows: dict[str, Any] | None) -> list[TouchedKey]:
    touched: list[TouchedKey] = [("salesforce", sobject, record_id)]
    for row in rows:
        if row is None:
            continue
        if sobject == "Opportunity":
            touched.append(("stripe", "subscriptions", row.get("Stripe_Subscription_Id__c")))
            touched.append(("salesforce", "Account", row.get("AccountId")))
    return touched


def salesforce_update(store: Store, sobject: str, record_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Update one live record (sObject Collections PATCH); returns the updated row."""
    _check_sobject(sobject)
    with store.transaction() as conn:
        m = Mutation(conn, store.now())
        before = m.sf_row(sobject, record_id)
        if before is None or before["IsDeleted"]:
            raise RecordNotFoundError("salesforce", sobject, record_id)
        values = _sf_fields(m, sobject, record_id, fields)
        if sobject == "Account":
            values["LastModifiedById"] = _integration_user(m)
        m.sf_update(sobject, record_id, values)
        after = m.sf_row(sobject, record_id)
        reevaluate(
            conn,
            _sf_touched(sobject, record_id, before, after),
            m.now,
            f"salesforce update {sobject} {record_id}",
        )
        m.finish()
    assert after is not None
    return after


def salesforce_create(store: Store, sobject: str, fields: dict[str, Any]) -> str:
    """Create a record; returns its new Id."""
    _check_sobject(sobject)
    with store.transaction() as conn:
        m = Mutation(conn, store.now())
        values = _sf_fields(m, sobject, "(new)", fields)
        for name in _SF_REQUIRED.get(sobject, ()):
            if values.get(name) in (None, ""):
                raise InvalidWriteError("salesforce", sobject, "(new)", name, "required field missing")
        record_id = m.sfid(sobject)
        row = {name: None for name in _columns(m, sobject)}
        row.update(values)
        row.update(
            {
                "Id": record_id,
                "IsDeleted": 0,
                "CreatedDate": m.sf_now,
                "LastModifiedDate": m.sf_now,
                "SystemModstamp": m.sf_now,
            }
        )
        if "CreatedById" in row:
            row["CreatedById"] = row["LastModifiedById"] = _integration_user(m)
        if sobject == "Opportunity":
            row["IsClosed"] = 1 if str(row.get("StageName", "")).startswith("Closed") else 0
            row["IsWon"] = 1 if row.get("StageName") == "Closed Won" else 0
        m.sf_insert(sobject, row)
        reevaluate(
            conn, _sf_touched(sobject, record_id, row), m.now, f"salesforce create {sobject} {record_id}"
        )
        m.finish()
    return record_id


def salesforce_delete(store: Store, sobject: str, record_id: str) -> None:
    """Delete a record: it stays with IsDeleted = 1 (queryAll shows it for 15 days)."""
    _check_sobject(sobject)
    with store.transaction() as conn:
        m = Mutation(conn, store.now())
        row = m.sf_row(sobject, record_id)
        if row is None or row["IsDeleted"]:
            raise RecordNotFoundError("salesforce", sobject, record_id)
        m.sf_update(sobject, record_id, {"IsDeleted": 1, "_deleted_at": m.sf_now})
        reevaluate(
            conn, _sf_touched(sobject, record_id, row), m.now, f"salesforce delete {sobject} {record_id}"
        )
        m.finish()


def salesforce_merge(store: Store, sobject: str, master_id: str, loser_ids: list[str]) -> None:
    """Merge `loser_ids` into `master_id`: losers are deleted with MasterRecordId = master; children move."""
    if sobject not in ("Account", "Contact"):
        raise InvalidWriteError("salesforce", sobject, master_id, "sobject", "only Account and Contact merge")
    with store.transaction() as conn:
        m = Mutation(conn, store.now())
        master = m.sf_row(sobject, master_id)
        if master is None or master["IsDeleted"]:
            raise RecordNotFoundError("salesforce", sobject, master_id)
        touched: list[TouchedKey] = [("salesforce", sobject, master_id)]
        for loser_id in loser_ids:
            loser = m.sf_row(sobject, loser_id)
            if loser is None or loser["IsDeleted"]:
                raise RecordNotFoundError("salesforce", sobject, loser_id)
            m.sf_update(
                sobject, loser_id, {"IsDeleted": 1, "_deleted_at": m.sf_now, "MasterRecordId": master_id}
            )
            if sobject == "Account":
                for child in ("Contact", "Opportunity"):
                    conn.execute(
                        f'update "{child}" set AccountId = ?, LastModifiedDate = ?, SystemModstamp = ? '
                        "where AccountId = ? and IsDeleted = 0",
                        (master_id, m.sf_now, m.sf_now, loser_id),
                    )
            touched.append(("salesforce", sobject, loser_id))
        reevaluate(conn, touched, m.now, f"salesforce merge {sobject} into {master_id}")
        m.finish()


def _integration_user(m: Mutation) -> str:
    return m.conn.execute('select Id from "User" order by Id limit 1').fetchone()[0]


_STRIPE_WRITABLE = {
    "customers",
    "subscriptions",
    "invoices",
    "products",
    "prices",
    "payment_intents",
    "charges",
}
_STRIPE_FIXED = {"id", "object", "created", "livemode", "deleted"}


def stripe_update(store: Store, resource: str, object_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Update a Stripe object: `metadata` merges key by key ('' removes a key), other keys are replaced.

    Appends `<object>.updated` with `previous_attributes`; returns the new document.
    """
    if resource not in _STRIPE_WRITABLE:
        raise InvalidWriteError(
            "stripe", resource, object_id, "resource", "the sandbox does not accept updates"
        )
    with store.transaction() as conn:
        m = Mutation(conn, store.now())
        doc = m.stripe_doc(resource, object_id)
        if doc is None or doc.get("deleted"):
            raise RecordNotFoundError("stripe", resource, object_id)
        previous: dict[str, Any] = {}
        for name, value in changes.items():
            if name in _STRIPE_FIXED or name not in doc:
                raise InvalidWriteError("stripe", resource, object_id, name, "unknown or read-only parameter")
            if name == "metadata":
                old_meta = dict(doc.get("metadata") or {})
                new_meta = dict(old_meta)
                for k, v in (value or {}).items():
                    if v in ("", None):
                        new_meta.pop(k, None)
                    else:
                        new_meta[k] = str(v)
                if new_meta != old_meta:
                    previous["metadata"] = {
                        k: old_meta.get(k)
                        for k in set(old_meta) | set(new_meta)
                        if old_meta.get(k) != new_meta.get(k)
                    }
                    doc["metadata"] = new_meta
            elif doc[name] != value:
                previous[name] = doc[name]
                doc[name] = value
        touched: list[TouchedKey] = [("stripe", resource, object_id)]
        if previous:
            extra = {"current_period_end": _period_end(doc)} if resource == "subscriptions" else {}
            m.stripe_put(resource, doc, **extra)
            m.event(f"{m.event_prefix(doc)}.updated", doc, previous)
            if resource == "customers":
                old_sf = (previous.get("metadata") or {}).get("salesforce_account_id")
                touched += [
                    ("salesforce", "Account", old_sf),
                    ("salesforce", "Account", doc["metadata"].get("salesforce_account_id")),
                ]
            reevaluate(conn, touched, m.now, f"stripe update {resource} {object_id}")
        m.finish()
    return doc


def _period_end(doc: dict[str, Any]) -> int | None:
    if doc.get("status") == "canceled" or not doc["items"]["data"]:
        return None
    return doc["items"]["data"][0]["current_period_end"]


_NS_TYPES = {
    "customer": ("customer", None, "customer"),
    "invoice": ("transaction", "CustInvc", "invoice"),
    "customerPayment": ("transaction", "CustPymt", "customerpayment"),
}
_NS_CUSTOMER_FIELDS = {
    "entityid",
    "companyname",
    "email",
    "phone",
    "subsidiary",
    "currency",
    "parent",
    "terms",
    "custentity_sf_account_id",
    "isinactive",
    "externalid",
}
_NS_TXN_FIELDS = {
    "entity",
    "subsidiary",
    "currency",
    "trandate",
    "duedate",
    "memo",
    "tranid",
    "taxtotal",
    "foreigntotal",
    "externalid",
    "lines",
    "payment",
    "apply",
}


def netsuite_upsert(
    store: Store, record_type: str, externalid: str, fields: dict[str, Any]
) -> tuple[int, bool]:
    """`eid:` upsert of a customer, invoice or customerPayment; returns (internal id, created?)."""
    table, txn_type, _ = _ns_type(record_type)
    with store.transaction() as conn:
        m = Mutation(conn, store.now())
        where = "externalid = ?" + (" and type = ?" if txn_type else "")
        args = (externalid, txn_type) if txn_type else (externalid,)
        existing = m.ns_row(table, where, *args)
        if existing is None:
            ns_id = _ns_create(m, record_type, {**fields, "externalid": externalid})
        else:
            ns_id = existing["id"]
            _ns_apply(m, record_type, existing, fields)
        reevaluate(
            conn,
            _ns_touched(m, record_type, ns_id, existing),
            m.now,
            f"netsuite upsert {record_type} eid:{externalid}",
        )
        m.finish()
    return ns_id, existing is None


def netsuite_update(
    store: Store, record_type: str, internal_id: int, fields: dict[str, Any]
) -> dict[str, Any]:
    """Update a customer, invoice or customerPayment by internal id; returns the updated row."""
    table, txn_type, _ = _ns_type(record_type)
    with store.transaction() as conn:
        m = Mutation(conn, store.now())
        existing = _ns_existing(m, record_type, table, txn_type, internal_id)
        _ns_apply(m, record_type, existing, fields)
        reevaluate(
            conn,
            _ns_touched(m, record_type, internal_id, existing),
            m.now,
            f"netsuite update {record_type} {internal_id}",
        )
        m.finish()
        row = m.ns_row(table, "id = ?", internal_id)
    assert row is not None
    return row


def netsuite_delete(store: Store, record_type: str, internal_id: int) -> None:
    """Delete a record; NetSuite logs it in `deletedrecord`."""
    table, txn_type, type_name = _ns_type(record_type)
    with store.transaction() as conn:
        m = Mutation(conn, store.now())
        existing = _ns_existing(m, record_type, table, txn_type, internal_id)
        touched = _ns_touched(m, record_type, internal_id, existing)
        m.ns_delete(
            table,
            type_name,
            internal_id,
            existing.get("entityid") or existing.get("tranid"),
            existing.get("externalid"),
        )
        if record_type == "customerPayment":
            for inv_id in _applied_invoices(touched):
                _refresh_invoice_status(m, inv_id)
        reevaluate(conn, touched, m.now, f"netsuite delete {record_type} {internal_id}")
        m.finish()


def _ns_type(record_type: str) -> tuple[str, str | None, str]:
    if record_type not in _NS_TYPES:
        raise InvalidWriteError(
            "netsuite", record_type, "", "record type", "expected customer, invoice or customerPayment"
        )
    return _NS_TYPES[record_type]


def _ns_existing(
    m: Mutation, record_type: str, table: str, txn_type: str | None, internal_id: int
) -> dict[str, Any]:
    where = "id = ?" + (" and type = ?" if txn_type else "")
    row = m.ns_row(table, where, *((internal_id, txn_type) if txn_type else (internal_id,)))
    if row is None:
        raise RecordNotFoundError("netsuite", record_type, str(internal_id))
    return row


def _check_fields(record_type: str, key: object, fields: dict[str, Any], allowed: set[str]) -> None:
    for name in fields:
        if name not in allowed:
            raise InvalidWriteError("netsuite", record_type, str(key), name, "no such field")


def _ns_create(m: Mutation, record_type: str, fields: dict[str, Any]) -> int:
    key = fields.get("externalid")
    if record_type == "customer":
        _check_fields(record_type, key, fields, _NS_CUSTOMER_FIELDS)
        if not fields.get("companyname"):
            raise InvalidWriteError(
                "netsuite", record_type, str(key), "companyname", "required field missing"
            )
        subsidiary = int(fields.get("subsidiary") or 2)
        sub = m.ns_row("subsidiary", "id = ?", subsidiary)
        if sub is None:
            raise InvalidWriteError(
                "netsuite", record_type, str(key), "subsidiary", f"no subsidiary {subsidiary}"
            )
        ns_id = m.ns_id("entity")
        m.ns_insert(
            "customer",
            {
                "id": ns_id,
                "entityid": fields.get("entityid") or f"CUST{ns_id:07d}",
                "companyname": fields["companyname"],
                "email": fields.get("email"),
                "phone": fields.get("phone"),
                "subsidiary": subsidiary,
                "currency": int(fields.get("currency") or sub["currency"]),
                "parent": fields.get("parent"),
                "terms": fields.get("terms"),
                "externalid": key,
                "custentity_sf_account_id": fields.get("custentity_sf_account_id"),
                "isinactive": fields.get("isinactive", "F"),
                "datecreated": m.ns_now,
                "lastmodifieddate": m.ns_now,
            },
        )
        return ns_id
    _check_fields(record_type, key, fields, _NS_TXN_FIELDS)
    entity = m.ns_row("customer", "id = ?", fields.get("entity"))
    if entity is None:
        raise InvalidWriteError(
            "netsuite", record_type, str(key), "entity", f"no customer {fields.get('entity')}"
        )
    ns_id = m.ns_id("transaction")
    is_invoice = record_type == "invoice"
    prefix = "INV" if is_invoice else "PYMT"
    trandate = fields.get("trandate") or m.ns_now[:10]
    m.ns_insert(
        "transaction",
        {
            "id": ns_id,
            "tranid": fields.get("tranid") or f"{prefix}{ns_id:08d}",
            "type": "CustInvc" if is_invoice else "CustPymt",
            "recordtype": _NS_TYPES[record_type][2],
            "entity": entity["id"],
            "subsidiary": int(fields.get("subsidiary") or entity["subsidiary"]),
            "currency": int(fields.get("currency") or entity["currency"]),
            "exchangerate": None,
            "foreigntotal": 0.0,
            "taxtotal": None,
            "foreignamountremaining": None,
            "status": INVOICE_OPEN if is_invoice else PAYMENT_DEPOSITED,
            "trandate": trandate,
            "duedate": fields.get("duedate"),
            "memo": fields.get("memo"),
            "externalid": key,
            "voided": "F",
            "createddate": m.ns_now,
            "lastmodifieddate": m.ns_now,
        },
    )
    row = m.ns_row("transaction", "id = ?", ns_id)
    assert row is not None
    rest = {
        k: v
        for k, v in fields.items()
        if k
        not in ("entity", "subsidiary", "currency", "trandate", "duedate", "memo", "tranid", "externalid")
    }
    _ns_apply(m, record_type, row, rest)
    return ns_id


def _ns_apply(m: Mutation, record_type: str, row: dict[str, Any], fields: dict[str, Any]) -> None:
    """Apply fields to an existing record (lines replace lines; `apply` adds payment applications)."""
    ns_id = row["id"]
    if record_type == "customer":
        _check_fields(record_type, ns_id, fields, _NS_CUSTOMER_FIELDS)
        if fields:
            m.ns_update("customer", ns_id, fields)
        return
    _check_fields(record_type, ns_id, fields, _NS_TXN_FIELDS)
    plain = {k: v for k, v in fields.items() if k not in ("lines", "apply", "payment")}
    if record_type == "invoice":
        if "lines" in fields:
            m.conn.execute('delete from transactionline where "transaction" = ?', (ns_id,))
            total = 0.0
            for n, line in enumerate(fields["lines"], start=1):
                qty = float(line.get("quantity", 1))
                rate = float(line.get("rate", line.get("amount", 0.0)))
                amount = float(line.get("amount", qty * rate))
                total += amount
                m.ns_insert(
                    "transactionline",
                    {
                        "transaction": ns_id,
                        "id": n,
                        "linesequencenumber": n,
                        "item": line.get("item"),
                        "memo": line.get("memo"),
                        "quantity": qty,
                        "rate": rate,
                        "foreignamount": amount,
                        "subsidiary": plain.get("subsidiary", row["subsidiary"]),
                        "mainline": "F",
                    },
                )
            plain.setdefault(
                "foreigntotal", round(total + float(plain.get("taxtotal", row["taxtotal"] or 0)), 2)
            )
        m.ns_update("transaction", ns_id, plain)
        _refresh_invoice_status(m, ns_id)
        return
    if "payment" in fields:
        plain["foreigntotal"] = float(fields["payment"])
    m.ns_update("transaction", ns_id, plain)
    for application in fields.get("apply", []):
        inv_id = int(application["doc"])
        invoice = m.ns_row("transaction", "id = ? and type = 'CustInvc'", inv_id)
        if invoice is None:
            raise InvalidWriteError("netsuite", record_type, str(ns_id), "apply", f"no invoice {inv_id}")
        amount = float(
            application.get("amount", invoice["foreignamountremaining"] or invoice["foreigntotal"])
        )
        m.conn.execute(
            "insert or replace into previoustransactionlink (previousdoc, nextdoc, linktype, "
            "foreignamount, lastmodifieddate) values (?, ?, 'Payment', ?, ?)",
            (inv_id, ns_id, amount, m.ns_now),
        )
        _refresh_invoice_status(m, inv_id)


def _refresh_invoice_status(m: Mutation, inv_id: int) -> None:
    """Recompute an ERP invoice's amount remaining and status from the payments and credits applied to it."""
    invoice = m.ns_row("transaction", "id = ? and type = 'CustInvc'", inv_id)
    if invoice is None:
        return
    applied = m.conn.execute(
        "select coalesce(sum(foreignamount), 0) from previoustransactionlink where previousdoc = ?", (inv_id,)
    ).fetchone()[0]
    remaining = max(0.0, round((invoice["foreigntotal"] or 0.0) - applied, 2))
    status = INVOICE_PAID if remaining <= 0.005 else INVOICE_OPEN
    if (remaining, status) != (invoice["foreignamountremaining"], invoice["status"]):
        m.ns_update("transaction", inv_id, {"foreignamountremaining": remaining, "status": status})


def _ns_touched(m: Mutation, record_type: str, ns_id: int, before: dict[str, Any] | None) -> list[TouchedKey]:
    table = _NS_TYPES[record_type][0]
    after = m.ns_row(table, "id = ?", ns_id)
    touched: list[TouchedKey] = [("netsuite", table, ns_id)]
    stripe_table = {"customer": "customers", "invoice": "invoices", "customerPayment": "payment_intents"}[
        record_type
    ]
    for row in (before, after):
        if row is not None:
            touched.append(("stripe", stripe_table, row.get("externalid")))
    if record_type == "customerPayment":
        links = m.conn.execute("select previousdoc from previoustransactionlink where nextdoc = ?", (ns_id,))
        for (inv_id,) in links.fetchall():
            touched.append(("netsuite", "transaction", inv_id))
            inv = m.ns_row("transaction", "id = ?", inv_id)
            if inv is not None:
                touched.append(("stripe", "invoices", inv["externalid"]))
    return touched


def _applied_invoices(touched: list[TouchedKey]) -> list[int]:
    return [int(key) for system, obj, key in touched[1:] if system == "netsuite" and obj == "transaction"]
