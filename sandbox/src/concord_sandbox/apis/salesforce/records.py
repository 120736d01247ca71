"""Writes to sObject records at the simulated time: create, update, delete, merge, upsert by external id.

These follow the store contract in sandbox/MODEL.md (every change stamps `LastModifiedDate` and
`SystemModstamp` with the clock; deletions keep the row with `IsDeleted = 1` and `_deleted_at`; a merge loser
also gets `MasterRecordId`). Values are checked against the field's describe metadata; a problem raises
`SalesforceApiError` with the vendor's error code naming the field. The sandbox core's shared write functions
(with ground-truth repair detection) replace these once they exist: keep the signatures identical.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

import orjson

from concord_sandbox.apis.salesforce.errors import SalesforceApiError, not_found
from concord_sandbox.apis.salesforce.objects import Field, SObject
from concord_sandbox.ids import salesforce_id
from concord_sandbox.store import Store, set_meta
from concord_sandbox.timefmt import sf

INTEGRATION_USER = "005Dn0000000001IAA"
_NUMERIC = {"currency", "double", "percent"}


def _bad_value(sobject: str, f: Field, value: object) -> SalesforceApiError:
    return SalesforceApiError(400, "INVALID_TYPE_ON_FIELD_IN_RECORD",
                              f"{f.name}: value not of required type: {value!r} ({sobject}.{f.name} is {f.type})",
                              [f.name])


def coerce(sobject: SObject, name: str, value: Any, *, creating: bool) -> tuple[str, Any]:
    """The column and stored value for one written field; INVALID_FIELD / …_FOR_INSERT_UPDATE / type errors."""
    f = sobject.lookup(name)
    if f is None:
        raise SalesforceApiError(400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject.name}",
                                 [name])
    if not (f.createable if creating else f.updateable):
        raise SalesforceApiError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                                 f"Unable to create/update fields: {f.name}. Please check the security settings "
                                 "of this field and verify that it is read/write for your profile or permission set.",
                                 [f.name])
    if value is None:
        if not f.nillable:
            raise SalesforceApiError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{f.name}]",
                                     [f.name])
        return f.name, None
    if f.type == "boolean":
        if not isinstance(value, bool):
            raise _bad_value(sobject.name, f, value)
        return f.name, int(value)
    if f.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad_value(sobject.name, f, value)
        return f.name, value
    if f.type in _NUMERIC:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad_value(sobject.name, f, value)
        return f.name, float(value)
    if not isinstance(value, str):
        raise _bad_value(sobject.name, f, value)
    if f.type == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            raise _bad_value(sobject.name, f, value) from None
    return f.name, value


def _columns(sobject: SObject, fields: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    return dict(coerce(sobject, k, v, creating=creating) for k, v in fields.items() if k != "attributes")


def _live(conn: sqlite3.Connection, sobject: SObject, record_id: str) -> None:
    row = conn.execute(f'select {"IsDeleted" if sobject.has_is_deleted else "0"} from "{sobject.name}" '
                       "where Id = ?", (record_id,)).fetchone()
    if row is None:
        raise not_found(f"Provided external ID field does not exist or is not accessible: {record_id}")
    if row[0]:
        raise SalesforceApiError(400, "ENTITY_IS_DELETED", "entity is deleted", [])


def _stamp(sobject: SObject, ts: str) -> dict[str, Any]:
    stamp: dict[str, Any] = {"LastModifiedDate": ts, "SystemModstamp": ts}
    if sobject.lookup("LastModifiedById"):
        stamp["LastModifiedById"] = INTEGRATION_USER
    return stamp


def _set(conn: sqlite3.Connection, table: str, record_id: str, columns: dict[str, Any]) -> None:
    assignments = ", ".join(f'"{c}" = ?' for c in columns)
    conn.execute(f'update "{table}" set {assignments} where Id = ?', (*columns.values(), record_id))


def update_record(store: Store, sobject: SObject, record_id: str, fields: dict[str, Any]) -> None:
    """Update a live record's fields at the simulated time."""
    columns = _columns(sobject, fields, creating=False)
    columns.pop("Id", None)
    with store.transaction() as conn:
        _live(conn, sobject, record_id)
        _set(conn, sobject.name, record_id, {**columns, **_stamp(sobject, sf(store_now(conn)))})


