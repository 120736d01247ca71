"""Writes to sObject records: create, update, delete, merge, find by external id.

Values are first checked against the field's describe metadata (a problem raises `SalesforceApiError` with the
vendor's error code naming the field), then applied through the sandbox's write hook
(`concord_sandbox.writes`), which stamps the simulated time and marks ground-truth instances repaired.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from concord_sandbox import writes
from concord_sandbox.apis.salesforce.errors import SalesforceApiError, not_found
from concord_sandbox.apis.salesforce.objects import Field, SObject
from concord_sandbox.errors import InvalidWriteError, RecordNotFoundError
from concord_sandbox.store import Store

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


@contextmanager
def _vendor_errors(store: Store, sobject: SObject, record_id: str) -> Iterator[None]:
    """Map the store's write errors to the vendor's error codes."""
    try:
        yield
    except RecordNotFoundError:
        with store.lock:
            exists = store.conn.execute(f'select 1 from "{sobject.name}" where Id = ?', (record_id,)).fetchone()
        if exists:
            raise SalesforceApiError(400, "ENTITY_IS_DELETED", "entity is deleted", []) from None
        raise not_found(f"Provided external ID field does not exist or is not accessible: {record_id}") from None
    except InvalidWriteError as exc:
        code = "REQUIRED_FIELD_MISSING" if "required" in exc.reason else "INVALID_OPERATION"
        raise SalesforceApiError(400, code, f"{exc.field}: {exc.reason}", [exc.field]) from None


def update_record(store: Store, sobject: SObject, record_id: str, fields: dict[str, Any]) -> None:
    """Update a live record's fields at the simulated time (ground-truth repairs are detected)."""
    columns = _columns(sobject, fields, creating=False)
    columns.pop("Id", None)
    with _vendor_errors(store, sobject, record_id):
        writes.salesforce_update(store, sobject.name, record_id, columns)


def create_record(store: Store, sobject: SObject, fields: dict[str, Any]) -> str:
    """Insert a record at the simulated time; returns its new 18-character Id."""
    columns = _columns(sobject, fields, creating=True)
    if sobject.name in ("Contact",) and "Name" not in columns and sobject.lookup("Name"):
        columns["Name"] = " ".join(str(p) for p in (columns.get("FirstName"), columns.get("LastName")) if p)
    with _vendor_errors(store, sobject, "(new)"):
        return writes.salesforce_create(store, sobject.name, columns)


def delete_record(store: Store, sobject: SObject, record_id: str) -> None:
    """Move a live record to the recycle bin (IsDeleted, `_deleted_at` = the clock)."""
    with _vendor_errors(store, sobject, record_id):
        writes.salesforce_delete(store, sobject.name, record_id)


def merge_records(store: Store, sobject: SObject, master_id: str, loser_ids: list[str]) -> None:
    """Merge losers into the master (losers deleted with `MasterRecordId`, children re-parented)."""
    with _vendor_errors(store, sobject, master_id):
        writes.salesforce_merge(store, sobject.name, master_id, loser_ids)


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
