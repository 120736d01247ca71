"""sObject Collections: `PATCH /composite/sobjects` (update by Id) and
`PATCH /composite/sobjects/{obj}/{externalIdField}` (upsert), at most 200 records per call.

Each record gets a result `{id, success, errors[, created]}` in request order. With `allOrNone` every record is
checked first and nothing is written if one fails (the others report ALL_OR_NONE_OPERATION_ROLLED_BACK).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from concord_sandbox.apis.salesforce import records
from concord_sandbox.apis.salesforce.errors import SalesforceApiError
from concord_sandbox.apis.salesforce.objects import SObject
from concord_sandbox.store import Store

MAX_RECORDS = 200


def _failure(exc: SalesforceApiError, record_id: str | None = None) -> dict[str, Any]:
    return {"id": record_id, "success": False,
            "errors": [{"statusCode": exc.error_code, "message": exc.message, "fields": exc.fields or []}]}


def _records(body: Any) -> tuple[list[dict[str, Any]], bool]:
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise SalesforceApiError(400, "JSON_PARSER_ERROR", "expected {\"allOrNone\": …, \"records\": [...]}")
    recs = body["records"]
    if len(recs) > MAX_RECORDS:
        raise SalesforceApiError(400, "EXCEEDED_ID_LIMIT",
                                 f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call")
    if not all(isinstance(r, dict) for r in recs):
        raise SalesforceApiError(400, "JSON_PARSER_ERROR", "every element of records must be an object")
    return recs, bool(body.get("allOrNone", False))


def _sobject_of(rec: dict[str, Any], sobjects: dict[str, SObject], default: str | None) -> SObject:
    name = (rec.get("attributes") or {}).get("type") or default
    if not name:
        raise SalesforceApiError(400, "INVALID_TYPE", "No SObject Type defined in JSON", [])
    sobject = sobjects.get(name)
    if sobject is None:
        raise SalesforceApiError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.", [])
    return sobject


def _fields(rec: dict[str, Any], *drop: str) -> dict[str, Any]:
    lowered = {d.lower() for d in drop}
    return {k: v for k, v in rec.items() if k != "attributes" and k.lower() not in lowered}


def _run(recs: list[dict[str, Any]], all_or_none: bool, check: Callable[[dict[str, Any]], str | None],
         apply: Callable[[dict[str, Any]], dict[str, Any]]) -> list[dict[str, Any]]:
    if all_or_none:
        failures: dict[int, dict[str, Any]] = {}
        for i, rec in enumerate(recs):
            try:
                check(rec)
            except SalesforceApiError as exc:
                failures[i] = _failure(exc, rec.get("id") or rec.get("Id"))
        if failures:
            rolled_back = SalesforceApiError(400, "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                                             "Record rolled back because not all records were valid and the "
                                             "request was using AllOrNone header")
            return [failures.get(i) or _failure(rolled_back, rec.get("id") or rec.get("Id"))
                    for i, rec in enumerate(recs)]
    results = []
    for rec in recs:
        try:
            results.append(apply(rec))
        except SalesforceApiError as exc:
            results.append(_failure(exc, rec.get("id") or rec.get("Id")))
    return results


def update_collection(store: Store, sobjects: dict[str, SObject], body: Any) -> list[dict[str, Any]]:
    """Update each record by `id`; per-record results."""
    recs, all_or_none = _records(body)

    def check(rec: dict[str, Any]) -> str | None:
        sobject = _sobject_of(rec, sobjects, None)
        record_id = rec.get("id") or rec.get("Id")
        if not isinstance(record_id, str):
            raise SalesforceApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
        for k, v in _fields(rec, "id").items():
            records.coerce(sobject, k, v, creating=False)
        if records.find_by_external_id(store, sobject, "Id", record_id) is None:
            raise SalesforceApiError(404, "ENTITY_IS_DELETED" if _exists(store, sobject, record_id) else "NOT_FOUND",
                                     f"no live {sobject.name} with Id {record_id}", [])
        return record_id

    def apply(rec: dict[str, Any]) -> dict[str, Any]:
        sobject = _sobject_of(rec, sobjects, None)
        record_id = rec.get("id") or rec.get("Id")
        if not isinstance(record_id, str):
            raise SalesforceApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
        records.update_record(store, sobject, record_id, _fields(rec, "id"))
        return {"id": record_id, "success": True, "errors": []}

    return _run(recs, all_or_none, check, apply)


def upsert_collection(store: Store, sobject: SObject, external_field: str, body: Any) -> list[dict[str, Any]]:
    """Upsert each record by its `external_field` value; results carry `created`."""
    recs, all_or_none = _records(body)
    field = sobject.lookup(external_field)
    if field is None or not field.external_id:
        raise SalesforceApiError(400, "INVALID_FIELD",
                                 f"Field {external_field} is not an external ID field on {sobject.name}",
                                 [external_field])

    def key_of(rec: dict[str, Any]) -> str:
        _sobject_of(rec, {sobject.name: sobject}, sobject.name)
        value = next((v for k, v in rec.items() if k.lower() == field.name.lower()), None)
        if not isinstance(value, str) or not value:
            raise SalesforceApiError(400, "MISSING_ARGUMENT", f"{field.name} not specified", [field.name])
        return value

    def check(rec: dict[str, Any]) -> str | None:
        value = key_of(rec)
        existing = records.find_by_external_id(store, sobject, field.name, value)
        for k, v in _fields(rec, "id").items():
            records.coerce(sobject, k, v, creating=existing is None)
        return existing

    def apply(rec: dict[str, Any]) -> dict[str, Any]:
        value = key_of(rec)
        existing = records.find_by_external_id(store, sobject, field.name, value)
        fields = _fields(rec, "id")
        if existing is None:
            return {"id": records.create_record(store, sobject, fields), "success": True, "errors": [],
                    "created": True}
        records.update_record(store, sobject, existing, fields)
        return {"id": existing, "success": True, "errors": [], "created": False}

    return _run(recs, all_or_none, check, apply)


def _exists(store: Store, sobject: SObject, record_id: str) -> bool:
    with store.lock:
        return store.conn.execute(f'select 1 from "{sobject.name}" where Id = ?', (record_id,)).fetchone() is not None