def create_record(store: Store, sobject: SObject, fields: dict[str, Any]) -> str:
    """Insert a record at the simulated time; returns its new 18-character Id."""
    columns = _columns(sobject, fields, creating=True)
    with store.transaction() as conn:
        ts = sf(store_now(conn))
        record_id = salesforce_id(sobject.name, _next_counter(conn, f"sf.{sobject.name}"))
        row: dict[str, Any] = {"Id": record_id, **columns, "CreatedDate": ts, **_stamp(sobject, ts)}
        if sobject.lookup("CreatedById"):
            row["CreatedById"] = INTEGRATION_USER
        if sobject.name in ("Contact", "User") and "Name" not in row:
            row["Name"] = " ".join(p for p in (row.get("FirstName"), row.get("LastName")) if p)
        missing = [f.name for f in sobject.fields
                   if not f.nillable and f.createable and row.get(f.name) is None and f.type != "boolean"]
        if missing:
            raise SalesforceApiError(400, "REQUIRED_FIELD_MISSING",
                                     f"Required fields are missing: [{', '.join(missing)}]", missing)
        names = ", ".join(f'"{c}"' for c in row)
        conn.execute(f'insert into "{sobject.name}" ({names}) values ({", ".join("?" for _ in row)})',
                     tuple(row.values()))
    return record_id


def delete_record(store: Store, sobject: SObject, record_id: str) -> None:
    """Move a live record to the recycle bin (IsDeleted, `_deleted_at` = the clock)."""
    if not sobject.has_is_deleted:
        raise SalesforceApiError(400, "INVALID_OPERATION", f"{sobject.name} records cannot be deleted", [])
    with store.transaction() as conn:
        _live(conn, sobject, record_id)
        ts = sf(store_now(conn))
        _set(conn, sobject.name, record_id, {"IsDeleted": 1, "_deleted_at": ts, **_stamp(sobject, ts)})


def merge_records(store: Store, sobject: SObject, master_id: str, loser_ids: list[str]) -> None:
    """Merge losers into the master: losers deleted with `MasterRecordId`, their Contacts/Opportunities
    re-parented to the master (each re-parented child gets a new modstamp), the master touched."""
    if sobject.lookup("MasterRecordId") is None:
        raise SalesforceApiError(400, "INVALID_OPERATION", f"{sobject.name} records cannot be merged", [])
    with store.transaction() as conn:
        ts = sf(store_now(conn))
        _live(conn, sobject, master_id)
        for loser in loser_ids:
            _live(conn, sobject, loser)
            _set(conn, sobject.name, loser,
                 {"IsDeleted": 1, "_deleted_at": ts, "MasterRecordId": master_id, **_stamp(sobject, ts)})
            if sobject.name == "Account":
                for child in ("Contact", "Opportunity"):
                    conn.execute(f'update "{child}" set AccountId = ?, LastModifiedDate = ?, SystemModstamp = ? '
                                 "where AccountId = ? and IsDeleted = 0", (master_id, ts, ts, loser))
        _set(conn, sobject.name, master_id, _stamp(sobject, ts))


def find_by_external_id(store: Store, sobject: SObject, field_name: str, value: str) -> str | None:
    """The Id of the live record whose external-id field equals `value`, or None."""
    f = sobject.lookup(field_name)
    if f is None or not (f.external_id or f.name == "Id"):
        raise SalesforceApiError(400, "INVALID_FIELD",
                                 f"Field {field_name} is not an external ID field on {sobject.name}", [field_name])
    live = ' and "IsDeleted" = 0' if sobject.has_is_deleted else ""
    with store.lock:
        rows = store.conn.execute(f'select Id from "{sobject.name}" where "{f.name}" = ?{live} limit 2',
                                  (value,)).fetchall()
    if len(rows) > 1:
        raise SalesforceApiError(300, "MULTIPLE_CHOICES", f"More than one {sobject.name} has {f.name} = {value}",
                                 [f.name])
    return rows[0][0] if rows else None


def store_now(conn: sqlite3.Connection) -> int:
    """The simulated clock read inside the write transaction."""
    return int(conn.execute("select value from sandbox_meta where key = 'now'").fetchone()[0])


def _next_counter(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute("select value from sandbox_meta where key = 'counters'").fetchone()
    counters: dict[str, int] = orjson.loads(row[0]) if row else {}
    n = counters.get(name, 0) + 1
    counters[name] = n
    set_meta(conn, "counters", orjson.dumps(counters, option=orjson.OPT_SORT_KEYS).decode())
    return n
